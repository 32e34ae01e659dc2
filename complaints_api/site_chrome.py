"""The site's header, county name, footer and 长辈模式 switch on the service's pages.

The service's pages (form receipt, status, handler pages) look like the static site: the
county's title in the header, links back to the site, the 长辈模式 switch (same storage key
and script as the site: ``static/elder.js`` is the site's ``overrides/partials/elder.js``),
and the government-site footer from ``county.yml``'s ``website:`` block.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from flask import Blueprint, current_app

from generator.core.website import elder_head_script, footer_html, site_meta, tel_link

bp = Blueprint("site_chrome", __name__)

# the site's own head script (runs before the stylesheet: an elder's page never shows the
# normal layout first; ``?elder=1`` turns 长辈模式 on, as on the site)
HEAD_SCRIPT = elder_head_script()
HEAD_SCRIPT_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(HEAD_SCRIPT.encode()).digest()).decode() + "'"
SCRIPT_SRC = f"script-src 'self' {HEAD_SCRIPT_HASH}"


@bp.app_context_processor
def _chrome() -> dict[str, Any]:
    service = current_app.extensions.get("yikatong")
    county = getattr(service, "county", None)
    if county is None:
        return {"site": {"title": "惠民惠农补贴“一卡通”", "short": "补贴公开", "footer": "", "meta": "",
                         "head_script": HEAD_SCRIPT}}
    return {"site": {"title": county.title, "short": f"{county.name}补贴公开", "footer": footer_html(county),
                     "meta": site_meta(county), "head_script": HEAD_SCRIPT}}


@bp.app_template_filter("tel")
def _tel(phone: str) -> Any:
    return tel_link(str(phone or ""))
