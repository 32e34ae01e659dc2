"""The publication ledger (generator/ledger.py) and retention (generator/retention.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from publishing_factory import make_data_dir, make_person, write_batch

from generator.core.county import load_county
from generator.core.errors import InvalidInput
from generator.ingest.load import load_batches
from generator.publish.ledger import (
    Ledger,
    LedgerEntry,
    format_ledger,
    parse_ledger,
    plan_publication,
    read_ledger,
    seed_history,
    write_ledger,
)
from generator.publish.retention import expired, expires_on

D = dt.date


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = make_data_dir(tmp_path)
    write_batch(data, "2025-03-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(3)])
    write_batch(data, "2025-03-nccb", "nccb", "2025-03-20", [make_person(i) for i in range(3)])
    return data


def build(data: Path, as_of: dt.date):
    """What the build does with the ledger: plan, then write once it succeeded."""
    pub = plan_publication(load_batches(data).batches, read_ledger(data), as_of, county=load_county(data))
    write_ledger(data, pub.ledger)
    return pub


def test_first_build_publishes_everything_on_its_as_of_date(data: Path) -> None:
    pub = build(data, D(2025, 4, 1))
    assert pub.new == ["2025-03-gdzl", "2025-03-nccb"]
    assert pub.visible == pub.new
    entry = read_ledger(data).latest("2025-03-gdzl")
    assert entry is not None
    assert (entry.version, entry.window_start, entry.published_on) == (1, D(2025, 3, 20), D(2025, 4, 1))


def test_publishing_date_is_the_first_build_that_had_the_content(data: Path) -> None:
    build(data, D(2025, 4, 1))
    before = (data / "ledger.csv").read_bytes()
    pub = build(data, D(2025, 5, 9))
    assert pub.unchanged == ["2025-03-gdzl", "2025-03-nccb"]
    assert pub.new_entries == []
    assert (data / "ledger.csv").read_bytes() == before
    assert read_ledger(data).first_published("2025-03-nccb") == D(2025, 4, 1)


def test_a_change_is_a_new_version_starting_a_new_window(data: Path) -> None:
    build(data, D(2025, 4, 1))
    write_batch(data, "2025-03-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(4)])
    pub = build(data, D(2025, 5, 6))
    assert pub.changed == ["2025-03-gdzl"]
    versions = read_ledger(data).versions("2025-03-gdzl")
    assert [(v.version, v.window_start, v.published_on) for v in versions] == [
        (1, D(2025, 3, 20), D(2025, 4, 1)), (2, D(2025, 5, 6), D(2025, 5, 6))]
    assert versions[0].content_hash != versions[1].content_hash


@pytest.mark.parametrize(("changed_on", "window_start"), [
    ("2025-04-28", D(2025, 4, 28)),  # stated by the clerk: the window starts at the change
    ("2025-03-20", D(2025, 5, 6)),  # stale (not after the previous window start): ignored
    ("2025-06-01", D(2025, 5, 6)),  # in the future: ignored
], ids=["stated", "stale", "future"])
def test_changed_on_counts_when_plausible(data: Path, changed_on: str, window_start: dt.date) -> None:
    build(data, D(2025, 4, 1))
    write_batch(data, "2025-03-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(4)], changed_on=changed_on)
    build(data, D(2025, 5, 6))
    latest = read_ledger(data).latest("2025-03-gdzl")
    assert latest is not None and latest.window_start == window_start


def test_withdrawn_and_pending_batches_are_not_shown(data: Path) -> None:
    write_batch(data, "2025-04-gdzl", "gdzl", "2025-03-25", [make_person(1)], status="withdrawn")
    write_batch(data, "2025-05-nccb", "nccb", "2025-03-26", [make_person(1)], status="notice",
                notice_start="2025-04-10")
    pub = build(data, D(2025, 4, 1))
    assert pub.withdrawn == ["2025-04-gdzl"]
    assert pub.pending == ["2025-05-nccb"]
    assert "2025-04-gdzl" not in read_ledger(data).batch_ids()
    pub = build(data, D(2025, 4, 10))
    assert pub.new == ["2025-05-nccb"]


def test_withdrawing_a_published_batch_is_recorded(data: Path) -> None:
    build(data, D(2025, 4, 1))
    write_batch(data, "2025-03-gdzl", "gdzl", "2025-03-20", [make_person(i) for i in range(3)], status="withdrawn")
    pub = build(data, D(2025, 4, 20))
    assert pub.withdrawn == ["2025-03-gdzl"]
    assert pub.visible == ["2025-03-nccb"]
    assert [e.version for e in read_ledger(data).versions("2025-03-gdzl")] == [1, 2]


def test_expired_batch_is_flagged_and_leaves_the_site(data: Path) -> None:
    build(data, D(2025, 4, 1))
    county = load_county(data)
    batch = next(b for b in load_batches(data).batches if b.id == "2025-03-gdzl")
    assert expires_on(batch, county, D(2025, 4, 1)) == D(2028, 4, 1)
    assert not expired(batch, county, D(2028, 3, 31), D(2025, 4, 1))
    assert expired(batch, county, D(2028, 4, 1), D(2025, 4, 1))
    pub = build(data, D(2028, 4, 1))
    assert pub.expired == ["2025-03-gdzl", "2025-03-nccb"]
    assert pub.visible == []
    assert pub.summary() == "发布台账：新公开 0，更正 0，未变 0，超过保留期已下线 2：2025-03-gdzl、2025-03-nccb"


def test_retention_counts_from_produced_on_when_never_published(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, retention_years=2)
    write_batch(data, "2024-02-gdzl", "gdzl", "2024-02-29", [make_person(1)])
    batch = load_batches(data).batches[0]
    assert expires_on(batch, load_county(data)) == D(2026, 2, 28)


def test_ledger_csv_is_deterministic_and_sorted() -> None:
    entries = (LedgerEntry("b", 2, "f" * 64, D(2025, 5, 1), D(2025, 5, 2)),
               LedgerEntry("a", 1, "e" * 64, D(2025, 3, 1), D(2025, 3, 2)),
               LedgerEntry("b", 1, "d" * 64, D(2025, 3, 1), D(2025, 3, 3)))
    text = format_ledger(Ledger(entries))
    assert text == ("batch_id,version,content_hash,window_start,published_on\n"
                    f"a,1,{'e' * 64},2025-03-01,2025-03-02\n"
                    f"b,1,{'d' * 64},2025-03-01,2025-03-03\n"
                    f"b,2,{'f' * 64},2025-05-01,2025-05-02\n")
    assert format_ledger(parse_ledger(text)) == text


def test_write_ledger_is_atomic_and_skips_identical_content(tmp_path: Path) -> None:
    ledger = Ledger((LedgerEntry("a", 1, "e" * 64, D(2025, 3, 1), D(2025, 3, 2)),))
    assert write_ledger(tmp_path, ledger) is True
    assert write_ledger(tmp_path, ledger) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]


def test_a_damaged_ledger_is_an_error_never_a_guess() -> None:
    text = "batch_id,version,content_hash,window_start,published_on\na,1,abc,2025-13-01,2025-03-02\n"
    with pytest.raises(InvalidInput) as caught:
        parse_ledger(text, "data/ledger.csv")
    assert [str(p) for p in caught.value.problems] == [
        "data/ledger.csv:2:: 发布台账这一行无法读取（日期应为 YYYY-MM-DD，版本为整数）：台账由构建程序维护，请从版本库恢复。"]


def test_missing_ledger_is_empty(tmp_path: Path) -> None:
    assert read_ledger(tmp_path).entries == ()


def test_seed_history_for_the_sample_county(data: Path) -> None:
    write_batch(data, "2025-04-gdzl", "gdzl", "2025-04-30", [make_person(1)])
    batches = load_batches(data).batches
    ledger = seed_history(batches, D(2025, 5, 1))
    assert ledger == seed_history(batches, D(2025, 5, 1))
    assert ledger.batch_ids() == ["2025-03-gdzl", "2025-03-nccb"]  # 2025-04-gdzl: not yet published
    for entry in ledger.entries:
        assert D(2025, 3, 21) <= entry.published_on <= D(2025, 4, 18)
