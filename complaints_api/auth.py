"""Handler accounts: hashed passwords, login sessions, the current actor."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .cases import Actor, CaseService
from .db import Database
from .errors import ApiError
from .models import Handler

ROLES = ("handler", "auditor")
MIN_PASSWORD = 8
# Checked when the username is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("yikatong-timing-equaliser")
F = TypeVar("F", bound=Callable[..., Any])


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def upsert_handler(db: Database, username: str, department: str, role: str,
                   password: str) -> bool:
    """Create or update an account; True when created."""
    with db.write() as s:
        handler = s.scalar(select(Handler).where(Handler.username == username))
        created = handler is None
        if handler is None:
            handler = Handler(username=username, created_at=dt.datetime.now(dt.UTC))
            s.add(handler)
        handler.department, handler.role, handler.active = department, role, True
        handler.password_hash = hash_password(password)
    return created


def authenticate(db: Database, username: str, password: str) -> Handler | None:
    with db.read() as s:
        handler = s.scalar(select(Handler).where(Handler.username == username))
    if handler is None or not handler.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return handler if check_password_hash(handler.password_hash, password) else None


def current_actor() -> Actor | None:
    """The logged-in handler as an ``Actor`` (cached for the request)."""
    if "actor" in g:
        return g.actor  # type: ignore[no-any-return]
    actor = None
    handler_id = session.get("hid")
    if handler_id is not None:
        svc: CaseService = current_app.extensions["yikatong"]
        with svc.db.read() as s:
            handler = s.get(Handler, handler_id)
        if handler is not None and handler.active:
            actor = Actor(handler.username, handler.role, handler.department,
                          handler.department in svc.discipline)
    g.actor = actor
    return actor


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            if request.method == "GET":
                return redirect(url_for("handler.login", next=request.path))
            raise ApiError(401, "请先登录。")
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def writer_required(view: F) -> F:
    """Auditors read everything and change nothing."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        actor = current_actor()
        if actor is not None and actor.is_auditor:
            raise ApiError(403, "审计账号只能查看，不能修改。")
        return view(*args, **kwargs)
    return login_required(wrapped)  # type: ignore[return-value]
