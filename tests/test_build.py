"""End to end: sample → build → what a citizen, a clerk and an auditor would check."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

import generator.build as build_module
import generator.core.reuse as reuse_module
from generator.build import BuildSummary, build_site
from generator.cli import main
from generator.core.errors import InvalidInput, LeakFound, display_path
from generator.core.reuse import RECORD_VERSION, read_record, record_path
from generator.ingest.load import input_values, load_batches
from generator.privacy.scan import scan_site
from tests.conftest import AS_OF
from tests.pages import tags

MASKED_ID = re.compile(r"^[0-9]{0,6}\*+[0-9X]{0,4}$")


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _record_pages(site: Path) -> list[Path]:
    return sorted(p for p in (site / "t").glob("*/*/*/index.html"))


def test_built_site_passes_the_leak_scan_with_the_inputs_exact_values(built_site: Path, sample_dir: Path) -> None:
    assert scan_site(built_site, sensitive=input_values(sample_dir)) == []


def test_home_page_has_search_townships_and_policies(built_site: Path) -> None:
    soup = _soup(built_site / "index.html")
    form = soup.select_one("form.yk-search")
    assert form["action"] == "search/"
    assert form.select_one('input[type="search"][name="q"]') is not None
    towns = [a.get_text() for a in soup.select("ul.yk-grid a[href^='t/']")]
    assert towns == ["福利镇", "集贤镇", "升昌镇", "丰乐镇", "太平镇", "兴安乡", "永安乡", "腰屯乡"]
    assert len(soup.select("a[href^='programs/']")) >= 12


def test_record_pages_show_masked_rows_with_objection_links(built_site: Path) -> None:
    pages = _record_pages(built_site)
    assert len(pages) > 50
    rows_seen = 0
    for page in pages[:40]:
        soup = _soup(page)
        assert soup.select_one("h1") is not None
        for row in soup.select("tr[id^='r-']"):
            rows_seen += 1
            assert MASKED_ID.match(row.select_one("td.yk-id").get_text()), row
            assert row.select_one("td[data-label='卡号']").get_text().startswith("****")
            link = row.select_one("td.yk-act a")
            assert link.get_text() == "对此有异议"
            assert "complaint/?kind=complaint" in link["href"] and f"ref={row['id'][2:]}" in link["href"]
    assert rows_seen > 0


def test_navigation_reaches_every_record_page(built_site: Path) -> None:
    """Home → township → village → record list, following real links."""
    reached: set[Path] = set()
    for town_link in _soup(built_site / "t" / "index.html").select("td a"):
        town = (built_site / "t" / town_link["href"]).resolve()
        for village_link in _soup(town / "index.html").select("td[data-label='村'] a"):
            village = (town / village_link["href"]).resolve()
            for list_link in _soup(village / "index.html").select("td[data-label='补贴项目'] a"):
                reached.add((village / list_link["href"] / "index.html").resolve())
    assert reached == {p.resolve() for p in _record_pages(built_site)}


def test_no_page_loads_anything_from_another_origin(built_site: Path) -> None:
    external = re.compile(r"^(https?:)?//", re.I)
    loads = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag, attrs in tags(text):
            value = attrs.get(loads.get(tag, ""), "")
            assert not external.match(value), f"{page}: <{tag} {attrs}>"
        assert "fonts.googleapis" not in text
    for css in built_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css
        assert "@import" not in text or "http" not in text


def test_downloads_hold_the_same_masked_columns(built_site: Path) -> None:
    import pandas as pd

    files = sorted((built_site / "downloads" / "files").glob("*.csv"))
    assert files
    frame = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["公开编号", "乡镇", "村", "组", "补贴项目", "批次", "姓名", "身份证号", "卡号",
                                   "数量", "单位", "标准（元）", "金额（元）", "发放日期", "发放状态", "备注"]
    assert frame["身份证号"].str.match(MASKED_ID).all()
    from openpyxl import load_workbook

    ws = load_workbook(files[0].with_suffix(".xlsx"), read_only=True).active
    assert [c.value for c in next(ws.iter_rows(max_row=1))] == list(frame.columns)


def _edit_first_row(data: Path, column: str, value: str) -> Path:
    """Set one cell of the first row of a UTF-8 CSV batch (耕地地力保护补贴)."""
    records = sorted((data / "batches").glob("*/*-gdzl/records.csv"))[0]
    lines = records.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    first[header.index(column)] = value
    lines[1] = ",".join(first)
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return records


@pytest.mark.slow
def test_a_planted_leak_never_reaches_the_output(data_copy: Path, tmp_path: Path) -> None:
    """An ID in 备注 and a phone in an unknown column: both stay out of every published byte."""
    other_id = load_batches(data_copy).records.iloc[1]["id_number"]
    records = _edit_first_row(data_copy, "备注", f"代领人{other_id}")
    assert "联系电话" in records.read_text(encoding="utf-8").splitlines()[0]
    _edit_first_row(data_copy, "联系电话", "13800138000")
    out = tmp_path / "site"
    build_site(data_copy, out, as_of=AS_OF)
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".js"):
            content = path.read_text(encoding="utf-8", errors="replace")
            assert other_id not in content and "13800138000" not in content, path
    assert scan_site(out, sensitive=input_values(data_copy)) == []


@pytest.mark.slow
def test_leak_found_refuses_to_publish_and_keeps_the_previous_site(data_copy: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous", encoding="utf-8")
    records = _edit_first_row(data_copy, "备注", "电话138 0013 8000")
    real_mask = build_module.mask_records

    def leaky_mask(rows, county):  # simulate a masking bug: 备注 published as written
        public = real_mask(rows, county)
        public["remark_shown"] = rows["remark"]
        return public

    monkeypatch.setattr(build_module, "mask_records", leaky_mask)
    with pytest.raises(LeakFound) as caught:
        build_site(data_copy, out, as_of=AS_OF)
    message = caught.value.message
    assert "泄露扫描发现" in message and "13800138000" not in message
    first = next(line for line in message.splitlines() if line.startswith("downloads/files/") and "138…00" in line)
    assert first.split(": ", 1)[1] == (f"手机号码 138…00（11 位）（分隔或变形书写）（来源：{display_path(records)} 第 2 行“备注”列）")
    assert ".building-" not in message
    assert (out / "index.html").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site"]  # no half-built leftovers


def test_on_validated_sees_the_validated_records_once_and_not_for_bad_input(data_copy: Path, tmp_path: Path) -> None:
    """The province's hook: the one validation's records (raw numbers, for keyed digests made
    in the county's task), before anything is rendered; never for input that fails."""
    seen: list[tuple[int, bool]] = []

    def hook(result: object) -> None:
        records = result.records  # type: ignore[attr-defined]
        seen.append((len(records), (tmp_path / "site").exists()))
        assert records["id_number"].str.fullmatch(r"\d{17}[\dX]").all()  # the raw numbers, not masked ones

    build_site(data_copy, tmp_path / "site", as_of=AS_OF, on_validated=hook)
    assert seen == [(len(load_batches(data_copy).records), False)]
    _edit_first_row(data_copy, "发放状态", "已发")
    with pytest.raises(InvalidInput):
        build_site(data_copy, tmp_path / "other", as_of=AS_OF, on_validated=hook)
    assert len(seen) == 1


def test_invalid_input_refuses_to_build_without_traceback(data_copy: Path, tmp_path: Path) -> None:
    _edit_first_row(data_copy, "发放状态", "已发")
    out = tmp_path / "site"
    with pytest.raises(InvalidInput):
        build_site(data_copy, out, as_of=AS_OF)
    assert not out.exists()
    result = CliRunner().invoke(main, ["-q", "build", "--data", str(data_copy), "--out", str(out), "--as-of", "2026-11-20"])
    assert result.exit_code == 1
    assert "只能填写 成功、失败 或 退回，不能是“已发”" in result.output
    assert "Traceback" not in result.output


def _digest(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_same_input_gives_byte_identical_output(built_site: Path, sample_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    again = tmp_path / "again"
    build_site(data, again, as_of=AS_OF)
    first, second = _digest(built_site), _digest(again)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


# ---------------------------------------------------------------- reuse of the previous build


def _site_copy(built_site: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Writable copies of the session site (with its reuse record) and of the data it was built from."""
    data, site = tmp_path / "data", tmp_path / "site"
    shutil.copytree(built_site.parent / "data", data)
    shutil.copytree(built_site, site)
    shutil.copyfile(record_path(built_site), record_path(site))
    return data, site


def _cold(data: Path, tmp_path: Path, as_of: dt.date = AS_OF) -> tuple[Path, BuildSummary]:
    """A cold build of a copy of `data` (taken now: before another build writes its ledger)."""
    fresh = tmp_path / "cold-data"
    shutil.copytree(data, fresh)
    out = tmp_path / "cold"
    return out, build_site(fresh, out, as_of=as_of)


def _change_one_record_and_one_batch(data: Path) -> None:
    """The first 耕地地力保护补贴 record fails and gets a new amount; another batch is retitled."""
    _edit_first_row(data, "发放状态", "失败")
    _edit_first_row(data, "面积（亩）", "20.00")
    _edit_first_row(data, "补贴金额（元）", "1378.60")  # 20.00 亩 × 68.93 元
    other = sorted((data / "batches").glob("*/*-slbc/batch.yml"))[0]
    meta = other.read_text(encoding="utf-8")
    other.write_text(re.sub(r"(?m)^title: .*$", "title: 森林生态效益补偿发放名单（重新公布）", meta), encoding="utf-8")


@pytest.mark.slow
def test_a_rebuild_reuses_what_did_not_change_and_writes_a_cold_builds_bytes(built_site: Path,
                                                                            tmp_path: Path) -> None:
    data, site = _site_copy(built_site, tmp_path)
    assert read_record(record_path(site)), "the first build recorded its files"
    assert not [p for p in site.rglob("*") if "reuse" in p.name]  # the record is never published
    _change_one_record_and_one_batch(data)
    pages = _record_pages(site)
    tampered, untouched = pages[-1], pages[-2]
    tampered.write_text(tampered.read_text(encoding="utf-8").replace("</body>", "<p>改过</p></body>"),
                        encoding="utf-8")
    untouched_inode = untouched.stat().st_ino
    shards = {p.stat().st_ino for p in (site / "search" / "s").glob("*/*.json")}
    cold, cold_summary = _cold(data, tmp_path)

    again = build_site(data, site, as_of=AS_OF)

    built, expected = _digest(site), _digest(cold)
    assert built.keys() == expected.keys()
    assert [k for k in built if built[k] != expected[k]] == []
    assert cold_summary.reused == 0
    assert len(built) / 2 < again.reused < len(built)
    assert f"（{again.reused} 个文件未变，沿用上次构建）" in again.line()
    assert untouched.stat().st_ino == untouched_inode  # hard-linked, not rendered again
    assert shards & {p.stat().st_ino for p in (site / "search" / "s").glob("*/*.json")}  # search shards too
    assert "改过" not in tampered.read_text(encoding="utf-8")
    assert read_record(record_path(site)).keys() >= {str(p.relative_to(site)) for p in _record_pages(site)}


@pytest.mark.slow
def test_another_as_of_reuses_only_what_reads_the_same(built_site: Path, tmp_path: Path) -> None:
    data, site = _site_copy(built_site, tmp_path)
    later = AS_OF + dt.timedelta(days=45)
    cold, _ = _cold(data, tmp_path, later)
    build_site(data, site, as_of=later)
    built, expected = _digest(site), _digest(cold)
    assert built.keys() == expected.keys()
    assert [k for k in built if built[k] != expected[k]] == []


@pytest.mark.slow
def test_a_changed_county_or_generator_renders_everything_again(built_site: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data, site = _site_copy(built_site, tmp_path)
    county = data / "county.yml"
    county.write_text(county.read_text(encoding="utf-8").replace("0469-4621302", "0469-4621399"),
                      encoding="utf-8")
    assert build_site(data, site, as_of=AS_OF).reused == 0
    assert "0469-4621399" in "".join(p.read_text(encoding="utf-8") for p in _record_pages(site))
    # the code and templates are hashed into every key (tests/test_reuse.py: what that covers)
    monkeypatch.setattr(reuse_module, "code_digest", lambda: "another version of the generator")
    assert build_site(data, site, as_of=AS_OF).reused == 0


@pytest.mark.slow
def test_the_leak_scan_reads_reused_files_too(built_site: Path, tmp_path: Path) -> None:
    """A previous file edited to leak *and* re-recorded (digest forged) is reused, and the
    scan over the whole new tree still refuses the build."""
    data, site = _site_copy(built_site, tmp_path)
    page = _record_pages(site)[0]
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>电话 13800138000</p></body>"),
                    encoding="utf-8")
    record = read_record(record_path(site))
    rel = str(page.relative_to(site))
    record[rel] = (record[rel][0], hashlib.sha256(page.read_bytes()).hexdigest())
    record_path(site).write_text(json.dumps({"version": RECORD_VERSION, "files": record}), encoding="utf-8")
    with pytest.raises(LeakFound) as caught:
        build_site(data, site, as_of=AS_OF)
    assert any(line.startswith(rel) for line in caught.value.message.splitlines())


@pytest.mark.slow
def test_a_caller_that_publishes_elsewhere_names_the_previous_tree_and_the_record(built_site: Path,
                                                                                 tmp_path: Path) -> None:
    """``yikatong province build``: the county is built into the new province tree, reusing the
    live one; its record lives in the caller's state, never in the published tree."""
    data, site = _site_copy(built_site, tmp_path)
    staging = tmp_path / "province-staging"
    staging.mkdir()
    state = tmp_path / "state" / "county.reuse.json"
    shutil.copyfile(record_path(site), state.parent.mkdir() or state)
    built = build_site(data, staging / "county", as_of=AS_OF, record=False, previous=site, reuse_record=state)
    assert built.reused > 0
    assert sorted(p.name for p in staging.iterdir()) == ["county"]
    assert _digest(staging / "county") == _digest(built_site)
    assert read_record(state).keys() <= set(_digest(staging / "county"))
    build_site(data, staging / "other", as_of=AS_OF, record=False)  # nothing said: nothing recorded
    assert sorted(p.name for p in staging.iterdir()) == ["county", "other"]
