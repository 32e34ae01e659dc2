"""Sessions the server can end, login back-off per account, password hashing, the
failed-login username rule and source addresses in the audit log."""

from __future__ import annotations

import time

from bs4 import BeautifulSoup
from sqlalchemy import select

from complaints_api.auth import DEFAULT_METHOD, upsert_handler
from complaints_api.models import AuditEntry, Handler

from .conftest import PASSWORD, add_handler, csrf_from, login


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def copy_cookie(source, target) -> None:
    """What a thief does: the victim's session cookie in another browser."""
    cookie = source.get_cookie("yikatong_handler")
    target.set_cookie("yikatong_handler", cookie.value)


def try_login(client, username: str, password: str, address: str = "127.0.0.1"):
    token = csrf_from(client.get("/handler/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    return client.post("/handler/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_logout_ends_a_copied_session(app) -> None:
    victim, thief = app.test_client(), app.test_client()
    token = login(victim, add_handler(app, "zhao", "nyncj"))
    copy_cookie(victim, thief)
    assert thief.get("/handler/").status_code == 200
    other_device = app.test_client()
    login(other_device, "zhao")
    assert victim.post("/handler/logout", data={"csrf_token": token}).status_code == 303
    for client in (thief, other_device):
        response = client.get("/handler/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/handler/login")


def test_password_change_ends_every_session(app) -> None:
    me, thief = app.test_client(), app.test_client()
    token = login(me, add_handler(app, "zhao", "nyncj"))
    copy_cookie(me, thief)
    wrong = me.post("/handler/password", data={"csrf_token": token, "current": "nope", "new": "x", "repeat": "x"})
    assert wrong.status_code == 400
    assert [li.get_text() for li in soup(wrong).select("li[data-field]")] == ["当前密码不正确。", "新密码至少 8 位。"]
    changed = me.post("/handler/password", data={"csrf_token": token, "current": PASSWORD,
                                                 "new": "new-password-7", "repeat": "new-password-7"})
    assert changed.status_code == 303
    assert thief.get("/handler/").status_code == 302
    assert me.get("/handler/").status_code == 302
    page = soup(me.get("/handler/login"))
    assert page.select_one(".flash").get_text() == "密码已修改，所有设备上的登录均已退出，请用新密码登录。"
    assert try_login(me, "zhao", PASSWORD).status_code == 401
    assert try_login(me, "zhao", "new-password-7").status_code == 303


def test_reset_by_the_cli_ends_sessions(app) -> None:
    client = app.test_client()
    login(client, add_handler(app, "zhao", "nyncj"))
    add_handler(app, "zhao", "nyncj")  # create-handler again = password reset
    assert client.get("/handler/").status_code == 302


def test_absolute_lifetime_even_when_active(app, monkeypatch) -> None:
    client = app.test_client()
    login(client, add_handler(app, "zhao", "nyncj"))
    start = time.time()
    for minutes in (30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 360, 390, 420, 450):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/handler/").status_code == 200, minutes  # used every 30 minutes
    monkeypatch.setattr(time, "time", lambda: start + 8 * 3600 + 60)
    assert client.get("/handler/").status_code == 302


def test_idle_sessions_end(app, monkeypatch) -> None:
    client = app.test_client()
    login(client, add_handler(app, "zhao", "nyncj"))
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 61 * 60)
    assert client.get("/handler/").status_code == 302


def test_per_account_back_off_across_addresses(app_factory) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="10 per minute")
    add_handler(app, "zhao", "nyncj")
    client = app.test_client()
    statuses = [try_login(client, "zhao", f"guess-{i}", f"10.0.{i}.1").status_code for i in range(60)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    right = try_login(client, "zhao", PASSWORD, "10.1.1.1")
    assert right.status_code == 429
    assert right.get_json()["error"] == "该账号登录失败次数过多，请稍后再试。"
    # an unknown name behaves the same, so the answer tells nothing about which accounts exist
    unknown = [try_login(client, "nobody", f"g{i}", f"10.2.{i}.1").status_code for i in range(6)]
    assert unknown == [401] * 5 + [429]


def test_passwords_use_owasp_scrypt_and_old_hashes_are_upgraded(app_factory) -> None:
    app = app_factory(PASSWORD_HASH=DEFAULT_METHOD)
    assert DEFAULT_METHOD == "scrypt:131072:8:1"  # N = 2^17, r = 8, p = 1
    db = app.extensions["yikatong_db"]
    upsert_handler(db, "old", "nyncj", "handler", PASSWORD, method="scrypt:32768:8:1")
    client = app.test_client()
    assert try_login(client, "old", PASSWORD).status_code == 303
    with db.read() as s:
        stored = s.scalar(select(Handler.password_hash).where(Handler.username == "old"))
    assert stored.startswith("scrypt:131072:8:1$")


def test_failed_login_stores_only_account_names(app) -> None:
    add_handler(app, "zhao", "nyncj")
    client = app.test_client()
    try_login(client, "zhao", "wrong-password", "203.0.113.7")
    try_login(client, "Secret-Passw0rd!", "", "203.0.113.8")  # a password typed as the username
    with app.extensions["yikatong_db"].read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed").order_by(AuditEntry.id)).all()
    assert [r.actor for r in rows][0] == "zhao"
    assert rows[1].actor.startswith("未知用户#") and "Secret" not in rows[1].actor
    assert [r.source for r in rows] == ["203.0.113.7", "203.0.113.8"]
    everything = " ".join(f"{r.actor} {r.detail}" for r in rows)
    assert "wrong-password" not in everything and "Secret-Passw0rd!" not in everything


def test_audit_page_shows_source_addresses_to_the_auditor(app) -> None:
    auditor = app.test_client()
    add_handler(app, "shen", "sjj", role="auditor")
    token = csrf_from(auditor.get("/handler/login").get_data(as_text=True))
    auditor.post("/handler/login", data={"username": "shen", "password": PASSWORD, "csrf_token": token},
                 environ_base={"REMOTE_ADDR": "198.51.100.4"})
    rows = soup(auditor.get("/handler/audit")).select("#audit tbody tr")
    login_row = next(r for r in rows if r.select_one("td[data-label=操作]").get_text() == "登录")
    assert login_row.select_one("td[data-label=来源地址]").get_text() == "198.51.100.4"
