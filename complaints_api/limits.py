"""Per-client rate limits (flask-limiter): submit, lookup and login, each configurable.

Counters live in ``RATELIMIT_STORAGE_URI`` (``memory://`` for one process, Redis when
several workers must share them). A breach is a 429 in the one error shape, with
``Retry-After`` in seconds.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from .errors import MESSAGES, render_error

# endpoint → (setting with the limit, shared scope or None, methods)
LIMITED: tuple[tuple[str, str, str | None, list[str] | None], ...] = (
    ("api.submit", "RATELIMIT_SUBMIT", None, None),
    ("api.lookup", "RATELIMIT_LOOKUP", "lookup", None),
    ("api.rate", "RATELIMIT_LOOKUP", "lookup", None),
    ("api.withdraw", "RATELIMIT_LOOKUP", "lookup", None),
    ("api.supplement", "RATELIMIT_LOOKUP", "lookup", None),
    ("public.track", "RATELIMIT_LOOKUP", "lookup", None),
    ("handler.login", "RATELIMIT_LOGIN", None, ["POST"]),
)


def client_address() -> str:
    """The client's address (after ProxyFix, when configured)."""
    return request.remote_addr or "unknown"


def init_limits(app: Flask) -> Limiter:
    limiter = Limiter(client_address, app=app, headers_enabled=False,
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
                      enabled=app.config["RATELIMIT_ENABLED"])
    for endpoint, setting, scope, methods in LIMITED:
        def value(setting: str = setting) -> str:
            return str(current_app.config[setting])
        decorator = (limiter.shared_limit(value, scope=scope, methods=methods) if scope
                     else limiter.limit(value, methods=methods))
        app.view_functions[endpoint] = decorator(app.view_functions[endpoint])  # type: ignore[assignment]
    app.extensions["yikatong_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, lambda exc: _too_many(limiter))
    return limiter


def _too_many(limiter: Limiter):  # type: ignore[no-untyped-def]
    current = limiter.current_limit
    wait = math.ceil(current.reset_at - time.time()) if current else 60
    description = f"限额：{current.limit.amount} 次 / {_period(current.limit)}" if current else ""
    errors = [("", f"{description}，请 {max(wait, 1)} 秒后再试。")] if description else []
    return render_error(429, MESSAGES[429], errors, {"Retry-After": str(max(wait, 1))})


def _period(limit: object) -> str:
    seconds = limit.get_expiry()  # type: ignore[attr-defined]
    names = {1: "秒", 60: "分钟", 3600: "小时", 86400: "天"}
    if seconds in names:
        return names[seconds]
    return f"{seconds} 秒"
