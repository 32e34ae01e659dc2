"""The case service: submit, look up, act on, rate and count cases.

Library first: the API and handler blueprints only parse requests and call these methods.
Every state change writes one append-only audit row in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Executable, String, bindparam, func, insert, or_, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from generator.core.county import County, Department
from generator.core.workdays import WorkCalendar

from . import deadlines
from .db import Database, retrying
from .errors import NOT_FOUND_CASE, ApiError, invalid
from .models import AuditEntry, Submission
from .routing import discipline_departments, route
from .states import (
    ACTIONS,
    KINDS,
    OPEN_STATES,
    STATES,
    TransitionRefused,
    check_transition,
)
from .validation import Fields, SubmissionInput

log = logging.getLogger(__name__)
CHINA = dt.timezone(dt.timedelta(hours=8))  # no DST in China
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
TRACKING_PREFIX = "YK"
TRACKING_LEN = 12  # 60 random bits
REVIEW_DAYS = 30
CODE_LEN = 10  # query code: 10 Crockford base32 characters = 50 random bits
CODE_GROUP = 5  # shown as two groups of five: 7K3MQ-9XT4H
RETRY_WINDOW = 60  # seconds: a retried submit finds the case its lost answer created
# Categories whose cases get the same identity vault as 举报, whatever their kind.
VAULTED_CATEGORIES = frozenset({"misconduct"})


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in handler or auditor, the citizen (by query code) or the system."""

    name: str
    role: str  # handler | auditor | citizen | system
    department: str | None = None
    discipline: bool = False

    @property
    def is_auditor(self) -> bool:
        return self.role == "auditor"


CITIZEN = Actor("citizen", "citizen")


def _random_chars(count: int) -> str:
    """``count`` characters of ``ALPHABET`` (32 symbols: 5 bits each, uniform) from one
    ``secrets.token_bytes`` call: a byte's low 5 bits pick the symbol."""
    return "".join(ALPHABET[b & 31] for b in secrets.token_bytes(count))


def new_tracking_no() -> str:
    return TRACKING_PREFIX + _random_chars(TRACKING_LEN)


def new_query_code() -> str:
    """Ten characters from an alphabet without I, L, O, U (stored without the dash)."""
    return _random_chars(CODE_LEN)


def normalise_code(value: str) -> str:
    """What a villager may type: any case, spaces or dashes, O for 0, I or L for 1."""
    value = value.strip().upper().replace("-", "").replace(" ", "")
    return value.translate(str.maketrans("OIL", "011"))


def format_code(code: str) -> str:
    """``7K3MQ9XT4H`` → ``7K3MQ-9XT4H``; six-digit codes of older cases stay as they are."""
    if len(code) != CODE_LEN:
        return code
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, CODE_LEN, CODE_GROUP))


def is_vaulted(case: Submission) -> bool:
    """举报 and misconduct complaints: the sender's identity only for 纪委监委 handling it,
    and their content never for the auditor."""
    return case.kind == "report" or (case.category or "") in VAULTED_CATEGORIES


def content_fingerprint(secret: bytes, client: str, inp: SubmissionInput) -> str:
    """HMAC-SHA256 (keyed: the stored value tells nothing about the content or the address
    without the key; one fast hash, no password hashing on the submit path). Rows stored
    before it was keyed only matter for the duplicate window, which has passed for them."""
    content = json.dumps([client, *_values(inp)], ensure_ascii=False)
    return hmac.new(secret, content.encode(), hashlib.sha256).hexdigest()


def request_source() -> str | None:
    """The client address of the current request (after ProxyFix), for audit rows."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:64] or None


def _values(inp: SubmissionInput) -> list[Any]:
    """The input's field values in order (``dataclasses.astuple`` deep-copies: slower)."""
    return [getattr(inp, f.name) for f in dataclasses.fields(inp)]


def idempotency_fingerprint(key: str, inp: SubmissionInput) -> str:
    content = json.dumps([key, *_values(inp)], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def normalise_tracking_no(value: str) -> str | None:
    """Upper-case, drop spaces and dashes; None when it cannot be a tracking number."""
    value = value.strip().upper().replace("-", "").replace(" ", "")
    body = value[len(TRACKING_PREFIX):]
    if value.startswith(TRACKING_PREFIX) and len(body) == TRACKING_LEN and all(c in ALPHABET for c in body):
        return value
    return None


_CASES = Submission.metadata.tables["submissions"]
_AUDIT = AuditEntry.metadata.tables["audit_log"]
CASE_COLUMNS = tuple(c.name for c in _CASES.columns if c.name != "id")
AUDIT_COLUMNS = tuple(c.name for c in _AUDIT.columns if c.name != "id")
# Columns a new case does not set take their model default (scalar) or NULL.
CASE_DEFAULTS = {c.name: (getattr(c.default, "arg", None) if c.default is not None and c.default.is_scalar else None)
                 for c in _CASES.columns if c.name != "id"}


def _pg_submit_sql() -> str:
    """The PostgreSQL statement: the case and the audit row travel as one JSON parameter
    each (``jsonb_populate_record`` gives them their column types), so the statement is
    short and has four parameters: psycopg caches its conversion (it does not for a
    statement of more than 50 parameters, which cost more CPU than the rest of the call)."""
    cases = ", ".join(CASE_COLUMNS)
    audit = ", ".join(AUDIT_COLUMNS)
    return (
        "WITH duplicate AS (SELECT id FROM submissions WHERE content_fingerprint = :dup_fingerprint "
        "AND created_at >= :dup_since ORDER BY id DESC LIMIT 1), "
        f"new_case AS (INSERT INTO submissions ({cases}) SELECT {cases} "
        "FROM jsonb_populate_record(NULL::submissions, CAST(:case_json AS jsonb)) "
        "WHERE NOT EXISTS (SELECT 1 FROM duplicate) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id), "
        f"new_audit AS (INSERT INTO audit_log ({audit}) SELECT {audit} "
        "FROM jsonb_populate_record(NULL::audit_log, CAST(:audit_json AS jsonb)) "
        "WHERE EXISTS (SELECT 1 FROM new_case) RETURNING id) "
        "SELECT (SELECT id FROM new_case), (SELECT id FROM new_audit), (SELECT id FROM duplicate)")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates and aware datetimes: ISO 8601, as PostgreSQL reads them
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _submit_statements(dialect: str) -> tuple[Executable, ...]:
    """Built once per dialect (SQLAlchemy then reuses the compiled form).

    PostgreSQL (``_pg_submit_sql``), one statement, one round trip: the duplicate-window
    check (the newest case with ``dup_fingerprint`` since ``dup_since``; a NULL fingerprint
    finds none), the case unless there is a duplicate or its idempotency key is stored
    already, its audit row only if the case was inserted; it returns (case id, audit id,
    duplicate id). SQLite (in-process, no round trips): the duplicate check, the case, the
    audit row."""
    if dialect == "postgresql":
        return (text(_pg_submit_sql()),)
    case_params = [bindparam(n, type_=_CASES.c[n].type) for n in CASE_COLUMNS]
    audit_params = [bindparam(f"audit_{n}", type_=_AUDIT.c[n].type) for n in AUDIT_COLUMNS]
    duplicate = (select(_CASES.c.id)
                 .where(_CASES.c.content_fingerprint == bindparam("dup_fingerprint", type_=String()),
                        _CASES.c.created_at >= bindparam("dup_since", type_=_CASES.c.created_at.type))
                 .order_by(_CASES.c.id.desc()).limit(1))
    case_insert = (sqlite_insert(_CASES).values(dict(zip(CASE_COLUMNS, case_params, strict=True)))
                   .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(_CASES.c.id))
    audit_insert = insert(_AUDIT).values(dict(zip(AUDIT_COLUMNS, audit_params, strict=True)))
    return duplicate, case_insert, audit_insert.returning(_AUDIT.c.id)


_STATEMENTS: dict[str, tuple[Executable, ...]] = {}


def _transient_case(values: dict[str, Any], case_id: int) -> Submission:
    """The case just stored, as a (transient) ``Submission`` for the receipt and the hooks,
    filled as the ORM fills loaded rows (straight into ``__dict__``): not forty
    instrumented attribute sets, and nothing the session would flush."""
    case = Submission()
    case.__dict__.update(values, id=case_id)
    return case


def store_submission(s: Session, case: dict[str, Any], audit: dict[str, Any],
                     duplicate_since: dt.datetime | None = None) -> tuple[int, int | None]:
    """Insert a case and its audit row in the session's transaction.

    Returns (case id, audit id); (id of the earlier case, None) when ``duplicate_since`` is
    given and the same content fingerprint was stored since then; (0, None) when the
    case's idempotency key is stored already (nothing is written either way)."""
    conn = s.connection()  # Core statements: the session's transaction, not the ORM's execute path
    dialect = conn.dialect.name
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        statements = _STATEMENTS[dialect] = _submit_statements(dialect)
    window = {"dup_fingerprint": case["content_fingerprint"] if duplicate_since else None,
              "dup_since": duplicate_since or case["created_at"]}
    audit_params = {f"audit_{k}": v for k, v in audit.items()}
    if len(statements) == 1:
        params = dict(window, case_json=json.dumps(case, default=_json_value, ensure_ascii=False),
                      audit_json=json.dumps(audit, default=_json_value, ensure_ascii=False))
        case_id, audit_id, duplicate_id = conn.execute(statements[0], params).one()
        if duplicate_id is not None:
            return int(duplicate_id), None
        return (int(case_id), int(audit_id)) if case_id is not None else (0, None)
    if duplicate_since is not None:
        duplicate_id = conn.execute(statements[0], window).scalar()
        if duplicate_id is not None:
            return int(duplicate_id), None
    case_id = conn.execute(statements[1], case).scalar()
    if case_id is None:
        return 0, None
    return int(case_id), int(conn.execute(statements[2], audit_params).scalar_one())


def clock_of(case: Submission) -> deadlines.Clock:
    return deadlines.Clock(case.clock_start, case.due_date, case.accept_due)


class CaseService:
    def __init__(self, db: Database, county: County, calendar: WorkCalendar,
                 today: Callable[[], dt.date]):
        self.db = db
        self.county = county
        self.calendar = calendar
        self.today = today
        self.discipline = discipline_departments(county)
        self._warned_years: set[int] = set()
        self.duplicate_window = 0  # seconds; set from DUPLICATE_WINDOW_SECONDS
        self.fingerprint_key = b""  # keys content fingerprints; set from SECRET_KEY
        self.code_guard: Any = None  # per-case failure limit (limits.CodeGuard)
        # called in the write transaction after each case's audit row (notifications)
        self.event_hooks: list[Callable[..., None]] = []
        # extra read access to a case (e.g. the supervising office of an escalated case)
        self.visibility_hooks: list[Callable[[Submission, Actor], bool]] = []

    def now(self) -> dt.datetime:
        """The current time, on ``today()``'s date (so a fixed TODAY moves the log too)."""
        now = dt.datetime.now(CHINA)
        return dt.datetime.combine(self.today(), now.timetz()).astimezone(dt.UTC)

    # --- submitting -----------------------------------------------------------------

    def submit(self, inp: SubmissionInput, key: str | None = None,
               client: str | None = None) -> tuple[Submission, bool]:
        """Create a case; a repeat with the same idempotency key returns the first case.

        The stored key is a hash of the client's key and the submission's content, so a
        guessed key never returns someone else's receipt (and its query code). Without a
        key, the same content from the same client within ``duplicate_window`` seconds
        returns the first case too (a double tap without JavaScript). While the database
        is unreachable the insert is retried; a retry finds the case whose answer was lost."""
        key = idempotency_fingerprint(key, inp) if key is not None else None
        fingerprint = content_fingerprint(self.fingerprint_key, client or "", inp)
        attempts = [0]

        def attempt() -> tuple[Submission, bool]:
            attempts[0] += 1
            window = self.duplicate_window if attempts[0] == 1 else max(self.duplicate_window, RETRY_WINDOW)
            return self._insert(inp, key, fingerprint, window)

        for _attempt in range(3):
            try:
                return retrying(attempt)
            except IntegrityError:
                if key is not None:
                    existing = self._by_key(key)
                    if existing is not None:
                        return existing, False
                log.warning("tracking number collision, retrying")
        raise ApiError(500)

    def _by_key(self, key: str, session: Session | None = None) -> Submission | None:
        query = select(Submission).where(Submission.idempotency_key == key)
        if session is not None:
            return session.scalar(query)
        with self.db.read() as s:
            return s.scalar(query)

    def _insert(self, inp: SubmissionInput, key: str | None, fingerprint: str | None = None,
                window: int = 0) -> tuple[Submission, bool]:
        """One write transaction: the duplicate check (no key), the case and its audit row
        (one statement on PostgreSQL), then the hooks' rows (the outbox) in the same
        transaction. A key already stored returns its case (``ON CONFLICT DO NOTHING``)."""
        routed = route(self.county, inp.kind, inp.category, inp.program, inp.township)
        today = self.today()
        now = self.now()
        clock = deadlines.on_submit(inp.kind, today, self.calendar)
        cc = "".join(f",{d.code}" for d in routed.cc) + ("," if routed.cc else "")
        values = dict(
            CASE_DEFAULTS,
            tracking_no=new_tracking_no(), query_code=new_query_code(), idempotency_key=key,
            kind=inp.kind, category=inp.category, program=inp.program, township=inp.township,
            village=inp.village, record_ref=inp.record_ref, subject=inp.subject, body=inp.body,
            name=inp.name, phone=inp.phone, anonymous=inp.anonymous,
            department=routed.department.code, cc=cc,
            received_on=today, state="submitted", created_at=now,
            submitted_on=today, clock_start=clock.start, accept_due=clock.accept_due,
            due_date=clock.due, extended=False, reopened=0, content_fingerprint=fingerprint)
        note = f"已提交，由{routed.department.name}办理"
        if routed.cc:
            note += "，抄送" + "、".join(d.name for d in routed.cc)
        detail = {"note": note, "target": routed.target, "department": routed.department.code,
                  "notify_sms": getattr(inp, "notify_sms", False) or None}
        audit = {"at": now, "actor": CITIZEN.name, "actor_department": None, "action": "submit",
                 "tracking_no": values["tracking_no"], "from_state": None, "to_state": "submitted",
                 "detail": _json(detail), "public": True, "source": request_source()}
        check = key is None and fingerprint is not None and window > 0
        since = now - dt.timedelta(seconds=window) if check else None
        # two workers' double taps wait for each other (PostgreSQL; SQLite has one writer)
        lock = int(fingerprint[:15], 16) if check and fingerprint and not self.db.is_sqlite else None
        with self.db.write(lock=lock) as s:
            case_id, audit_id = store_submission(s, values, audit, since)
            if audit_id is None:  # a duplicate, or the idempotency key is stored already
                existing = (s.get(Submission, case_id) if case_id else self._by_key(key or "", s))
                if existing is None:  # cannot happen: the row found was committed
                    raise ApiError(500)
                return existing, False
            case = _transient_case(values, case_id)
            for hook in self.event_hooks:
                hook(s, CITIZEN, "submit", case, audit_id, detail)
        self.warn_unknown_years()
        return case, True

    # --- the citizen's side ---------------------------------------------------------

    def find_public(self, tracking_no: str, code: str | None, session: Session | None = None,
                    lock: bool = False) -> Submission:
        """The case for a number and query code; the same 404 for any mismatch."""
        number = normalise_tracking_no(tracking_no or "")
        code = normalise_code(code or "")
        case = None
        if number is not None and self.code_guard is not None:
            self.code_guard.check(number)
        if number is not None:
            query = select(Submission).where(Submission.tracking_no == number)
            if lock and not self.db.is_sqlite:
                query = query.with_for_update()
            if session is None:
                case = self.db.query(lambda s: s.scalar(query))
            else:
                case = session.scalar(query)
        if case is None or not hmac.compare_digest(case.query_code.encode(), code.encode()):
            if case is not None and self.code_guard is not None:
                self.code_guard.failed(case.tracking_no)
            raise ApiError(404, NOT_FOUND_CASE)
        return case

    def public_view(self, case: Submission) -> dict[str, Any]:
        """What the citizen sees: state, dates, public reply and the public timeline."""
        events = self.db.query(lambda s: s.scalars(select(AuditEntry).where(
            AuditEntry.tracking_no == case.tracking_no, AuditEntry.public.is_(True))
            .order_by(AuditEntry.id)).all())
        return {
            "ok": True,
            "tracking_no": case.tracking_no,
            "kind": case.kind,
            "kind_label": KINDS[case.kind],
            "category": case.category,
            "subject": case.subject,
            "state": case.state,
            "state_label": STATES[case.state],
            "department": self.department_json(case.department),
            "submitted_on": case.submitted_on.isoformat(),
            "due_date": case.due_date.isoformat(),
            "accept_due_date": _iso(case.accept_due),
            "accepted_on": _iso(case.accepted_on),
            "replied_on": _iso(case.replied_on),
            "closed_on": _iso(case.closed_on),
            "extended": case.extended,
            "reply": case.reply,
            "citizen_message": case.citizen_message if case.state == "awaiting_citizen" else None,
            "refusal": ({"reason": case.refusal_reason, "channel": case.refusal_channel}
                        if case.state == "not_accepted" else None),
            "merged_into": case.merged_into,
            "rating": case.rating,
            "can_rate": case.state in ("replied", "closed") and case.rating is None,
            "can_withdraw": case.state in OPEN_STATES,
            "can_supplement": case.state == "awaiting_citizen",
            "timeline": [{"date": e.at.astimezone(CHINA).date().isoformat(),
                          "state": e.to_state, "state_label": STATES.get(e.to_state or "", ""),
                          "note": json.loads(e.detail).get("note", "")} for e in events],
        }

    def rate(self, tracking_no: str, data: dict[str, Any]) -> dict[str, Any]:
        """Rate a reply: a poor first rating reopens the case, later ones explain review."""
        f = Fields(data)
        score = f.integer("score", "评价", 1, 5)
        comment = f.text("comment", "评价意见")
        with self.db.write() as s:
            case = self.find_public(tracking_no, _code(data), s, lock=True)
            f.done()
            assert score is not None
            if case.state not in ("replied", "closed") or case.rating is not None:
                raise invalid([("score", "该事项当前不能评价（须在答复后评价，且每次答复只能评价一次）。")])
            case.rating, case.rating_comment = score, comment
            before = case.state
            review_deadline = None
            if score <= 2 and case.state == "replied" and case.reopened == 0:
                case.state, case.reopened = "in_progress", 1
                message = f"您对答复不满意，已重新交{self.department_name(case.department)}办理，请留意新的答复。"
                self._audit(s, CITIZEN, "reopen", case, before, case.state, public=True,
                            note=f"群众评价 {score} 星（不满意），重新办理", comment=comment)
            else:
                if case.state == "replied":
                    case.state, case.closed_on = "closed", self.today()
                if score <= 2:
                    message, review_deadline = self._review_right(case)
                else:
                    message = "感谢您的评价。"
                self._audit(s, CITIZEN, "rate", case, before, case.state, public=True,
                            note=f"群众评价 {score} 星", comment=comment)
        return {"ok": True, "tracking_no": case.tracking_no, "state": case.state,
                "state_label": STATES[case.state], "message": message,
                "review_deadline": _iso(review_deadline)}

    def _review_right(self, case: Submission) -> tuple[str, dt.date | None]:
        if case.kind == "disclosure_request":
            return ("如认为答复侵犯您的合法权益，可以依法申请行政复议或者提起行政诉讼"
                    "（《政府信息公开条例》第五十一条）。", None)
        if case.kind == "inquiry":
            phone = self.county.supervision_phone
            return ("如仍有疑问，可再次提交咨询" + (f"或拨打监督电话 {phone}" if phone else "") + "。", None)
        deadline = (case.replied_on or self.today()) + dt.timedelta(days=REVIEW_DAYS)
        return (f"如对答复不服，可自收到答复之日起30日内（{deadline.isoformat()}前）请求原办理机关的"
                "上一级行政机关复查（《信访工作条例》第三十五条）。", deadline)

    def citizen_action(self, tracking_no: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
        """Withdraw, or supply what the handler asked for (resumes the case)."""
        f = Fields(data)
        text = f.text("body" if action == "supplement" else "reason",
                      "补充内容" if action == "supplement" else "撤回理由",
                      required=action == "supplement", limit=5000)
        with self.db.write() as s:
            case = self.find_public(tracking_no, _code(data), s, lock=True)
            f.done()
            before = case.state
            try:
                case.state = check_transition(case.kind, case.state, action, case.extended)
            except TransitionRefused as exc:
                raise invalid([("action", exc.message)]) from None
            today = self.today()
            if action == "withdraw":
                case.closed_on = today
                self._audit(s, CITIZEN, "withdraw", case, before, case.state, public=True,
                            note="群众已撤回", reason=text)
            else:
                clock = deadlines.on_supplement(case.kind, today, clock_of(case), case.extended, self.calendar)
                case.clock_start, case.due_date = clock.start, clock.due
                self._audit(s, CITIZEN, "supplement", case, before, case.state, public=True,
                            note="已收到补充材料，继续办理", text=text)
        return {"ok": True, "tracking_no": case.tracking_no, "state": case.state,
                "state_label": STATES[case.state], "due_date": case.due_date.isoformat()}

    # --- handlers -------------------------------------------------------------------

    def can_see(self, case: Submission, actor: Actor) -> bool:
        if actor.is_auditor:
            return True
        if case.department == actor.department:
            return True
        if self.supervises(actor):
            return True  # 纪委监委 read every department's cases (supervision, read-only)
        if case.kind != "report" and f",{actor.department}," in (case.cc or ""):
            return True
        return any(hook(case, actor) for hook in self.visibility_hooks)

    def supervises(self, actor: Actor) -> bool:
        """纪委监委 handlers supervise every department: read-only view of all queues."""
        return actor.role == "handler" and actor.department in self.discipline

    def content_hidden(self, case: Submission, actor: Actor) -> bool:
        """The auditor sees only the metadata of 举报 and misconduct cases."""
        return actor.is_auditor and is_vaulted(case)

    def vaulted_numbers(self, numbers: set[str]) -> set[str]:
        """Which of these tracking numbers are vaulted cases (for the audit log page)."""
        if not numbers:
            return set()
        with self.db.read() as s:
            rows = s.execute(select(Submission.tracking_no, Submission.kind, Submission.category)
                             .where(Submission.tracking_no.in_(numbers))).all()
        return {no for no, kind, category in rows
                if kind == "report" or (category or "") in VAULTED_CATEGORIES}

    def get_for(self, tracking_no: str, actor: Actor) -> Submission:
        number = normalise_tracking_no(tracking_no)
        case = None
        if number is not None:
            with self.db.read() as s:
                case = s.scalar(select(Submission).where(Submission.tracking_no == number))
        if case is None or not self.can_see(case, actor):
            raise ApiError(404, NOT_FOUND_CASE)
        return case

    def identity_allowed(self, case: Submission, actor: Actor) -> bool:
        """举报 and misconduct cases: only the 纪委监委 handling the case may see who sent
        it (never the department it was transferred to, an auditor or a supervisor)."""
        if not is_vaulted(case):
            return True
        return (actor.role == "handler" and actor.department in self.discipline
                and case.department == actor.department)

    def reveal_identity(self, tracking_no: str, actor: Actor) -> Submission:
        case = self.get_for(tracking_no, actor)
        if not self.identity_allowed(case, actor):
            raise ApiError(403, "举报人身份只有承办的纪委监委办理人员可以查看。")
        with self.db.write() as s:
            self._audit(s, actor, "view_identity", case, case.state, case.state,
                        note="查看反映人身份" if case.kind != "report" else "查看举报人身份")
        return case

    def act(self, tracking_no: str, actor: Actor, action: str, data: dict[str, Any]) -> Submission:
        """Apply a handler action (accept, transfer, reply …) after every check."""
        if actor.is_auditor:
            raise ApiError(403, "审计账号只能查看，不能修改。")
        if action not in ACTIONS or ACTIONS[action].actor != "handler":
            raise ApiError(404)
        with self.db.write() as s:
            number = normalise_tracking_no(tracking_no) or ""
            query = select(Submission).where(Submission.tracking_no == number)
            case = s.scalar(query if self.db.is_sqlite else query.with_for_update())
            if case is None or not self.can_see(case, actor):
                raise ApiError(404, NOT_FOUND_CASE)
            if case.department != actor.department:
                if f",{actor.department}," in (case.cc or ""):
                    raise ApiError(403, "抄送部门只能查看，不能办理。")
                raise ApiError(403, "监督查看只读，不能办理其他部门的事项。")
            before = case.state
            try:
                after = check_transition(case.kind, case.state, action, case.extended)
            except TransitionRefused as exc:
                raise invalid([(exc.field, exc.message)]) from None
            detail = getattr(self, f"_do_{action}")(s, case, actor, Fields(data))
            case.state = after
            self._audit(s, actor, action, case, before, after, public=True, **detail)
        return case

    def _do_accept(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        today = self.today()
        case.accepted_on = today
        clock = deadlines.on_accept(case.kind, today, clock_of(case), self.calendar)
        case.clock_start, case.due_date = clock.start, clock.due
        return {"note": f"{self.department_name(case.department)}已受理，答复期限 {clock.due.isoformat()}"}

    def _do_refuse(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        reason = f.text("reason", "不予受理理由", required=True)
        channel = f.text("channel", "应当反映的渠道", required=True, limit=500)
        f.done()
        case.refusal_reason, case.refusal_channel = reason, channel
        case.closed_on = self.today()
        case.on_time = case.closed_on <= (case.accept_due or case.due_date)
        return {"note": f"不予受理：{reason}；请向{channel}反映", "reason": reason}

    def _do_transfer(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        target = f.text("to", "接收部门", required=True, limit=64)
        reason = f.text("reason", "转办理由", required=True)
        if target is not None and target not in self.county.departments:
            f.errors.append(("to", "接收部门不存在，请从列表中选择。"))
        elif target == case.department:
            f.errors.append(("to", "不能转给本部门。"))
        elif target is not None and case.kind == "report" and target not in self.discipline:
            f.errors.append(("to", "举报件只能在纪委监委之间转办，不能转给被反映的部门。"))
        f.done()
        assert target is not None
        own = self.county.departments.get(actor.department or "")
        if own is None or "triage" not in own.roles:
            last_day = deadlines.transfer_deadline(case.received_on, self.calendar)
            if self.today() > last_day:
                raise invalid([("to", f"收到后已超过5个工作日（{last_day.isoformat()}前可退回或转办），"
                                      "不能再退回或转办，请按期办理。")])
        case.previous_department, case.department = case.department, target
        case.received_on = self.today()
        name = self.department_name(target)
        return {"note": f"转{name}办理", "to": target, "reason": reason,
                "from": case.previous_department}

    def _do_merge(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        into = normalise_tracking_no(f.text("into", "合并到的受理编号", required=True, limit=40) or "")
        other = s.scalar(select(Submission).where(Submission.tracking_no == into)) if into else None
        if other is None or other.department != case.department:
            f.errors.append(("into", "合并目标须为本部门正在办理的另一件事项的受理编号。"))
        elif other.tracking_no == case.tracking_no or other.state in ("merged", "withdrawn"):
            f.errors.append(("into", "不能合并到自身或已合并、已撤回的事项。"))
        f.done()
        case.merged_into, case.closed_on = into, self.today()
        return {"note": f"与 {into} 合并办理", "into": into}

    def _do_start(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        return {"note": "开始办理"}

    def _do_await(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        message = f.text("message", "需要补充的内容", required=True, limit=2000)
        f.done()
        case.citizen_message = message
        return {"note": f"请补充：{message}"}

    def _do_resume(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        clock = deadlines.on_supplement(case.kind, self.today(), clock_of(case), case.extended, self.calendar)
        case.clock_start, case.due_date = clock.start, clock.due
        return {"note": "恢复办理"}

    def _do_extend(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        reason = f.text("reason", "延期理由", required=True)
        f.done()
        clock = deadlines.on_extend(case.kind, clock_of(case), self.calendar)
        case.due_date, case.extended, case.extension_reason = clock.due, True, reason
        return {"note": f"办理期限延长至 {clock.due.isoformat()}，理由：{reason}", "reason": reason}

    def _do_reply(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        reply = f.text("reply", "答复内容", required=True, limit=10000)
        f.done()
        today = self.today()
        case.reply, case.replied_on, case.rating = reply, today, None
        late_accept = case.accept_due is not None and case.accepted_on is not None and case.accepted_on > case.accept_due
        case.on_time = today <= case.due_date and not late_accept
        return {"note": "已答复"}

    def _do_close(self, s: Session, case: Submission, actor: Actor, f: Fields) -> dict[str, Any]:
        case.closed_on = self.today()
        return {"note": "已办结"}

    def queue(self, actor: Actor, department: str | None, scope: str = "open") -> list[Submission]:
        """A department's cases sorted by due date (auditor: any or every department)."""
        query = select(Submission)
        if actor.is_auditor or (self.supervises(actor) and department):
            if department:
                query = query.where(Submission.department == department)
        else:
            query = query.where(Submission.department == actor.department)
        query = _scope(query, scope)
        with self.db.read() as s:
            return list(s.scalars(query.order_by(Submission.due_date, Submission.id).limit(500)))

    def copied(self, actor: Actor) -> list[Submission]:
        """Open cases another department handles with this department copied (抄送)."""
        if actor.is_auditor or not actor.department:
            return []
        query = select(Submission).where(Submission.cc.like(f"%,{actor.department},%"),
                                         Submission.department != actor.department)
        with self.db.read() as s:
            return list(s.scalars(_scope(query, "open").order_by(Submission.due_date).limit(200)))

    def history(self, tracking_no: str | None = None, department: str | None = None,
                limit: int = 500) -> list[AuditEntry]:
        query = select(AuditEntry)
        if tracking_no:
            query = query.where(AuditEntry.tracking_no == tracking_no)
        if department:
            query = query.where(AuditEntry.actor_department == department)
        with self.db.read() as s:
            return list(s.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))

    def warn_unknown_years(self) -> None:
        """Say once per year when deadlines fell back to Monday–Friday."""
        for year in sorted(self.calendar.unknown_years - self._warned_years):
            self._warned_years.add(year)
            log.warning("%s 年的节假日安排未知，期限按周一至周五计算：请在 data/holidays.yml 中补充。", year)

    def progress(self, case: Submission) -> tuple[int, int]:
        """(percent of time used, warning level 0/50/80/100) for an open case."""
        if case.state not in OPEN_STATES:
            return 0, 0
        percent = deadlines.elapsed_percent(case.kind, clock_of(case), self.today(), self.calendar)
        return percent, deadlines.warning_level(percent)

    def transfer_deadline(self, case: Submission) -> dt.date:
        return deadlines.transfer_deadline(case.received_on, self.calendar)

    # --- statistics -----------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        today = self.today()
        with self.db.read() as s:
            by_kind = dict(s.execute(select(Submission.kind, func.count()).group_by(Submission.kind)).all())
            by_state = dict(s.execute(select(Submission.state, func.count()).group_by(Submission.state)).all())
            rows = s.execute(select(
                Submission.department, func.count(),
                func.sum(_when(Submission.state.in_(OPEN_STATES))),
                func.sum(_when(Submission.state.in_(OPEN_STATES) & (Submission.due_date < today))),
                func.sum(_when(Submission.on_time.is_(True))),
                func.sum(_when(Submission.on_time.is_(False))),
            ).group_by(Submission.department)).all()
        by_department: dict[str, Any] = {}
        on_time = judged = 0
        for code, total, open_, overdue, ok, late in rows:
            ok, late, overdue = int(ok or 0), int(late or 0), int(overdue or 0)
            on_time, judged = on_time + ok, judged + ok + late + overdue
            by_department[code] = {"name": self.department_name(code), "total": int(total),
                                   "open": int(open_ or 0), "overdue": overdue,
                                   "on_time_rate": _rate(ok, ok + late + overdue)}
        return {"ok": True, "as_of": today.isoformat(),
                "total": sum(by_kind.values()),
                "by_kind": {k: int(by_kind.get(k, 0)) for k in KINDS},
                "by_state": {k: int(by_state.get(k, 0)) for k in STATES},
                "by_department": dict(sorted(by_department.items())),
                "on_time_rate": _rate(on_time, judged)}

    # --- helpers --------------------------------------------------------------------

    def department_name(self, code: str) -> str:
        dept: Department | None = self.county.departments.get(code)
        return dept.name if dept else code

    def department_json(self, code: str) -> dict[str, str]:
        return {"code": code, "name": self.department_name(code)}

    def audit(self, actor: Actor, action: str, tracking_no: str | None = None, **detail: Any) -> None:
        """Log an action that changes no case (login, template edits …)."""
        with self.db.write() as s:
            s.add(AuditEntry(at=self.now(), actor=actor.name[:100],
                             actor_department=actor.department, action=action,
                             tracking_no=tracking_no, detail=_json(detail), public=False,
                             source=request_source()))

    def _audit(self, s: Session, actor: Actor, action: str, case: Submission,
               before: str | None, after: str | None, public: bool = False, **detail: Any) -> None:
        entry = AuditEntry(at=self.now(), actor=actor.name[:100],
                           actor_department=actor.department, action=action,
                           tracking_no=case.tracking_no, from_state=before, to_state=after,
                           detail=_json(detail), public=public, source=request_source())
        s.add(entry)
        if self.event_hooks:
            s.flush()  # the entry's id keys the messages this event causes
            for hook in self.event_hooks:
                hook(s, actor, action, case, entry.id, detail)


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action].label
    return {"submit": "提交", "rate": "评价", "view_identity": "查看举报人身份", "login": "登录",
            "login_failed": "登录失败", "logout": "退出", "template_add": "新增答复模板",
            "template_delete": "删除答复模板", "create_handler": "创建账号",
            "logout_all": "结束全部会话", "password_change": "修改密码"}.get(action, action)


def _scope(query: Any, scope: str) -> Any:
    if scope == "all":
        return query
    if scope == "done":
        return query.where(Submission.state.not_in(OPEN_STATES | {"replied"}))
    return query.where(or_(Submission.state.in_(OPEN_STATES), Submission.state == "replied"))


def _when(condition: Any) -> Any:
    from sqlalchemy import case as sql_case
    return sql_case((condition, 1), else_=0)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _code(data: dict[str, Any]) -> str:
    value = data.get("code")
    return value if isinstance(value, str) else ""


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _json(detail: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in detail.items() if v is not None},
                      ensure_ascii=False, sort_keys=True)
