"""Local stand-ins for an SMS gateway (HTTP) and a mail server (aiosmtpd), for the tests and
``bench/notify_bench.py``. Both record what they receive, keyed by the message's id."""

from __future__ import annotations

import collections
import email
import email.policy
import http.server
import json
import socket
import threading
import time
import urllib.parse
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HttpSink:
    """An SMS gateway: records every POST (JSON or form); answers ``status`` (200), or 503
    to the first ``fail_first`` requests; waits ``delay`` seconds per request."""

    def __init__(self, status: int = 200, fail_first: int = 0, delay: float = 0.0,
                 answer: dict[str, Any] | None = None, on_receive: Any = None):
        self.status, self.fail_first, self.delay = status, fail_first, delay
        self.on_receive = on_receive
        self.answer = answer or {"ok": True}
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()  # answer at once, as a real server does (no Nagle delay)
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw.decode())
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                if sink.delay:
                    time.sleep(sink.delay)
                with sink.lock:
                    failing = sink.fail_first > 0
                    if failing:
                        sink.fail_first -= 1
                    elif sink.on_receive is not None:
                        sink.on_receive(str(body.get("id") or body.get("uid")))
                    else:
                        sink.received.append(body)
                        sink.headers.append(dict(self.headers))
                status = 503 if failing else sink.status
                payload = json.dumps(sink.answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self, key: str = "id") -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(str(r.get(key)) for r in self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message.

    With ``tls`` (an ``ssl.SSLContext`` holding the server's certificate) it offers STARTTLS
    and refuses mail before it; with ``login`` (user, password) it demands AUTH PLAIN/LOGIN
    (only over TLS) and records each login it saw in ``logins``."""

    def __init__(self, on_receive: Any = None, tls: Any = None, login: tuple[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                if on_receive is not None:  # just the id: cheap, for the bench
                    head = envelope.content.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
                    ident = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                                  if line.lower().startswith("x-yikatong-id:")), "")
                    on_receive(ident)
                    return "250 OK"
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink.lock:
                    sink.messages.append(message)
                return "250 OK"

        self.logins: list[tuple[str, bool]] = []

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            user = auth_data.login.decode()
            ok = login is not None and (user, auth_data.password.decode()) == login
            with sink.lock:
                sink.logins.append((user, ok))
            return AuthResult(success=ok, handled=False)

        extra: dict[str, Any] = {}
        if tls is not None:
            extra.update(tls_context=tls, require_starttls=True)
        if login is not None:
            extra.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls is not None)
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()

    def ids(self) -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(str(m["X-Yikatong-Id"]) for m in self.messages)

    def close(self) -> None:
        self.controller.stop()


def main() -> None:
    """``python -m tests.complaints.sinks http|smtp OUT``: a sink in a process of its own
    (as a real gateway is), appending each received id to OUT; prints its address."""
    import sys
    kind, out_path = sys.argv[1], sys.argv[2]
    out = open(out_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    lock = threading.Lock()

    def record(ident: str) -> None:
        with lock:
            out.write(ident + "\n")

    sink: HttpSink | SmtpSink
    if kind == "http":
        sink = HttpSink(on_receive=record)
        print(sink.url, flush=True)
    else:
        sink = SmtpSink(on_receive=record)
        print(sink.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
