"""Tables: submissions (cases), the append-only audit log, handlers, reply templates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Submission(Base):
    """One citizen's inquiry, complaint, report or disclosure request: a case."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), unique=True)
    query_code: Mapped[str] = mapped_column(String(12))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    category: Mapped[str | None] = mapped_column(String(40))
    program: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))
    record_ref: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str] = mapped_column(String(64), index=True)
    cc: Mapped[str] = mapped_column(String(200), default="")  # comma-separated dept codes
    received_on: Mapped[dt.date] = mapped_column(Date)  # current department got it
    previous_department: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    clock_start: Mapped[dt.date] = mapped_column(Date)
    accept_due: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    reply: Mapped[str | None] = mapped_column(Text)
    citizen_message: Mapped[str | None] = mapped_column(Text)  # what the handler asks for
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    refusal_channel: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[str | None] = mapped_column(String(20))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    # Keyed hash of the client and the content: a double tap within the duplicate window
    # returns the first case (added by issue 13; ``Database.init`` adds it to old tables).
    content_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)


class AuditEntry(Base):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tracking_no", "tracking_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))  # username, "citizen" or "system"
    actor_department: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    tracking_no: Mapped[str | None] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # shown on the status page
    source: Mapped[str | None] = mapped_column(String(64))  # client address of the request


class Handler(Base):
    __tablename__ = "handlers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    department: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # handler | auditor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by logout and password changes: every session cookie carrying an older value
    # is refused, so the server can end all sessions of a handler at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReplyTemplate(Base):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("handlers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
