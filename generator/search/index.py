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
- A shard is one JSON file: a lunr index over its terms, built by the lunr package (lunr.py,
  serialized for lunr.js 2.3.9; empty pipelines; fields ``k`` whole-name keys and ID
  digits, ``i`` initials, ``g`` name parts; refs are base-36 person numbers) and the
  display rows (``docs``) of every person it references, so one query needs one or two
  shards — no separate document fetch.
- ``manifest.json`` lists where each shard starts (its boundary key, shortened to the
  shortest prefix that still separates it from the shard before) and the tables the rows
  refer to (villages with page URLs, batches, programs). Shards are named by their ordinal
  (``0.json``, ``1.json``, … in base 36) inside a directory named by the content hash of
  the whole index, ``s/<hash>/``: immutable URLs that a server may cache for ever, at about
  4 bytes of manifest per shard (a hash per file cost twice that).
- The search page carries the manifest and the client inline (``inline_client``): a query
  in the URL requests its shards as soon as the page's head arrives — one round trip, not
  two. Shard size adapts to the county (``shard_target_bytes``): a query fetches the
  manifest and up to three shards, so more, smaller shards trade manifest bytes for shard
  bytes; the size that minimises their sum grows with the square root of the index.

Only what pages show is indexed: the masked name, the shown ID digits, township, village,
program. Output bytes are deterministic for the same input.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import multiprocessing as mp
import os
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import lunr.builder
import numpy as np
import pandas as pd
import rjsmin

from generator.core.county import County
from generator.core.paths import SEARCH_ASSETS_DIR
from generator.core.urls import record_anchor, records_url, township_url, village_url
from generator.privacy.mask import COMPOUND_SURNAMES
from generator.search.pinyin_keys import MASK_CHAR, MASKED_MARK, MIXED_MARK, id_key, name_keys
from generator.site.critical_css import inline_critical_css
from generator.site.mkdocs import squeeze

log = logging.getLogger(__name__)

LUNR_VERSION = "2.3.9"
FIELDS = ("k", "i", "g")  # whole-name keys + ID digits, initials, name parts
SEARCH_DIR = "search"
SHARD_DIR = "s"
MANIFEST = "manifest.json"
ASSET_FILES = ("lunr.min.js", "search.js", "search.css")
# Raw (uncompressed) bytes per shard before it is cut (shards compress about 3:1), or None
# for the adaptive size of ``shard_target_bytes``; tests set a number.
SHARD_TARGET_BYTES: int | None = None
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
    shards = list(_cut_shards(postings, persons, SHARD_TARGET_BYTES or shard_target_bytes(postings, persons)))
    manifest, summary = _write(shards, persons, tables, county, search_dir, len(public))
    for name in ASSET_FILES:
        shutil.copyfile(SEARCH_ASSETS_DIR / name, search_dir / name)
    summary.files += [f"{SEARCH_DIR}/{name}" for name in ASSET_FILES]
    page = search_dir / "index.html"
    if inline_client(page, manifest):
        tags, classes = client_creates()
        # html.yk-elder is set by the page's first script (elder mode): its rules paint first too
        inline_critical_css(page, keep_whole={"search.css"}, extra_tags=tags,
                            extra_classes={*classes, "yk-elder"})
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


def shard_target_bytes(postings: list[tuple[str, list[tuple[int, int]]]], persons: _Persons) -> int:
    """Raw bytes per shard for this county: about the square root of the whole index.

    A query downloads the manifest (about 4 bytes per shard) plus one to three shards, so
    the sum is smallest when shard size grows like ``sqrt(index size)``. Measured: 100,000
    records → about 1,000 shards of 8 KB gzipped; 1,000,000 → about 3,300 of 25 KB (and
    a tenth as many again, small, for masked names).
    """
    payload = np.array([len(p) for p in persons.payload], dtype=np.int64)
    counts = np.zeros(len(persons), dtype=np.int64)
    for _, plist in postings:
        for pid, _ in plist:
            counts[pid] += 1
    total = int((counts * (payload + 40)).sum())  # every posting as if in its own shard
    return int(min(120_000, max(12_000, 5 * total ** 0.5)))


def _cut_shards(postings: list[tuple[str, list[tuple[int, int]]]],
                persons: _Persons, target: int) -> Iterator[_Shard]:
    """Cut the sorted postings into shards of about ``target`` raw bytes.

    A shard ends between terms where it can: only a term too big to move whole to the next
    shard (a common character) is split, by person. A boundary between terms is just a
    (shortened) term in the manifest; a split one also needs the person number.

    Masked names' keys (``pinyin_keys.masked_key``) sort last; they get shards of their own,
    a quarter of the size: a name query looks one up beside the name's own shard.
    """
    current: list[tuple[str, list[tuple[int, int]]]] = []
    seen: set[int] = set()
    size = 0
    masked = False
    limit = target
    for term, plist in postings:
        chunk: list[tuple[int, int]] = []
        if not masked and term.startswith(MASKED_MARK):
            masked, limit = True, max(2_000, target // 4)
            if current:
                yield _Shard(_first(current), current)
                current, seen, size = [], set(), 0
        if current:
            whole = sum(2 * len(persons.refs[pid]) + 24 +
                        (0 if pid in seen else len(persons.payload[pid]) + len(persons.refs[pid]) + 4)
                        for pid, _ in plist)
            if size + whole > limit and whole <= limit // 4:
                yield _Shard(_first(current), current)
                current, seen, size = [], set(), 0
        size += len(term.encode()) * 2 + 40
        for pid, fi in plist:
            cost = 2 * len(persons.refs[pid]) + 24
            if pid not in seen:
                cost += len(persons.payload[pid].encode()) + len(persons.refs[pid]) + 4
            if size + cost > limit and (chunk or current):
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
    """A lunr index over the shard's terms, built by the lunr package, plus its persons' rows.

    Each person is a document whose fields hold its terms as ready-made tokens (lunr's
    tokenizer takes a list as tokens) and whose pipelines are empty: no trimmer, stop words
    or stemmer (they would strip Chinese and mangle pinyin). Two adjustments make the
    serialized index what lunr.js 2.3.9 loads, smaller:

    - ``invertedIndex`` in JavaScript string order: lunr.js builds its token set from it and
      refuses words out of order; lunr.py sorts by code point, which differs for characters
      beyond U+FFFF (rare characters in names) and the masked-name marker;
    - field vectors that are empty (a person with no term of that field here) are left out:
      lunr.js reads a vector only for a field a query matched. About 10% of a shard.
    """
    documents: dict[int, tuple[list[str], list[str], list[str]]] = {}
    for term, plist in shard.terms:
        for pid, fi in plist:
            documents.setdefault(pid, ([], [], []))[fi].append(term)
    builder = lunr.builder.Builder()
    builder.pipeline.reset()
    builder.search_pipeline.reset()
    builder.ref("id")
    for name in FIELDS:
        builder.field(name)
    for pid in sorted(documents):
        builder.add({"id": persons.refs[pid], **dict(zip(FIELDS, documents[pid], strict=True))})
    index = builder.build().serialize()
    index["invertedIndex"].sort(key=lambda entry: _js_sort_key(entry[0]))
    index["fieldVectors"] = [vector for vector in index["fieldVectors"] if vector[1]]
    if index["version"] != LUNR_VERSION:
        raise RuntimeError(f"lunr package writes {index['version']}, the client's lunr.js is {LUNR_VERSION}")
    docs = ",".join(f'"{persons.refs[pid]}":{persons.payload[pid]}' for pid in sorted(documents))
    return f'{{"v":1,"index":{_dumps(index)},"docs":{{{docs}}}}}\n'.encode()


# --- output ---------------------------------------------------------------------------------

def _write(shards: list[_Shard], persons: _Persons, tables: _Tables, county: County,
           search_dir: Path, records: int) -> tuple[dict[str, object], SearchSummary]:
    shard_root = search_dir / SHARD_DIR
    staging = shard_root / "tmp"
    staging.mkdir(parents=True)
    digest = hashlib.sha256()
    sizes: dict[str, int] = {}
    raw_total = gz_total = 0
    boundaries: list[object] = []
    previous_last = ""
    for n, (shard, (shard_digest, raw, gz)) in enumerate(zip(shards, _write_shards(shards, persons, staging),
                                                            strict=True)):
        digest.update(shard_digest)
        sizes[shard_name(n)] = gz
        raw_total += raw
        gz_total += gz
        boundaries.append(_boundary(previous_last, shard.first, n == 0))
        previous_last = shard.terms[-1][0]
    version = _letters(digest.hexdigest()[:12])
    staging.rename(shard_root / version)
    manifest = _manifest(boundaries, f"{SHARD_DIR}/{version}/", persons, tables, county, records)
    data = (_dumps(manifest) + "\n").encode()
    (search_dir / MANIFEST).write_bytes(data)
    summary = SearchSummary(
        records=records, persons=len(persons),
        terms=sum(len(s.terms) for s in shards),
        postings=sum(len(p) for s in shards for _, p in s.terms),
        shards=len(shards), shard_bytes=raw_total, shard_gzip_bytes=gz_total,
        max_shard_gzip_bytes=max(sizes.values(), default=0),
        manifest_bytes=len(data), manifest_gzip_bytes=len(gzip_bytes(data)), seconds=0.0,
        files=[f"{SEARCH_DIR}/{MANIFEST}",
               *(f"{SEARCH_DIR}/{SHARD_DIR}/{version}/{name}" for name in sizes)],
        shard_gzip_sizes=sizes,
    )
    return manifest, summary


_SHARED: tuple[list[_Shard], _Persons, Path] | None = None  # for forked workers


def _write_shards(shards: list[_Shard], persons: _Persons, staging: Path) -> list[tuple[bytes, int, int]]:
    """Write every shard file; per shard (sha256 digest, bytes, gzipped bytes), in order.

    lunr.py builds about 200 shards a second; a big county's thousands are built by forked
    workers (one per core, up to 4), which inherit the shards and persons.
    """
    workers = min(os.cpu_count() or 1, 4)
    if len(shards) < 64 or workers < 2 or "fork" not in mp.get_all_start_methods():
        return [_write_shard(n, shards[n], persons, staging) for n in range(len(shards))]
    global _SHARED
    _SHARED = (shards, persons, staging)
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            done = [row for part in pool.map(_write_every, [(i, workers) for i in range(workers)])
                    for row in part]
    finally:
        _SHARED = None
    return [row[1:] for row in sorted(done)]


def _write_every(job: tuple[int, int]) -> list[tuple[int, bytes, int, int]]:
    assert _SHARED is not None
    shards, persons, staging = _SHARED
    start, step = job
    return [(n, *_write_shard(n, shards[n], persons, staging)) for n in range(start, len(shards), step)]


def _write_shard(n: int, shard: _Shard, persons: _Persons, staging: Path) -> tuple[bytes, int, int]:
    data = _shard_json(shard, persons)
    (staging / shard_name(n)).write_bytes(data)
    return hashlib.sha256(data).digest(), len(data), len(gzip_bytes(data))


def shard_name(n: int) -> str:
    """File name of the n-th shard: its ordinal in base 36 (``0.json`` … ``zz.json``)."""
    return f"{np.base_repr(n, 36).lower()}.json"


def _boundary(previous_last: str, first_key: tuple[str, int], first: bool) -> str | list[object]:
    """Where a shard starts, as the client's binary search reads it.

    A shard that starts inside a hot term needs the term and the person number. Otherwise
    the shortest prefix of its first term that still sorts after the previous shard's last
    term routes every key exactly as the full term would ("chenchunzhu" → "chenc"): no
    posting lies between them.
    """
    term, pid = first_key
    if first or term != previous_last:
        if first:
            return term
        after = _js_sort_key(previous_last)
        for k in range(1, len(term)):
            if _js_sort_key(term[:k]) > after:
                return term[:k]
        return term
    return [term, pid]


def _manifest(boundaries: list[object], shard_dir: str, persons: _Persons, tables: _Tables,
              county: County, records: int) -> dict[str, object]:
    towns: list[list[object]] = []
    villages: list[list[object]] = []
    starts = _range_starts(persons.village, len(tables.villages))
    for vi, (town, village, url) in enumerate(tables.villages):
        lo, hi = starts[vi], starts[vi + 1]
        if not towns or towns[-1][0] != town:
            found = county.township(town)
            towns.append([town, found.code if found else "", lo, hi, township_url(county, town)])
        towns[-1][3] = hi
        villages.append([len(towns) - 1, village, url])  # the client needs no person range here
    programs = {code: p.name for code, p in sorted(county.programs.items())}
    return {
        "v": 1,
        "county": county.name,
        "records": records,
        "persons": len(persons),
        "fields": list(FIELDS),
        "mask": MASK_CHAR,
        "mixed": MIXED_MARK,
        "masked": MASKED_MARK,
        "anchor": record_anchor(""),
        "shardDir": shard_dir,
        "shards": boundaries,
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


def inline_client(page: Path, manifest: dict[str, object]) -> bool:
    """Put the manifest and search.js (minified) inside the search page.

    The theme override puts the client's tag first in <head>, after lunr.js's. The manifest
    and the first part of search.js (the core, which plans a query and requests its shards)
    go in its place: a query in the URL requests its shards as soon as that much of the page
    has arrived — the page, then the shards, two round trips in all (with the manifest as a
    file it was three). The second part (the form and the results) goes at the end of the
    head, after that request is out. Measured with 4× CPU throttling at 400 ms RTT: about
    0.6 s. A page that already carries them (built before) gets these instead.
    """
    if not page.exists():
        return False
    html = page.read_text(encoding="utf-8")
    core, page_code = client_code()
    data = _dumps(manifest).replace("</", "<\\/")
    first = (f'<script id="yk-manifest" type="application/json">{data}</script>'
             f'<script id="yk-core">{core}</script>')
    second = f'<script id="yk-page">{page_code}</script>'
    if SCRIPT_TAG in html:
        html = squeeze(html).replace(SCRIPT_TAG, first, 1).replace("</head>", second + "</head>", 1)
    elif _INLINED_CORE.search(html) and _INLINED_PAGE.search(html):
        html = _INLINED_CORE.sub(lambda _: first, html, count=1)
        html = _INLINED_PAGE.sub(lambda _: second, html, count=1)
    else:
        return False
    page.write_text(html, encoding="utf-8")
    return True


_INLINED_CORE = re.compile(r'<script id="yk-manifest" type="application/json">.*?</script>'
                           r'<script id="yk-core">.*?</script>', re.DOTALL)
_INLINED_PAGE = re.compile(r'<script id="yk-page">.*?</script>', re.DOTALL)
PAGE_MARK = "/* yk:page"
_CREATES = re.compile(r"""\bel\('([a-z0-9]+)'(?:,\s*'([\w -]+)')?""")


def client_creates() -> tuple[set[str], set[str]]:
    """Elements and classes search.js creates (its ``el(tag, classes)`` calls).

    The critical CSS keeps the theme's and the site's rules for them: results, the
    "结果较多" note, the "没有找到" box are drawn after the page has loaded.
    """
    source = (SEARCH_ASSETS_DIR / "search.js").read_text(encoding="utf-8")
    tags: set[str] = set()
    classes: set[str] = set()
    for tag, names in _CREATES.findall(source):
        tags.add(tag)
        classes.update(names.split())
    return tags, classes


def client_code() -> tuple[str, str]:
    """search.js's two parts (core and page), minified by rjsmin, safe inside <script>."""
    source = (SEARCH_ASSETS_DIR / "search.js").read_text(encoding="utf-8")
    core, page = source.split(PAGE_MARK, 1)
    page = page.split("*/", 1)[1]
    return tuple(str(rjsmin.jsmin(part)).replace("</", "<\\/") for part in (core, page))  # type: ignore[return-value]


def _letters(hex_digest: str) -> str:
    """A hex hash written with the letters a–p only (one per hex digit).

    Hex hashes hold digit runs: with thousands of shard names one spelled a valid mobile
    number and the leak scan rightly refused the build. Letters never look like a number.
    """
    return hex_digest.translate(_HEX_TO_LETTERS)


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), as a web server would send it."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def shard_files(site_dir: Path) -> list[Path]:
    """Every shard file of a built site, in manifest order (for tests and the bench)."""
    search = Path(site_dir) / SEARCH_DIR
    manifest = json.loads((search / MANIFEST).read_text(encoding="utf-8"))
    return [search / manifest["shardDir"] / shard_name(n) for n in range(len(manifest["shards"]))]
