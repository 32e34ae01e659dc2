"""The publication ledger, ``data/ledger.csv``: what was published, which version, and when.

One row per published version of a batch::

    batch_id,version,content_hash,window_start,published_on
    2025-03-nccb,1,9f2c…,2025-03-20,2025-03-25
    2025-03-nccb,2,41ab…,2025-05-06,2025-05-06

Version 1 is the first publication (its window starts at ``produced_on``); every later
version is a revision (更正): the batch's content changed and a new window started at the
change. ``published_on`` is the ``--as-of`` date of the first build that contained that
content. The file is append-only in spirit, sorted, LF-terminated UTF-8 — the same ledger
always gives the same bytes, so it diffs cleanly in the county's data repository.

``plan_publication`` is pure: it compares the batches on disk with the ledger and returns
what a build publishes. ``write_ledger`` is called by the build only after it succeeded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.county import County
from generator.core.errors import InvalidInput, Problem, display_path
from generator.ingest.load import Batch
from generator.publish.retention import expired

LEDGER_FILE = "ledger.csv"
LEDGER_COLUMNS = ("batch_id", "version", "content_hash", "window_start", "published_on")
# batch.yml key a clerk may set when correcting a published batch: the day the information
# changed (更正日期). Without it the change counts from the day the build first saw it.
CHANGED_ON_KEY = "changed_on"


@dataclass(frozen=True, order=True)
class LedgerEntry:
    """One published version of one batch."""

    batch_id: str
    version: int
    content_hash: str
    window_start: dt.date  # produced_on (version 1) or the date of the change (revisions)
    published_on: dt.date

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits: names snapshot files and old-version URLs."""
        return self.content_hash[:12]

    @property
    def is_revision(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class Ledger:
    """Every published version of every batch, in (batch_id, version) order."""

    entries: tuple[LedgerEntry, ...] = ()
    _index: dict[str, list[LedgerEntry]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries))
        object.__setattr__(self, "entries", ordered)
        for entry in ordered:
            self._index.setdefault(entry.batch_id, []).append(entry)

    def versions(self, batch_id: str) -> list[LedgerEntry]:
        """All published versions of a batch, oldest first (empty if never published)."""
        return list(self._index.get(batch_id, ()))

    def latest(self, batch_id: str) -> LedgerEntry | None:
        found = self._index.get(batch_id)
        return found[-1] if found else None

    def first_published(self, batch_id: str) -> dt.date | None:
        found = self._index.get(batch_id)
        return found[0].published_on if found else None

    def batch_ids(self) -> list[str]:
        return sorted(self._index)

    def plus(self, new_entries: Iterable[LedgerEntry]) -> Ledger:
        return Ledger(self.entries + tuple(new_entries))


@dataclass
class Publication:
    """What one build publishes, by batch folder name (each list sorted).

    Every batch is in exactly one of: ``new`` (first publication today), ``changed`` (a new
    version today: 更正), ``unchanged``, ``withdrawn`` (status withdrawn: never shown),
    ``pending`` (a 公示 that has not started yet: not published) and ``expired`` (past the
    program's retention: leaves the site and search).
    """

    as_of: dt.date
    ledger: Ledger  # the ledger after this build: write it once the build succeeded
    new_entries: list[LedgerEntry]
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)

    @property
    def visible(self) -> list[str]:
        """Batches whose records the site shows after this build."""
        return sorted(self.new + self.changed + self.unchanged)

    @property
    def snapshot_ids(self) -> list[str]:
        """Batches whose current version needs a masked snapshot: shown or withdrawn after publication."""
        return sorted(self.visible + [b for b in self.withdrawn if self.ledger.latest(b) is not None])

    def summary(self) -> str:
        """One line for the build log."""
        parts = [f"新公开 {len(self.new)}", f"更正 {len(self.changed)}", f"未变 {len(self.unchanged)}"]
        if self.pending:
            parts.append(f"待公示 {len(self.pending)}")
        if self.withdrawn:
            parts.append(f"撤回 {len(self.withdrawn)}")
        if self.expired:
            parts.append(f"超过保留期已下线 {len(self.expired)}：{'、'.join(self.expired)}")
        return "发布台账：" + "，".join(parts)


def plan_publication(batches: Sequence[Batch], ledger: Ledger, as_of: dt.date,
                     county: County | None = None) -> Publication:
    """Compare the batches on disk with the ledger: what does a build on `as_of` publish?

    Pure: reads nothing, writes nothing. With `county`, batches past their program's
    ``retention_years`` are ``expired`` and neither shown nor recorded.
    """
    pub = Publication(as_of=as_of, ledger=ledger, new_entries=[])
    for batch in sorted(batches, key=lambda b: b.id):
        category, entry = _classify(batch, ledger, as_of, county)
        getattr(pub, category).append(batch.id)
        if entry is not None:
            pub.new_entries.append(entry)
    pub.ledger = ledger.plus(pub.new_entries)
    return pub


def _classify(batch: Batch, ledger: Ledger, as_of: dt.date,
              county: County | None) -> tuple[str, LedgerEntry | None]:
    latest = ledger.latest(batch.id)
    if county is not None and expired(batch, county, as_of, ledger.first_published(batch.id)):
        return "expired", None
    status = str(batch.meta.get("status", "paid"))
    if latest is None:
        if status == "withdrawn":
            return "withdrawn", None
        notice_start = batch.date("notice_start")
        if status == "notice" and notice_start is not None and notice_start > as_of:
            return "pending", None
        start = batch.date("produced_on") or as_of
        return "new", LedgerEntry(batch.id, 1, batch.content_hash, start, as_of)
    if latest.content_hash == batch.content_hash:
        return ("withdrawn" if status == "withdrawn" else "unchanged"), None
    entry = LedgerEntry(batch.id, latest.version + 1, batch.content_hash,
                        change_date(batch, latest, as_of), as_of)
    return ("withdrawn" if status == "withdrawn" else "changed"), entry


def change_date(batch: Batch, previous: LedgerEntry, as_of: dt.date) -> dt.date:
    """When did a published batch change? ``changed_on`` if the clerk gave a plausible one.

    Plausible: after the previous version's window start (a stale ``changed_on`` left from an
    earlier correction does not count) and not in the future. Otherwise the change counts
    from `as_of`, the day a build first saw it.
    """
    stated = batch.date(CHANGED_ON_KEY)
    if stated is not None and previous.window_start < stated <= as_of:
        return stated
    return as_of


def pending_change(batch: Batch, ledger: Ledger, as_of: dt.date) -> tuple[str, dt.date] | None:
    """For `yikatong deadlines`: ("unpublished" | "changed", window start) or None if current."""
    latest = ledger.latest(batch.id)
    if latest is None:
        return "unpublished", batch.date("produced_on") or as_of
    if latest.content_hash != batch.content_hash:
        return "changed", change_date(batch, latest, as_of)
    return None


# ---------------------------------------------------------------- reading and writing


def ledger_path(data_dir: Path) -> Path:
    return Path(data_dir) / LEDGER_FILE


def read_ledger(data_dir: Path) -> Ledger:
    """Read ``data_dir/ledger.csv``; a missing file is an empty ledger.

    A damaged ledger raises ``InvalidInput`` naming each bad cell: it is the proof of when
    things were published, so it is never guessed at.
    """
    path = ledger_path(data_dir)
    if not path.exists():
        return Ledger()
    return parse_ledger(path.read_text(encoding="utf-8-sig"), display_path(path))


def parse_ledger(text: str, source: str = LEDGER_FILE) -> Ledger:
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in LEDGER_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InvalidInput([Problem(source, 1, None,
                                    f"发布台账缺少列：{'、'.join(missing)}。台账由构建程序维护，请从版本库恢复，不要手工修改。")])
    entries = []
    for row_no, row in enumerate(reader, start=2):
        entry = _parse_row(row, source, row_no, problems)
        if entry is not None:
            entries.append(entry)
    seen: set[tuple[str, int]] = set()
    for entry in entries:
        if (entry.batch_id, entry.version) in seen:
            problems.append(Problem(source, None, "version",
                                    f"批次 {entry.batch_id} 的第 {entry.version} 版重复登记，请从版本库恢复台账。"))
        seen.add((entry.batch_id, entry.version))
    if problems:
        raise InvalidInput(problems)
    return Ledger(tuple(entries))


def _parse_row(row: dict[str, str], source: str, row_no: int, problems: list[Problem]) -> LedgerEntry | None:
    try:
        return LedgerEntry(
            batch_id=_required(row, "batch_id"),
            version=int(_required(row, "version")),
            content_hash=_required(row, "content_hash"),
            window_start=dt.date.fromisoformat(_required(row, "window_start")),
            published_on=dt.date.fromisoformat(_required(row, "published_on")),
        )
    except (ValueError, KeyError) as exc:
        column = exc.args[0] if isinstance(exc, KeyError) else None
        problems.append(Problem(source, row_no, column,
                                "发布台账这一行无法读取（日期应为 YYYY-MM-DD，版本为整数）：台账由构建程序维护，请从版本库恢复。"))
        return None


def _required(row: dict[str, str], key: str) -> str:
    value = (row.get(key) or "").strip()
    if not value:
        raise KeyError(key)
    return value


def format_ledger(ledger: Ledger) -> str:
    """The ledger as CSV text: same ledger, same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for e in ledger.entries:
        writer.writerow([e.batch_id, e.version, e.content_hash, e.window_start.isoformat(),
                         e.published_on.isoformat()])
    return out.getvalue()


def write_ledger(data_dir: Path, ledger: Ledger) -> bool:
    """Atomically replace ``data_dir/ledger.csv``; returns False when nothing changed."""
    return write_text_atomic(ledger_path(data_dir), format_ledger(ledger))


def write_text_atomic(path: Path, text: str) -> bool:
    """Write `text` via a temporary file and ``os.replace``; skip identical content."""
    path = Path(path)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def seed_history(batches: Sequence[Batch], as_of: dt.date, window_days: int = 20, seed: int = 230521,
                 late_share: float = 0.08) -> Ledger:
    """A plausible publication history for a *synthetic* county (``yikatong sample``).

    Most batches were published a few days after ``produced_on``, about `late_share` of them
    some days after the window; batches whose invented publication date is after `as_of` stay
    unpublished (so ``deadlines`` has something to show). Deterministic for a seed. Never use
    it for real data: the real ledger is what the builds recorded.
    """
    entries = []
    for batch in sorted(batches, key=lambda b: b.id):
        produced = batch.date("produced_on")
        status = str(batch.meta.get("status", "paid"))
        if produced is None or status == "withdrawn" or (status == "notice" and batch.date("notice_start")):
            continue
        rng = random.Random(f"{seed}:{batch.id}")
        late = rng.random() < late_share
        delay = window_days + rng.randint(1, 9) if late else rng.randint(1, max(1, window_days - 2))
        published = produced + dt.timedelta(days=delay)
        if published <= as_of:
            entries.append(LedgerEntry(batch.id, 1, batch.content_hash, produced, published))
    return Ledger(tuple(entries))
