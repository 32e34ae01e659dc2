"""Transports that deliver one outbox message: an HTTP SMS gateway, 云片 (yunpian), SMTP, or
a local log file when neither SMS nor mail is configured.

Each ``send`` returns a ``Result``: delivered, retry (network trouble, 5xx, 408/429) or
failed (any other answer: retrying would not help). ``detail`` never holds a phone number,
an address or message text: only a status code or an exception's class.

Every transport is safe to call from several threads: connections are per thread.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import json
import smtplib
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any, Protocol

import urllib3

from .messages import mask_phone
from .notify_models import OutboxMessage

YUNPIAN_URL = "https://sms.yunpian.com/v2/sms/single_send.json"
RETRY_STATUSES = frozenset({408, 425, 429})
CRLF = email.policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class Result:
    outcome: str  # delivered | retry | failed
    detail: str = ""


class Transport(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> Result: ...

    def close(self) -> None: ...


def _http_result(status: int) -> Result:
    if 200 <= status < 300:
        return Result("delivered", f"HTTP {status}")
    if status >= 500 or status in RETRY_STATUSES:
        return Result("retry", f"HTTP {status}")
    return Result("failed", f"HTTP {status}")


class _PerThread:
    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self, make: Any) -> Any:
        value = getattr(self._local, "value", None)
        if value is None:
            value = self._local.value = make()
            with self._lock:
                self._all.append(value)
        return value

    def current(self) -> Any:
        return getattr(self._local, "value", None)

    def reset(self) -> None:
        self._local.value = None

    def drain(self) -> list[Any]:
        with self._lock:
            values, self._all = self._all, []
        return values


class HttpSms:
    """POST ``{"to", "text", "id"}`` as JSON with a bearer token; any 2xx is delivered.

    ``id`` is the message's dedupe key: a gateway that keeps it sends a retried message once.
    urllib3's pool keeps connections alive and is shared by the sender's threads."""

    name = "http"

    def __init__(self, url: str, token: str, timeout: float):
        self.url, self.token = url, token
        self.pool = urllib3.PoolManager(maxsize=32, block=False, retries=False,
                                        timeout=urllib3.Timeout(total=timeout))

    def _post(self, body: bytes, content_type: str) -> tuple[int, bytes] | Result:
        headers = {"Content-Type": content_type}
        if self.token and self.name == "http":
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.pool.request("POST", self.url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            return Result("retry", type(exc).__name__)
        return response.status, response.data

    def send(self, message: OutboxMessage) -> Result:
        payload = json.dumps({"to": message.recipient, "text": message.body, "id": message.dedupe_key},
                             ensure_ascii=False).encode()
        answer = self._post(payload, "application/json; charset=utf-8")
        return answer if isinstance(answer, Result) else _http_result(answer[0])

    def close(self) -> None:
        self.pool.clear()


class YunpianSms(HttpSms):
    """云片 v2 ``sms/single_send.json``: form fields apikey, mobile, text (must start with the
    approved signature, which ours does) and uid (our dedupe key). Answer ``{"code": 0}`` is
    sent; HTTP 400 with another code is a refusal (bad number, unapproved text …)."""

    name = "yunpian"

    def __init__(self, url: str, token: str, timeout: float):
        super().__init__(url or YUNPIAN_URL, token, timeout)

    def send(self, message: OutboxMessage) -> Result:
        form = urllib.parse.urlencode({"apikey": self.token, "mobile": message.recipient,
                                       "text": message.body, "uid": message.dedupe_key[:64]})
        answer = self._post(form.encode(), "application/x-www-form-urlencoded; charset=utf-8")
        if isinstance(answer, Result):
            return answer
        status, data = answer
        result = _http_result(status)
        if result.outcome != "delivered":
            return result
        try:
            code = json.loads(data.decode()).get("code")
        except (ValueError, AttributeError):
            return Result("retry", "yunpian: unreadable answer")
        return Result("delivered", "yunpian code 0") if code == 0 else Result("failed", f"yunpian code {code}")


class Smtp:
    """One SMTP connection per thread, kept open across messages; Message-ID from the
    dedupe key, so a resent message is recognisable as the same one."""

    name = "smtp"

    def __init__(self, config: dict[str, Any]):
        self.host, self.port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        self.tls, self.sender = bool(config["MAIL_USE_TLS"]), config["MAIL_FROM"]
        self.username, self.password = config["MAIL_USERNAME"], config["MAIL_PASSWORD"]
        self.timeout = float(config["NOTIFY_TIMEOUT_SECONDS"])
        # smtplib's own STARTTLS default checks neither the certificate nor the host name:
        # always verify, against MAIL_CA_FILE (an in-house CA) or the system's CAs
        self.tls_context = ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None) if self.tls else None
        self._conns = _PerThread()

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.tls:
                conn.starttls(context=self.tls_context)
            if self.username:
                conn.login(self.username, self.password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, message: OutboxMessage) -> Result:
        # compat32 MIMEText: the same wire format as EmailMessage at a fraction of the CPU
        mail = MIMEText(message.body, "plain", "utf-8")
        mail["From"], mail["To"] = self.sender, message.recipient
        mail["Subject"] = Header(message.subject or message.body[:40], "utf-8")  # type: ignore[assignment]
        mail["Date"] = email.utils.formatdate(localtime=False)
        digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}@yikatong>"
        mail["X-Yikatong-Id"] = message.dedupe_key
        raw = mail.as_bytes(policy=CRLF)  # SMTP wants CRLF line ends
        for attempt in (1, 2):  # a kept connection may have been closed by the server
            try:
                conn = self._conns.get(self._connect)
                conn.sendmail(self.sender, [message.recipient], raw)
                return Result("delivered", "SMTP 250")
            except smtplib.SMTPRecipientsRefused as exc:
                codes = sorted({code for code, _ in exc.recipients.values()})
                return Result("failed" if all(400 > c or c >= 500 for c in codes) else "retry",
                              f"SMTP {codes}")
            except smtplib.SMTPResponseException as exc:
                self._drop()
                return Result("failed" if exc.smtp_code >= 500 else "retry", f"SMTP {exc.smtp_code}")
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if attempt == 2:
                    return Result("retry", type(exc).__name__)
        return Result("retry", "SMTP")

    def _drop(self) -> None:
        conn = self._conns.current()
        self._conns.reset()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    def close(self) -> None:
        for conn in self._conns.drain():
            try:
                conn.quit()
            except Exception:  # noqa: BLE001
                conn.close()


class LogFile:
    """Without a gateway: one JSON line per message in instance/notifications.log, with the
    recipient masked and the query code starred out (a log never holds either)."""

    name = "file"
    _lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path

    def send(self, message: OutboxMessage) -> Result:
        to = mask_phone(message.recipient) if message.channel == "sms" else _mask_email(message.recipient)
        line = json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "channel": message.channel,
                           "to": to, "subject": message.subject or None, "text": message.redacted,
                           "id": message.dedupe_key}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError as exc:
            return Result("retry", type(exc).__name__)
        return Result("delivered", "written to log file")

    def close(self) -> None:
        pass


def _mask_email(address: str) -> str:
    user, _, domain = address.partition("@")
    return (user[:1] + "***@" + domain) if domain else "***"


def transports(config: dict[str, Any], instance_path: str) -> dict[str, Transport]:
    """The transport for each channel, from the settings."""
    log = LogFile(Path(config.get("NOTIFY_LOG") or Path(instance_path) / "notifications.log"))
    timeout = float(config["NOTIFY_TIMEOUT_SECONDS"])
    sms: Transport = log
    provider = (config.get("SMS_PROVIDER") or "json").lower()
    if provider == "yunpian" and config.get("SMS_GATEWAY_TOKEN"):
        sms = YunpianSms(config.get("SMS_GATEWAY_URL") or "", config["SMS_GATEWAY_TOKEN"], timeout)
    elif config.get("SMS_GATEWAY_URL"):
        sms = HttpSms(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN") or "", timeout)
    mail: Transport = Smtp(config) if config.get("MAIL_SERVER") else log
    return {"sms": sms, "email": mail}
