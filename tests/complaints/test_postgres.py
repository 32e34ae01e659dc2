"""The same service on PostgreSQL (DATABASE_URL), including concurrent idempotent submits."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from .conftest import act, add_handler, login, submission, submit

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(app_factory, pg_url):
    app = app_factory(DATABASE_URL=pg_url)
    assert app.extensions["yikatong_db"].is_sqlite is False
    return app


def test_lifecycle_on_postgres(pg_app) -> None:
    client = pg_app.test_client()
    case = submit(client)
    staff = pg_app.test_client()
    token = login(staff, add_handler(pg_app, "zhao", "nyncj"))
    assert act(staff, token, case["tracking_no"], "accept").status_code == 303
    assert act(staff, token, case["tracking_no"], "reply", reply="已核实").status_code == 303
    view = client.get(f"/api/v1/submissions/{case['tracking_no']}?code={case['query_code']}").get_json()
    assert (view["state"], view["reply"]) == ("replied", "已核实")
    stats = client.get("/api/v1/stats").get_json()
    assert stats["by_department"]["nyncj"]["on_time_rate"] == 1.0


def test_audit_log_append_only_on_postgres(pg_app) -> None:
    submit(pg_app.test_client())
    with pytest.raises(Exception, match="append-only"), pg_app.extensions["yikatong_db"].write_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_concurrent_idempotent_submits_create_one_case(pg_app) -> None:
    results: list[str] = []

    def tap() -> None:
        response = pg_app.test_client().post("/api/v1/submissions", json=submission(),
                                             headers={"Idempotency-Key": "double-tap"})
        results.append(response.get_json()["tracking_no"])

    threads = [threading.Thread(target=tap) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 6
    assert pg_app.test_client().get("/api/v1/stats").get_json()["total"] == 1


def test_init_db_twice_is_harmless(pg_app) -> None:
    """Running init-db again (a redeploy) keeps every case and its status page working."""
    client = pg_app.test_client()
    receipt = client.post("/api/v1/submissions", json=submission()).get_json()
    pg_app.extensions["yikatong_db"].init()
    pg_app.extensions["yikatong_db"].init()
    assert client.get("/api/v1/stats").get_json()["total"] == 1
    status = client.get(f"/api/v1/submissions/{receipt['tracking_no']}?code={receipt['query_code']}")
    assert status.status_code == 200
    assert status.get_json()["tracking_no"] == receipt["tracking_no"]
