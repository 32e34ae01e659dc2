"""Rate limits (flask-limiter): per client on submit, lookup and login; per case on wrong
query codes; per account on failed logins. Each is configurable.

Counters live in ``RATELIMIT_STORAGE_URI``: Redis in production, so every worker and host
counts together. ``memory://`` counts inside one process only, so the service refuses to
start under gunicorn with more than one worker on it. When Redis is unreachable the
counters fall back to memory (logged once) and the service keeps answering.
A breach is a 429 in the one error shape, with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import os
import shlex
import sys
import time
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from .errors import MESSAGES, ApiError, render_error

log = logging.getLogger(__name__)
RECHECK_SECONDS = 30  # after a storage failure, how long counters stay in memory

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
MEMORY_WITH_WORKERS = (
    "RATELIMIT_STORAGE_URI=memory:// counts in each process separately: with {workers} gunicorn "
    "workers every limit would be {workers} times too high. Set RATELIMIT_STORAGE_URI="
    "redis://127.0.0.1:6379/0 (shared by every worker and host), or run one worker. "
    "限额计数存放在各进程内存中，多个 worker 时限额会成倍放大：请设置 RATELIMIT_STORAGE_URI 为 Redis。")


def client_address() -> str:
    """The client's address (after ProxyFix, when configured); IPv6 by its /64 network,
    since one household or phone gets a whole /64 and could rotate within it."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def gunicorn_workers() -> int:
    """How many workers the gunicorn running us was started with (1 outside gunicorn)."""
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        return 1
    try:
        from gunicorn.config import Config
        config = Config()
        argv = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", "")) + sys.argv[1:]
        args, _ = config.parser().parse_known_args(argv)
        if getattr(args, "workers", None):
            config.set("workers", args.workers)
        return int(config.workers)
    except Exception:  # an unusual command line: count on the environment only
        return int(os.environ.get("WEB_CONCURRENCY", "1") or 1)


class Counter:
    """A named limit counted in the limiter's storage (shared), falling back to a
    process-local memory store (logged) when the storage is unreachable."""

    def __init__(self, limiter: Limiter, setting: str, name: str):
        self.limiter, self.setting, self.name = limiter, setting, name
        self._fallback: RateLimiter | None = None
        self._since = 0.0

    def _items(self) -> list[RateLimitItem]:
        return list(parse_many(str(current_app.config[self.setting])))

    def _strategy(self) -> RateLimiter:
        if self._fallback is not None and time.monotonic() - self._since > RECHECK_SECONDS:
            self._fallback = None  # try the shared storage again
        return self._fallback or self.limiter.limiter

    def _call(self, method: str, item: RateLimitItem, key: str) -> Any:
        try:
            return getattr(self._strategy(), method)(item, self.limiter._key_prefix, self.name, key)
        except Exception as exc:
            if self._fallback is not None:
                raise
            log.warning("rate limit storage unreachable (%s): %s counted in memory",
                        type(exc).__name__, self.name)
            self._fallback = FixedWindowRateLimiter(MemoryStorage())
            self._since = time.monotonic()
            return getattr(self._fallback, method)(item, self.limiter._key_prefix, self.name, key)

    def allowed(self, key: str) -> tuple[bool, int]:
        """(True, 0) when under every limit, else (False, seconds to wait)."""
        if not self.limiter.enabled:
            return True, 0
        for item in self._items():
            if not self._call("test", item, key):
                stats = self._call("get_window_stats", item, key)
                return False, max(1, math.ceil(stats.reset_time - time.time()))
        return True, 0

    def hit(self, key: str) -> None:
        if self.limiter.enabled:
            for item in self._items():
                self._call("hit", item, key)


class CodeGuard:
    """Wrong query codes per case, counted across every client address: past the limit
    the case answers 429 to everyone for a few minutes (not long: the citizen waits
    minutes, a guesser needs far more than 2^40 tries; see the README)."""

    def __init__(self, limiter: Limiter):
        self.counter = Counter(limiter, "RATELIMIT_CASE_FAILURES", "case")

    def check(self, tracking_no: str) -> None:
        ok, wait = self.counter.allowed(tracking_no)
        if not ok:
            raise ApiError(429, MESSAGES[429], [("code", f"该受理编号查询码错误次数过多，请 {wait} 秒后再试。")],
                           {"Retry-After": str(wait)})

    def failed(self, tracking_no: str) -> None:
        self.counter.hit(tracking_no)


class AccountGuard:
    """Failed logins per username (known or not, so the answer tells nothing), on top of
    the per-address limit: 60 addresses cannot try 60 passwords on one account."""

    def __init__(self, limiter: Limiter):
        self.counter = Counter(limiter, "RATELIMIT_LOGIN_ACCOUNT", "account")

    @staticmethod
    def key(username: str) -> str:
        return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]

    def check(self, username: str) -> None:
        ok, wait = self.counter.allowed(self.key(username))
        if not ok:
            raise ApiError(429, "该账号登录失败次数过多，请稍后再试。",
                           [("username", f"请 {wait} 秒后再试。")], {"Retry-After": str(wait)})

    def failed(self, username: str) -> None:
        self.counter.hit(self.key(username))


def init_limits(app: Flask) -> Limiter:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    enabled = app.config["RATELIMIT_ENABLED"]
    workers = gunicorn_workers()
    if enabled and uri.startswith("memory://") and workers > 1:
        log.error(MEMORY_WITH_WORKERS.format(workers=workers))
        raise RuntimeError(MEMORY_WITH_WORKERS.format(workers=workers))
    options: dict[str, Any] = {}
    if uri.startswith(("redis://", "rediss://")):
        options = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    limiter = Limiter(client_address, app=app, headers_enabled=False,
                      storage_uri=uri, storage_options=options,
                      key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
                      in_memory_fallback_enabled=True, swallow_errors=True,
                      enabled=enabled)
    # Every limit is on a view (below) and checked by its decorator; flask-limiter's own
    # before_request pass (for application-wide limits, which we have none of) would find
    # nothing, on every request: drop it (this version has no ``auto_check`` option).
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not there when limits are off
        hooks.remove(limiter._check_request_limit)
    for endpoint, setting, scope, methods in LIMITED:
        if endpoint not in app.view_functions:
            continue

        def value(setting: str = setting) -> str:
            return str(current_app.config[setting])
        decorator = (limiter.shared_limit(value, scope=scope, methods=methods) if scope
                     else limiter.limit(value, methods=methods))
        app.view_functions[endpoint] = decorator(app.view_functions[endpoint])  # type: ignore[assignment]
    app.extensions["yikatong_limiter"] = limiter
    app.extensions["yikatong_account_guard"] = AccountGuard(limiter)
    app.extensions["yikatong"].code_guard = CodeGuard(limiter)
    app.register_error_handler(RateLimitExceeded, lambda exc: _too_many(limiter))
    if not enabled:
        log.warning("rate limits are OFF (RATELIMIT_ENABLED=false)")
    elif options:
        log.info("rate limits on; counters in Redis, shared by every worker and host")
    else:
        log.warning("rate limits on; counters in %s, this process only (one worker); "
                    "set RATELIMIT_STORAGE_URI=redis://… for several workers or hosts", uri)
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
