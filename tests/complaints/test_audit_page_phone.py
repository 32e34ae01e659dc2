"""The audit log page read on a phone (360 px, Debian's Chromium): no sideways scrolling,
each row a card whose lines say what they are."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import phone_tab

from .conftest import PASSWORD, add_handler, submit

pytestmark = pytest.mark.browser


def test_audit_log_fits_a_phone(app, browser) -> None:
    client = app.test_client()
    for i in range(3):
        submit(client, subject=f"补贴金额少了第{i}次", body="很长的说明" * 40)
    add_handler(app, "shen", "sjj", role="auditor")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        with phone_tab(browser, base) as tab:
            tab.goto(base + "handler/login")
            tab.fill("#username", "shen")
            tab.fill("#password", PASSWORD)
            tab.click("button[type=submit]")
            tab.wait_for_url("**/handler/")
            tab.goto(base + "handler/audit")
            widths = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1]
            first = tab.locator("#audit tbody tr").first
            assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
            label = tab.locator("#audit tbody tr td[data-label=操作]").first.evaluate(
                "td => getComputedStyle(td, '::before').content")
            assert label == '"操作："'
            assert tab.locator("#audit thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    finally:
        server.shutdown()
