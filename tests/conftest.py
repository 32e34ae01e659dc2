"""Shared fixtures: a small synthetic county and a site built from it (built once per session)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from generator.build import build_site
from generator.dev.sample import write_sample

# Hypothesis' default deadline (200 ms an example) is a timing test, and fails on a loaded
# machine; speed is measured by `make bench`, never by a test.
settings.register_profile("yikatong", deadline=None)
settings.load_profile("yikatong")

AS_OF = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated county with about 600 records (read-only: copy it before changing it)."""
    out = tmp_path_factory.mktemp("sample") / "data"
    write_sample(out, records=600, seed=7, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def built_site(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from ``sample_dir`` (read-only)."""
    work = tmp_path_factory.mktemp("built")
    data = work / "data"
    shutil.copytree(sample_dir, data)
    out = work / "site"
    build_site(data, out, as_of=AS_OF)
    return out


@pytest.fixture
def data_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample data."""
    target = tmp_path / "data"
    shutil.copytree(sample_dir, target)
    return target


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one per test process (never a downloaded browser).

    One Playwright instance per process: a second ``sync_playwright()`` while one is running
    fails with "using Playwright Sync API inside the asyncio loop".
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve a built site on a free local port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def phone_tab(browser: Any, server: str) -> Iterator[Any]:
    """A 360 × 740 tab; fails the test on any script error or any request outside `server`."""
    from tests.ux import NORMAL, tab

    with tab(browser, server, NORMAL) as page:
        yield page
