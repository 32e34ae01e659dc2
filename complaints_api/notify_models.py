"""Tables for notifications and escalation (issue 14), added beside the case tables.

Nothing here reshapes ``submissions`` or ``handlers``: a citizen's SMS choice, a handler's
contact details and a case's escalations live in tables of their own, keyed by tracking
number or handler id, so that existing databases only gain tables (``init-db``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class OutboxMessage(Base):
    """One message to deliver, written in the transaction of the change that causes it.

    ``status``: pending → sending (claimed by a sender until ``claimed_until``) → delivered,
    or back to pending with a later ``next_at`` after a failed attempt, or failed after the
    last attempt. ``body`` holds the text to send; ``redacted`` the same text with the query
    code starred out, for the log-file channel, and replaces ``body`` once delivered.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    redacted: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))  # receipt, reply, new_case, digest …
    tracking_no: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))


class OutboxAttempt(Base):
    """One delivery attempt: the audit trail of the outbox (never updated)."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempt: Mapped[int] = mapped_column(Integer)
    transport: Mapped[str] = mapped_column(String(16))  # http, yunpian, smtp, file
    outcome: Mapped[str] = mapped_column(String(12))  # delivered | retry | failed
    detail: Mapped[str] = mapped_column(String(300), default="")  # never a phone or code
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class CitizenNotice(Base):
    """The citizen ticked 短信通知我 (and gave a mobile number) for this case."""

    __tablename__ = "citizen_notices"
    __table_args__ = {"sqlite_with_rowid": False}  # one b-tree: one page less per submission

    tracking_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)


class HandlerContact(Base):
    """Where a handler gets messages: a work email and/or a mobile number."""

    __tablename__ = "handler_contacts"

    handler_id: Mapped[int] = mapped_column(ForeignKey("handlers.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))


class Escalation(Base):
    """督办: an overdue case put before a supervising office. Stays until the case is closed."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("tracking_no", "office"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), index=True)
    office: Mapped[str] = mapped_column(String(64), index=True)  # department code
    department: Mapped[str] = mapped_column(String(64))  # the department that was late
    reason: Mapped[str] = mapped_column(String(16))  # overdue | misconduct
    due_date: Mapped[dt.date] = mapped_column(Date)
    escalated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
