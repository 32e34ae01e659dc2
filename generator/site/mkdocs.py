"""Stage 7 — site: mkdocs-material builds the narrative pages and the page shells.

mkdocs-material costs about 45 ms per page and lists every page in its navigation, so it
builds only the few narrative pages (home, policy list, programs, guide, forms, statistics)
plus one empty *shell* page per directory depth. Data pages — thousands of township,
village and record-list pages — are then written by pouring their HTML into the shell of
their depth: same theme, header, styles and scripts, no per-page mkdocs cost.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import YikatongError
from generator.core.paths import ASSETS_DIR

log = logging.getLogger(__name__)

CONTENT_MARKER = "YIKATONG-CONTENT-MARKER"
TITLE_MARKER = "YikatongTitleMarker"
META_MARKER = "<!--YK-PAGE-META-->"  # a data page's own meta tags go here (overrides/main.html)
SHELL_DIR = "_shell"
MAX_DEPTH = 7


@dataclass(frozen=True)
class Shell:
    """The HTML of an empty themed page at one directory depth, split around its content."""

    head: str
    tail: str

    def render(self, title: str, body: str, meta: str = "") -> str:
        safe_title = escape(title, quote=True)
        return (self.head.replace(TITLE_MARKER, safe_title).replace(META_MARKER, meta) + body
                + self.tail.replace(TITLE_MARKER, safe_title))


def write_docs(docs_dir: Path, pages: dict[str, tuple[str, str]]) -> None:
    """Write narrative pages (path → (title, markdown/html body)) and the shells."""
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    for rel, (title, body) in sorted(pages.items()):
        path = docs_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        front = yaml.safe_dump({"title": title}, allow_unicode=True).strip()
        path.write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
    for depth in range(1, MAX_DEPTH + 1):
        path = docs_dir / SHELL_DIR / "/".join(f"d{depth}" for _ in range(depth - 1)) / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\ntitle: {TITLE_MARKER}\nsearch:\n  exclude: true\nhide:\n  - navigation\n  - toc\n---\n\n"
            f"{CONTENT_MARKER}\n", encoding="utf-8")
    assets = docs_dir / "assets"
    assets.mkdir(exist_ok=True)
    for item in sorted(ASSETS_DIR.glob("*")):
        if item.is_file():
            shutil.copyfile(item, assets / item.name)


def mkdocs_build(config_path: Path, docs_dir: Path, site_dir: Path, site_name: str,
                 nav: list[Any], extra: dict[str, Any] | None = None) -> None:
    """Run mkdocs with the repository's mkdocs.yml, our docs dir, name and navigation
    (`extra`: more ``config.extra`` values for the templates)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    base = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    base.update({"docs_dir": str(docs_dir.resolve()), "site_dir": str(site_dir.resolve()),
                 "site_name": site_name, "nav": nav})
    if extra:
        base["extra"] = {**(base.get("extra") or {}), **extra}
    base.setdefault("extra", {})["yk_theme_bundle"] = theme_bundle()
    theme = base.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        # the generated config lives elsewhere: keep the overrides relative to mkdocs.yml
        theme["custom_dir"] = str((config_path.parent / theme["custom_dir"]).resolve())
    generated = docs_dir.parent / "mkdocs.yml"
    generated.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # mkdocs logs every page not in nav at INFO; keep our log readable
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(config_file=str(generated))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()


def theme_bundle() -> str:
    """``assets/javascripts/bundle.<hash>.min.js`` of the installed mkdocs-material.

    The theme names its script by content hash and changes it with every release; our
    override (``overrides/main.html``) defers it, so it reads the name from here instead of
    hard-coding it.
    """
    import material

    theme_dir = Path(material.__file__).resolve().parent / "templates"
    found = sorted(theme_dir.glob("assets/javascripts/bundle.*.min.js"))
    if len(found) != 1:
        raise YikatongError(f"mkdocs-material 的主题脚本应恰好有一个，找到 {len(found)} 个：{theme_dir}")
    return found[0].relative_to(theme_dir).as_posix()


def extract_shells(site_dir: Path) -> dict[int, Shell]:
    """Read the built shell pages, split them at the content marker, then delete them."""
    shells: dict[int, Shell] = {}
    for depth in range(1, MAX_DEPTH + 1):
        path = site_dir / SHELL_DIR / "/".join(f"d{depth}" for _ in range(depth - 1)) / "index.html"
        html = path.read_text(encoding="utf-8")
        html = squeeze(_strip_shell_artifacts(html))
        marker = re.search(rf"<p>\s*{CONTENT_MARKER}\s*</p>", html)
        if marker is None:
            raise RuntimeError(f"shell page {path} lost its content marker")
        shells[depth] = Shell(html[: marker.start()], html[marker.end():])
    shutil.rmtree(site_dir / SHELL_DIR)
    _drop_from_sitemap(site_dir)
    _drop_unused_theme_search(site_dir)
    return shells


def _strip_shell_artifacts(html: str) -> str:
    # the shell's own <h1> (from its title) is replaced by the page's own heading
    html = re.sub(rf"<h1[^>]*>\s*{TITLE_MARKER}\s*</h1>", "", html)
    # prev/next footer links point at whatever neighbours the shell had; drop them
    html = re.sub(r'<nav class="md-footer__inner[^"]*".*?</nav>', "", html, flags=re.S)
    return html


def squeeze(html: str) -> str:
    """Drop the theme's template indentation and blank lines from a page.

    Every data page carries its shell, so its whitespace is written thousands of times (and
    the search page's bytes are on a shared link's critical path). Only whitespace that
    starts with a line break is touched (a run becomes one line break); a page with a <pre>
    or <textarea>, where that would show, is left as it is.
    """
    if re.search(r"<(pre|textarea)\b", html):
        return html
    return re.sub(r"\n\s+", "\n", html)


def _drop_unused_theme_search(site_dir: Path) -> None:
    # with material's search plugin off (mkdocs.yml), its worker and lunr language files
    # (1.2 MB) are never loaded: the site's own search lives under search/
    if (site_dir / "search" / "search_index.json").exists():
        return
    for name in ("workers", "lunr"):
        shutil.rmtree(site_dir / "assets" / "javascripts" / name, ignore_errors=True)


def _drop_from_sitemap(site_dir: Path) -> None:
    # sitemaps carry the build date (not deterministic) and need site_url: we don't ship them
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (site_dir / name).unlink(missing_ok=True)


def page_depth(url: str) -> int:
    """Directory depth of a directory URL: '' → 0, 't/1/' → 2."""
    return len([p for p in url.strip("/").split("/") if p])
