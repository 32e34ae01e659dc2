"""generator/core/reuse.py: what a file's input digest covers, and when a previous file is taken."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import generator.core.reuse as reuse_module
from generator.core.reuse import Reuse, RowDigests, read_record


def _built(tmp_path: Path) -> tuple[Path, Path]:
    """A previous tree with two recorded files (key "k") and its record."""
    old = tmp_path / "old"
    first = Reuse(old, None, {})
    first.write("k", old / "a" / "index.html", b"<p>a</p>")
    first.write("k", old / "a" / "print" / "index.html", b"<p>print a</p>")
    record = tmp_path / ".old.reuse.json"
    first.save(record)
    return old, record


def test_a_file_is_taken_by_hard_link_when_its_key_and_bytes_match(tmp_path: Path) -> None:
    old, record = _built(tmp_path)
    new = tmp_path / "new"
    reuse = Reuse.open(new, old, record)
    paths = [new / "a" / "index.html", new / "a" / "print" / "index.html"]
    assert reuse.take("k", paths)
    assert [p.read_bytes() for p in paths] == [b"<p>a</p>", b"<p>print a</p>"]
    assert (new / "a" / "index.html").stat().st_ino == (old / "a" / "index.html").stat().st_ino
    assert reuse.reused == 2
    reuse.save(tmp_path / ".new.reuse.json")
    assert read_record(tmp_path / ".new.reuse.json") == read_record(record)


def test_another_key_a_missing_or_an_edited_file_is_not_taken(tmp_path: Path) -> None:
    old, record = _built(tmp_path)
    new = tmp_path / "new"
    reuse = Reuse.open(new, old, record)
    assert not reuse.take("other key", [new / "a" / "index.html"])
    assert not reuse.take("k", [new / "b" / "index.html"])  # never recorded
    (old / "a" / "print" / "index.html").write_bytes(b"<p>print a, edited</p>")
    # all or none: the page whose print page was edited is not half taken
    assert not reuse.take("k", [new / "a" / "index.html", new / "a" / "print" / "index.html"])
    assert not (new / "a" / "index.html").exists()
    assert reuse.reused == 0 and reuse.files == {}


def test_a_file_named_by_its_content_is_found_by_its_key_alone(tmp_path: Path) -> None:
    """Search shards live under a folder named by the digest of them all: a kept shard moves."""
    old, record = _built(tmp_path)
    new = tmp_path / "new"
    reuse = Reuse.open(new, old, record)
    staged = new / "staging" / "0.json"
    assert reuse.take_any("k", staged) in (b"<p>a</p>", b"<p>print a</p>")
    assert reuse.take_any("other key", new / "staging" / "1.json") is None
    reuse.note("k", staged, "recorded where it finally lies")
    assert reuse.files == {"staging/0.json": ("k", "recorded where it finally lies")}


def test_no_previous_tree_or_a_broken_record_reuses_nothing(tmp_path: Path) -> None:
    old, record = _built(tmp_path)
    assert not Reuse.open(tmp_path / "new", tmp_path / "missing", record).take("k", [tmp_path / "new" / "a" / "index.html"])
    record.write_text("{not json", encoding="utf-8")
    assert read_record(record) == {}
    assert not Reuse.open(tmp_path / "new", old, record).take("k", [tmp_path / "new" / "a" / "index.html"])


def test_keys_depend_on_every_part_and_on_the_context(tmp_path: Path) -> None:
    reuse = Reuse(tmp_path, None, {}, context=["county A"])
    assert reuse.key("records", "t/1/", ("a", "b")) == reuse.key("records", "t/1/", ("a", "b"))
    assert reuse.key("records", "t/1/", ("a", "b")) != reuse.key("records", "t/1/", ("a", "c"))
    assert reuse.key("ab", "c") != reuse.key("a", "bc")
    assert Reuse(tmp_path, None, {}, context=["county B"]).key("x") != reuse.key("x")


def test_row_digests_see_values_order_and_column_types() -> None:
    frame = pd.DataFrame({"name": ["张三", "李四", "王五"], "amount": [1.0, 2.0, 3.0]})
    rows = RowDigests(frame, ["name", "amount"])
    assert rows.of([0, 1]) == RowDigests(frame.copy(), ["name", "amount"]).of([0, 1])
    assert rows.of([0, 1]) != rows.of([1, 0])
    assert rows.of([0, 1]) != rows.of([0, 2])
    changed = frame.assign(amount=[1.0, 2.5, 3.0])
    assert RowDigests(changed, ["name", "amount"]).of([0, 1]) != rows.of([0, 1])
    as_text = frame.assign(amount=frame["amount"].astype(str))
    assert RowDigests(as_text, ["name", "amount"]).of() != rows.of()


def test_the_code_digest_covers_templates_behind_a_symlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The package's templates/ is a symlink into the repository: a template edit must count."""
    repo = tmp_path / "repo"
    (repo / "templates").mkdir(parents=True)
    (repo / "templates" / "records.html.j2").write_text("<p>{{ x }}</p>", encoding="utf-8")
    package = repo / "generator"
    package.mkdir()
    (package / "build.py").write_text("", encoding="utf-8")
    (package / "templates").symlink_to(repo / "templates")
    monkeypatch.setattr(reuse_module, "PACKAGE_DIR", package)

    def digest() -> str:
        reuse_module.code_digest.cache_clear()
        return reuse_module.code_digest()

    before = digest()
    (repo / "templates" / "records.html.j2").write_text("<p>{{ x }}！</p>", encoding="utf-8")
    after = digest()
    reuse_module.code_digest.cache_clear()
    assert before != after
