"""The search page in a real browser (Debian's Chromium driven by Playwright).

A small sample county gets two extra batches with people whose names exercise the pinyin
rules (单 read shan, 尉迟, 欧阳, ü, a middot name, a character pypinyin cannot read, a masked
name). The site is built by ``generator.build.build_site`` and served over HTTP; the tests
type into ``input[name=q]`` and read the ``.result`` elements in ``#results``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest

from generator.core.idnumber import luhn_check_digit, make_id
from generator.dev.sample import write_sample
from tests.conftest import phone_tab, static_server

AS_OF = dt.date(2026, 11, 20)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# (name, program, id sequence): gdzl shows full names and 6 + 4 ID digits; nccb masks names
PEOPLE = [
    ("王大娘", "gdzl", 11), ("单明秀", "gdzl", 12), ("尉迟长乐", "gdzl", 13), ("欧阳明华", "gdzl", 14),
    ("吕秀英", "gdzl", 15), ("阿不都·热合曼", "gdzl", 16), ("张㐂", "gdzl", 17),
    ("钱明三", "nccb", 21), ("钱小四", "nccb", 22), ("钱大五", "nccb", 23),
]

pytestmark = pytest.mark.browser


def person_id(seq: int) -> str:
    return make_id("230521", dt.date(1950 + seq, 1 + seq % 12, 1 + seq % 28), 500 + seq)


def card_number(seq: int) -> str:
    partial = f"623101{seq:012d}"
    return partial + luhn_check_digit(partial)


def add_batch(data: Path, program: str, people: list[tuple[str, str, int]], township: str,
              village: str) -> None:
    """A batch the way a clerk commits it: batch.yml and a UTF-8 records.csv."""
    folder = data / "batches" / "2026" / f"2026-yk{program}"
    folder.mkdir(parents=True)
    (folder / "batch.yml").write_text(
        f"program: {program}\ntitle: 2026年度补充发放名单\nperiod: '2026'\n"
        "produced_on: '2026-06-01'\npaid_on: '2026-06-08'\nstatus: paid\n"
        "approved_by: 集贤县财政局（复核）\n", encoding="utf-8")
    with (folder / "records.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["乡镇", "村", "组", "姓名", "身份证号", "社保卡号", "数量", "标准", "金额",
                         "发放日期", "发放状态", "备注"])
        for name, _, seq in people:
            amount = 1000 + seq + 0.5
            writer.writerow([township, village, "1", name, person_id(seq), card_number(seq),
                             f"{amount / 100:.3f}", "100.00", f"{amount:.2f}", "2026-06-08", "成功", ""])


@pytest.fixture(scope="session")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built by build_site from a small sample plus the PEOPLE batches."""
    import yaml

    from generator.build import build_site

    data = tmp_path_factory.mktemp("search-data") / "data"
    write_sample(data, records=1500, seed=9, as_of=AS_OF)
    county = yaml.safe_load((data / "county.yml").read_text(encoding="utf-8"))
    town = county["townships"][0]
    for program in ("gdzl", "nccb"):
        add_batch(data, program, [p for p in PEOPLE if p[1] == program], town["name"],
                  town["villages"][0]["name"])
    site = tmp_path_factory.mktemp("search-site") / "site"
    build_site(data, site, as_of=AS_OF)
    if not (site / "search" / "manifest.json").exists():  # until build runs the index stage
        _build_index(data, site)
    site.joinpath(".data-dir").write_text(str(data), encoding="utf-8")
    return site


def _build_index(data: Path, site: Path) -> None:
    from generator.ingest.validate import validate_data
    from generator.privacy.mask import mask_records
    from generator.publish.retention import drop_small_groups, small_groups
    from generator.search.index import build_search_index

    result = validate_data(data, as_of=AS_OF)
    assert result.county is not None
    public = mask_records(result.records, result.county)
    public = drop_small_groups(public, small_groups(public, result.county))
    build_search_index(public, result.county, site)


@pytest.fixture(scope="session")
def server(search_site: Path) -> Iterator[str]:
    with static_server(search_site) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with phone_tab(browser, server) as tab:
        yield tab


def search(page: Any, server: str, query: str) -> list[dict[str, str]]:
    """Open the search page, type `query` as a user would, wait for the answer."""
    page.goto(server + "search/")
    page.fill("input[name=q]", "")
    page.type("input[name=q]", query, delay=20)
    page.wait_for_function(
        "() => document.querySelector('#results .result') || "
        "document.querySelector('#results').textContent.includes('没有找到')", timeout=10_000)
    return results(page)


def results(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all("#results .result", """els => els.map(e => ({
        name: e.querySelector('.result-name').textContent,
        id: e.querySelector('.result-id').textContent,
        place: e.querySelector('.result-place').textContent,
        program: e.querySelector('.result-program').textContent,
        amount: e.querySelector('.result-amount').textContent,
        date: e.querySelector('.result-date').textContent,
        href: e.querySelector('a').getAttribute('href')}))""")


@pytest.mark.parametrize(("query", "name"), [
    ("王大娘", "王大娘"),
    ("wangdaniang", "王大娘"),
    ("wang da niang", "王大娘"),
    ("wdn", "王大娘"),
    ("王dn", "王大娘"),
    ("shanmingxiu", "单明秀"),
    ("单明秀", "单明秀"),
    ("尉迟长乐", "尉迟长乐"),
    ("yuchichangyue", "尉迟长乐"),
    ("ouyangminghua", "欧阳明华"),
    ("luxiuying", "吕秀英"),
    ("热合曼", "阿不都·热合曼"),
    ("张㐂", "张㐂"),
    ("钱明三", "钱*三"),
    ("qianmingsan", "钱*三"),
], ids=["name", "pinyin", "pinyin-spaced", "initials", "mixed", "polyphonic-surname",
        "polyphonic-surname-han", "compound-surname", "compound-pinyin", "compound-pinyin-2",
        "u-umlaut", "middot-part", "rare-char", "masked-name", "masked-name-pinyin"])
def test_finds_by_name(page: Any, server: str, query: str, name: str) -> None:
    found = search(page, server, query)
    assert found, query
    assert found[0]["name"] == name  # exact match ranks first


def test_result_shows_what_the_page_shows(page: Any, server: str) -> None:
    found = search(page, server, "王大娘")
    mine = [r for r in found if r["name"] == "王大娘"]
    assert len(mine) == 1
    r = mine[0]
    assert r["id"] == person_id(11)[:6] + "********" + person_id(11)[-4:]
    assert r["program"] == "耕地地力保护补贴"
    assert r["amount"] == "1,011.50 元"
    assert r["date"] == "2026-06-08"


def test_result_link_opens_the_record(page: Any, server: str) -> None:
    found = search(page, server, "王大娘")
    href = found[0]["href"]
    target = urljoin(server + "search/", href)
    page.goto(target)
    anchor = urlsplit(target).fragment
    row = page.locator(f"[id='{anchor}']")
    assert row.count() == 1
    assert "王大娘" in row.inner_text()


def test_id_suffix(page: Any, server: str) -> None:
    suffix = person_id(12)[-4:]
    found = search(page, server, suffix)
    assert "单明秀" in {r["name"] for r in found}
    assert all(r["id"].endswith(suffix) for r in found)


def test_no_match(page: Any, server: str) -> None:
    found = search(page, server, "查无此人")
    assert found == []
    box = page.locator("#results")
    assert "没有找到" in box.inner_text()
    link = box.locator("a[href$='complaint/?kind=inquiry']")
    assert link.count() == 1


def test_query_in_url_runs_on_load_and_town_filters(page: Any, server: str, search_site: Path) -> None:
    manifest = json.loads((search_site / "search" / "manifest.json").read_text(encoding="utf-8"))
    home, other = manifest["towns"][0][0], manifest["towns"][1][0]
    page.goto(f"{server}search/?q={quote('王大娘')}&town={quote(home)}")
    page.wait_for_selector("#results .result")
    # the early (in <head>) answer can show results a moment before the form is wired up
    page.wait_for_function("(town) => document.querySelector('select[name=town]').value === town", arg=home)
    assert page.input_value("input[name=q]") == "王大娘"
    assert page.input_value("select[name=town]") == home
    page.goto(f"{server}search/?q={quote('王大娘')}&town={quote(other)}")
    page.wait_for_function("() => document.querySelector('#results').textContent.includes('没有找到')")


def test_typing_updates_the_shareable_url(page: Any, server: str) -> None:
    search(page, server, "wdn")
    # a slow machine may answer "wd" first (typing paused past the debounce); the URL follows
    page.wait_for_function("() => location.search.includes('q=wdn')", timeout=10_000)
    assert "q=wdn" in page.url


def test_fits_a_360px_screen_with_large_text(page: Any, server: str) -> None:
    page.goto(server + "search/")
    page.add_style_tag(content="html { font-size: 150% !important; }")
    page.type("input[name=q]", "王", delay=20)
    page.wait_for_selector("#results .result")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    box = page.locator("#results .result").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_search_files_pass_the_leak_scan(search_site: Path) -> None:
    from generator.ingest.load import input_values
    from generator.privacy.scan import scan_site

    data = Path(search_site.joinpath(".data-dir").read_text(encoding="utf-8"))
    findings = scan_site(search_site / "search", sensitive=input_values(data))
    assert findings == []
    shards = "".join(p.read_text(encoding="utf-8") for p in (search_site / "search").rglob("*.json"))
    for _, _, seq in PEOPLE:
        assert person_id(seq) not in shards
        assert card_number(seq) not in shards
    assert "钱明三" not in shards  # masked on the page, so masked in the index


def test_shared_link_answers_even_when_the_page_is_slow(browser: Any, server: str) -> None:
    """Regression: on a slow phone the form could be wired before the manifest arrived, and the
    query in a shared link then failed with "搜索暂时无法使用" instead of showing results."""
    for attempt in range(16):
        context = browser.new_context(viewport={"width": 360, "height": 740})
        tab = context.new_page()
        cdp = context.new_cdp_session(tab)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1 + 2 * (attempt % 4)})
        tab.goto(f"{server}search/?q={quote('王')}")
        tab.wait_for_function("() => document.querySelector('#results .result') || "
                              "document.querySelector('#yk-status').textContent.includes('暂时无法使用')")
        assert tab.query_selector("#results .result") is not None, tab.inner_text("#yk-status")
        context.close()
