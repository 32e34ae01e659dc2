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
