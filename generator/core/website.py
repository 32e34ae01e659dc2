"""The ``website:`` block of ``county.yml``: a government site's identity (国办发〔2017〕47号).

Keys: ``organizer`` (主办单位), ``undertaker`` (承办单位, optional), ``site_code`` (政府网站
标识码), ``icp`` (ICP备案号), ``public_security`` (公安机关备案号), ``address``, ``phone`` and
``domain`` (the site's public address). ``generator.render.govsite`` turns them into the
footer and meta tags.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Any

from markupsafe import Markup

# key → label; every key but ``undertaker`` is expected (validate warns when one is missing)
WEBSITE_KEYS = {
    "organizer": "主办单位",
    "undertaker": "承办单位",
    "site_code": "政府网站标识码",
    "icp": "ICP备案号",
    "public_security": "公安机关备案号",
    "address": "地址",
    "phone": "联系电话",
    "domain": "网站地址",
}
OPTIONAL_KEYS = ("undertaker",)


@lru_cache(maxsize=1)
def elder_head_script() -> str:
    """The first script of every page's <head> (``overrides/partials/elder-head.js``): the
    ``yk-elder`` class from localStorage (or ``?elder=1``) before any stylesheet, so an
    elder's page never shows the normal layout first. The county sites include the file;
    the province pages and the service inline these bytes, so one CSP hash allows it."""
    from generator.core.paths import OVERRIDES_DIR

    return (OVERRIDES_DIR / "partials" / "elder-head.js").read_text(encoding="utf-8").strip()


def website(county: Any) -> dict[str, str]:
    """The ``website:`` block as strings (missing keys absent)."""
    raw = (getattr(county, "raw", None) or {}).get("website") or {}
    if not isinstance(raw, dict):
        return {}
    return {k: str(v).strip() for k, v in raw.items() if k in WEBSITE_KEYS and v not in (None, "")}


def website_warnings(county: Any) -> list[str]:
    """One warning per missing key of the ``website:`` block (the footer shows the rest)."""
    have = website(county)
    missing = [f"{key}（{label}）" for key, label in WEBSITE_KEYS.items()
               if key not in have and key not in OPTIONAL_KEYS]
    if not missing:
        return []
    return [f"county.yml 的 website 项缺少 {'、'.join(missing)}：页脚和页面元数据将不显示这些内容。"]


MIIT_FILING = "https://beian.miit.gov.cn/"



def tel_href(phone: str) -> str:
    """``tel:`` address of a phone number as the county writes it (0469-4621201 → tel:04694621201)."""
    digits = re.sub(r"[^0-9+]", "", phone)
    return f"tel:{digits}"



def tel_link(phone: str) -> Markup:
    """A phone number as a tappable link (empty text stays empty)."""
    if not phone:
        return Markup("")
    return Markup(f'<a class="yk-tel" href="{tel_href(phone)}">{escape(phone)}</a>')



def footer_html(county: Any) -> str:
    """The footer of every page: 主办单位, contact, 标识码, 备案号 (whatever is there)."""
    site = website(county)
    parts = []
    for key in ("organizer", "undertaker"):
        if key in site:
            parts.append(f"<span>{WEBSITE_KEYS[key]}：{escape(site[key])}</span>")
    if "address" in site:
        parts.append(f"<span>地址：{escape(site['address'])}</span>")
    if "phone" in site:
        parts.append(f"<span>联系电话：{tel_link(site['phone'])}</span>")
    supervision = str(getattr(county, "supervision_phone", "") or "")
    if supervision:
        parts.append(f"<span>监督举报电话：{tel_link(supervision)}</span>")
    ids = []
    if "site_code" in site:
        ids.append(f"<span>政府网站标识码：{escape(site['site_code'])}</span>")
    if "icp" in site:
        ids.append(f'<span><a href="{MIIT_FILING}" rel="noopener">{escape(site["icp"])}</a></span>')
    if "public_security" in site:
        ids.append(f"<span>{escape(site['public_security'])}</span>")
    rows = [f'<p class="yk-foot-row">{"".join(parts)}</p>'] if parts else []
    if ids:
        rows.append(f'<p class="yk-foot-row">{"".join(ids)}</p>')
    return f'<div class="yk-foot">{"".join(rows)}</div>'



def site_meta(county: Any) -> str:
    """``SiteName``, ``SiteDomain``, ``SiteIDCode``: the same on every page."""
    site = website(county)
    tags = [("SiteName", str(getattr(county, "title", "") or ""))]
    if "domain" in site:
        tags.append(("SiteDomain", re.sub(r"^https?://", "", site["domain"]).rstrip("/")))
    if "site_code" in site:
        tags.append(("SiteIDCode", site["site_code"]))
    return meta_tags(tags)



def meta_tags(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'<meta name="{k}" content="{escape(v, quote=True)}">' for k, v in pairs)

