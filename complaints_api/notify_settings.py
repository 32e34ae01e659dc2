"""Settings of notifications (issue 14), appended to ``config.SETTINGS``."""

from __future__ import annotations

from .config import Setting, parse_bool, parse_int, parse_str

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
    Setting("MAIL_USE_TLS", False, parse_bool, "STARTTLS after connecting."),
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
