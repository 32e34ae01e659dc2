"""Who is told what, when a case changes: citizens by SMS (if they asked), handlers by
email or SMS. Runs inside the case service's write transaction (``CaseService.event_hooks``)
so a message exists exactly when its state change does.

Citizens: with 短信通知我 ticked and a mobile number, never for an anonymous report — an SMS
on receipt (tracking number and query code), when more material is requested, on every
reply, on an extension (new due date), on refusal and on close.
Handlers of the department that holds the case (role ``handler``, with a contact set by
``create-handler --email/--phone``): a new case, a case transferred to them.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from . import messages
from .cases import Actor, CaseService, format_code
from .models import Handler, Submission
from .notify_models import CitizenNotice, HandlerContact
from .outbox import enqueue_many, message
from .validation import MOBILE

log = logging.getLogger(__name__)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CITIZEN_ACTIONS = {"await": "await", "reply": "reply", "extend": "extend", "close": "close",
                   "refuse": "refuse"}


def citizen_phone(case: Submission) -> str | None:
    """The citizen's mobile number, or None. (The one place that reads it: if phones move to
    an identity vault, only this changes.)"""
    phone = case.phone
    if not phone or case.anonymous or not MOBILE.match(phone):
        return None
    return phone


@dataclass(frozen=True)
class Contact:
    handler_id: int
    email: str | None
    phone: str | None


def handler_contacts(s: Session, department: str) -> list[Contact]:
    """Active handlers (not auditors) of ``department`` with an email or a phone."""
    rows = s.execute(select(HandlerContact.handler_id, HandlerContact.email, HandlerContact.phone)
                     .join(Handler, HandlerContact.handler_id == Handler.id)
                     .where(Handler.department == department, Handler.active.is_(True),
                            Handler.role == "handler").order_by(Handler.id)).all()
    return [Contact(*row) for row in rows if row[1] or row[2]]


def handler_messages(svc: CaseService, s: Session, department: str, event: str, key: str,
                     case: Submission | None, link_path: str = "",
                     count: tuple[int, int, int] = (0, 0, 0), base_url: str = "",
                     contacts: list[Contact] | None = None) -> list[dict[str, Any]]:
    """One message per handler of ``department``: email if set, else SMS."""
    contacts = handler_contacts(s, department) if contacts is None else contacts
    if not contacts:
        return []
    number, kind = (case.tracking_no, case.kind) if case else ("", "")
    sms, mail = messages.handler_event(svc.county, event, number, kind,
                                       case.due_date.isoformat() if case else "",
                                       link=(base_url + link_path) if link_path else "", count=count)
    tracking_no = case.tracking_no if case else None
    return [message(f"{key}:h{c.handler_id}:email", "email", c.email, mail, event, tracking_no) if c.email
            else message(f"{key}:h{c.handler_id}:sms", "sms", c.phone or "", sms, event, tracking_no)
            for c in contacts]


def notify_handlers(svc: CaseService, s: Session, department: str, event: str, key: str,
                    case: Submission | None, link_path: str = "",
                    count: tuple[int, int, int] = (0, 0, 0), base_url: str = "") -> int:
    """Queue one message per handler of ``department``; how many."""
    rows = handler_messages(svc, s, department, event, key, case, link_path, count, base_url)
    enqueue_many(s, rows)
    return len(rows)


_NOTICES: Table = CitizenNotice.__table__  # type: ignore[assignment]
_NOTICE = insert(_NOTICES)


class EventNotifier:
    """The hook the case service calls after writing each audit row."""

    CONTACTS_TTL = 30.0  # seconds; create-handler in this process clears it at once

    def __init__(self, svc: CaseService, config: dict[str, Any]):
        self.svc = svc
        self.config = config
        self._contacts: dict[str, tuple[float, list[Contact]]] = {}

    def contacts(self, s: Session, department: str) -> list[Contact]:
        """A department's contacts, cached briefly: one query less in every submission."""
        now = time.monotonic()
        hit = self._contacts.get(department)
        if hit is None or now - hit[0] > self.CONTACTS_TTL:
            hit = self._contacts[department] = (now, handler_contacts(s, department))
        return hit[1]

    def forget_contacts(self) -> None:
        self._contacts.clear()

    def __call__(self, s: Session, actor: Actor, action: str, case: Submission, audit_id: int,
                 detail: dict[str, Any]) -> None:
        key = f"ev{audit_id}"
        base = str(self.config.get("SERVICE_URL") or "").rstrip("/")
        link = f"/handler/cases/{case.tracking_no}"
        rows: list[dict[str, Any]] = []
        if action == "submit":
            phone = citizen_phone(case)
            if detail.get("notify_sms") and phone is not None:
                # a Core INSERT: no unit-of-work flush for one row inside the submission
                s.execute(_NOTICE, {"tracking_no": case.tracking_no, "notify_sms": True})
                rows.append(message(f"{key}:citizen", "sms", phone,
                                    messages.receipt(self.svc.county, case.tracking_no, format_code(case.query_code),
                                                     case.due_date.isoformat()), "receipt", case.tracking_no))
            rows += handler_messages(self.svc, s, case.department, "new_case", key, case, link, base_url=base,
                                     contacts=self.contacts(s, case.department))
        elif action == "transfer":
            rows += handler_messages(self.svc, s, case.department, "transfer", key, case, link, base_url=base,
                                     contacts=self.contacts(s, case.department))
        if action in CITIZEN_ACTIONS and self._wants_sms(s, case):
            phone = citizen_phone(case)
            if phone is not None:
                text = messages.citizen_event(self.svc.county, CITIZEN_ACTIONS[action], case.tracking_no,
                                              case.due_date.isoformat())
                rows.append(message(f"{key}:citizen", "sms", phone, text, CITIZEN_ACTIONS[action], case.tracking_no))
        enqueue_many(s, rows)

    def _wants_sms(self, s: Session, case: Submission) -> bool:
        notice = s.get(CitizenNotice, case.tracking_no)
        return bool(notice and notice.notify_sms)


def check_contact(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """Normalise ``--email``/``--phone``; a ``click.ClickException`` in Chinese if malformed."""
    import click
    if email is not None:
        email = email.strip()
        if email and not EMAIL.match(email):
            raise click.ClickException("邮箱格式不正确，例如 zhao@example.gov.cn。")
    if phone is not None:
        phone = phone.strip().replace(" ", "").replace("-", "")
        if phone and not MOBILE.match(phone):
            raise click.ClickException("手机号须为11位手机号码。")
    return email, phone


def set_contact(svc: CaseService, username: str, email: str | None, phone: str | None) -> None:
    """Store a handler's email/phone (``create-handler --email --phone``); None keeps a value."""
    with svc.db.write() as s:
        handler = s.scalar(select(Handler).where(Handler.username == username))
        assert handler is not None
        contact = s.get(HandlerContact, handler.id)
        if contact is None:
            contact = HandlerContact(handler_id=handler.id)
            s.add(contact)
        if email is not None:
            contact.email = email or None
        if phone is not None:
            contact.phone = phone or None
    for hook in svc.event_hooks:
        if isinstance(hook, EventNotifier):
            hook.forget_contacts()
