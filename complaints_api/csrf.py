"""CSRF tokens for the handler pages: one random token per session, checked on every POST.

The token lives in the signed session cookie and in a hidden ``csrf_token`` field of every
form; a POST without the matching token gets 400 before any view runs.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from .errors import ApiError

FIELD = "csrf_token"
REFUSED = "表单已失效（CSRF 校验失败），请刷新页面后重试。"


def token() -> str:
    """The session's token, created on first use (templates call ``csrf_token()``)."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return str(session[FIELD])


def rotate() -> None:
    session[FIELD] = secrets.token_urlsafe(32)


def protect(app: Flask, prefix: str = "/handler") -> None:
    """Refuse state-changing requests under ``prefix`` without a valid token."""

    @app.before_request
    def _check() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith(prefix):
            return
        expected = session.get(FIELD)
        sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
        if not expected or not hmac.compare_digest(str(expected).encode(), sent.encode()):
            raise ApiError(400, REFUSED, [(FIELD, REFUSED)])

    app.jinja_env.globals["csrf_token"] = token
