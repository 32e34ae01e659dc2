"""The province portal ``OUT/index.html`` (each county's on-time rate and totals, linked) and
the county picker ``OUT/complaint/index.html``.

Figures come from what each county's site already publishes (``<code>/data/stats.json``),
so the portal shows nothing a county page does not. Both pages are in the province's shell
(``generator.province.pages``: the county sites' header and 长辈模式); nothing loads from
another origin.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from generator.province.model import Province
from generator.province.pages import render_page, write_assets


def county_figures(site: Path) -> dict[str, object]:
    stats = json.loads((site / "data" / "stats.json").read_text(encoding="utf-8"))
    timeliness, totals = stats.get("timeliness") or {}, stats.get("totals") or {}
    return {"rate": timeliness.get("rate"), "published": timeliness.get("published", 0),
            "on_time": timeliness.get("on_time", 0), "paid": float(totals.get("paid", 0.0)),
            "payments": int(totals.get("payments", 0)), "recipients": int(totals.get("recipients", 0)),
            "through": stats.get("data_through") or ""}


def write_portal(province: Province, out: Path, as_of: dt.date, figures: list[dict[str, object]]) -> Path:
    """`figures`: ``county_figures`` of each county's site, in the province's order (read by
    each county's task)."""
    counties = [{"code": county.code, "name": county.name,
                 "rate": None if f["rate"] is None else float(f["rate"]),  # type: ignore[arg-type]
                 "on_time": f["on_time"], "published": f["published"], "paid": float(f["paid"]),  # type: ignore[arg-type]
                 "payments": int(f["payments"]), "recipients": int(f["recipients"])}  # type: ignore[call-overload]
                for county, f in zip(province.counties, figures, strict=True)]
    write_assets(out)
    path = out / "index.html"
    path.write_text(render_page("portal.html.j2", province.name, "", current="portal", counties=counties,
                                paid=sum(c["paid"] for c in counties),  # type: ignore[misc]
                                payments=sum(c["payments"] for c in counties),  # type: ignore[misc]
                                as_of=as_of.isoformat()), encoding="utf-8")
    complaint = out / "complaint" / "index.html"
    complaint.parent.mkdir(parents=True, exist_ok=True)
    complaint.write_text(render_page("complaint.html.j2", province.name, "../", current="complaint",
                                     counties=province.counties), encoding="utf-8")
    return path
