"""督办: time-based reminders and escalation, the supervising office's queue, public counts.

``Scheduler.run()`` (called by ``flask notify``) does, for the date ``svc.today()``:

* **escalate** every open case past its due date to the department with role
  ``supervision`` in county.yml (the finance bureau's 领导专班办公室 in the sample county;
  the ``finance`` department if none has the role), and a misconduct case (category
  ``misconduct`` or a 举报) also to 纪委监委. An escalation is a row of its own, written with
  an audit row and the office's messages in one transaction; the case stays in the office's
  queue until it is closed. A lawful extension moves ``due_date``, so a case is never
  escalated before its new date.
* **remind** a department's handlers when a case reaches 80 % of its time (once per due date);
* send each department's handlers a **daily digest** of their open cases (once a day, from
  ``NOTIFY_DIGEST_HOUR`` local time).

Every message goes through the outbox with a dedupe key, so running this every minute, or
from two workers, sends each message once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .auth import current_actor, login_required
from .cases import CHINA, Actor, CaseService
from .models import Submission
from .notifications import handler_contacts, notify_handlers
from .notify_models import Escalation
from .states import OPEN_STATES, TERMINAL_STATES

log = logging.getLogger(__name__)
SYSTEM = Actor("system", "system")
REASONS = {"overdue": "超期未办结", "misconduct": "超期未办结（涉及干部违纪违法）"}

bp = Blueprint("supervision", __name__, url_prefix="/handler/supervision")


def supervision_office(svc: CaseService) -> str | None:
    dept = svc.county.department_by_role("supervision") or svc.county.department_by_role("finance")
    return dept.code if dept else None


def discipline_office(svc: CaseService) -> str | None:
    dept = svc.county.department_by_role("discipline")
    return dept.code if dept else next(iter(sorted(svc.discipline)), None)


def offices(svc: CaseService) -> set[str]:
    return {code for code in (supervision_office(svc), discipline_office(svc)) if code}


def is_misconduct(case: Submission) -> bool:
    return case.kind == "report" or case.category == "misconduct"


def offices_for(svc: CaseService, case: Submission) -> list[tuple[str, str]]:
    """(office, reason) pairs a late case goes to; never the late department itself."""
    wanted = [(supervision_office(svc), "overdue")]
    if is_misconduct(case):
        wanted.append((discipline_office(svc), "misconduct"))
    return [(office, reason) for office, reason in wanted if office and office != case.department]


def visible_to_office(svc: CaseService) -> Callable[[Submission, Actor], bool]:
    """An office reads the cases escalated to it (a 举报 only if the office is 纪委监委)."""
    def visible(case: Submission, actor: Actor) -> bool:
        if not actor.department or actor.department not in offices(svc):
            return False
        if case.kind == "report" and actor.department not in svc.discipline:
            return False
        with svc.db.read() as s:
            return s.scalar(select(Escalation.id).where(
                Escalation.tracking_no == case.tracking_no, Escalation.office == actor.department)) is not None
    return visible


class Scheduler:
    def __init__(self, svc: CaseService, config: dict[str, Any]):
        self.svc = svc
        self.config = config
        self.base = str(config.get("SERVICE_URL") or "").rstrip("/")

    def run(self, now: dt.datetime | None = None) -> dict[str, int]:
        return {"escalated": self.escalate(), "reminded": self.remind(), "digests": self.digest(now)}

    def _open_cases(self) -> list[Submission]:
        with self.svc.db.read() as s:
            return list(s.scalars(select(Submission).where(Submission.state.in_(OPEN_STATES))
                                  .order_by(Submission.due_date, Submission.id)))

    def escalate(self) -> int:
        svc, today, count = self.svc, self.svc.today(), 0
        late = [c for c in self._open_cases() if c.due_date < today]
        if not late:
            return 0
        with svc.db.read() as s:
            done = set(s.execute(select(Escalation.tracking_no, Escalation.office).where(
                Escalation.tracking_no.in_([c.tracking_no for c in late]))).all())
        for case in late:
            for office, reason in offices_for(svc, case):
                if (case.tracking_no, office) in done:
                    continue
                try:
                    with svc.db.write() as s:
                        current = s.scalar(select(Submission).where(Submission.tracking_no == case.tracking_no))
                        if current is None or current.state not in OPEN_STATES or current.due_date >= today:
                            break  # acted on (replied, extended …) since we looked
                        s.add(Escalation(tracking_no=case.tracking_no, office=office, department=current.department,
                                         reason=reason, due_date=current.due_date, escalated_at=svc.now(),
                                         note=REASONS[reason]))
                        s.flush()
                        name = svc.department_name(office)
                        svc._audit(s, SYSTEM, "escalate", current, current.state, current.state, public=True,
                                   note=f"超过办理期限（{current.due_date.isoformat()}），已提请{name}督办",
                                   office=office, reason=reason)
                        notify_handlers(svc, s, office, "escalate", f"esc:{case.tracking_no}:{office}", current,
                                        "/handler/supervision/", base_url=self.base)
                except IntegrityError:
                    continue  # another worker escalated it first
                count += 1
        return count

    def remind(self) -> int:
        svc, today, count = self.svc, self.svc.today(), 0
        for case in self._open_cases():
            percent, _level = svc.progress(case)
            if percent < 80 or today > case.due_date:
                continue
            with svc.db.write() as s:
                if not handler_contacts(s, case.department):
                    continue
                count += notify_handlers(svc, s, case.department, "reminder",
                                         f"r80:{case.tracking_no}:{case.due_date.isoformat()}", case,
                                         f"/handler/cases/{case.tracking_no}", base_url=self.base)
        return count

    def digest(self, now: dt.datetime | None = None) -> int:
        svc = self.svc
        local = (now or dt.datetime.now(CHINA)).astimezone(CHINA)
        if local.hour < int(self.config.get("NOTIFY_DIGEST_HOUR", 8)):
            return 0
        today = svc.today()
        per_dept: dict[str, list[int]] = {}
        for case in self._open_cases():
            counts = per_dept.setdefault(case.department, [0, 0, 0])
            counts[0] += 1
            if today > case.due_date:
                counts[2] += 1
            elif svc.progress(case)[0] >= 80:
                counts[1] += 1
        sent = 0
        for department, (open_, soon, late) in sorted(per_dept.items()):
            with svc.db.write() as s:
                sent += notify_handlers(svc, s, department, "digest", f"digest:{department}:{today.isoformat()}",
                                        None, "/handler/", count=(open_, soon, late), base_url=self.base)
        return sent


# --- the 督办 queue ---------------------------------------------------------------------

def _service() -> CaseService:
    return current_app.extensions["yikatong"]  # type: ignore[no-any-return]


@bp.app_context_processor
def _nav() -> dict[str, Any]:
    def shows_supervision() -> bool:
        me = current_actor()
        return bool(me and (me.is_auditor or me.department in offices(_service())))
    return {"shows_supervision": shows_supervision}


@bp.get("/")
@login_required
def queue() -> str:
    svc = _service()
    me = current_actor()
    assert me is not None
    office = request.args.get("office") or me.department
    if office != me.department and not me.is_auditor:
        abort(404)
    if office not in offices(svc) and not me.is_auditor:
        abort(404)
    query = (select(Escalation, Submission).join(Submission, Submission.tracking_no == Escalation.tracking_no)
             .where(Submission.state.not_in(TERMINAL_STATES)).order_by(Submission.due_date, Escalation.id))
    if office:
        query = query.where(Escalation.office == office)
    with svc.db.read() as s:
        rows = s.execute(query).all()
    today = svc.today()
    items = [{"e": e, "case": c, "days_late": max(0, (today - c.due_date).days),
              "subject": c.subject if (c.kind != "report" or me.department in svc.discipline) else "（举报件，内容仅纪委监委可见）",
              "visible": svc.can_see(c, me)} for e, c in rows]
    return render_template("handler/supervision.html", items=items, office=office,
                           office_name=svc.department_name(office or ""))


# --- public statistics ------------------------------------------------------------------

def with_escalations(svc: CaseService, stats: dict[str, Any]) -> dict[str, Any]:
    """Add ``escalated`` (under 督办, not yet closed) per department and in total, and the
    total ``overdue``."""
    with svc.db.read() as s:
        rows = dict(s.execute(
            select(Submission.department, func.count(func.distinct(Submission.tracking_no)))
            .join(Escalation, Escalation.tracking_no == Submission.tracking_no)
            .where(Submission.state.not_in(TERMINAL_STATES)).group_by(Submission.department)).all())
    for code, dept in stats["by_department"].items():
        dept["escalated"] = int(rows.get(code, 0))
    stats["overdue"] = sum(int(d["overdue"]) for d in stats["by_department"].values())
    stats["escalated"] = sum(int(n) for n in rows.values())
    return stats
