"""The outbox: written with the change, delivered by the sender with retries and an attempt
row each, over the JSON SMS gateway, yunpian, SMTP or the log file; a SIGKILLed sender
loses nothing and no message reaches a recipient twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from complaints_api.messages import Text
from complaints_api.notify_cli import make_sender
from complaints_api.notify_models import OutboxAttempt, OutboxMessage
from complaints_api.outbox import enqueue

from .conftest import act, add_handler, login, submit
from .sinks import HttpSink, SmtpSink

ROOT = Path(__file__).parents[2]


def rows(app, model):
    with app.extensions["yikatong_db"].read() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def queue_sms(app, key: str, phone: str = "13800138000", text: str = "【集贤县惠民补贴】测试短信。") -> None:
    with app.extensions["yikatong_db"].write() as s:
        enqueue(s, key, "sms", phone, Text(text, text), "test")


@pytest.fixture
def gateway():
    sink = HttpSink()
    yield sink
    sink.close()


def test_message_is_written_with_its_change_or_not_at_all(app, client) -> None:
    case = submit(client, notify_sms=True)
    assert [(m.event, m.tracking_no) for m in rows(app, OutboxMessage)] == [("receipt", case["tracking_no"])]
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    # a refused action rolls back: no state change, no message
    assert act(staff, token, case["tracking_no"], "await").status_code == 400
    assert act(staff, token, case["tracking_no"], "close").status_code == 400
    assert [m.event for m in rows(app, OutboxMessage)] == ["receipt"]
    act(staff, token, case["tracking_no"], "accept")
    act(staff, token, case["tracking_no"], "await", message="请提供承包合同复印件")
    assert [m.event for m in rows(app, OutboxMessage)] == ["receipt", "await"]


def test_a_dedupe_key_is_queued_once(app) -> None:
    queue_sms(app, "r80:YK1:2025-10-11:h1:sms")
    queue_sms(app, "r80:YK1:2025-10-11:h1:sms", text="【集贤县惠民补贴】另一条。")
    assert [m.body for m in rows(app, OutboxMessage)] == ["【集贤县惠民补贴】测试短信。"]


def test_json_gateway_gets_to_text_id_and_the_bearer_token(app_factory, gateway) -> None:
    app = app_factory(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="s3cret-token")
    queue_sms(app, "ev7:citizen")
    sender = make_sender(app)
    assert sender.run_once() == {"delivered": 1, "retry": 0, "failed": 0}
    sender.close()
    assert gateway.received == [{"to": "13800138000", "text": "【集贤县惠民补贴】测试短信。", "id": "ev7:citizen"}]
    assert gateway.headers[0]["Authorization"] == "Bearer s3cret-token"
    (message,) = rows(app, OutboxMessage)
    assert (message.status, message.attempts) == ("delivered", 1)
    assert [(a.attempt, a.transport, a.outcome, a.detail) for a in rows(app, OutboxAttempt)] == [
        (1, "http", "delivered", "HTTP 200")]


def test_retries_back_off_and_every_attempt_is_a_row(app_factory) -> None:
    sink = HttpSink(fail_first=2)
    try:
        app = app_factory(SMS_GATEWAY_URL=sink.url, NOTIFY_BACKOFF_SECONDS=30)
        queue_sms(app, "ev1:citizen")
        sender = make_sender(app)
        delays = []
        for _ in range(3):
            sender.run_once()
            (message,) = rows(app, OutboxMessage)
            if message.status == "pending":
                delays.append((message.next_at - rows(app, OutboxAttempt)[-1].at).total_seconds())
                assert sender.run_once() == {"delivered": 0, "retry": 0, "failed": 0}  # not due yet
                with app.extensions["yikatong_db"].write() as s:  # time passes
                    s.execute(update(OutboxMessage).values(next_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        sender.close()
    finally:
        sink.close()
    assert delays == [30.0, 60.0]
    assert [(a.attempt, a.outcome, a.detail) for a in rows(app, OutboxAttempt)] == [
        (1, "retry", "HTTP 503"), (2, "retry", "HTTP 503"), (3, "delivered", "HTTP 200")]
    assert rows(app, OutboxMessage)[0].status == "delivered"
    assert sink.ids() == {"ev1:citizen": 1}


def test_a_refusal_fails_at_once_and_the_log_names_no_phone(app_factory, caplog) -> None:
    sink = HttpSink(status=400)
    try:
        app = app_factory(SMS_GATEWAY_URL=sink.url)
        queue_sms(app, "ev1:citizen", phone="13912345678")
        sender = make_sender(app)
        with caplog.at_level(logging.INFO):
            assert sender.run_once() == {"delivered": 0, "retry": 0, "failed": 1}
        sender.close()
    finally:
        sink.close()
    (message,) = rows(app, OutboxMessage)
    assert (message.status, message.last_error) == ("failed", "HTTP 400")
    assert "13912345678" not in caplog.text and "1391234" not in caplog.text
    assert "failed after 1 attempt(s): HTTP 400" in caplog.text


def test_gateway_down_is_retried_until_the_last_attempt(app_factory) -> None:
    app = app_factory(SMS_GATEWAY_URL="http://127.0.0.1:9/nothing-listens", NOTIFY_MAX_ATTEMPTS=2,
                      NOTIFY_TIMEOUT_SECONDS=2)
    queue_sms(app, "ev1:citizen")
    sender = make_sender(app)
    assert sender.run_once() == {"delivered": 0, "retry": 1, "failed": 0}
    with app.extensions["yikatong_db"].write() as s:
        s.execute(update(OutboxMessage).values(next_at=dt.datetime.now(dt.UTC)))
    assert sender.run_once() == {"delivered": 0, "retry": 0, "failed": 1}
    sender.close()
    assert [(a.outcome, a.detail) for a in rows(app, OutboxAttempt)] == [
        ("retry", "NewConnectionError"), ("failed", "NewConnectionError")]


def test_yunpian_adapter_posts_its_documented_form(app_factory) -> None:
    sink = HttpSink(answer={"code": 0, "msg": "发送成功", "count": 1})
    try:
        app = app_factory(SMS_PROVIDER="yunpian", SMS_GATEWAY_URL=sink.url, SMS_GATEWAY_TOKEN="apikey-1")
        queue_sms(app, "ev3:citizen")
        sender = make_sender(app)
        assert sender.run_once()["delivered"] == 1
        sender.close()
    finally:
        sink.close()
    assert sink.received == [{"apikey": "apikey-1", "mobile": "13800138000",
                              "text": "【集贤县惠民补贴】测试短信。", "uid": "ev3:citizen"}]


def new_case_for_zhao(app):
    """A handler of 农业农村局 with an email address, a new case for that department, and one
    run of ``notify``: (the case, notify's result)."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-handler", "--username", "zhao", "--department", "nyncj",
                                 "--email", "zhao@example.gov.cn", "--password-stdin"], input="correct-horse-9\n")
    assert result.exit_code == 0, result.output
    case = submit(app.test_client())
    return case, runner.invoke(args=["notify"])


def test_email_through_a_real_smtp_server(app_factory, client) -> None:
    smtp = SmtpSink()
    try:
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_FROM="yikatong@example.gov.cn",
                          NOTIFY_DIGEST_HOUR=24)  # no digest today
        case, result = new_case_for_zhao(app)
        assert "已投递 1 条" in result.output
    finally:
        smtp.close()
    (mail,) = smtp.messages
    assert mail["To"] == "zhao@example.gov.cn" and mail["From"] == "yikatong@example.gov.cn"
    assert mail["Subject"] == f"【集贤县惠民补贴】新投诉 {case['tracking_no']}"
    assert mail.get_content().startswith(f"新投诉{case['tracking_no']}交你单位办理，期限2025-10-11")
    assert mail["Message-ID"].endswith("@yikatong>")


# --- SMTP with STARTTLS and AUTH ---------------------------------------------------------

OPENSSL = shutil.which("openssl")
SMTP_LOGIN = ("yikatong-mailer", "s3cret-mail-pass")


@pytest.fixture(scope="module")
def smtp_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A CA made for this test and a certificate it signs for 127.0.0.1 (openssl CLI): the CA's
    PEM file, and the server's TLS context."""
    if OPENSSL is None:
        pytest.skip("the openssl command is not installed")
    d = tmp_path_factory.mktemp("smtp-ca")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args: str) -> None:
        subprocess.run([str(OPENSSL), *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Yikatong Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "server.ext").write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(d / "server.pem", d / "server.key")
    return d / "ca.pem", server


def tls_mail(app_factory, port: int, **extra):
    return app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="yikatong@example.gov.cn",
                       MAIL_USE_TLS="true", MAIL_USERNAME=SMTP_LOGIN[0], MAIL_PASSWORD=SMTP_LOGIN[1],
                       NOTIFY_DIGEST_HOUR=24, NOTIFY_BACKOFF_SECONDS=30, **extra)


def queue_email(app, key: str, text: str) -> None:
    with app.extensions["yikatong_db"].write() as s:
        enqueue(s, key, "email", "zhao@example.gov.cn", Text(text, text, subject="【集贤县惠民补贴】测试"), "test")


def test_email_over_starttls_with_login_verified_against_mail_ca_file(app_factory, smtp_ca) -> None:
    ca_file, server_tls = smtp_ca
    smtp = SmtpSink(tls=server_tls, login=SMTP_LOGIN)  # refuses MAIL and AUTH before STARTTLS
    try:
        app = tls_mail(app_factory, smtp.port, MAIL_CA_FILE=str(ca_file))
        case, result = new_case_for_zhao(app)
        assert "已投递 1 条" in result.output, result.output
    finally:
        smtp.close()
    assert smtp.logins == [(SMTP_LOGIN[0], True)]
    (mail,) = smtp.messages
    assert mail["To"] == "zhao@example.gov.cn"
    assert mail["Subject"] == f"【集贤县惠民补贴】新投诉 {case['tracking_no']}"
    assert [(a.transport, a.outcome, a.detail) for a in rows(app, OutboxAttempt)] == [("smtp", "delivered", "SMTP 250")]


def test_wrong_smtp_password_fails_at_once(app_factory, smtp_ca, caplog) -> None:
    ca_file, server_tls = smtp_ca
    smtp = SmtpSink(tls=server_tls, login=(SMTP_LOGIN[0], "another-password"))
    try:
        app = tls_mail(app_factory, smtp.port, MAIL_CA_FILE=str(ca_file))
        queue_email(app, "ev1:zhao", "新投诉交你单位办理。")
        sender = make_sender(app)
        with caplog.at_level(logging.INFO):
            assert sender.run_once() == {"delivered": 0, "retry": 0, "failed": 1}
        sender.close()
    finally:
        smtp.close()
    assert set(smtp.logins) == {(SMTP_LOGIN[0], False)} and smtp.messages == []  # PLAIN, then LOGIN
    assert rows(app, OutboxMessage)[0].last_error == "SMTP 535"
    assert SMTP_LOGIN[1] not in caplog.text


def test_an_untrusted_certificate_is_retried_with_back_off_and_logged_without_phone_or_code(
        app_factory, smtp_ca, caplog) -> None:
    ca_file, server_tls = smtp_ca
    smtp = SmtpSink(tls=server_tls, login=SMTP_LOGIN)
    text = "【集贤县惠民补贴】来电人13912345678，查询码ABCDE-FGHJK。"
    try:
        # no MAIL_CA_FILE: the system's CAs do not know the test CA, so the handshake must fail
        app = tls_mail(app_factory, smtp.port)
        queue_email(app, "ev9:zhao", text)
        sender = make_sender(app)
        with caplog.at_level(logging.DEBUG):
            assert sender.run_once() == {"delivered": 0, "retry": 1, "failed": 0}
        sender.close()
        assert smtp.messages == [] and smtp.logins == []  # nothing was sent in clear, no password left
        (message,) = rows(app, OutboxMessage)
        (attempt,) = rows(app, OutboxAttempt)
        assert (message.status, message.attempts, attempt.outcome, attempt.detail) == (
            "pending", 1, "retry", "SSLCertVerificationError")
        assert (message.next_at - attempt.at).total_seconds() == 30.0  # back-off, not a busy loop
        assert "attempt 1 failed: SSLCertVerificationError; next attempt in 30 s" in caplog.text
        for secret in ("13912345678", "1391234", "ABCDE", "FGHJK", "zhao@", SMTP_LOGIN[1]):
            assert secret not in caplog.text
        assert message.last_error == "SSLCertVerificationError"
        # the operator sets MAIL_CA_FILE; when the message is due again it goes out once
        app.config["MAIL_CA_FILE"] = str(ca_file)
        with app.extensions["yikatong_db"].write() as s:
            s.execute(update(OutboxMessage).values(next_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        sender = make_sender(app)
        assert sender.run_once() == {"delivered": 1, "retry": 0, "failed": 0}
        sender.close()
    finally:
        smtp.close()
    assert [m["X-Yikatong-Id"] for m in smtp.messages] == ["ev9:zhao"]
    assert [a.outcome for a in rows(app, OutboxAttempt)] == ["retry", "delivered"]


def test_without_gateways_messages_go_to_the_instance_log(app_factory, tmp_path) -> None:
    app = app_factory(NOTIFY_LOG="", NOTIFY_DIGEST_HOUR=24)
    app.instance_path = str(tmp_path / "instance")
    client = app.test_client()
    case = submit(client, notify_sms=True, phone="13912345678")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert "已投递 1 条" in result.output
    (line,) = (tmp_path / "instance" / "notifications.log").read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["to"] == "139****5678"
    assert entry["text"].startswith(f"【集贤县惠民补贴】您的来信已登记，编号{case['tracking_no']}，查询码******")
    assert case["query_code"] not in line.replace(case["tracking_no"], "")
    # once delivered, the outbox keeps the text without the code
    assert case["query_code"] not in rows(app, OutboxMessage)[0].body.replace(case["tracking_no"], "")


def _start_sender(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "complaints_api", "notify", "--loop", "--quiet"],
                                cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)


def test_sigkill_of_the_sender_loses_nothing_and_sends_nothing_twice(app_factory, tmp_path, data_dir) -> None:
    sink = HttpSink(delay=0.01)
    total = 300
    db_url = f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    app = app_factory(DATABASE_URL=db_url)
    with app.extensions["yikatong_db"].write() as s:
        for i in range(total):
            enqueue(s, f"bulk:{i}", "sms", "13800138000", Text(f"【集贤县惠民补贴】第{i}条。", f"【集贤县惠民补贴】第{i}条。"), "test")
    env = {**os.environ, "DATABASE_URL": db_url, "YIKATONG_DATA": str(data_dir), "SECRET_KEY": "t",
           "SMS_GATEWAY_URL": sink.url, "NOTIFY_LEASE_SECONDS": "2", "NOTIFY_BATCH": "20",
           "NOTIFY_WORKERS": "4", "NOTIFY_INTERVAL_SECONDS": "3600", "TODAY": "2025-09-26"}
    try:
        proc = _start_sender(env, tmp_path / 'sender.log')
        deadline = time.monotonic() + 60
        while len(sink.received) < total // 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        received_at_kill = len(sink.received)
        assert total // 3 <= received_at_kill < total
        proc = _start_sender(env, tmp_path / 'sender.log')
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(m.status == "delivered" for m in rows(app, OutboxMessage)):
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, (tmp_path / "sender.log").read_text()
    finally:
        sink.close()
    messages = rows(app, OutboxMessage)
    assert [m.status for m in messages] == ["delivered"] * total
    ids = sink.ids()
    assert set(ids) == {f"bulk:{i}" for i in range(total)}  # none lost
    # a message in flight at the kill is sent again with the same id, which the gateway keeps once
    resent = {key for key, n in ids.items() if n > 1}
    assert len(resent) <= 20
    delivered = [a.message_id for a in rows(app, OutboxAttempt) if a.outcome == "delivered"]
    assert sorted(delivered) == [m.id for m in messages]  # one delivered attempt per message


@pytest.mark.postgres
def test_outbox_on_postgres(app_factory, pg_url, gateway) -> None:
    app = app_factory(DATABASE_URL=pg_url, SMS_GATEWAY_URL=gateway.url, NOTIFY_DIGEST_HOUR=24)
    case = submit(app.test_client(), notify_sms=True)
    queue_sms(app, f"ev0:{case['tracking_no']}")
    queue_sms(app, f"ev0:{case['tracking_no']}")  # the same key again: skipped
    result = app.test_cli_runner().invoke(args=["notify"])
    assert "已投递 2 条" in result.output
    receipt = next(r for r in gateway.received if r["id"] != f"ev0:{case['tracking_no']}")
    assert receipt["text"].startswith(f"【集贤县惠民补贴】您的来信已登记，编号{case['tracking_no']}，查询码{case['query_code']}")
    assert [m.status for m in rows(app, OutboxMessage)] == ["delivered", "delivered"]
