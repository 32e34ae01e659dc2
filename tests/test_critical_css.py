"""generator/critical_css.py: which rules a page's first paint keeps, and the loader after it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.site.critical_css import STYLE_ID, inline_critical_css

PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8">
<link rel="stylesheet" href="../assets/theme.css">
<link rel="stylesheet" href="own.css">
</head>
<body><header class="md-header" data-md-color-primary="red"><a class="md-logo" href="/">县</a></header>
<main><form id="yk-search"><input type="search" name="q"></form></main></body></html>
"""


def build(tmp_path: Path, theme: str, own: str = ".own{color:red}", **kwargs: object) -> str:
    (tmp_path / "assets").mkdir(exist_ok=True)
    (tmp_path / "assets" / "theme.css").write_text(theme, encoding="utf-8")
    (tmp_path / "search").mkdir(exist_ok=True)
    (tmp_path / "search" / "own.css").write_text(own, encoding="utf-8")
    page = tmp_path / "search" / "index.html"
    page.write_text(PAGE, encoding="utf-8")
    assert inline_critical_css(page, **kwargs)
    return page.read_text(encoding="utf-8")


def critical(html: str) -> str:
    found = re.search(rf'<style id="{STYLE_ID}">(.*?)</style>', html, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("rule", "kept"), [
    (".md-header{color:red}", True),
    (".md-sidebar{color:red}", False),  # no such class on the page
    ("header .md-logo{color:red}", True),
    ("aside .md-logo{color:red}", False),  # no <aside>
    ("#yk-search input{color:red}", True),
    ("#elsewhere{color:red}", False),
    ("input[type=search]{color:red}", True),
    ("input[type=checkbox]{color:red}", False),
    ("[data-md-color-primary=red]{color:red}", True),
    ("[data-md-color-primary=indigo]{color:red}", False),  # the palette the page does not use
    ("[data-md-color-primary^=in]{color:red}", True),  # only exact values are checked
    (".md-logo:hover{color:red}", True),  # states are the page's too
    (".md-logo:not(.md-logo--off){color:red}", True),
    (".md-header:before{color:red}", True),
])
def test_a_rule_is_kept_when_its_selector_can_match_the_page(tmp_path: Path, rule: str, kept: bool) -> None:
    css = critical(build(tmp_path, rule))
    assert (rule.split("{")[0] in css) is kept


def test_a_selector_list_keeps_only_its_matching_selectors(tmp_path: Path) -> None:
    css = critical(build(tmp_path, ".md-sidebar,.md-header,.md-tabs{margin:0}"))
    assert ".md-header{margin:0}" in css
    assert ".md-sidebar" not in css and ".md-tabs" not in css


@pytest.mark.parametrize(("rules", "kept", "dropped"), [
    # commas inside :is()/:where()/:not() belong to their argument, not to the selector list
    (".md-sidebar,:is(.md-header, .md-tabs) .md-logo{margin:0}",
     [":is(.md-header, .md-tabs) .md-logo"], [".md-sidebar"]),
    (":where(.md-tabs,.md-sidebar) a,header:not(.md-tabs,.md-sidebar){margin:0}",
     ["header:not(.md-tabs,.md-sidebar)"], [":where(.md-tabs,.md-sidebar) a"]),
    ("input:is([type=search], [type=text]),.md-logo:where(:hover,:focus){margin:0}",
     ["input:is([type=search], [type=text])", ".md-logo:where(:hover,:focus)"], []),
    ("a[title=\"a,b\"],.md-header{margin:0}", [".md-header"], ['a[title="a,b"]']),
])
def test_selector_lists_split_only_at_their_own_commas(tmp_path: Path, rules: str, kept: list[str],
                                                       dropped: list[str]) -> None:
    css = critical(build(tmp_path, rules))
    assert re.search(r"(^|\})" + re.escape(",".join(kept) + "{margin:0}"), css), css
    for selector in dropped:
        assert selector not in css


def test_media_blocks_are_filtered_inside_and_fonts_and_keyframes_dropped(tmp_path: Path) -> None:
    css = critical(build(tmp_path, (
        "@media screen and (min-width:60em){.md-header{padding:0}.md-sidebar{padding:0}}"
        "@media print{.md-sidebar{display:none}}"
        "@font-face{font-family:x;src:url(x.woff2)}"
        "@keyframes spin{from{opacity:0}to{opacity:1}}")))
    assert "@media screen and (min-width:60em){.md-header{padding:0}}" in css
    assert "print" not in css and "@font-face" not in css and "@keyframes" not in css


def test_custom_properties_are_kept_only_when_used(tmp_path: Path) -> None:
    css = critical(build(tmp_path, (
        ":root{--fg:var(--base);--base:#c62828;--icon:url(\"data:image/svg+xml;charset=utf-8,<svg/>\")}"
        ".md-header{color:var(--fg)}")))
    assert "--fg:var(--base)" in css and "--base:#c62828" in css  # used, and what it uses
    assert "--icon" not in css
    assert ".md-header{color:var(--fg)}" in css


def test_relative_urls_are_rebased_for_the_page(tmp_path: Path) -> None:
    css = critical(build(tmp_path, (
        ".md-header{background:url(images/bar.png)}"
        ".md-logo{background:url('../fonts/x.svg')}"
        ".md-header:after{background:url(data:image/png;base64,AAAA)}")))
    assert "url(../assets/images/bar.png)" in css
    assert "../fonts/x.svg" in css and "assets/../" not in css
    assert "url(data:image/png;base64,AAAA)" in css


def test_keep_whole_sheets_are_inlined_entire_and_in_order(tmp_path: Path) -> None:
    css = critical(build(tmp_path, ".md-header{color:blue}", own=".result{color:red}.yk-more{margin:0}",
                         keep_whole={"own.css"}))
    assert css.index(".md-header{color:blue}") < css.index(".result{color:red}")
    assert ".yk-more{margin:0}" in css


def test_links_become_a_loader_and_noscript_fallback(tmp_path: Path) -> None:
    html = build(tmp_path, ".md-header{color:blue}")
    head = html[: html.index("</head>")]
    outside_noscript = re.sub(r"<noscript>.*?</noscript>", "", head, flags=re.DOTALL)
    assert "<link" not in outside_noscript  # nothing blocks the first paint
    assert re.search(r'<noscript><link rel="stylesheet" href="../assets/theme.css">'
                     r'<link rel="stylesheet" href="own.css"></noscript>', head)
    loader = re.search(rf'<style id="{STYLE_ID}">.*?</style><script>(.*?)</script>', head, re.DOTALL)
    assert loader is not None
    assert '["../assets/theme.css", "own.css"]' in loader.group(1)
    assert "YikatongSearch.settled" in loader.group(1)
    # a second run finds its own work done and changes nothing
    page = tmp_path / "search" / "index.html"
    assert inline_critical_css(page) is False
    assert page.read_text(encoding="utf-8") == html


def test_style_text_cannot_close_its_element(tmp_path: Path) -> None:
    css = critical(build(tmp_path, '.md-header:after{content:"</style><script>alert(1)</script>"}'))
    assert "</style>" not in css and "<\\/style>" in css


def test_a_page_without_stylesheets_is_left_alone(tmp_path: Path) -> None:
    page = tmp_path / "plain.html"
    page.write_text("<html><head></head><body></body></html>", encoding="utf-8")
    assert inline_critical_css(page) is False
    assert page.read_text(encoding="utf-8") == "<html><head></head><body></body></html>"


@pytest.mark.parametrize("href", ["missing.css", "https://cdn.example.com/x.css", "//cdn.example.com/x.css"])
def test_a_stylesheet_it_cannot_read_leaves_the_page_as_it_is(tmp_path: Path, href: str) -> None:
    build(tmp_path, ".md-header{color:blue}")  # theme.css and own.css exist
    page = tmp_path / "search" / "index.html"
    html = PAGE.replace('href="own.css"', f'href="{href}"')
    page.write_text(html, encoding="utf-8")
    assert inline_critical_css(page) is False
    assert page.read_text(encoding="utf-8") == html
    page.write_text(PAGE, encoding="utf-8")  # the same page with both stylesheets at hand
    assert inline_critical_css(page) is True
