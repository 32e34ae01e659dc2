"""A government website's conventions (国办发〔2017〕47号《政府网站发展指引》).

From the ``website:`` block of ``county.yml``: the footer every page shows (主办单位,
承办单位, contact, 政府网站标识码, ICP备案号, 公安机关备案号) and the page meta tags
(``SiteName``, ``SiteDomain``, ``SiteIDCode``, ``ColumnName``, ``ColumnType``, and on detail
pages ``ArticleTitle``, ``PubDate``, ``ContentSource``). Also the QR code of the print
version, made here at build time as inline SVG (segno; no network).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from generator.core.website import (
    footer_html,
    meta_tags,
    site_meta,
    website,
)


def page_meta(column: str, column_type: str, article: str = "", pub_date: str = "",
              source: str = "") -> str:
    """``ColumnName``, ``ColumnType`` and, for a detail page, ``ArticleTitle``, ``PubDate``,
    ``ContentSource``."""
    tags = [("ColumnName", column), ("ColumnType", column_type)]
    if article:
        tags += [("ArticleTitle", article), ("PubDate", pub_date[:10]), ("ContentSource", source)]
    return meta_tags([(k, v) for k, v in tags if v])


def public_url(county: Any, url: str) -> str:
    """The page's address online (``domain`` + the directory URL), or '' without a domain."""
    domain = website(county).get("domain", "")
    if not domain:
        return ""
    return domain.rstrip("/") + "/" + quote(url.lstrip("/"), safe="/")


# Any of the eight QR mask patterns decodes; letting segno score all eight to pick the "best"
# made the QR code a fifth of a county build (one code per print page). Pattern 0 is fixed.
QR_MASK = 0


def qr_code(address: str) -> Any:
    """The QR code (a ``segno.QRCode``) that opens `address`: error level M, mask fixed."""
    import segno

    return segno.make(address, error="m", mask=QR_MASK, micro=False)


def qr_svg(address: str) -> str:
    """A QR code of `address` as inline SVG (no XML declaration, no fixed colours)."""
    out = io.BytesIO()
    qr_code(address).save(out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True,
                          title="扫码查看网上公示", nl=False)
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
