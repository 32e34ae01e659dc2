"""Who handles a submission: the routing table of ``data/county.yml``.

``routing:`` maps a category (or the kinds ``report`` and ``disclosure_request``) to a
target: ``program`` (the program's department), ``holder`` (the body holding the
information: the program's department, else the township), ``township`` (the township
government), ``bank`` (the agent bank), ``finance``, ``triage``, ``discipline``
(纪委监委), ``bank_supervision``, ``audit``, or a literal department code.
``copy_finance_on: [category, …]`` lists categories whose cases are copied (抄送) to
finance (default: ``payment_not_received``).

* 举报 (report) goes to the ``report`` target (纪委监委) whatever the category:
  the material never reaches the officials it is about.
* Without a category, a submission naming a program goes to the program's department,
  a disclosure request to the ``disclosure_request`` target; anything unclear to triage.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.county import County, Department

from .states import KINDS

ROLE_TARGETS = ("finance", "triage", "discipline", "bank_supervision", "audit")


@dataclass(frozen=True)
class Route:
    department: Department
    cc: tuple[Department, ...] = ()
    target: str = ""


def routing_table(county: County) -> dict[str, str]:
    """Category (or kind) → target; only string targets (settings such as lists excluded)."""
    merged = county.routing  # defaults from generator.core.vocab.DEFAULT_ROUTING, county.yml on top
    return {k: v for k, v in merged.items() if isinstance(v, str)}


def finance_copied_on(county: County) -> set[str]:
    value = county.routing.get("copy_finance_on") or []
    return {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}


def categories(county: County) -> list[str]:
    """Valid ``category`` values: every routing key that is not a kind."""
    return sorted(key for key in routing_table(county) if key not in KINDS)


def route(county: County, kind: str, category: str | None = None,
          program: str | None = None, township: str | None = None) -> Route:
    """Return the department responsible (and departments copied) for a submission."""
    table = routing_table(county)
    if kind == "report":
        target = table["report"]
    elif category:
        target = table.get(category, "triage")
    elif kind == "disclosure_request":
        target = table["disclosure_request"]
    else:
        target = "program" if program else "triage"
    routed = _resolve(county, target, program, township)
    finance = county.department_by_role("finance")
    if (kind != "report" and category in finance_copied_on(county) and finance is not None
            and finance.code != routed.department.code):
        return Route(routed.department, (finance,), routed.target)
    return routed


def _resolve(county: County, target: str, program: str | None, township: str | None) -> Route:
    if target in ("program", "holder"):
        dept = _program_department(county, program) or _township_department(county, township)
    elif target == "township":
        dept = _township_department(county, township) or _program_department(county, program)
    elif target == "bank":
        dept = next((d for d in county.departments.values() if d.kind == "bank"), None)
        dept = dept or county.department_by_role("finance")
    elif target in ROLE_TARGETS:
        dept = county.department_by_role(target) or (
            next((d for d in county.departments.values() if d.kind == target), None))
    else:
        dept = county.departments.get(target)
    return Route(dept or triage_department(county), (), target)


def triage_department(county: County) -> Department:
    """The triage desk (财政局 by default); the first department if none is marked."""
    dept = county.department_by_role("triage") or county.department_by_role("finance")
    return dept or next(iter(county.departments.values()))


def discipline_departments(county: County) -> set[str]:
    return {d.code for d in county.departments.values()
            if d.kind == "discipline" or "discipline" in d.roles}


def _program_department(county: County, program: str | None) -> Department | None:
    if program and program in county.programs:
        return county.departments.get(county.programs[program].department)
    return None


def _township_department(county: County, township: str | None) -> Department | None:
    match = next((t for t in county.townships if township in (t.code, t.name)), None)
    return county.departments.get(match.department) if match else None
