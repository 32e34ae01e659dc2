"""Fixtures for the complaints service: ``app``, ``client``, ``runner`` and small factories."""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints_api import create_app
from complaints_api.auth import upsert_handler

from .county_fixture import write_county

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "correct-horse-9"
TODAY = "2025-09-26"  # a Friday just before the National Day holiday
FAST_HASH = "scrypt:1024:8:1"  # tests log in often; the OWASP default is tested on its own


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_county(tmp_path / "data")


def make_config(tmp_path: Path, data_dir: Path, **overrides: Any) -> dict[str, Any]:
    config = {"TESTING": True, "YIKATONG_DATA": str(data_dir), "SECRET_KEY": "test-secret",
              "DATABASE_URL": f"sqlite:///{tmp_path / 'complaints.sqlite3'}",
              "SQLITE_SYNCHRONOUS": "NORMAL",
              "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False, "TODAY": TODAY,
              # tests submit the same content many times; tests of the window turn it on
              "DUPLICATE_WINDOW_SECONDS": 0,
              "PASSWORD_HASH": FAST_HASH}
    config.update(overrides)
    return config


@pytest.fixture
def app_factory(tmp_path: Path, data_dir: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(make_config(tmp_path, data_dir, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["yikatong_db"].dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    if not reachable(5432):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import psycopg
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url() -> str:
    if not reachable(6379):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return REDIS_URL


# --- small factories ------------------------------------------------------------------

def submission(**overrides: Any) -> dict[str, Any]:
    """A valid complaint about an amount, changed by ``overrides`` (None removes a key)."""
    data = {"kind": "complaint", "category": "amount", "program": "gdlbh", "township": "福利镇",
            "village": "东升村", "record_ref": "gdlbh-2025-0001", "subject": "补贴金额少了",
            "body": "我家承包12亩，只发了700元。", "name": "王大娘", "phone": "13800138000"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/submissions", json=submission(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_handler(app: Flask, username: str, department: str, role: str = "handler") -> str:
    upsert_handler(app.extensions["yikatong_db"], username, department, role, PASSWORD,
                   method=app.config["PASSWORD_HASH"])
    return username


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client: FlaskClient, username: str) -> str:
    """Log in through the form; return a CSRF token for later posts."""
    page = client.get("/handler/login").get_data(as_text=True)
    response = client.post("/handler/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": csrf_from(page)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return csrf_from(client.get("/handler/").get_data(as_text=True))


def act(client: FlaskClient, token: str, tracking_no: str, action: str, **fields: str):
    return client.post(f"/handler/cases/{tracking_no}/{action}", data={"csrf_token": token, **fields})
