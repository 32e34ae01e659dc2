"""generator/dev/serve.py: the local preview serves the built site and mounts the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.test import Client

from generator.core.errors import YikatongError
from generator.dev.serve import StaticSite, make_app


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "track").mkdir(parents=True)
    (root / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    (root / "track" / "index.html").write_text("<p>办理查询</p>", encoding="utf-8")
    (root / "404.html").write_text("<p>未找到</p>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    return root


def test_static_site_pages_redirects_and_not_found(site: Path) -> None:
    client = Client(StaticSite(site))
    home = client.get("/")
    assert (home.status_code, home.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert home.get_data(as_text=True) == "<p>首页</p>"
    assert client.get("/track").status_code == 301
    missing = client.get("/nope/")
    assert (missing.status_code, missing.get_data(as_text=True)) == (404, "<p>未找到</p>")
    assert client.get("/../secret.txt").status_code == 404


def test_preview_sends_service_paths_to_the_service_and_the_rest_to_the_site(site: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    client = Client(make_app(site, Path(__file__).resolve().parent.parent / "data"))
    assert client.get("/healthz").get_json() == {"ok": True, "status": "alive"}
    assert client.get("/track/").get_data(as_text=True) == "<p>办理查询</p>"  # the site's own page
    assert client.get("/api/v1/stats").get_json()["total"] == 0


def test_preview_without_a_built_site_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(YikatongError, match="请先运行 yikatong build --out"):
        make_app(tmp_path / "empty")
