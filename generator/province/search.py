"""The province-wide search ``OUT/search/``: every county's searchable rows in one sharded index.

Built by the county search's own code (``generator.search.index``) over the rows each
county's search holds (masked, after small groups are dropped: exactly what county pages
show), with townships named ``<county><township>`` and links into ``<county code>/``. Shard
size adapts to the index as for a county, so a query reads the manifest and a few shards.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import escape

from generator.core.county import County, Program, Township, load_county
from generator.province.model import Province
from generator.search.index import SearchSummary, build_search_index
from generator.search.page import SCRIPT_TAG


def province_county(province: Province, counties: list[County]) -> tuple[County, dict[str, str]]:
    townships: list[Township] = []
    prefix: dict[str, str] = {}
    programs: dict[str, Program] = {}
    for entry, county in zip(province.counties, counties, strict=True):
        for town in county.townships:
            name = f"{county.name}{town.name}"
            townships.append(Township(town.code, name, town.department, town.villages))
            prefix[name] = f"{entry.code}/"
        for code, program in county.programs.items():
            programs.setdefault(code, program)
    merged = County(name=province.name, code=province.code, province=province.name, city="",
                    title=f"{province.name}惠民惠农财政补贴资金“一卡通”公开平台", supervision_phone="",
                    townships=tuple(townships), departments={}, programs=programs, routing={})
    return merged, prefix


def write_province_search(province: Province, out: Path, listed: list[Path],
                          counties: list[County] | None = None) -> SearchSummary:
    """`listed`: each county's search rows (parquet, from its task); `counties`: their models
    (read from the data trees unless given)."""
    counties = counties or [load_county(c.data_dir) for c in province.counties]
    merged, prefix = province_county(province, counties)
    frames = []
    for entry, county, path in zip(province.counties, counties, listed, strict=True):
        frame = pd.read_parquet(path)
        frame["township"] = county.name + frame["township"].astype(str)
        frame["batch_id"] = f"{entry.code}/" + frame["batch_id"].astype(str)
        frames.append(frame)
    public = pd.concat(frames, ignore_index=True)
    page = out / "search" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(_page(merged), encoding="utf-8")
    return build_search_index(public, merged, out, url_prefix=prefix, shard_tables=True)


def _page(county: County) -> str:
    from generator.render.env import environment

    body = environment().get_template("search.html.j2").render(county=county, programs=county.programs,
                                                             site_root="../")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">{SCRIPT_TAG}<meta name="viewport" content="width=device-width,initial-scale=1">
<title>全省查询 · {escape(county.title)}</title>
<style>body{{font:16px/1.6 system-ui,"Noto Sans CJK SC",sans-serif;margin:0 auto;max-width:48rem;padding:0 1rem}}</style>
</head><body><p><a href="../">{escape(county.title)}</a></p>
{body}
</body></html>
"""
