"""The same service on PostgreSQL (DATABASE_URL), including concurrent idempotent submits."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from .conftest import PG_BASE, act, add_handler, login, submission, submit

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


def six_taps(app, **post: object) -> list[str]:
    """Six threads post the same submission at once; the tracking numbers they were given."""
    results: list[str] = []

    def tap() -> None:
        response = app.test_client().post("/api/v1/submissions", **post)
        assert response.status_code == 201
        results.append(response.get_json()["tracking_no"])

    threads = [threading.Thread(target=tap) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    return results


def test_concurrent_idempotent_submits_create_one_case(pg_app) -> None:
    results = six_taps(pg_app, json=submission(), headers={"Idempotency-Key": "double-tap"})
    assert len(set(results)) == 1
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


def test_concurrent_double_taps_without_a_key_create_one_case(app_factory, pg_url) -> None:
    """No Idempotency-Key (the site's form): six workers' copies of one tap wait for each
    other on the advisory lock sent with BEGIN, and the duplicate check inside the insert
    statement sees the first one's case."""
    app = app_factory(DATABASE_URL=pg_url, DUPLICATE_WINDOW_SECONDS=120)
    results = six_taps(app, json=submission(body="同一件事，点了六次"))
    assert len(set(results)) == 1
    other = app.test_client().post("/api/v1/submissions", json=submission(body="另一件事"))
    assert other.get_json()["tracking_no"] != results[0]
    assert app.test_client().get("/api/v1/stats").get_json()["total"] == 2


def test_a_submission_is_three_round_trips(app_factory, pg_url, monkeypatch) -> None:
    """What the throughput budget rests on: BEGIN (with the double-tap lock), one
    statement for the duplicate check, the case and its audit row, COMMIT; no ping of a
    connection used a moment ago; a lookup without BEGIN/COMMIT."""
    app = app_factory(DATABASE_URL=pg_url, DUPLICATE_WINDOW_SECONDS=120)
    db = app.extensions["yikatong_db"]
    client = app.test_client()
    submit(client)  # the pool's connection exists and was used a moment ago
    statements: list[str] = []
    commits: list[int] = []
    pings: list[int] = []
    event.listen(db.write_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    event.listen(db.write_engine, "commit", lambda conn: commits.append(1))
    ping = db.write_engine.dialect.do_ping
    monkeypatch.setattr(db.write_engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    for key in (None, "tap-1"):  # the site's form, and an API client's Idempotency-Key
        statements.clear()
        commits.clear()
        headers = {"Idempotency-Key": key} if key else {}
        receipt = client.post("/api/v1/submissions", json=submission(body=f"第{key}件"), headers=headers)
        assert receipt.status_code == 201
        begin, store = statements  # and COMMIT
        assert begin.startswith("BEGIN; SELECT pg_advisory_xact_lock(") if key is None else begin == "BEGIN"
        assert store.lstrip().startswith("WITH duplicate AS")
        assert len(commits) == 1
    assert pings == []
    statements.clear()
    commits.clear()
    number, code = receipt.get_json()["tracking_no"], receipt.get_json()["query_code"]
    assert client.get(f"/api/v1/submissions/{number}", headers={"X-Query-Code": code}).status_code == 200
    assert len(statements) == 2 and all(s.lstrip().startswith("SELECT") for s in statements)


def _backend_pids(db) -> set[int]:  # type: ignore[no-untyped-def]
    """The PostgreSQL backends of the pool's idle connections (this test's only)."""
    pids = set()
    for record in list(db.write_engine.pool._pool.queue):
        if record.dbapi_connection is not None:
            pids.add(record.dbapi_connection.info.backend_pid)
    return pids


def test_a_dropped_connection_costs_the_citizen_nothing(app_factory, pg_url, monkeypatch) -> None:
    """Pooled connections are pinged only after sitting idle: a hot connection whose
    backend died fails as a disconnect and the submission is retried on a fresh one; an
    idle one is pinged and replaced before use. Neither reaches the citizen."""
    import psycopg

    from complaints_api import db as db_module
    app = app_factory(DATABASE_URL=pg_url)
    db = app.extensions["yikatong_db"]
    client = app.test_client()
    first = submit(client)

    def kill_pool_backends() -> None:
        pids = _backend_pids(db)
        assert pids
        with psycopg.connect(PG_BASE, autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    kill_pool_backends()  # used a moment ago: not pinged, the statement fails, retried
    second = client.post("/api/v1/submissions", json=submission(body="断线后提交"))
    assert second.status_code == 201
    monkeypatch.setattr(db_module, "PING_IDLE_SECONDS", 0.0)  # every checkout counts as idle
    kill_pool_backends()  # pinged at checkout, replaced
    view = client.get(f"/api/v1/submissions/{first['tracking_no']}", headers={"X-Query-Code": first["query_code"]})
    assert view.status_code == 200
    numbers = {first["tracking_no"], second.get_json()["tracking_no"]}
    with psycopg.connect(pg_url, autocommit=True) as conn:
        stored = {row[0] for row in conn.execute("SELECT tracking_no FROM submissions")}
    assert numbers <= stored and len(stored) == 2
