"""Journeys 1, 4 and 5 (JOURNEYS.md) walked in Chromium on a 360 × 740 phone, in normal mode,
in 长辈模式 and at 200 % zoom, on the built site and the running service (one port).

Every step saves a screenshot (``make journeys`` → journeys-screenshots/<journey>/<mode>/)
and checks the screen as a person would: no sideways scrolling, no clipped text, text and
targets big enough for the mode, nothing loaded from another origin (see tests/ux.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from generator.search.pinyin_keys import name_keys
from tests.ux import MODES, PASSWORD, Mode, portal, screen_problems, shoot, tab

pytestmark = [pytest.mark.browser, pytest.mark.journeys]


@pytest.fixture(scope="module")
def journey_portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with portal(built_site, built_site.parent / "data", tmp_path_factory.mktemp("journeys-db")) as (base, _app):
        yield base, built_site


def a_villager(site: Path) -> dict[str, str]:
    """Someone on a 耕地地力保护补贴 list (full names, ID shown 6 + 4): name, initials, ID tail."""
    for page in sorted(site.glob("t/*/*/gdzl-*/index.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for row in soup.select("table.yk-records tbody tr"):
            name = row.select_one("td.yk-name").get_text()
            if "*" in name or len(name) < 2:
                continue
            keys = name_keys(name)
            initials = sorted(getattr(keys, "initials", None) or [""])[0]
            return {"name": name, "initials": initials, "id_tail": row.select_one("td.yk-id").get_text()[-4:],
                    "ref": row["id"][2:]}
    raise AssertionError("no gdzl record with a full name in the sample")


class Steps:
    """Screenshot and check every step of one journey in one mode."""

    def __init__(self, page: Any, journey: str, mode: Mode):
        self.page, self.journey, self.mode, self.n = page, journey, mode, 0
        self.problems: list[str] = []

    def step(self, label: str) -> None:
        self.n += 1
        self.page.wait_for_load_state("load")
        shoot(self.page, self.journey, self.mode, self.n, label)
        self.problems += [f"{label}: {p}" for p in screen_problems(self.page, self.mode)]

    def done(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


def search(page: Any, query: str) -> None:
    page.fill("#yk-q", query)
    page.click("#yk-search button[type=submit]")  # the client marks the results busy at once
    page.wait_for_selector('#results[aria-busy="false"] .result, #results[aria-busy="false"] .yk-empty')


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_villager_handler_auditor(browser: Any, journey_portal: tuple[str, Path], mode: Mode) -> None:
    base, site = journey_portal
    who = a_villager(site)
    # journey 1: 王大娘 checks her subsidy
    with tab(browser, base, mode) as page:
        v = Steps(page, "1-villager", mode)
        page.goto(base)
        assert page.locator("#yk-elder").inner_text() == "长辈模式"
        assert page.locator("#yk-elder").get_attribute("aria-pressed") == ("true" if mode.elder else "false")
        v.step("home")
        page.fill("#yk-q", who["name"])
        page.click(".yk-hero button[type=submit]")
        page.wait_for_selector("#results .result")
        page.locator("#results .result").first.scroll_into_view_if_needed()
        card = page.locator("#results .result").first
        head, place = card.locator(".result-head").bounding_box(), card.locator(".result-place").bounding_box()
        assert place["y"] >= head["y"] + head["height"] - 1  # a card reads top to bottom, in every mode
        v.step("search-name")
        for label, query in (("search-initials", who["initials"]), ("search-id", who["id_tail"])):
            search(page, query)
            assert page.locator("#results .result").count() >= 1
            page.locator("#results .result").first.scroll_into_view_if_needed()
            v.step(label)
        search(page, who["name"])
        mine = page.locator(f'#results a.result-link[href$="#r-{who["ref"]}"]')
        mine.scroll_into_view_if_needed()  # she scrolls to it (cards off screen are not drawn)
        assert who["name"] in mine.text_content() and who["id_tail"] in mine.text_content()
        mine.click()
        page.wait_for_selector(f"#r-{who['ref']}")
        row = page.locator(f"#r-{who['ref']}")
        row.scroll_into_view_if_needed()
        text = row.inner_text()
        assert "元" in text and who["id_tail"] in text
        if mode.elder:
            assert row.locator("button.yk-say").inner_text() == "朗读"
        v.step("record")
        page.locator(".yk-crumbs a").nth(2).click()
        page.wait_for_selector("table.yk-summary")
        v.step("village")
        page.go_back()
        page.wait_for_selector(f"#r-{who['ref']}")
        page.locator(f"#r-{who['ref']} .yk-act a").click()
        page.wait_for_selector("#ykt-complaint-form")
        assert page.input_value("#ykt-ref") == who["ref"]
        assert page.input_value("#ykt-program") == "gdzl"
        page.fill("#ykt-subject", "补贴金额不对")
        page.fill("#ykt-body", "我家承包地面积比名单上的多，金额少发了，请核实。")
        v.step("complaint-form")
        page.click("#ykt-complaint-form button[type=submit]")
        page.wait_for_selector("#tracking-no")
        number, code = page.inner_text("#tracking-no").strip(), page.inner_text("#query-code").strip()
        assert page.locator("header .site-name").inner_text().startswith("集贤县")  # county name
        assert page.locator(".site-footer").inner_text().count("政府网站标识码") == 1
        v.step("receipt")
        v.done()

    # journey 4: 赵主任 handles it
    with tab(browser, base, mode) as page:
        h = Steps(page, "4-handler", mode)
        page.goto(base + "handler/login")
        h.step("login")
        page.fill("#username", "j-nyncj")
        page.fill("#password", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_selector("#queue")
        h.step("queue")
        page.locator(f'#queue li[data-tracking-no="{number}"] a').click()
        page.wait_for_selector("#due")
        h.step("case")
        accept = page.locator('form[action$="/accept"]')
        if accept.count():
            accept.locator("xpath=ancestor::details").first.locator("summary").click()
            accept.locator("button[type=submit]").click()
            # the service answers 303 and the case page comes back: wait for it, not for "load"
            page.wait_for_selector('form[action$="/accept"]', state="detached")
        reply = page.locator("details#action-reply")
        reply.wait_for()
        if reply.get_attribute("open") is None:
            reply.locator("summary").click()
        page.locator("textarea#reply").scroll_into_view_if_needed()
        page.fill("textarea#reply", "经核实，您的承包地面积已更正，差额将于下月发放到一卡通。")
        page.locator('form[action$="/reply"] button[type=submit]').click()
        page.wait_for_load_state("load")
        h.step("replied")
        h.done()

    # journey 1, step 6: she reads the reply
    with tab(browser, base, mode) as page:
        v = Steps(page, "1-villager", mode)
        v.n = 10
        page.goto(base + "track?no=" + quote(number))
        page.fill("#code", code)
        page.click("form.stack button[type=submit]")
        page.wait_for_selector("#reply")
        assert "差额将于下月发放" in page.inner_text("#reply")
        if mode.elder:
            assert page.locator("button.yk-say").count() == 1
        page.locator("#reply").scroll_into_view_if_needed()
        v.step("status-reply")
        v.done()

    # journey 5: 审计局 reviews, read only
    with tab(browser, base, mode) as page:
        a = Steps(page, "5-auditor", mode)
        page.goto(base + "handler/login")
        page.fill("#username", "j-sjj")
        page.fill("#password", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_selector("#queue, #queue-empty")
        a.step("queue")
        link = page.locator(f'li[data-tracking-no="{number}"] a')
        if not link.count():
            page.goto(base + "handler/?scope=all")
        page.locator(f'li[data-tracking-no="{number}"] a').first.click()
        page.wait_for_selector("#due")
        assert page.locator('form[action$="/reply"]').count() == 0  # changes nothing
        a.step("case")
        page.locator("header a", has_text="操作日志").click()
        page.wait_for_load_state("load")
        assert re.search(r"reply|答复", page.inner_text("main"))
        a.step("audit-log")
        a.done()
