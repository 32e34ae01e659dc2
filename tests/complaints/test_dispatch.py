"""Mounting the service next to the static site on one port."""

from __future__ import annotations

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from complaints_api.dispatch import is_service_path, mount


@pytest.mark.parametrize(("path", "service"), [
    ("/api/v1/submissions", True), ("/api/v1/stats", True), ("/handler/", True), ("/handler", True),
    ("/handler/cases/YK1", True), ("/track", True), ("/healthz", True), ("/track/", False),
    ("/track/index.html", False),
    ("/", False), ("/search/", False), ("/trackers.html", False), ("/handlers/", False), ("/apis", False),
])
def test_is_service_path(path: str, service: bool) -> None:
    assert is_service_path(path) is service


def test_mount(app) -> None:
    site = Response("site")
    client = Client(mount(site, app))
    assert client.get("/index.html").get_data(as_text=True) == "site"
    assert client.get("/healthz").get_json() == {"ok": True, "status": "alive"}
    assert client.get("/track/").get_data(as_text=True) == "site"  # the site's 办理查询 page
