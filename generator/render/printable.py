"""The village notice board (村务公开): a print version of every village × program × year page.

``…/<program>-<year>/print/index.html`` beside the page: a standalone A4 portrait sheet (no
theme, no navigation, no search box) with the county's title, the masked list with borders
and units, the total, the 公示期 of a list in notice, the department and its phone, the
监督电话, a QR code (inline SVG, made at build time) that opens the page online at the
``website.domain`` address, and a blank for the 村委会 stamp and date. Linked from the page
as “打印公示表”.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from generator.core.county import County, Program
from generator.render import govsite

PRINT_DIR = "print/"


def print_url(records_url: str) -> str:
    return records_url + PRINT_DIR


def print_page(env: Environment, url: str, county: County, program: Program, township: str, village: str,
               year: str, rows: list[dict[str, Any]], batches: dict[str, Any], totals_only: bool) -> str:
    """The print version of the records page at `url` (to be written at ``print_url(url)``)."""
    by_batch: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_batch.setdefault(row["batch_id"], []).append(row)
    blocks = []
    for batch_id, batch_rows in by_batch.items():
        view = batches[batch_id]
        blocks.append({"id": batch_id, "title": view.title, "produced_on": view.produced_on,
                       "notice": view.notice_period, "rows": batch_rows,
                       "total": sum(r["amount"] for r in batch_rows)})
    blocks.sort(key=lambda b: (b["produced_on"], b["id"]), reverse=True)
    department = county.departments[program.department]
    online = govsite.public_url(county, url)
    return env.get_template("print.html.j2").render(
        county=county, program=program, department=department, township=township, village=village,
        year=year, batches=blocks, totals_only=totals_only, min_group=program.disclosure.min_group,
        recipients=len(rows), total=sum(r["amount"] for r in rows), online=online,
        qr=Markup(govsite.qr_svg(online)) if online else "", back="../",
        notice=any(b["notice"] for b in blocks))


def records_meta(county: County, program: Program, village: str, year: str,
                 rows: list[dict[str, Any]], batches: dict[str, Any]) -> str:
    """The detail page's meta tags: the list's title, latest publication date, department."""
    published = sorted({batches[r["batch_id"]].published_on for r in rows} - {""})
    department = county.departments[program.department]
    return govsite.page_meta("补贴发放名单", "信息公开", f"{village}{program.name}{year}年发放名单",
                             published[-1] if published else "", department.name)
