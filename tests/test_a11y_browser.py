"""axe-core (npm, pinned; injected from node_modules) on every kind of page of the site and
the service, in normal mode and in 长辈模式: no violation of serious or critical impact.
And every control is reachable by keyboard with a visible focus.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.test_journeys import a_villager
from tests.ux import AXE, ELDER, NORMAL, PASSWORD, Mode, axe_violations, portal, tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def a11y_portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install)")
    with portal(built_site, built_site.parent / "data", tmp_path_factory.mktemp("a11y-db")) as (base, _app):
        yield base, built_site


def site_pages(site: Path) -> dict[str, str]:
    record = sorted(site.glob("t/*/*/gdzl-*/index.html"))[0].parent.relative_to(site).as_posix() + "/"
    township = record.split("/")[0] + "/" + record.split("/")[1] + "/"
    village = "/".join(record.split("/")[:3]) + "/"
    who = a_villager(site)
    return {
        "home": "", "township": township, "village": village, "records": record,
        "print": record + "print/", "policies": "policies/", "program": "programs/gdzl/",
        "search-results": "search/?q=" + quote(who["name"]), "search-none": "search/?q=" + quote("查无此人"),
        "timeliness": "timeliness/", "stats": "stats/", "budget": "stats/budget/", "downloads": "downloads/",
        "guide": "guide/", "complaint-form": "complaint/?kind=complaint&program=gdzl", "track": "track/",
        "handler-login": "handler/login",
    }


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    if "/search/" in page.url:
        page.wait_for_selector("#results .result, #results .yk-empty")


@pytest.mark.parametrize("mode", (NORMAL, ELDER), ids=["normal", "elder"])
def test_no_serious_axe_violations_on_any_page(browser: Any, a11y_portal: tuple[str, Path], mode: Mode) -> None:
    base, site = a11y_portal
    found: dict[str, list[str]] = {}
    with tab(browser, base, mode, bypass_csp=True) as page:
        for label, path in site_pages(site).items():
            page.goto(base + path)
            settle(page)
            found[label] = axe_violations(page)
        # the service: submit, receipt, status with a reply, handler's queue and case
        page.goto(base + "complaint/?kind=inquiry&program=gdzl")
        page.fill("#ykt-subject", "咨询发放时间")
        page.fill("#ykt-body", "今年的补贴什么时候发？")
        page.click("#ykt-complaint-form button[type=submit]")
        page.wait_for_selector("#tracking-no")
        found["receipt"] = axe_violations(page)
        number, code = page.inner_text("#tracking-no").strip(), page.inner_text("#query-code").strip()
        page.goto(f"{base}track?no={quote(number)}&code={quote(code)}")
        page.wait_for_selector("#status")
        found["status"] = axe_violations(page)
        page.goto(base + "handler/login")
        page.fill("#username", "j-sjj")
        page.fill("#password", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_selector("#queue, #queue-empty")
        found["queue"] = axe_violations(page)
        page.locator(f'li[data-tracking-no="{number}"] a').first.click()
        page.wait_for_selector("#due")
        found["case"] = axe_violations(page)
    problems = {k: v for k, v in found.items() if v}
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {tag: e.tagName, text: (e.textContent || e.value || "").trim().slice(0, 12),
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2, shown: r.width > 0 && r.height > 0};
}"""


@pytest.mark.parametrize("mode", (NORMAL, ELDER), ids=["normal", "elder"])
def test_keyboard_reaches_the_elder_switch_search_and_objection_with_visible_focus(
        browser: Any, a11y_portal: tuple[str, Path], mode: Mode) -> None:
    base, site = a11y_portal
    record = site_pages(site)["records"]
    with tab(browser, base, mode) as page:
        page.goto(base + record)
        page.wait_for_load_state("networkidle")
        seen: list[dict[str, Any]] = []
        for _ in range(60):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_JS)
            if focus:
                seen.append(focus)
        texts = [f["text"] for f in seen]
        assert "长辈模式" in texts
        assert "打印公示表" in texts
        assert "对此有异议" in texts
        assert [f for f in seen if not (f["outline"] and f["shown"])] == []
        # the switch works from the keyboard and is remembered on the next page
        page.locator("#yk-elder").focus()
        page.keyboard.press("Enter")
        pressed = page.get_attribute("#yk-elder", "aria-pressed")
        page.goto(base)
        assert page.get_attribute("#yk-elder", "aria-pressed") == pressed == ("false" if mode.elder else "true")
