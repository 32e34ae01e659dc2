"""The ``website:`` block of ``county.yml``: a government site's identity (国办发〔2017〕47号).

Keys: ``organizer`` (主办单位), ``undertaker`` (承办单位, optional), ``site_code`` (政府网站
标识码), ``icp`` (ICP备案号), ``public_security`` (公安机关备案号), ``address``, ``phone`` and
``domain`` (the site's public address). ``generator.render.govsite`` turns them into the
footer and meta tags.
"""

from __future__ import annotations

from typing import Any

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
