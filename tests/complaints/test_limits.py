"""Rate limits: 429 with Retry-After in the one error shape; off when disabled; Redis."""

from __future__ import annotations

import secrets

import pytest

from .conftest import submission, submit


def limited_app(app_factory, **overrides):
    return app_factory(RATELIMIT_ENABLED=True, **overrides)


def test_submit_limit_5_per_minute(app_factory) -> None:
    client = limited_app(app_factory).test_client()
    statuses = [client.post("/api/v1/submissions", json=submission()).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    response = client.post("/api/v1/submissions", json=submission())
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert response.get_json() == {"ok": False, "status": 429, "error": "请求过于频繁，请稍后再试。", "errors": [
        {"field": "", "message": f"限额：5 次 / 分钟，请 {response.headers['Retry-After']} 秒后再试。"}]}
    other = client.post("/api/v1/submissions", json=submission(), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201  # limits are per client


def test_lookup_limit_is_shared_by_api_and_track_page(app_factory) -> None:
    client = limited_app(app_factory, RATELIMIT_LOOKUP="3 per minute").test_client()
    case = submit(client)
    url = f"/api/v1/submissions/{case['tracking_no']}?code=000000"
    assert [client.get(url).status_code for _ in range(2)] == [404, 404]
    assert client.get(f"/track?no={case['tracking_no']}&code=1").status_code == 404
    blocked = client.get(f"/api/v1/submissions/{case['tracking_no']}?code={case['query_code']}")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_login_limit(app_factory) -> None:
    client = limited_app(app_factory, RATELIMIT_LOGIN="2 per minute").test_client()
    page = client.get("/handler/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    statuses = [client.post("/handler/login", data={"username": "a", "password": "b", "csrf_token": token}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert client.get("/handler/login").status_code == 200  # only POST counts


@pytest.mark.parametrize("value", ["false", "0", "False"])
def test_disabled_by_setting(app_factory, value) -> None:
    client = app_factory(RATELIMIT_ENABLED=value).test_client()
    assert {client.post("/api/v1/submissions", json=submission()).status_code for _ in range(7)} == {201}


def test_disabled_by_environment(app_factory, monkeypatch) -> None:
    from complaints_api.config import load_settings
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    assert load_settings()["RATELIMIT_ENABLED"] is False
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    assert load_settings()["RATELIMIT_ENABLED"] is False


def test_proxy_fix_uses_forwarded_address(app_factory) -> None:
    client = limited_app(app_factory, RATELIMIT_SUBMIT="1 per minute", PROXY_FIX_X_FOR=1).test_client()
    first = client.post("/api/v1/submissions", json=submission(), headers={"X-Forwarded-For": "1.1.1.1"})
    second = client.post("/api/v1/submissions", json=submission(), headers={"X-Forwarded-For": "2.2.2.2"})
    third = client.post("/api/v1/submissions", json=submission(), headers={"X-Forwarded-For": "2.2.2.2"})
    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 429]


@pytest.mark.redis
def test_redis_storage_is_shared_between_workers(app_factory, redis_url) -> None:
    prefix = f"ykt-test-{secrets.token_hex(4)}"
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_SUBMIT": "3 per minute"}
    worker_a = limited_app(app_factory, **settings).test_client()
    worker_b = limited_app(app_factory, **settings).test_client()
    statuses = [c.post("/api/v1/submissions", json=submission()).status_code
                for c in (worker_a, worker_b, worker_a, worker_b)]
    assert statuses == [201, 201, 201, 429]
    import redis
    keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
    assert keys
    redis.Redis.from_url(redis_url).delete(*keys)


def test_wrong_codes_are_limited_per_case_across_addresses(app_factory) -> None:
    client = limited_app(app_factory, RATELIMIT_CASE_FAILURES="3 per 10 minutes").test_client()
    case = submit(client)
    url = f"/api/v1/submissions/{case['tracking_no']}"
    statuses = [client.get(url, headers={"X-Query-Code": "WRONG-CODE0"},
                           environ_base={"REMOTE_ADDR": f"10.7.0.{i}"}).status_code for i in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    blocked = client.get(url, headers={"X-Query-Code": case["query_code"]}, environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= 600
    assert blocked.get_json()["errors"] == [{"field": "code", "message": f"该受理编号查询码错误次数过多，请 {blocked.headers['Retry-After']} 秒后再试。"}]
    other = submit(client)  # other cases are not affected
    assert client.get(f"/api/v1/submissions/{other['tracking_no']}", headers={"X-Query-Code": other["query_code"]}).status_code == 200


def test_ipv6_clients_are_counted_per_64(app_factory) -> None:
    client = limited_app(app_factory, RATELIMIT_SUBMIT="2 per minute").test_client()
    statuses = [client.post("/api/v1/submissions", json=submission(subject=f"第{i}件"),
                            environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{i:x}"}).status_code for i in range(1, 4)]
    assert statuses == [201, 201, 429]
    elsewhere = client.post("/api/v1/submissions", json=submission(), environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"})
    assert elsewhere.status_code == 201


def test_redis_unreachable_falls_back_to_memory_and_keeps_accepting(app_factory, caplog) -> None:
    from .conftest import reachable
    port = next(p for p in range(6390, 6400) if not reachable(p))
    client = limited_app(app_factory, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
                         RATELIMIT_SUBMIT="3 per minute").test_client()
    statuses = [client.post("/api/v1/submissions", json=submission()).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]  # accepted, and still limited (in memory)
    case = client.post("/api/v1/submissions", json=submission(), environ_base={"REMOTE_ADDR": "10.3.3.3"}).get_json()
    lookup = client.get(f"/api/v1/submissions/{case['tracking_no']}", headers={"X-Query-Code": "WRONG-CODE0"})
    assert lookup.status_code == 404
    assert "falling back to in-memory storage" in caplog.text or "counted in memory" in caplog.text


def test_memory_storage_with_several_gunicorn_workers_refuses_to_start(data_dir, tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = dict(os.environ, YIKATONG_DATA=str(data_dir), DATABASE_URL=f"sqlite:///{tmp_path / 'g.sqlite3'}",
               SECRET_KEY="x", RATELIMIT_STORAGE_URI="memory://")
    env.pop("RATELIMIT_ENABLED", None)
    result = subprocess.run([str(gunicorn), "-w", "2", "-b", "127.0.0.1:0", "complaints_api:create_app()"],
                            env=env, capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parents[2])
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI=memory:// counts in each process separately: with 2 gunicorn workers" in result.stderr


@pytest.mark.redis
def test_case_failures_and_login_back_off_are_shared_through_redis(app_factory, redis_url) -> None:
    prefix = f"ykt-test-{secrets.token_hex(4)}"
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix,
                "RATELIMIT_CASE_FAILURES": "2 per 10 minutes", "RATELIMIT_LOGIN_ACCOUNT": "2 per minute"}
    worker_a = limited_app(app_factory, **settings).test_client()
    worker_b = limited_app(app_factory, **settings).test_client()
    case = submit(worker_a)
    url = f"/api/v1/submissions/{case['tracking_no']}"
    wrong = {"X-Query-Code": "WRONG-CODE0"}
    statuses = [c.get(url, headers=wrong).status_code for c in (worker_a, worker_b, worker_a)]
    assert statuses == [404, 404, 429]
    logins = []
    for client in (worker_a, worker_b, worker_a):
        token = client.get("/handler/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        logins.append(client.post("/handler/login", data={"username": "zhao", "password": "x", "csrf_token": token}).status_code)
    assert logins == [401, 401, 429]
    import redis
    keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
    redis.Redis.from_url(redis_url).delete(*keys)
