"""The search page: the manifest and the minified client inline, and what the client draws.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import rjsmin

from generator.core.paths import SEARCH_ASSETS_DIR
from generator.search.model import compact_json
from generator.site.mkdocs import squeeze

log = logging.getLogger(__name__)


SCRIPT_TAG = '<script src="search.js" async></script>'


def inline_client(page: Path, manifest: dict[str, object]) -> bool:
    """Put the manifest and search.js (minified) inside the search page.

    The theme override puts the client's tag first in <head>, after lunr.js's. The manifest
    and the first part of search.js (the core, which plans a query and requests its shards)
    go in its place: a query in the URL requests its shards as soon as that much of the page
    has arrived — the page, then the shards, two round trips in all (with the manifest as a
    file it was three; a two-level manifest adds one, for its chunks). The second part (the
    form and the results) goes at the end of the head, after that request is out. ``make bench`` (search part) measures the first result
    painted on a shared link at slow 3G. A page that already carries them (built before)
    gets these instead.
    """
    if not page.exists():
        return False
    html = page.read_text(encoding="utf-8")
    core, page_code = client_code()
    data = compact_json(manifest).replace("</", "<\\/")
    first = (f'<script id="yk-manifest" type="application/json">{data}</script>'
             f'<script id="yk-core">{core}</script>')
    second = f'<script id="yk-page">{page_code}</script>'
    if SCRIPT_TAG in html:
        html = squeeze(html).replace(SCRIPT_TAG, first, 1).replace("</head>", second + "</head>", 1)
    elif _INLINED_CORE.search(html) and _INLINED_PAGE.search(html):
        html = _INLINED_CORE.sub(lambda _: first, html, count=1)
        html = _INLINED_PAGE.sub(lambda _: second, html, count=1)
    else:
        return False
    page.write_text(html, encoding="utf-8")
    return True


_INLINED_CORE = re.compile(r'<script id="yk-manifest" type="application/json">.*?</script>'
                           r'<script id="yk-core">.*?</script>', re.DOTALL)


_INLINED_PAGE = re.compile(r'<script id="yk-page">.*?</script>', re.DOTALL)


PAGE_MARK = "/* yk:page"


DRAWN = "drawn.json"


def client_creates() -> tuple[set[str], set[str]]:
    """Elements and classes search.js draws after load, as declared in ``drawn.json``.

    The critical CSS keeps the theme's and the site's rules for them: results, the
    "结果较多" note, the "没有找到" box are drawn after the page has loaded. A browser test
    checks the declaration against what the client really draws.
    """
    declared = json.loads((SEARCH_ASSETS_DIR / DRAWN).read_text(encoding="utf-8"))
    return set(declared["tags"]), set(declared["classes"])


def client_code() -> tuple[str, str]:
    """search.js's two parts (core and page), minified by rjsmin, safe inside <script>."""
    source = (SEARCH_ASSETS_DIR / "search.js").read_text(encoding="utf-8")
    core, page = source.split(PAGE_MARK, 1)
    page = page.split("*/", 1)[1]
    return tuple(str(rjsmin.jsmin(part)).replace("</", "<\\/") for part in (core, page))  # type: ignore[return-value]

