"""The transactional outbox: messages are rows written with the change that causes them,
and a sender delivers them later.

* ``enqueue(session, …)`` adds a message inside the caller's transaction: if the change is
  rolled back, so is the message; if it commits, the message is on disk with it. A message
  whose ``dedupe_key`` is already queued is skipped (time-based reminders run often).
* ``Sender.run_once()`` claims due messages (status ``sending`` with a lease and a claim
  token, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), delivers them on several threads and
  records each attempt as an ``outbox_attempts`` row together with the new status, in one
  transaction per batch. A failed attempt is retried with exponential back-off.
* A sender killed (even SIGKILL) after claiming leaves its messages ``sending``; when the
  lease expires another sender takes them over. Nothing is lost. A message the dead sender
  had already handed to the gateway is sent again **with the same id** (JSON ``id``,
  yunpian ``uid``, email ``Message-ID``): the gateway keeps one; nothing reaches a phone twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .channels import Result, Transport
from .db import Database
from .messages import Text
from .notify_models import OutboxAttempt, OutboxMessage

log = logging.getLogger(__name__)
MAX_BACKOFF = 3600


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# On the table, not the mapped class: a Core INSERT skips the ORM's bulk-insert machinery
# (it costs a submission about half a millisecond of CPU less).
_T: Table = OutboxMessage.__table__  # type: ignore[assignment]
_INSERT = {name: insert(_T).on_conflict_do_nothing(index_elements=["dedupe_key"])
           for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def message(dedupe_key: str, channel: str, recipient: str, text: Text, event: str,
            tracking_no: str | None = None) -> dict[str, Any]:
    """The row of one message, for ``enqueue_many``."""
    now = utcnow()
    return {"dedupe_key": dedupe_key[:160], "channel": channel, "recipient": recipient,
            "subject": text.subject[:200], "body": text.body, "redacted": text.redacted,
            "event": event, "tracking_no": tracking_no, "status": "pending", "attempts": 0,
            "created_at": now, "next_at": now}


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue messages in the caller's transaction; a dedupe key already queued is skipped.
    One prepared statement (built once) executed with every row: cheap inside a submission."""
    if rows:
        session.execute(_INSERT[session.get_bind().dialect.name], rows)


def enqueue(session: Session, dedupe_key: str, channel: str, recipient: str, text: Text,
            event: str, tracking_no: str | None = None) -> None:
    """Queue one message in the caller's transaction (skipped if the key is queued already)."""
    enqueue_many(session, [message(dedupe_key, channel, recipient, text, event, tracking_no)])


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {status: int(n) for status, n in
                s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}


@dataclass
class Outcome:
    message_id: int
    attempt: int
    result: Result
    transport: str
    duration_ms: int


class Sender:
    """Delivers due outbox messages through ``transports`` (one per channel)."""

    def __init__(self, db: Database, transports: dict[str, Transport], config: dict[str, Any]):
        self.db = db
        self.transports = transports
        self.batch = max(1, int(config["NOTIFY_BATCH"]))
        self.workers = max(1, int(config["NOTIFY_WORKERS"]))
        self.max_attempts = max(1, int(config["NOTIFY_MAX_ATTEMPTS"]))
        self.backoff = max(1, int(config["NOTIFY_BACKOFF_SECONDS"]))
        self.lease = max(1, int(config["NOTIFY_LEASE_SECONDS"]))
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="notify")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for transport in {id(t): t for t in self.transports.values()}.values():
            transport.close()

    def run_once(self, limit: int | None = None) -> dict[str, int]:
        """Deliver every message due now (at most ``limit``); figures per outcome."""
        totals = {"delivered": 0, "retry": 0, "failed": 0}
        while limit is None or sum(totals.values()) < limit:
            claimed = self._claim()
            if not claimed:
                break
            for outcome in self._deliver(claimed):
                totals[outcome] += 1
        return totals

    def _claim(self) -> list[OutboxMessage]:
        now = utcnow()
        token = secrets.token_hex(8)
        due = or_((OutboxMessage.status == "pending") & (OutboxMessage.next_at <= now),
                  (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now))
        with self.db.write() as s:
            query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_at, OutboxMessage.id).limit(self.batch)
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if not ids:
                return []
            s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
                status="sending", claimed_until=now + dt.timedelta(seconds=self.lease), claim_token=token))
            rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))
            for row in rows:
                s.expunge(row)
        return rows

    def _send_one(self, message: OutboxMessage) -> Outcome:
        transport = self.transports[message.channel]
        started = time.perf_counter()
        try:
            result = transport.send(message)
        except Exception as exc:  # noqa: BLE001 - a transport bug must not stop the sender
            result = Result("retry", type(exc).__name__)
        ms = round((time.perf_counter() - started) * 1000)
        return Outcome(message.id, message.attempts + 1, result, transport.name, ms)

    def _deliver(self, claimed: list[OutboxMessage]) -> Iterable[str]:
        outcomes = list(self.pool.map(self._send_one, claimed))
        by_id = {m.id: m for m in claimed}
        now = utcnow()
        final: list[str] = []
        updates: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        with self.db.write() as s:
            token = claimed[0].claim_token
            # still ours? (a sender slower than its lease has been taken over: record only)
            owned = set(s.scalars(select(OutboxMessage.id).where(
                OutboxMessage.id.in_(list(by_id)), OutboxMessage.claim_token == token,
                OutboxMessage.status == "sending")))
            for o in outcomes:
                message = by_id[o.message_id]
                outcome = o.result.outcome
                if outcome == "retry" and o.attempt >= self.max_attempts:
                    outcome = "failed"
                row = {"mid": o.message_id, "p_status": outcome, "p_attempts": o.attempt,
                       "p_next_at": message.next_at, "p_delivered_at": None, "p_body": message.body,
                       "p_last_error": o.result.detail[:300]}
                if outcome == "delivered":
                    # the query code is not kept once it has been delivered
                    row.update(p_delivered_at=now, p_body=message.redacted, p_last_error=None)
                elif outcome == "retry":
                    delay = min(MAX_BACKOFF, self.backoff * 2 ** (o.attempt - 1))
                    row.update(p_status="pending", p_next_at=now + dt.timedelta(seconds=delay))
                    # the id, the event and the transport's detail (a status code or an
                    # exception's class): never the recipient or the text
                    log.warning("notification %s (%s) attempt %s failed: %s; next attempt in %s s",
                                message.id, message.event, o.attempt, o.result.detail, delay)
                else:
                    log.warning("notification %s (%s) failed after %s attempt(s): %s",
                                message.id, message.event, o.attempt, o.result.detail)
                if o.message_id in owned:
                    updates.append(row)
                attempts.append({"message_id": o.message_id, "at": now, "attempt": o.attempt,
                                 "transport": o.transport, "duration_ms": o.duration_ms,
                                 "outcome": outcome if o.message_id in owned else f"{outcome}*",
                                 "detail": o.result.detail[:300]})
                final.append(outcome)
            if updates:
                s.execute(_RESULT, updates)
            s.execute(insert(OutboxAttempt.__table__), attempts)  # type: ignore[arg-type]
        return final


# one statement for every result of a batch (executemany)
_RESULT = (update(_T).where(_T.c.id == bindparam("mid"))
           .values(status=bindparam("p_status"), attempts=bindparam("p_attempts"),
                   next_at=bindparam("p_next_at"), delivered_at=bindparam("p_delivered_at"),
                   body=bindparam("p_body"), last_error=bindparam("p_last_error"),
                   claimed_until=None, claim_token=None))
