"""Handler accounts: hashed passwords, login sessions the server can end, the current actor.

A session cookie holds the handler's id, the account's ``session_epoch`` at login, the
login time and the last activity. It is refused when the epoch has moved on (logout or a
password change end every session of that handler), after ``SESSION_HOURS`` since login
(absolute) or after ``SESSION_IDLE_MINUTES`` without use.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, redirect, request, session, url_for
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .cases import Actor, CaseService
from .db import Database
from .errors import ApiError
from .models import Handler

ROLES = ("handler", "auditor")
MIN_PASSWORD = 8
DEFAULT_METHOD = "scrypt:131072:8:1"  # OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1
SEEN_STEP = 60  # seconds: refresh the last-activity stamp at most once a minute
F = TypeVar("F", bound=Callable[..., Any])
_dummy: dict[str, str] = {}


def hash_method() -> str:
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH") or DEFAULT_METHOD)
    return DEFAULT_METHOD


def hash_password(password: str, method: str | None = None) -> str:
    return generate_password_hash(password, method=method or hash_method())


def needs_rehash(stored: str, method: str | None = None) -> bool:
    """True when ``stored`` was made with other parameters than the current method."""
    return not stored.startswith((method or hash_method()) + "$")


def _dummy_hash(method: str) -> str:
    """Checked when the username is unknown, so both paths take as long."""
    if method not in _dummy:
        _dummy[method] = generate_password_hash("yikatong-timing-equaliser", method=method)
    return _dummy[method]


def upsert_handler(db: Database, username: str, department: str, role: str,
                   password: str, method: str | None = None) -> bool:
    """Create or update an account; True when created. A new password ends every session."""
    with db.write() as s:
        handler = s.scalar(select(Handler).where(Handler.username == username))
        created = handler is None
        if handler is None:
            handler = Handler(username=username, created_at=dt.datetime.now(dt.UTC), session_epoch=0)
            s.add(handler)
        handler.department, handler.role, handler.active = department, role, True
        handler.password_hash = hash_password(password, method)
        if not created:
            handler.session_epoch = (handler.session_epoch or 0) + 1
    return created


def account_exists(db: Database, username: str) -> bool:
    with db.read() as s:
        return s.scalar(select(Handler.id).where(Handler.username == username)) is not None


def authenticate(db: Database, username: str, password: str) -> Handler | None:
    """The account when the password is right; an old hash is upgraded on the way."""
    method = hash_method()
    with db.read() as s:
        handler = s.scalar(select(Handler).where(Handler.username == username))
    if handler is None or not handler.active:
        check_password_hash(_dummy_hash(method), password)
        return None
    if not check_password_hash(handler.password_hash, password):
        return None
    if needs_rehash(handler.password_hash, method):
        with db.write() as s:
            s.execute(update(Handler).where(Handler.id == handler.id)
                      .values(password_hash=hash_password(password, method)))
    return handler


def end_all_sessions(db: Database, handler_id: int) -> None:
    """Every session of this handler, on every device, ends now."""
    with db.write() as s:
        s.execute(update(Handler).where(Handler.id == handler_id)
                  .values(session_epoch=Handler.session_epoch + 1))


def start_session(handler: Handler) -> None:
    now = int(time.time())
    session.clear()
    session.permanent = True
    session.update({"hid": handler.id, "epoch": handler.session_epoch or 0, "iat": now, "seen": now})


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
        if handler is not None and handler.active and _session_valid(handler):
            actor = Actor(handler.username, handler.role, handler.department,
                          handler.department in svc.discipline)
            g.handler_id = handler.id
        else:
            session.clear()
    g.actor = actor
    return actor


def _session_valid(handler: Handler) -> bool:
    now = int(time.time())
    config = current_app.config
    try:
        epoch, issued, seen = int(session["epoch"]), int(session["iat"]), int(session["seen"])
    except (KeyError, TypeError, ValueError):
        return False  # a cookie from before revocable sessions
    if epoch != (handler.session_epoch or 0):
        return False
    if now - issued > int(config["SESSION_HOURS"]) * 3600:
        return False
    if now - seen > int(config["SESSION_IDLE_MINUTES"]) * 60:
        return False
    if now - seen >= SEEN_STEP:
        session["seen"] = now
    return True


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
