"""The built site's shell: what a cheap phone on a slow network needs from every page.

Pins the choices made for Lighthouse and the search page's first result (issues 2 and 3):
no mkdocs-material search (its index would be fetched by every page), the search page's
client in <head> before any stylesheet, a deferred theme bundle, lang and viewport on every
page, small record pages, and a working navigation drawer at 360 px.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import phone_tab, static_server
from tests.pages import html_pages, soup, tags


def record_page(site: Path) -> Path:
    return sorted(site.glob("t/*/*/*/index.html"))[0]


def test_every_page_has_lang_zh_and_a_viewport(built_site: Path) -> None:
    pages = html_pages(built_site)
    assert len(pages) > 50
    for path in pages:
        head = path.read_text(encoding="utf-8")[:2000]
        assert re.search(r'<html lang="zh"', head), path
        assert '<meta name="viewport" content="width=device-width,initial-scale=1">' in head, path


def test_no_page_uses_materials_search(built_site: Path) -> None:
    assert not (built_site / "search" / "search_index.json").exists()
    assert not list((built_site / "assets" / "javascripts").glob("workers/search*"))
    for path in html_pages(built_site):
        text = path.read_text(encoding="utf-8")
        material = [(tag, attrs) for tag, attrs in tags(text)
                    if attrs.get("data-md-component") == "search" or "md-search" in attrs.get("class", "").split()
                    or (tag == "label" and attrs.get("for") == "__search")]
        assert material == [], path
        assert "search_index.json" not in text, path


def test_every_themed_page_links_to_the_search_page_from_its_header(built_site: Path) -> None:
    for path in [built_site / "index.html", built_site / "policies" / "index.html", record_page(built_site)]:
        link = soup(path).select_one("header a.yk-header-search")
        assert link is not None, path
        assert (path.parent / str(link["href"]) / "index.html").resolve() == (built_site / "search" / "index.html").resolve()
        assert link["aria-label"] == "查询补贴"


def test_theme_bundle_is_deferred(built_site: Path) -> None:
    for path in [built_site / "index.html", record_page(built_site)]:
        bundles = [s for s in soup(path).find_all("script", src=True) if "bundle." in str(s["src"])]
        assert len(bundles) == 1, path
        assert bundles[0].has_attr("defer"), path
    # the search page loads it after its load event, the URL's query and the first scroll,
    # touch or key (no <script src>)
    search = soup(built_site / "search" / "index.html")
    assert not [s for s in search.find_all("script", src=True) if "bundle." in str(s["src"])]
    assert any("bundle." in s.get_text() and "settled" in s.get_text() for s in search.find_all("script"))


def test_search_page_carries_its_manifest_client_and_critical_css(built_site: Path) -> None:
    """A shared search link needs two round trips: the page, then the query's shards."""
    import json

    html = (built_site / "search" / "index.html").read_text(encoding="utf-8")
    head = html[: html.index("</head>")]
    page = soup(built_site / "search" / "index.html")
    # lunr.js is requested first, then the manifest and client run inline
    scripts = page.head.find_all("script")
    assert scripts[0].get("src") == "lunr.min.js" and scripts[0].has_attr("async")
    inline = page.select_one("script#yk-manifest")
    assert inline is not None and inline.get("type") == "application/json"
    manifest = json.loads((built_site / "search" / "manifest.json").read_text(encoding="utf-8"))
    assert json.loads(inline.get_text()) == manifest
    assert html.count("YikatongSearch=core") == 1  # the client, minified, inlined once
    assert '<script src="search.js"' not in html and not page.select('link[href$="manifest.json"]')
    # no stylesheet blocks the first paint: the critical rules are inline, the theme's
    # stylesheets load from a script, or from <noscript> without JavaScript
    # the core (which requests the shards) first; the form's code and the CSS after it
    assert head.index('<script id="yk-core">') < head.index('<script id="yk-page">') \
        < head.index('<style id="yk-critical">')
    blocking = [link for link in page.find_all("link", rel="stylesheet") if link.find_parent("noscript") is None]
    assert blocking == []
    noscript = [link["href"] for link in page.select("noscript link[rel=stylesheet]")]
    assert any("main." in h for h in noscript) and "search.css" in noscript
    critical = page.select_one("style#yk-critical").get_text()
    assert ".md-header{" in critical and ".result" in critical
    assert ".md-search__" not in critical and "@font-face" not in critical  # not on this page
    assert page.select_one('form#yk-search input[type="search"][name="q"]') is not None
    assert page.select_one("#results") is not None


def test_record_pages_are_small(built_site: Path) -> None:
    pages = sorted(built_site.glob("t/*/*/*/index.html"))
    assert pages
    largest = max(len(gzip.compress(p.read_bytes(), 6)) for p in pages)
    assert largest <= 60 * 1024
    html = record_page(built_site).read_text(encoding="utf-8")
    assert "\n\n" not in html.split('<article', 1)[0]  # the shell carries no blank lines


# --- in the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    with static_server(built_site) as url:
        yield url


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    with phone_tab(browser, server) as tab:
        yield tab


@pytest.mark.browser
def test_drawer_navigation_works_at_360px(phone: Any, server: str, built_site: Path) -> None:
    record = record_page(built_site).parent.relative_to(built_site).as_posix()
    phone.goto(f"{server}{record}/")
    assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone.click('header label[for="__drawer"]')
    link = phone.locator('.md-nav--primary a.md-nav__link[href$="policies/"]')
    link.wait_for(state="visible")
    link.click()
    phone.wait_for_url("**/policies/")
    assert "补贴政策" in phone.title()


@pytest.mark.browser
def test_search_page_fetches_shards_first_and_stylesheets_after(phone: Any, server: str) -> None:
    requested: list[str] = []
    phone.on("request", lambda r: requested.append(r.url))
    phone.goto(f"{server}search/?q={quote('王')}")
    phone.wait_for_selector("#results .result")
    phone.wait_for_function("() => !document.getElementById('yk-critical')")  # full CSS took over
    names = [u.split("/search/", 1)[-1] for u in requested if u.startswith(server)]
    shards = [i for i, n in enumerate(names) if n.startswith("s/")]
    stylesheets = [i for i, n in enumerate(names) if n.endswith(".css")]
    assert shards and stylesheets and max(shards) < min(stylesheets), names
    assert names.index("lunr.min.js") < min(shards)
    assert not any(n.endswith("manifest.json") for n in names)  # it is in the page
    assert not any("search_index.json" in n for n in names)
    assert not any("favicon" in n for n in names[: max(shards)])  # the icon waits too
    phone.wait_for_function("() => document.querySelector('link[rel=icon][href*=favicon]')")
    phone.wait_for_timeout(300)
    # the theme's script waits for the villager: it only follows scrolling here
    assert not phone.evaluate("() => document.querySelector('script[src*=\"bundle.\"]')")
    assert not any("bundle." in n for n in names)
    phone.mouse.wheel(0, 300)
    phone.wait_for_function("() => document.querySelector('script[src*=\"bundle.\"]')")


# what the page shows: the header and every element of the content, placed and styled
_LOOK = """() => Array.from(document.querySelectorAll(
    'header.md-header, .md-header__title, .md-content *, .md-footer')).map((el) => {
  const cs = getComputedStyle(el), box = el.getBoundingClientRect();
  // by tag (not class: the theme's script toggles state classes such as md-header--shadow)
  return [el.tagName + '#' + el.id, ['display', 'position', 'color', 'background-color',
          'font-size', 'font-weight', 'line-height', 'padding-top', 'padding-left', 'margin-top',
          'margin-bottom', 'border-top-width', 'border-left-color'].map((p) => cs.getPropertyValue(p)),
          [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)]];
})"""


@pytest.mark.browser
@pytest.mark.parametrize("query", ["王", "查无此人"], ids=["results", "nothing-found"])
def test_critical_css_paints_what_the_full_css_paints(browser: Any, server: str, query: str) -> None:
    """Before the theme's stylesheets arrive, the page already looks as it will after:
    results, notes and the "没有找到" box too, though the client draws them later."""
    url = f"{server}search/?q={quote(query)}"
    looks = []
    for block_css in (True, False):
        with phone_tab(browser, server) as tab:
            if block_css:  # the stylesheets never arrive: only the inline critical rules apply
                tab.route("**/*.css", lambda route: route.abort())
            tab.goto(url)
            tab.wait_for_function("() => document.querySelector('#results .result, #results .yk-empty')")
            if not block_css:
                tab.wait_for_function("() => !document.getElementById('yk-critical')")
            else:
                assert tab.evaluate("() => !!document.getElementById('yk-critical')")
            looks.append(tab.evaluate(_LOOK))
    critical, full = looks
    assert len(full) > 20
    assert len(critical) == len(full)
    assert [(c, f) for c, f in zip(critical, full, strict=True) if c != f] == []


@pytest.mark.browser
@pytest.mark.parametrize("query", ["王", "查无此人", "w"], ids=["results", "nothing-found", "many"])
def test_everything_the_client_draws_is_declared_for_the_critical_css(phone: Any, server: str,
                                                                       query: str) -> None:
    """drawn.json lists what search.js draws; a renamed class or a new element fails here,
    instead of silently losing its critical CSS."""
    from generator.search.page import client_creates

    phone.goto(f"{server}search/?q={quote(query)}")
    phone.wait_for_function("() => document.querySelector('#results .result, #results .yk-empty')")
    drawn = phone.evaluate("""() => Array.from(document.querySelectorAll('#results *, #results'))
        .map((el) => [el.tagName.toLowerCase(), Array.from(el.classList)])""")
    tags, classes = client_creates()
    assert {tag for tag, _ in drawn[1:]} - tags == set()
    assert {c for _, names in drawn[1:] for c in names} - classes == set()  # [0] is #results itself


@pytest.mark.browser
def test_results_arriving_move_nothing_on_screen(phone: Any, server: str) -> None:
    """No layout shift when the answer comes in (Lighthouse's CLS on a shared link)."""
    phone.add_init_script("""window.__shift = 0; new PerformanceObserver((l) => {
        for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
      }).observe({type: 'layout-shift', buffered: true});""")
    phone.goto(f"{server}search/?q={quote('王')}")
    phone.wait_for_selector("#results .result")
    phone.wait_for_function("() => !document.getElementById('yk-critical')")
    phone.wait_for_timeout(500)
    assert phone.evaluate("() => window.__shift") < 0.01


@pytest.mark.browser
def test_theme_script_still_runs_on_the_search_page(phone: Any, server: str) -> None:
    phone.set_viewport_size({"width": 360, "height": 400})
    phone.goto(f"{server}search/?q={quote('王')}")
    phone.wait_for_selector("#results .result")
    phone.wait_for_timeout(300)
    phone.mouse.wheel(0, 600)  # the first scroll brings the theme's script
    phone.wait_for_function("() => document.querySelector('script[src*=\"bundle.\"]')")
    # material's header swaps in the page title once scrolled: its components started
    phone.wait_for_selector(".md-header__title--active", timeout=5_000)
