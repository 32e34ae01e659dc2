"""Revisions (更正): snapshots, masked diffs, notices, old versions, small groups."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from publishing_factory import make_data_dir, make_person, write_batch

from generator.core.workdays import WorkCalendar
from generator.ingest.validate import validate_data
from generator.privacy.mask import mask_records
from generator.publish.ledger import plan_publication, read_ledger, write_ledger
from generator.publish.retention import drop_small_groups, group_totals, small_groups
from generator.publish.revisions import (
    SNAPSHOT_COLUMNS,
    SnapshotStore,
    old_version,
    revision_notes,
)
from generator.render.notices import render_revision_notice

D = dt.date
BATCH = "2025-03-gdzl"


def publish(data: Path, as_of: dt.date):
    """The build's publishing steps, in the order the build runs them."""
    result = validate_data(data, as_of=as_of)
    assert result.problems == []
    county = result.county
    pub = plan_publication(result.batches, read_ledger(data), as_of, county=county)
    public = mask_records(result.records, county)
    store = SnapshotStore(data)
    store.stage_current(result.batches, public, pub.snapshot_ids)
    calendar = WorkCalendar.from_data(data, strict=False)
    notes = {b: revision_notes(b, pub.ledger, store, county, calendar) for b in pub.visible}
    store.commit()
    write_ledger(data, pub.ledger)
    return pub, public, notes


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = make_data_dir(tmp_path)
    write_batch(data, BATCH, "gdzl", "2025-03-20", [make_person(i) for i in range(5)])
    return data


def correct(data: Path, **meta) -> None:
    """A month later: a new first row, person 1 paid 1200 instead of 1000, person 4 removed."""
    people = [make_person(i) for i in range(4)]
    people[1].update({"数量": 12.0, "金额": 1200.0})
    write_batch(data, BATCH, "gdzl", "2025-03-20", [make_person(7)] + people, **meta)


def test_changed_batch_gets_a_revision_with_the_masked_diff_and_a_new_deadline(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    correct(data)
    pub, _, notes = publish(data, D(2025, 5, 6))
    assert pub.changed == [BATCH]
    [rev] = notes[BATCH]
    assert (rev.version, rev.changed_on, rev.published_on, rev.deadline) == (2, D(2025, 5, 6), D(2025, 5, 6), D(2025, 5, 26))
    assert rev.summary == "新增 1 行，删除 1 行，金额变更 1 行"
    [change] = rev.diff.changed
    person1 = make_person(1)
    assert change.fields == ("quantity", "amount")
    assert (change.old["amount"], change.new["amount"]) == (1000.0, 1200.0)
    assert change.new["name_shown"] == person1["姓名"]
    assert change.new["id_shown"] == person1["身份证号"][:6] + "********" + person1["身份证号"][-4:]
    assert change.new["ref"] == f"{BATCH}-4"  # matched by person, not by row: a row was inserted above
    assert [r["name_shown"] for r in rev.diff.added] == [make_person(7)["姓名"]]
    assert [r["name_shown"] for r in rev.diff.removed] == [make_person(4)["姓名"]]
    assert rev.old_hash == read_ledger(data).versions(BATCH)[0].short_hash


def test_clerk_stated_change_date_starts_the_window(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    correct(data, changed_on="2025-04-28")
    _, _, notes = publish(data, D(2025, 5, 6))
    [rev] = notes[BATCH]
    assert (rev.changed_on, rev.deadline) == (D(2025, 4, 28), D(2025, 5, 18))


def test_corrected_name_in_the_same_row_is_matched_by_reference(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    people = [make_person(i) for i in range(5)]
    people[2]["姓名"] = "王小二"
    write_batch(data, BATCH, "gdzl", "2025-03-20", people)
    _, _, notes = publish(data, D(2025, 5, 6))
    [rev] = notes[BATCH]
    assert rev.diff.added == [] and rev.diff.removed == []
    [change] = rev.diff.changed
    assert (change.fields, change.old["name_shown"], change.new["name_shown"]) == (
        ("name_shown",), make_person(2)["姓名"], "王小二")
    assert rev.summary == "其他信息变更 1 行"


def test_notice_shows_the_dated_change_without_personal_data(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    correct(data)
    _, _, notes = publish(data, D(2025, 5, 6))
    html = render_revision_notice(notes[BATCH], version_href=lambda r: f"v/{r.old_hash}/")
    soup = BeautifulSoup(html, "html.parser")
    article = soup.select_one("article.ykt-revision")
    assert article.h3.get_text() == "2025-05-06 更正（第 2 版）"
    amount = soup.select_one("tr.ykt-amount-changed")
    assert [amount.select_one(".ykt-old").get_text(), amount.select_one(".ykt-new").get_text()] == ["1,000.00", "1,200.00"]
    assert len(soup.select("table.ykt-diff-added tbody tr")) == 1
    assert len(soup.select("table.ykt-diff-removed tbody tr")) == 1
    assert soup.select_one("a.ykt-old-version")["href"] == f"v/{notes[BATCH][0].old_hash}/"
    assert not re.search(r"\d{17}[\dX]|\d{16,19}", html)
    assert render_revision_notice([]) == ""


def test_old_version_stays_readable_across_builds(data: Path) -> None:
    _, first_public, _ = publish(data, D(2025, 4, 1))
    correct(data)
    publish(data, D(2025, 5, 6))
    _, _, notes = publish(data, D(2025, 6, 1))  # a later build: only what is on disk
    [rev] = notes[BATCH]
    assert rev.available and rev.summary == "新增 1 行，删除 1 行，金额变更 1 行"
    old = old_version(SnapshotStore(data), BATCH, rev.old_hash)
    assert old is not None
    expected = first_public.reset_index(drop=True)
    assert list(old.columns) == list(SNAPSHOT_COLUMNS)
    assert old.to_dict("records") == expected[list(SNAPSHOT_COLUMNS)].to_dict("records")


def test_snapshots_hold_masked_columns_only_and_are_deterministic(data: Path, tmp_path: Path) -> None:
    publish(data, D(2025, 4, 1))
    [path] = sorted((data / "published" / BATCH).glob("*.csv"))
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(SNAPSHOT_COLUMNS)
    person = make_person(0)
    assert person["身份证号"] not in text and person["社保卡号"] not in text
    assert path.with_suffix(".yml").read_text(encoding="utf-8") == "produced_on: '2025-03-20'\nprogram: gdzl\n"
    before = path.read_bytes()
    path.unlink()
    publish(data, D(2025, 4, 2))  # re-staged from the same content: same bytes
    assert path.read_bytes() == before


def test_snapshot_missing_gives_a_revision_without_diff(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    for path in (data / "published").rglob("*"):
        if path.is_file():
            path.unlink()
    correct(data)
    _, _, notes = publish(data, D(2025, 5, 6))
    [rev] = notes[BATCH]
    assert not rev.available and rev.summary == "旧版本未存档，无法列出变更明细"


def test_withdrawal_is_a_revision(data: Path) -> None:
    publish(data, D(2025, 4, 1))
    write_batch(data, BATCH, "gdzl", "2025-03-20", [make_person(i) for i in range(5)], status="withdrawn")
    pub, _, _ = publish(data, D(2025, 4, 20))
    assert pub.withdrawn == [BATCH]
    store = SnapshotStore(data)
    [rev] = revision_notes(BATCH, read_ledger(data), store)
    assert rev.withdrawn and rev.summary == "整批撤回"


# ---------------------------------------------------------------- small groups


@pytest.fixture
def sensitive_data(tmp_path: Path) -> Path:
    data = make_data_dir(tmp_path)
    two = [make_person(i, township="兴安乡", village="永红村") for i in range(2)]
    three = [make_person(i, township="福利镇", village="东升村") for i in range(10, 13)]
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", two + three)
    write_batch(data, "2025-06-nccb", "nccb", "2025-06-20", two)  # the same two people again
    write_batch(data, "2025-gdzl", "gdzl", "2025-03-20", [make_person(20, township="兴安乡", village="胜利村")])
    return data


def test_sensitive_village_with_two_recipients_shows_totals_only(sensitive_data: Path) -> None:
    result = validate_data(sensitive_data, as_of=D(2025, 7, 1))
    public = mask_records(result.records, result.county)
    groups = small_groups(public, result.county)
    assert groups == {("兴安乡", "永红村", "nccb", "2025")}  # gdzl is not sensitive: 1 recipient is shown
    assert set(drop_small_groups(public, groups)["village"]) == {"东升村", "胜利村"}
    totals = group_totals(public, groups)
    assert totals.to_dict("records") == [{"township": "兴安乡", "village": "永红村", "program": "nccb",
                                          "year": "2025", "records": 4, "amount": 4000.0}]


def test_revision_notice_never_lists_rows_of_small_groups(sensitive_data: Path) -> None:
    publish(sensitive_data, D(2025, 7, 1))
    people = [make_person(i, township="兴安乡", village="永红村") for i in range(2)]
    people[0].update({"数量": 12.0, "金额": 1200.0})
    write_batch(sensitive_data, "2025-06-nccb", "nccb", "2025-06-20", people)
    _, public, notes = publish(sensitive_data, D(2025, 7, 10))
    result = validate_data(sensitive_data, as_of=D(2025, 7, 10))
    hidden = small_groups(public, result.county)
    soup = BeautifulSoup(render_revision_notice(notes["2025-06-nccb"], hidden=hidden), "html.parser")
    assert soup.select("table.ykt-diff") == []
    assert soup.select_one(".ykt-suppressed").get_text() == "另有 1 行变更属于人数较少的村，为保护个人信息仅计入合计，不逐行列出。"
