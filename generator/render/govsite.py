"""A government website's conventions (国办发〔2017〕47号《政府网站发展指引》).

From the ``website:`` block of ``county.yml``: the footer every page shows (主办单位,
承办单位, contact, 政府网站标识码, ICP备案号, 公安机关备案号) and the page meta tags
(``SiteName``, ``SiteDomain``, ``SiteIDCode``, ``ColumnName``, ``ColumnType``, and on detail
pages ``ArticleTitle``, ``PubDate``, ``ContentSource``). Also the QR code of the print
version, made here at build time as inline SVG (segno; no network).
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from generator.core.website import WEBSITE_KEYS, website

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
    return _tags(tags)


def page_meta(column: str, column_type: str, article: str = "", pub_date: str = "",
              source: str = "") -> str:
    """``ColumnName``, ``ColumnType`` and, for a detail page, ``ArticleTitle``, ``PubDate``,
    ``ContentSource``."""
    tags = [("ColumnName", column), ("ColumnType", column_type)]
    if article:
        tags += [("ArticleTitle", article), ("PubDate", pub_date[:10]), ("ContentSource", source)]
    return _tags([(k, v) for k, v in tags if v])


def _tags(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'<meta name="{k}" content="{escape(v, quote=True)}">' for k, v in pairs)


def public_url(county: Any, url: str) -> str:
    """The page's address online (``domain`` + the directory URL), or '' without a domain."""
    domain = website(county).get("domain", "")
    if not domain:
        return ""
    return domain.rstrip("/") + "/" + quote(url.lstrip("/"), safe="/")


def qr_svg(address: str) -> str:
    """A QR code of `address` as inline SVG (no XML declaration, no fixed colours)."""
    import segno

    out = io.BytesIO()
    segno.make(address, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False,
                                         svgns=True, title="扫码查看网上公示", nl=False)
    return out.getvalue().decode("utf-8")


# a narrative page's column (ColumnName, ColumnType) by its first URL part
COLUMNS = {
    "": ("首页", "首页"), "search": ("查询补贴", "办事服务"), "complaint": ("我要反映", "互动交流"),
    "track": ("我要反映", "互动交流"), "policies": ("补贴政策", "信息公开"),
    "programs": ("补贴政策", "信息公开"), "t": ("乡镇村", "信息公开"), "timeliness": ("公开", "信息公开"),
    "stats": ("公开", "信息公开"), "downloads": ("公开", "信息公开"), "guide": ("报送指南", "办事服务"),
    "privacy": ("隐私保护", "信息公开"),
}


def mkdocs_extra(county: Any, pages: dict[str, tuple[str, str]], views: dict[str, Any],
                 as_of: Any) -> dict[str, Any]:
    """``config.extra`` for overrides/main.html: site meta tags, each narrative page's own
    (by page URL; a program page is a detail page) and the footer."""
    page_tags: dict[str, str] = {}
    for rel, (title, _body) in pages.items():
        url = rel[: -len("index.md")] if rel.endswith("index.md") else rel
        first = url.split("/", 1)[0]
        column, kind = COLUMNS.get(first, ("信息公开", "信息公开"))
        if first == "programs" and url.count("/") == 2:
            code = url.split("/")[1]
            program = county.programs.get(code)
            dates = sorted(v.published_on for v in views.values() if v.program == code and v.published_on)
            source = county.departments[program.department].name if program else ""
            page_tags[url] = page_meta(column, kind, title, dates[-1] if dates else as_of.isoformat(), source)
        else:
            page_tags[url] = page_meta(column, kind)
    return {"yk_short_name": f"{county.name}补贴公开", "yk_site_meta": site_meta(county), "yk_page_meta": page_tags, "yk_footer": footer_html(county)}
