"""Reading built pages in tests: BeautifulSoup for one page, a streaming tag reader for all of them.

A check that runs over every page of a site (no page loads from another origin, no page carries
Material's own search) only needs each tag and its attributes; the standard library's tokenizer
gives them without building a tree, several times faster than BeautifulSoup over ~800 pages.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from bs4 import BeautifulSoup


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of `html` with its attributes (entities decoded), in document order."""
    reader = _Tags()
    reader.feed(html)
    reader.close()
    return reader.found
