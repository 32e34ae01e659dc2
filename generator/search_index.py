"""Stage 6 — index: the sharded client-side search under ``site/search/``.

A monolithic lunr index of a county is tens of megabytes; a phone on a slow network must
fetch only what one query needs. So the index is *term-partitioned*:

- A **person** is one (township, village, shown name, shown ID) — exactly what a page shows;
  one person holds that person's records. Persons are numbered in (township, village, name)
  order, so a township is a contiguous range of person numbers.
- Every person yields **terms** (``pinyin_keys``): the shown name, its pinyin, initials,
  name parts, and the last 4 shown ID digits. All (term, person) postings are sorted by
  (term, person) — terms compared as JavaScript compares strings — and cut into
  **shards** of bounded size. A hot term (a common character) simply spans several
  shards, split by person number, i.e. roughly by township.
- A shard is one JSON file: a lunr 2.3.9 serialized index over its terms (empty pipeline,
  fields ``k`` whole-name keys and ID digits, ``i`` initials, ``g`` name parts; refs are
  base-36 person numbers) and the display rows (``docs``) of every person it references,
  so one query needs the manifest and one or two shards — no separate document fetch.
- ``manifest.json`` lists each shard's first (term, person) and content-hashed file name,
  plus the tables the rows refer to (villages with page URLs, batches, programs).

Only what pages show is indexed: the masked name, the shown ID digits, township, village,
program. Output bytes are deterministic for the same input.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .county import County
from .mask import COMPOUND_SURNAMES
from .pinyin_keys import MASK_CHAR, MIXED_MARK, id_key, name_keys
from .urls import record_anchor, records_url, township_url, village_url

log = logging.getLogger(__name__)

LUNR_VERSION = "2.3.9"
FIELDS = ("k", "i", "g")  # whole-name keys + ID digits, initials, name parts
SEARCH_DIR = "search"
SHARD_DIR = "s"
MANIFEST = "manifest.json"
ASSETS_DIR = Path(__file__).parent / "assets" / "search"
ASSET_FILES = ("lunr.min.js", "search.js", "search.css")
# Raw (uncompressed) bytes per shard before it is cut; shards compress about 4:1, so this
# keeps every shard near 20 KB gzipped: a name query fetches one or two of them.
SHARD_TARGET_BYTES = 80_000
STATUS_OK = "成功"


@dataclass
class SearchSummary:
    """What ``build_search_index`` wrote, for the build's summary line and the bench."""

    records: int
    persons: int
    terms: int
    postings: int
    shards: int
    shard_bytes: int  # all shards, raw
    shard_gzip_bytes: int  # all shards, gzipped
    max_shard_gzip_bytes: int
    manifest_bytes: int
    manifest_gzip_bytes: int
    seconds: float
    files: list[str] = field(default_factory=list)  # paths relative to out_dir
    shard_gzip_sizes: dict[str, int] = field(default_factory=dict)  # file name → gzipped bytes

    def line(self) -> str:
        return (f"搜索索引：{self.records} 条记录，{self.persons} 人，{self.shards} 个分片"
                f"（最大 {self.max_shard_gzip_bytes / 1024:.1f} KB gzip），"
                f"清单 {self.manifest_gzip_bytes / 1024:.1f} KB gzip，用时 {self.seconds:.1f} 秒")


def build_search_index(public: pd.DataFrame, county: County, out_dir: Path) -> SearchSummary:
    """Write the sharded search index, manifest and client assets under ``out_dir/search/``.

    ``public`` is the masked frame from ``mask.mask_records`` (only published rows). Example::

        summary = build_search_index(mask_records(records, county), county, Path("site"))
        print(summary.line())
    """
    started = time.perf_counter()
    search_dir = Path(out_dir) / SEARCH_DIR
    shutil.rmtree(search_dir / SHARD_DIR, ignore_errors=True)
    (search_dir / SHARD_DIR).mkdir(parents=True, exist_ok=True)
    tables = _Tables.from_public(public, county)
    persons = _persons(public, tables)
    postings = _postings(persons)
    shards = list(_cut_shards(postings, persons))
    manifest, summary = _write(shards, persons, tables, county, search_dir, len(public))
    for name in ASSET_FILES:
        shutil.copyfile(ASSETS_DIR / name, search_dir / name)
    summary.files += [f"{SEARCH_DIR}/{name}" for name in ASSET_FILES]
    inline_client(search_dir / "index.html")
    summary.seconds = time.perf_counter() - started
    log.info(summary.line())
    return summary


# --- tables the display rows refer to -----------------------------------------------------

@dataclass
class _Tables:
    villages: list[tuple[str, str, str]]  # (township, village, village page URL)
    village_index: dict[tuple[str, str], int]
    batches: list[tuple[str, str, str, str]]  # (batch_id, program, records page URL suffix, paid_on)
    batch_index: dict[str, int]

    @classmethod
    def from_public(cls, public: pd.DataFrame, county: County) -> _Tables:
        order = {t.name: (i, {v.name: j for j, v in enumerate(t.villages)})
                 for i, t in enumerate(county.townships)}
        pairs = public[["township", "village"]].drop_duplicates()
        keyed = sorted(
            (order.get(t, (len(order), {}))[0], order.get(t, (0, {}))[1].get(v, 1 << 20), t, v)
            for t, v in pairs.itertuples(index=False)
        )
        villages = [(t, v, village_url(county, t, v)) for _, _, t, v in keyed]
        batches = _batch_table(public, county)
        return cls(villages, {(t, v): i for i, (t, v, _) in enumerate(villages)},
                   batches, {b[0]: i for i, b in enumerate(batches)})


def _batch_table(public: pd.DataFrame, county: County) -> list[tuple[str, str, str, str]]:
    """One row per batch; the records-page URL is split into village part + batch suffix."""
    combos = public[["batch_id", "program", "year", "township", "village"]].drop_duplicates()
    rows: dict[str, tuple[str, str, str, str]] = {}
    paid = public.groupby("batch_id")["paid_on"].agg(lambda s: s.mode().iat[0] if len(s) else "")
    for batch, program, year, town, village in combos.itertuples(index=False):
        full = records_url(county, town, village, program, year)
        base = village_url(county, town, village)
        if not full.startswith(base):
            raise ValueError(f"records_url {full!r} is not under village_url {base!r}")
        suffix = full[len(base):]
        known = rows.setdefault(batch, (batch, program, suffix, str(paid[batch])))
        if known[2] != suffix:
            raise ValueError(f"batch {batch}: records page suffix differs between villages")
    return [rows[b] for b in sorted(rows)]


# --- persons --------------------------------------------------------------------------------

@dataclass
class _Persons:
    refs: list[str]  # base-36 person numbers
    names: list[str]
    ids: list[str]
    village: np.ndarray  # village index per person
    payload: list[str]  # JSON display row per person

    def __len__(self) -> int:
        return len(self.refs)


def _persons(public: pd.DataFrame, tables: _Tables) -> _Persons:
    """Group records into persons in (township, village, name, ID) order; build display rows."""
    frame = pd.DataFrame({
        "vi": [tables.village_index[(t, v)] for t, v in
               zip(public["township"].to_numpy(), public["village"].to_numpy(), strict=True)],
        "name": public["name_shown"].astype(str).to_numpy(),
        "id": public["id_shown"].astype(str).to_numpy(),
        "bi": public["batch_id"].map(tables.batch_index).to_numpy(),
        "row": public["ref"].str.rsplit("-", n=1).str[1].to_numpy(),
        "amount": public["amount"].to_numpy(),
        "paid_on": public["paid_on"].astype(str).to_numpy(),
        "status": public["pay_status"].astype(str).to_numpy(),
    })
    frame["name_key"] = frame["name"].map(_js_sort_key)
    frame = frame.sort_values(["vi", "name_key", "id", "paid_on", "bi", "row"],
                              ascending=[True, True, True, False, True, True], kind="stable")
    groups = frame.groupby(["vi", "name_key", "id"], sort=False)
    starts = groups.ngroup().to_numpy()
    boundaries = np.flatnonzero(np.diff(starts, prepend=-1))
    cols = {c: frame[c].to_numpy() for c in ("vi", "name", "id", "bi", "row", "amount",
                                              "paid_on", "status")}
    default_paid = [b[3] for b in tables.batches]
    ends = list(boundaries[1:]) + ([len(frame)] if len(boundaries) else [])
    refs, names, ids, payload = [], [], [], []
    for pid, (lo, hi) in enumerate(zip(boundaries, ends, strict=True)):
        refs.append(np.base_repr(pid, 36).lower())
        names.append(cols["name"][lo])
        ids.append(cols["id"][lo])
        payload.append(_person_row(cols, int(lo), int(hi), default_paid))
    village = cols["vi"][boundaries] if len(frame) else np.zeros(0, dtype=int)
    return _Persons(refs, names, ids, village, payload)


def _person_row(cols: dict[str, np.ndarray], lo: int, hi: int, default_paid: list[str]) -> str:
    """``[name, id, village, [batch, row, amount, …], {record: [status, paid_on]}]``."""
    flat: list[object] = []
    extra: dict[str, list[str]] = {}
    for n, r in enumerate(range(lo, hi)):
        bi = int(cols["bi"][r])
        flat += [bi, int(cols["row"][r]) if str(cols["row"][r]).isdigit() else str(cols["row"][r]),
                 _number(cols["amount"][r])]
        status, paid_on = str(cols["status"][r]), str(cols["paid_on"][r])
        if status != STATUS_OK or paid_on != default_paid[bi]:
            extra[str(n)] = [status, paid_on]
    row: list[object] = [cols["name"][lo], cols["id"][lo], int(cols["vi"][lo]), flat]
    if extra:
        row.append(extra)
    return _dumps(row)


def _number(value: object) -> float | int | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    number = round(float(value), 2)  # type: ignore[arg-type]
    return int(number) if number.is_integer() else number


# --- postings -------------------------------------------------------------------------------

def _js_sort_key(term: str) -> bytes:
    """JavaScript compares strings by UTF-16 code units; lunr's TokenSet needs that order."""
    return term.encode("utf-16-be")


def _postings(persons: _Persons) -> list[tuple[str, list[tuple[int, int]]]]:
    """Sorted ``(term, [(person, field), …])`` — each term's postings in person order."""
    by_term: dict[str, list[tuple[int, int]]] = {}
    for pid, (name, id_shown) in enumerate(zip(persons.names, persons.ids, strict=True)):
        keys = name_keys(name)
        for fi, terms in enumerate((keys.key, keys.initials, keys.part)):
            for term in terms:
                by_term.setdefault(term, []).append((pid, fi))
        digits = id_key(id_shown)
        if digits:
            by_term.setdefault(digits, []).append((pid, 0))
    ordered = sorted(by_term, key=_js_sort_key)
    return [(t, sorted(set(by_term[t]))) for t in ordered]


# --- shards ---------------------------------------------------------------------------------

@dataclass
class _Shard:
    first: tuple[str, int]  # (term, person) of its first posting
    terms: list[tuple[str, list[tuple[int, int]]]]


def _cut_shards(postings: list[tuple[str, list[tuple[int, int]]]],
                persons: _Persons) -> Iterator[_Shard]:
    """Cut the sorted postings into shards of about ``SHARD_TARGET_BYTES`` raw bytes."""
    current: list[tuple[str, list[tuple[int, int]]]] = []
    seen: set[int] = set()
    size = 0
    for term, plist in postings:
        chunk: list[tuple[int, int]] = []
        size += len(term.encode()) * 2 + 40
        for pid, fi in plist:
            cost = 2 * len(persons.refs[pid]) + 24
            if pid not in seen:
                cost += len(persons.payload[pid].encode()) + len(persons.refs[pid]) + 4
            if size + cost > SHARD_TARGET_BYTES and (chunk or current):
                if chunk:
                    current.append((term, chunk))
                yield _Shard(_first(current), current)
                current, chunk, seen = [], [], set()
                size = len(term.encode()) * 2 + 40
                cost = 2 * len(persons.refs[pid]) + 28 + len(persons.payload[pid].encode())
            chunk.append((pid, fi))
            seen.add(pid)
            size += cost
        current.append((term, chunk))
    if current:
        yield _Shard(_first(current), current)


def _first(terms: list[tuple[str, list[tuple[int, int]]]]) -> tuple[str, int]:
    return terms[0][0], terms[0][1][0][0]


def _shard_json(shard: _Shard, persons: _Persons) -> bytes:
    """A lunr 2.3.9 serialized index over the shard's terms, plus its persons' rows."""
    inverted: list[str] = []
    vectors: dict[tuple[int, int], list[int]] = {}
    for index, (term, plist) in enumerate(shard.terms):
        by_field: list[list[str]] = [[] for _ in FIELDS]
        for pid, fi in plist:
            by_field[fi].append(f'"{persons.refs[pid]}":{{}}')
            vectors.setdefault((fi, pid), []).append(index)
        postings = ",".join(f'"{f}":{{{",".join(refs)}}}' for f, refs in zip(FIELDS, by_field, strict=True))
        inverted.append(f'[{_dumps(term)},{{"_index":{index},{postings}}}]')
    field_vectors = ",".join(
        f'["{FIELDS[fi]}/{persons.refs[pid]}",[{",".join(f"{i},1" for i in idx)}]]'
        for (fi, pid), idx in sorted(vectors.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
    pids = sorted({pid for _, plist in shard.terms for pid, _ in plist})
    docs = ",".join(f'"{persons.refs[pid]}":{persons.payload[pid]}' for pid in pids)
    lunr_index = (f'{{"version":"{LUNR_VERSION}","fields":{_dumps(list(FIELDS))},'
             f'"fieldVectors":[{field_vectors}],"invertedIndex":[{",".join(inverted)}],'
             f'"pipeline":[]}}')
    return f'{{"v":1,"index":{lunr_index},"docs":{{{docs}}}}}\n'.encode()


# --- output ---------------------------------------------------------------------------------

def _write(shards: list[_Shard], persons: _Persons, tables: _Tables, county: County,
           search_dir: Path, records: int) -> tuple[dict[str, object], SearchSummary]:
    entries: list[list[object]] = []
    files: list[str] = []
    sizes: dict[str, int] = {}
    raw_total = gz_total = 0
    for shard in shards:
        data = _shard_json(shard, persons)
        name = f"{content_name(data)}.json"
        (search_dir / SHARD_DIR / name).write_bytes(data)
        gz = len(gzip_bytes(data))
        sizes[name] = gz
        raw_total += len(data)
        gz_total += gz
        files.append(f"{SEARCH_DIR}/{SHARD_DIR}/{name}")
        entries.append([shard.first[0], shard.first[1], name])
    manifest = _manifest(entries, persons, tables, county, records)
    data = (_dumps(manifest) + "\n").encode()
    (search_dir / MANIFEST).write_bytes(data)
    summary = SearchSummary(
        records=records, persons=len(persons),
        terms=sum(len(s.terms) for s in shards),
        postings=sum(len(p) for s in shards for _, p in s.terms),
        shards=len(shards), shard_bytes=raw_total, shard_gzip_bytes=gz_total,
        max_shard_gzip_bytes=max(sizes.values(), default=0),
        manifest_bytes=len(data), manifest_gzip_bytes=len(gzip_bytes(data)), seconds=0.0,
        files=[f"{SEARCH_DIR}/{MANIFEST}", *files], shard_gzip_sizes=sizes,
    )
    return manifest, summary


def _manifest(entries: list[list[object]], persons: _Persons, tables: _Tables, county: County,
              records: int) -> dict[str, object]:
    towns: list[list[object]] = []
    villages: list[list[object]] = []
    starts = _range_starts(persons.village, len(tables.villages))
    for vi, (town, village, url) in enumerate(tables.villages):
        lo, hi = starts[vi], starts[vi + 1]
        if not towns or towns[-1][0] != town:
            found = county.township(town)
            towns.append([town, found.code if found else "", lo, hi, township_url(county, town)])
        towns[-1][3] = hi
        villages.append([len(towns) - 1, village, url, lo, hi])
    programs = {code: p.name for code, p in sorted(county.programs.items())}
    return {
        "v": 1,
        "county": county.name,
        "records": records,
        "persons": len(persons),
        "fields": list(FIELDS),
        "mask": MASK_CHAR,
        "mixed": MIXED_MARK,
        "anchor": record_anchor(""),
        "shardDir": f"{SHARD_DIR}/",
        "shards": entries,
        "towns": towns,
        "villages": villages,
        "programs": programs,
        "batches": [[b, p, suffix, paid] for b, p, suffix, paid in tables.batches],
        "compound": sorted(COMPOUND_SURNAMES),
    }


def _range_starts(village: np.ndarray, count: int) -> list[int]:
    """Person-number start of each village (persons are sorted by village), plus the end."""
    starts = np.searchsorted(village, np.arange(count + 1), side="left") if len(village) else \
        np.zeros(count + 1, dtype=int)
    return [int(s) for s in starts]


SCRIPT_TAG = '<script src="search.js" async></script>'


def inline_client(page: Path) -> bool:
    """Put search.js inside the search page, if it has the fragment's tag.

    Measured with 4× CPU throttling: Chromium runs an external async script only after the
    theme's bundle has run; inline, it runs once the theme's stylesheet is in (about 0.3 s
    earlier on slow 4G) and requests the query's shard at once.
    """
    if not page.exists():
        return False
    html = page.read_text(encoding="utf-8")
    if SCRIPT_TAG not in html:
        return False
    code = (ASSETS_DIR / "search.js").read_text(encoding="utf-8").replace("</", "<\\/")
    page.write_text(html.replace(SCRIPT_TAG, f"<script>{code}</script>", 1), encoding="utf-8")
    return True


def content_name(data: bytes) -> str:
    """A content hash written with the letters a–p only (one per hex digit).

    Hex hashes hold digit runs: with thousands of shards one spelled a valid mobile number
    and the leak scan rightly refused the build. Letters never look like a number.
    """
    return hashlib.sha256(data).hexdigest()[:12].translate(_HEX_TO_LETTERS)


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), as a web server would send it."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def shard_files(site_dir: Path) -> Iterable[Path]:
    """Every shard file of a built site (for tests and the bench)."""
    return sorted((Path(site_dir) / SEARCH_DIR / SHARD_DIR).glob("*.json"))
