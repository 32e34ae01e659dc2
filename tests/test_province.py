"""yikatong province: sample, build on every executor, cross-county checks, incremental rebuilds."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import main
from generator.ingest.validate import validate_data
from generator.province.build import build_province
from generator.province.checks import KEY_ENV
from generator.province.model import load_province
from generator.province.sample import write_province_sample
from generator.search.index import chunk_files, shard_files

AS_OF = pd.Timestamp("2026-11-20").date()
KEY = "test-key-0123456789abcdef"
# every test here builds or samples a province of several counties (not the inner loop)
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture(scope="module")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("province") / "data"
    write_province_sample(out, counties=3, records=100, seed=11, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def built(province_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(data, OUT, report) of a sync build of a copy of the sample province."""
    os.environ[KEY_ENV] = KEY
    work = tmp_path_factory.mktemp("built")
    data = work / "data"
    shutil.copytree(province_dir, data)
    report = work / "audit.xlsx"
    build_province(data, work / "out", as_of=AS_OF, executor="sync", audit_out=report)
    return data, work / "out", report


def tree_digest(root: Path) -> dict[str, str]:
    """Every file a reader of OUT reaches (through the counties' links), with its bytes."""
    files = [Path(d) / f for d, _, names in os.walk(root, followlinks=True) for f in names]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


def copy_build(work: Path, to: Path) -> None:
    """A copy of a province build as it sits on disk: OUT (with its links), the counties'
    trees and the build's state."""
    for name in ("out", ".out.province", ".out.counties"):
        shutil.copytree(work / name, to / name, symlinks=True)


def expected_findings(data: Path) -> dict[str, set[tuple[str, str, int]]]:
    """The three cross-county checks computed independently, on the raw numbers, in pandas."""
    frames = []
    for county in load_province(data).counties:
        records = validate_data(county.data_dir, as_of=AS_OF).records
        records = records[records["pay_status"].isin(["成功", ""]) & records["amount"].notna()].copy()
        records["county"] = county.code
        frames.append(records)
    rec = pd.concat(frames, ignore_index=True)
    rec = rec[rec["id_number"] != ""]

    def rows(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
        return set(zip(frame["county"], frame["batch_id"], frame["source_row"].astype(int), strict=True))

    dup_key = rec["id_number"] + "|" + rec["program"] + "|" + rec["period"]
    dup = rec[rec.groupby(dup_key)["county"].transform("nunique") > 1]
    with_card = rec[rec["card_number"] != ""]
    person = with_card.groupby("id_number")
    cards = with_card[(person["county"].transform("nunique") > 1) & (person["card_number"].transform("nunique") > 1)]
    card = with_card.groupby("card_number")
    people = with_card[(card["county"].transform("nunique") > 1) & (card["id_number"].transform("nunique") > 1)]
    return {"重发（跨县）": rows(dup), "一人多卡（跨县）": rows(cards), "一卡多人（跨县）": rows(people)}


def report_findings(report: Path) -> dict[str, set[tuple[str, str, int]]]:
    found = {}
    for kind in ("重发（跨县）", "一人多卡（跨县）", "一卡多人（跨县）"):
        sheet = pd.read_excel(report, sheet_name=kind, dtype={"行号": int})
        found[kind] = {(county[-7:-1], batch, int(row))
                       for county, batch, row in zip(sheet["县"], sheet["批次"], sheet["行号"], strict=True)}
    return found


def test_cross_county_findings_equal_an_independent_pandas_computation(built: tuple[Path, Path, Path]) -> None:
    data, _out, report = built
    expected = expected_findings(data)
    assert all(expected.values())  # the sample plants every kind
    assert report_findings(report) == expected


def test_same_person_under_another_program_in_another_county_is_not_a_duplicate(built: tuple[Path, Path, Path]) -> None:
    data, _out, report = built
    near = [p for p in data.glob("*/batches/*/*") if "-x" in p.name and p.name.split("-x")[0].split("-")[-1]
            in ("njgz", "wfgz", "thgl", "slbc", "yljh")]
    assert near  # near misses were planted
    duplicates = pd.read_excel(report, sheet_name="重发（跨县）")
    assert not set(duplicates["批次"]) & {p.name for p in near}


def test_report_names_both_counties_and_shows_masked_values_only(built: tuple[Path, Path, Path]) -> None:
    data, _out, report = built
    sheet = pd.read_excel(report, sheet_name="重发（跨县）", dtype=str)
    first = sheet[sheet["问题编号"] == "重发跨县-0001"]
    assert first["县"].nunique() == 2
    assert first["身份证号"].str.fullmatch(r"\d{6}\*{8}\d{3}[\dX]").all()
    assert first["卡号"].str.fullmatch(r"\*{4}\d{4}").all()
    assert "成功发放，属跨县重复发放" in first["说明"].iloc[0]
    assert first["文件"].str.startswith("batches/").all()


def test_portal_lists_every_county_with_a_link(built: tuple[Path, Path, Path]) -> None:
    data, out, _report = built
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select("tbody a")}
    province = load_province(data)
    assert links == {c.name: f"{c.code}/" for c in province.counties}
    assert all((out / c.code / "index.html").exists() for c in province.counties)
    rates = [td.get_text() for td in soup.select("tbody tr td:nth-of-type(2)")]
    assert all(r.endswith("%") for r in rates)


def test_province_search_holds_every_county_and_links_into_its_site(built: tuple[Path, Path, Path]) -> None:
    data, out, _report = built
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'id="yk-manifest"' in page
    soup = BeautifulSoup(page, "html.parser")
    towns = [o.get_text() for o in soup.select("#yk-town option")][1:]
    for county in load_province(data).counties:
        assert any(t.startswith(county.name) for t in towns)
        assert f'"{county.code}/t/' in page  # its townships link into its site
    # the manifest lists no villages or batches: each shard carries those its rows refer to
    manifest = json.loads((out / "search" / "manifest.json").read_text(encoding="utf-8"))
    assert "villages" not in manifest and "batches" not in manifest
    # a two-level manifest: every k-th shard boundary, the rest in chunk files beside the shards
    assert "shards" not in manifest and manifest["count"] == len(shard_files(out)) > 0
    assert [json.loads(p.read_text(encoding="utf-8"))[0] for p in chunk_files(out)] == manifest["index"]
    shards = [json.loads(p.read_text(encoding="utf-8")) for p in shard_files(out)]
    linked = {v[2].split("/")[0] for shard in shards for v in shard["villages"]}
    assert linked == {c.code for c in load_province(data).counties}
    assert all("/" not in b[0] for shard in shards for b in shard["batches"])  # batch ids as the pages anchor them
    assert not list(out.rglob("*.xlsx.tmp"))
    assert not (out / "audit.xlsx").exists()


@pytest.mark.slow
def test_sync_and_local_cluster_give_the_same_bytes(province_dir: Path, built: tuple[Path, Path, Path],
                                                     tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    data = tmp_path / "data"
    shutil.copytree(province_dir, data)
    build_province(data, tmp_path / "out", as_of=AS_OF, executor="local:2")
    assert tree_digest(tmp_path / "out") == tree_digest(built[1])


@pytest.mark.slow
def test_changing_one_county_rebuilds_only_that_county(built: tuple[Path, Path, Path], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(built[0], data)
    copy_build(built[1].parent, tmp_path)
    before = tree_digest(out)
    monkeypatch.setattr("generator.province.search.PROVINCE_SHARD_BYTES", 3_000)  # many shards, as in a real province
    build_province(data, out, as_of=AS_OF)
    before = tree_digest(out)
    again = build_province(data, out, as_of=AS_OF)
    assert again.rebuilt == [] and tree_digest(out) == before
    changed = load_province(data).counties[1]
    batch = next(p for p in sorted((changed.data_dir / "batches").glob("*/*/records.csv"))
                 if "成功".encode() in p.read_bytes())
    batch.write_bytes(batch.read_bytes().replace("成功".encode(), "失败".encode(), 1))
    third = build_province(data, out, as_of=AS_OF)
    assert third.rebuilt == [changed.code]
    after = tree_digest(out)
    for county in load_province(data).counties:
        if county.code != changed.code:
            mine = {k: v for k, v in after.items() if k.startswith(county.code + "/")}
            assert mine == {k: v for k, v in before.items() if k.startswith(county.code + "/")}
            # kept: the same tree in the store, not a copy
            assert os.readlink(out / county.code) == os.readlink(built[1] / county.code)
    # the province search took the shards the change did not touch, and its bytes are a cold build's
    assert third.search_reused > third.search_built > 0
    fresh = tmp_path / "fresh"
    shutil.copytree(data, fresh / "data")
    build_province(fresh / "data", fresh / "out", as_of=AS_OF)
    assert after == tree_digest(fresh / "out")
    # the changed county's previous tree is removed by the next build, while its tasks run
    store = tmp_path / ".out.counties"
    assert len([p for p in store.iterdir() if p.name.startswith(changed.code)]) == 2
    build_province(data, out, as_of=AS_OF)
    assert sorted(p.name for p in store.iterdir()) == sorted(os.readlink(out / c.code).rpartition("/")[2]
                                                             for c in load_province(data).counties)


@pytest.mark.slow
def test_a_county_whose_published_tree_was_altered_is_rebuilt_and_rescanned(built: tuple[Path, Path, Path],
                                                                          tmp_path: Path) -> None:
    """A kept county skips its leak scan only while its tree is the one a scan passed."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(built[0], data)
    copy_build(built[1].parent, tmp_path)
    before = tree_digest(out)
    county = load_province(data).counties[0]
    page = out / county.code / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- 13800138000 -->", encoding="utf-8")
    again = build_province(data, out, as_of=AS_OF)
    assert again.rebuilt == [county.code]
    assert tree_digest(out) == before


def test_a_failing_county_leaves_out_untouched_and_is_named(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(built[0], data)
    out = tmp_path / "out"
    copy_build(built[1].parent, tmp_path)
    before = tree_digest(out)
    broken = load_province(data).counties[2]
    (broken.data_dir / "county.yml").write_text("county: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["province", "build", "--data", str(data), "--out", str(out),
                                       "--as-of", "2026-11-20"])
    assert result.exit_code == 1
    assert f"{broken.name}（{broken.code}）构建失败" in result.output
    assert "省级网站未更新：上一版网站保持不变。" in result.output
    assert tree_digest(out) == before


@pytest.mark.slow
def test_a_county_task_killed_while_the_search_runs_leaves_out_untouched(built: tuple[Path, Path, Path],
                                                                         tmp_path: Path) -> None:
    """On a cluster the search's term ranges start once every county's part is written,
    while a county still renders its pages. Its process killed then (out of memory, an
    operator): the build fails with a clear Chinese error once the running tasks settled,
    OUT is untouched, nothing is left beside it, and the next build succeeds."""
    import psutil

    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(built[0], data)
    copy_build(built[1].parent, tmp_path)
    before = tree_digest(out)
    changed = load_province(data).counties[1]
    batch = next(p for p in sorted((changed.data_dir / "batches").glob("*/*/records.csv"))
                 if "成功".encode() in p.read_bytes())
    batch.write_bytes(batch.read_bytes().replace("成功".encode(), "失败".encode(), 1))
    build = subprocess.Popen([sys.executable, "-m", "generator.cli", "province", "build", "--data", str(data),
                              "--out", str(out), "--as-of", AS_OF.isoformat(), "--executor", "local:2"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    state, killed = tmp_path / ".out.province", []
    deadline = time.monotonic() + 240
    while not killed and build.poll() is None and time.monotonic() < deadline:
        if list(state.glob(f".{changed.code}-*.search.json")):  # its part is there: the ranges start
            for worker in psutil.Process(build.pid).children():
                try:
                    for task in worker.children():  # a task's process, forked by its worker
                        task.kill()
                        killed.append(task.pid)
                except psutil.Error:
                    pass
        time.sleep(0.02)
    output, _ = build.communicate(timeout=300)
    assert killed, output
    assert build.returncode == 1, output
    assert "子进程异常退出" in output and "上一版网站保持不变" in output
    assert "Traceback" not in output and "distributed" not in output  # Dask's own lines are not for the clerk
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.counties", ".out.province", "data", "out"]
    assert not list(state.glob(".*"))  # no early part, no temporary file
    again = build_province(data, out, as_of=AS_OF, executor="local:2")
    assert again.rebuilt == [changed.code]


def test_build_refuses_to_run_without_the_audit_key(province_dir: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    result = CliRunner().invoke(main, ["province", "build", "--data", str(province_dir), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "未设置环境变量 YIKATONG_AUDIT_KEY" in result.output
    assert not (tmp_path / "o").exists()


def test_report_may_not_go_into_the_site(province_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["province", "build", "--data", str(province_dir), "--out", str(tmp_path / "o"),
                                       "--audit-out", str(tmp_path / "o" / "audit.xlsx")])
    assert result.exit_code == 1
    assert "核对报告只给财政、审计人员，不能公开" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_runs_against_a_scheduler_and_two_workers_in_separate_processes(
        province_dir: Path, built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    port = _free_port()
    bindir = Path(sys.executable).parent
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen([str(bindir / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        data = tmp_path / "data"
        shutil.copytree(province_dir, data)
        result = CliRunner().invoke(main, ["province", "build", "--data", str(data), "--out", str(tmp_path / "out"),
                                           "--as-of", "2026-11-20", "--executor", f"tcp://127.0.0.1:{port}"])
        assert result.exit_code == 0, result.output
        assert "省级构建完成：3 个县（重新生成 3 个，沿用 0 个）" in result.output
        assert tree_digest(tmp_path / "out") == tree_digest(built[1])
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


@pytest.mark.browser
def test_province_search_finds_a_person_in_the_browser_and_links_to_the_county_record(
        built: tuple[Path, Path, Path], browser: Any) -> None:
    """Typed into the province's search page: results from the counties, each linking to the
    record on its county's page (village and batch from the shard's own tables)."""
    from urllib.parse import quote, urljoin, urlsplit

    from tests.conftest import phone_tab, static_server

    _data, out, _report = built
    docs = [row for p in shard_files(out)
            for row in json.loads(p.read_text(encoding="utf-8"))["docs"].values()]
    name = next(str(r[0]) for r in docs if "＊" not in str(r[0]) and "*" not in str(r[0]) and len(str(r[0])) == 3)
    with static_server(out) as server, phone_tab(browser, server) as page:
        page.goto(server + "search/")
        page.type("input[name=q]", name, delay=20)
        page.wait_for_function("() => document.querySelector('#results .result') || "
                               "document.querySelector('#results').textContent.includes('没有找到')", timeout=15_000)
        found = page.eval_on_selector_all("#results .result", """els => els.map(e => ({
            name: e.querySelector('.result-name').textContent,
            place: e.querySelector('.result-place').textContent,
            href: e.querySelector('a').getAttribute('href')}))""")
        assert found and found[0]["name"] == name
        # a shared link: the query in the URL fetches its chunks and shards as the page loads
        page.goto(server + "search/?q=" + quote(name))
        page.wait_for_selector("#results .result", timeout=15_000)
        assert page.eval_on_selector("#results .result a", "a => a.getAttribute('href')") == found[0]["href"]
        target = urljoin(server + "search/", found[0]["href"])
        county = urlsplit(target).path.split("/")[1]
        assert county in {c.code for c in load_province(_data).counties}
        assert any(found[0]["place"].startswith(c.name) for c in load_province(_data).counties)
        page.goto(target)
        row = page.locator(f"[id='{urlsplit(target).fragment}']")
        assert row.count() == 1
        assert name in row.inner_text()


@pytest.mark.slow
def test_local_executor_runs_n_worker_processes_of_one_thread_each() -> None:
    """A county build is CPU-bound Python: one thread per worker process (the GIL), and the
    workers' stages run in-process (YIKATONG_WORKERS=1), so local:2 uses exactly 2 cores."""
    pytest.importorskip("distributed")
    from generator.province.executor import open_executor

    def probe() -> tuple[int, str, int]:
        import threading

        from generator.core.parallel import worker_count
        return os.getpid(), threading.current_thread().name, worker_count()

    with open_executor("local:2") as ex:
        assert sorted(ex.client.nthreads().values()) == [1, 1]
        pids = {pid for pid, _, workers in ex.client.run(probe).values() if workers == 1}
        assert len(pids) == 2 and os.getpid() not in pids


def test_the_last_county_builds_may_fork_into_the_cores_the_others_left() -> None:
    from generator.province.build import task_shares

    assert task_shares(8, 2, 2) == [1] * 7 + [2]  # local:2: the last one runs on alone
    assert task_shares(1, 2, 2) == [2]  # a lone changed county gets every core
    assert task_shares(3, 1, 2) == [2, 2, 2]  # sync: one at a time, each may fork
    assert task_shares(5, 4, 8) == [2, 2, 8, 8, 8]
    assert task_shares(0, 2, 2) == []


def test_a_forked_task_returns_its_result_and_reports_its_error() -> None:
    """On a cluster a county task runs in a child process the worker forks."""
    from generator.province.executor import forked_call

    assert forked_call(("json",), os.getpid) != os.getpid()  # it ran in a child
    with pytest.raises(RuntimeError, match="ValueError"):
        forked_call((), int, "not a number")
    from generator.province.executor import TaskDied

    with pytest.raises(TaskDied, match="子进程异常退出（退出码 -9"):  # killed: a clear error, not a hang
        forked_call((), _kill_self)


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


# --- the province's own pages: one shell, the county sites' header and 长辈模式 ------------------

PROVINCE_PAGES = ("index.html", "complaint/index.html", "search/index.html")


def test_province_pages_share_the_shell_and_the_sites_elder_mode(built: tuple[Path, Path, Path]) -> None:
    """Portal, county picker and search: the switch, the site's head script (the same bytes
    as on a county page) and its elder.js and yikatong.css (copies of the one file, under
    OUT/assets/), a way back to the portal; nothing from another origin."""
    from generator.core.paths import ASSETS_DIR, OVERRIDES_DIR
    from generator.privacy.scan import scan_site

    data, out, _report = built
    assert (out / "assets" / "elder.js").read_bytes() == (OVERRIDES_DIR / "partials" / "elder.js").read_bytes()
    assert (out / "assets" / "yikatong.css").read_bytes() == (ASSETS_DIR / "yikatong.css").read_bytes()
    assert (out / "assets" / "province.css").is_file()
    county = load_province(data).counties[0]
    county_head = BeautifulSoup((out / county.code / "index.html").read_text(encoding="utf-8"), "html.parser")
    site_script = next(s.string for s in county_head.select("head script:not([src])") if "yk-elder" in (s.string or ""))
    for name in PROVINCE_PAGES:
        html = (out / name).read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        root = "../" if "/" in name else ""
        switch = soup.select_one("header button#yk-elder")
        assert switch is not None and switch.get_text() == "长辈模式" and switch["aria-pressed"] == "false", name
        head = [s for s in soup.select("head script:not([src])") if "yk-elder" in (s.string or "")]
        assert [s.string for s in head] == [site_script], name
        assert "localStorage.setItem(\"yk-elder\"" not in html  # the switch's script is the file, not a copy
        assert [s["src"] for s in soup.select("script[src]")] == [f"{root}assets/elder.js"], name
        sheets = [link["href"] for link in soup.select('link[rel="stylesheet"]')]
        assert f"{root}assets/province.css" in sheets and f"{root}assets/yikatong.css" in sheets, name
        assert soup.select_one("header a.yk-home")["href"] == (root or "./")
        assert soup.select_one("footer") is not None and soup.select_one("main h1") is not None
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), name
        if name != "search/index.html":  # one inline script, the site's; no inline style (CSP: one hash)
            assert len(soup.select("script:not([src])")) == 1 and soup.select("style, [style]") == [], name
    # the leak scan reads the new files with the rest of OUT (the build ran it; it passed)
    assert scan_site(out / "assets") == []
    # the card on a phone labels every figure
    cells = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser").select("tbody tr")[0]("td")
    assert [td.get("data-label") for td in cells[1:]] == ["按时公开率", "按时/已公开批次", "发放金额（元）", "发放笔数",
                                                           "受益人数"]


@pytest.mark.browser
def test_elder_mode_carries_from_the_portal_to_the_province_search_on_a_phone(
        built: tuple[Path, Path, Path], browser: Any) -> None:
    """At 360 × 740 a villager turns 长辈模式 on on the portal: the text grows (≥ 1.2 rem),
    the switch says so; searching the province keeps it on (the site's storage key); no
    page scrolls sideways at 360 px or at 200 % zoom, in either mode; every screen passes
    the journeys' checks (text size, targets ≥ 60 px in 长辈模式); axe-core finds nothing."""
    from urllib.parse import quote

    from tests.conftest import static_server
    from tests.ux import AXE, ELDER, NORMAL, ZOOM, Mode, screen_problems, tab

    _data, out, _report = built
    name = _a_searchable_name(out)
    size_js = """() => [parseFloat(getComputedStyle(document.body).fontSize),
        parseFloat(getComputedStyle(document.querySelector('main p')).fontSize),
        parseFloat(getComputedStyle(document.documentElement).fontSize)]"""
    with static_server(out) as server, tab(browser, server, NORMAL) as page:
        page.goto(server)
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("#yk-elder", "aria-pressed") == "false"
        body, text, rem = page.evaluate(size_js)
        page.click("#yk-elder")
        assert page.get_attribute("#yk-elder", "aria-pressed") == "true"
        assert page.evaluate("localStorage.getItem('yk-elder')") == "1"
        elder_body, elder_text, _ = page.evaluate(size_js)
        assert elder_body > body and elder_text > text and elder_text >= 1.2 * rem
        assert screen_problems(page, ELDER) == []
        page.fill("#yk-q", name)
        page.click("form.yk-search button[type=submit]")
        page.wait_for_selector("#results .result", timeout=15_000)
        assert "/search/" in page.url
        assert page.evaluate("document.documentElement.classList.contains('yk-elder')")
        assert page.get_attribute("#yk-elder", "aria-pressed") == "true"
        assert page.evaluate(size_js)[1] == elder_text
        assert screen_problems(page, ELDER) == []
        page.click("header a.yk-home")  # back to the portal: still on
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("#yk-elder", "aria-pressed") == "true"
        page.click("#yk-elder")  # and off again, for every page
        page.goto(server + "complaint/")
        assert page.get_attribute("#yk-elder", "aria-pressed") == "false"
        assert page.evaluate(size_js)[0] == body
    # 长辈模式 at 200 % zoom: an ID number or a figure shrinks to its card rather than break
    # (as on the county sites), so text size is checked as at 200 % zoom; targets as in 长辈模式
    zoom_elder = Mode("zoom200-elder", ZOOM.width, ZOOM.height, ZOOM.scale, True, ZOOM.min_font, ELDER.min_target)
    pages = {"portal": "", "complaint": "complaint/", "search": "search/?q=" + quote(name)}
    found: dict[str, list[str]] = {}
    with static_server(out) as server:
        for mode in (NORMAL, ELDER, ZOOM, zoom_elder):
            with tab(browser, server, mode) as page:
                for label, path in pages.items():
                    page.goto(server + path)
                    page.wait_for_load_state("networkidle")
                    if label == "search":
                        page.wait_for_selector("#results .result", timeout=15_000)
                    assert page.evaluate("document.documentElement.classList.contains('yk-elder')") == mode.elder
                    found[f"{mode.name} {label}"] = screen_problems(page, mode)
                    if mode in (NORMAL, ELDER) and AXE.exists():
                        found[f"{mode.name} {label} axe"] = _axe_all(page, AXE)
    assert {k: v for k, v in found.items() if v} == {}


def _a_searchable_name(out: Path) -> str:
    docs = [row for p in shard_files(out) for row in json.loads(p.read_text(encoding="utf-8"))["docs"].values()]
    return next(str(r[0]) for r in docs if "＊" not in str(r[0]) and "*" not in str(r[0]) and len(str(r[0])) == 3)


def _axe_all(page: Any, axe: Path) -> list[str]:
    """Every axe-core violation, of any impact."""
    page.add_script_tag(content=axe.read_text(encoding="utf-8"))
    return list(page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))"""))
