"""The service's settings: one typed schema, defaults plus help text for every key.

Order of precedence: defaults → environment variables → ``test_config`` passed to
``create_app``. Every setting here is documented in ``complaints_api/README.md``
(a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def parse_bool(value: Any) -> bool:
    """``false``/``0``/``no``/``off`` (any case) and empty strings are False."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("", "0", "false", "no", "off")


def parse_int(value: Any) -> int:
    return int(value)


def parse_str(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[Any], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None, parse_str,
            "Signs session cookies and CSRF tokens. Unset: a random key is created once in "
            "instance/secret_key and shared by every worker."),
    Setting("DATABASE_URL", None, parse_str,
            "SQLAlchemy URL. Unset: SQLite (WAL) at instance/complaints.sqlite3. "
            "postgresql://… URLs use psycopg 3."),
    Setting("SQLITE_SYNCHRONOUS", "FULL", parse_str,
            "SQLite PRAGMA synchronous (FULL survives power loss; NORMAL survives a killed process)."),
    Setting("AUTO_INIT_DB", True, parse_bool,
            "Create missing tables when the app starts (init-db does the same explicitly)."),
    Setting("YIKATONG_DATA", "./data", parse_str,
            "Data directory holding county.yml, programs/*.yml and holidays.yml."),
    Setting("RATELIMIT_ENABLED", True, parse_bool,
            "false or 0 turns every rate limit off (load tests)."),
    Setting("RATELIMIT_STORAGE_URI", "memory://", parse_str,
            "Where limit counters live: memory:// (one process) or redis://host:6379/0."),
    Setting("RATELIMIT_KEY_PREFIX", "yikatong", parse_str,
            "Prefix of the limiter's keys in shared storage."),
    Setting("RATELIMIT_SUBMIT", "5 per minute;50 per day", parse_str,
            "Limit per client on POST /api/v1/submissions."),
    Setting("RATELIMIT_LOOKUP", "30 per minute", parse_str,
            "Limit per client on status lookups (API and /track), rating and withdrawal."),
    Setting("RATELIMIT_LOGIN", "10 per minute", parse_str,
            "Limit per client on POST /handler/login."),
    Setting("RATELIMIT_LOGIN_ACCOUNT", "5 per minute;20 per hour;100 per day", parse_str,
            "Failed logins per username, from any number of addresses (back-off)."),
    Setting("RATELIMIT_CASE_FAILURES", "10 per 10 minutes", parse_str,
            "Wrong query codes per case, from any number of addresses; then 429 until the window ends."),
    Setting("DUPLICATE_WINDOW_SECONDS", 120, parse_int,
            "Identical content from the same client within this many seconds returns the first case (0: off)."),
    Setting("RECEIPT_DAYS", 30, parse_int,
            "Days a browser keeps the signed cookie that reopens its receipts and status pages."),
    Setting("SESSION_COOKIE_SECURE", True, parse_bool,
            "Send the handler session cookie over HTTPS only; set false for plain-http demos."),
    Setting("SESSION_HOURS", 8, parse_int,
            "Absolute lifetime of a handler session in hours, however active it is."),
    Setting("SESSION_IDLE_MINUTES", 60, parse_int,
            "A handler session unused for this many minutes ends."),
    Setting("PASSWORD_HASH", "scrypt:131072:8:1", parse_str,
            "werkzeug hash method for handler passwords (OWASP: scrypt N=2^17, r=8, p=1); "
            "older hashes are upgraded at the next login."),
    Setting("PROXY_FIX_X_FOR", 0, parse_int,
            "Number of reverse proxies whose X-Forwarded-For is trusted (0: ProxyFix off)."),
    Setting("PROXY_FIX_X_PROTO", 0, parse_int, "Trusted X-Forwarded-Proto hops."),
    Setting("PROXY_FIX_X_HOST", 0, parse_int, "Trusted X-Forwarded-Host hops."),
    Setting("PROXY_FIX_X_PREFIX", 0, parse_int, "Trusted X-Forwarded-Prefix hops."),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, parse_int,
            "Largest request body in bytes; larger bodies get 413."),
    Setting("RECORD_URL_TEMPLATE", "", parse_str,
            "Link from a case to the public record, e.g. /search/?q={ref}; empty: no link."),
    Setting("TODAY", "", parse_str,
            "Pretend today is this date (YYYY-MM-DD) for deadlines; empty: the real date in China."),
)


def load_settings(environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return every setting: default, then environment, then ``overrides`` (parsed alike)."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        if setting.name in environ:
            value = environ[setting.name]
        if setting.name in overrides:
            value = overrides[setting.name]
        values[setting.name] = value if value is None else setting.parse(value)
    return values


# Notifications (SMS gateway, SMTP, the sender): part of the one list every lookup and the
# README check read.
NOTIFY_SETTINGS: tuple[Setting, ...] = (
    Setting("SMS_GATEWAY_URL", "", parse_str,
            "HTTP SMS gateway: POST JSON {to, text, id} (id = dedupe key), any 2xx = delivered. "
            "Empty: SMS go to instance/notifications.log."),
    Setting("SMS_GATEWAY_TOKEN", "", parse_str,
            "Sent as Authorization: Bearer <token> (yunpian: the apikey)."),
    Setting("SMS_PROVIDER", "json", parse_str,
            "json (the gateway above) or yunpian (云片 v2 single_send form format)."),
    Setting("MAIL_SERVER", "", parse_str, "SMTP host for handlers' email; empty: email goes to the log file."),
    Setting("MAIL_PORT", 25, parse_int, "SMTP port (587 with MAIL_USE_TLS)."),
    Setting("MAIL_FROM", "noreply@localhost", parse_str, "Sender address of emails."),
    Setting("MAIL_USE_TLS", False, parse_bool,
            "STARTTLS after connecting; the server's certificate and host name are always verified."),
    Setting("MAIL_CA_FILE", "", parse_str,
            "PEM file of the CA(s) that sign the SMTP server's certificate (an in-house CA); "
            "empty: the system's trusted CAs."),
    Setting("MAIL_USERNAME", "", parse_str, "SMTP login (empty: no login)."),
    Setting("MAIL_PASSWORD", "", parse_str, "SMTP password."),
    Setting("SERVICE_URL", "", parse_str,
            "Base URL put before links in handlers' emails, e.g. https://yikatong.example.gov.cn"),
    Setting("NOTIFY_LOG", "", parse_str,
            "Log-file channel path; empty: instance/notifications.log."),
    Setting("NOTIFY_BATCH", 50, parse_int, "Messages a sender claims at a time."),
    Setting("NOTIFY_WORKERS", 8, parse_int, "Concurrent deliveries per sender."),
    Setting("NOTIFY_MAX_ATTEMPTS", 10, parse_int,
            "Attempts before a message is marked failed (a 4xx answer fails it at once)."),
    Setting("NOTIFY_BACKOFF_SECONDS", 30, parse_int,
            "First retry delay; doubles per attempt, at most an hour."),
    Setting("NOTIFY_LEASE_SECONDS", 300, parse_int,
            "A claimed message is taken over by another sender after this long (sender died)."),
    Setting("NOTIFY_INTERVAL_SECONDS", 60, parse_int,
            "notify --loop: seconds between reminder/escalation scans (the outbox is polled every second)."),
    Setting("NOTIFY_DIGEST_HOUR", 8, parse_int, "Local hour from which the daily digest is sent."),
    Setting("NOTIFY_TIMEOUT_SECONDS", 10, parse_int, "Timeout of one HTTP or SMTP delivery."),
)

SETTINGS += NOTIFY_SETTINGS
