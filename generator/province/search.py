"""The province-wide search ``OUT/search/``: every county's searchable rows in one sharded index.

The index has the county search's format (``generator.search``) over the rows each county's
search holds (masked, after small groups are dropped: exactly what county pages show), with
townships named ``<county><township>`` and links into ``<county code>/``. It is made in two
steps so that a province rebuild does only the work its change needs:

1. **A county's part** (``county_part``), in that county's task, as soon as its rows are
   known (before its pages), in parallel with the other counties and cached with the
   county (a kept county's part is not made again): its persons in the county's own
   (township, village, name) order, their display rows with the county's village and
   batch tables, and their sorted postings. This is the per-person work (pinyin keys,
   display rows).
2. **The term ranges** (``search_range``), one task each on the executor: persons are
   numbered in a block per county (``county ordinal × block + person``), so a county's
   change does not renumber the others; the postings of the range's terms
   (``RANGE_STARTS``) are merged in term order and cut by content (``shards.cut_stable``),
   so shard boundaries away from a change stay where they were; a shard whose inputs (its
   postings and the rows and tables of its persons) hash to a key the last build wrote is
   taken from the last build's tree (its bytes checked against the recorded digest), and
   only the others are built (lunr) and leak-scanned.
3. **The assembly** (``finish_province_search``), here: the ranges' shards numbered in
   order, the two-level manifest and the page.

Output bytes depend only on the counties' rows, never on the previous build or the executor:
a shard taken from the last build is byte for byte the shard its key describes.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from generator.core.county import County, Program, Township, load_county
from generator.province.model import Province
from generator.province.pages import province_title, render_page, write_assets
from generator.search.chunks import chunk_size, write_chunks
from generator.search.index import (
    ASSET_FILES,
    MANIFEST,
    SEARCH_DIR,
    SHARD_DIR,
    SearchSummary,
    _manifest,
    _towns_villages,
)
from generator.search.model import Tables, compact_json, js_sort_key, persons_of, postings_of
from generator.search.page import SCRIPT_TAG, client_creates, inline_client
from generator.search.pinyin_keys import MASKED_MARK
from generator.search.shards import (
    TWO_LEVEL_MAX_SHARDS,
    TWO_LEVEL_TARGET,
    Shard,
    boundary,
    cut_stable,
    letters,
    lunr_index_json,
    shard_documents,
    shard_name,
    write_shards,
)

log = logging.getLogger(__name__)

PART_VERSION = 2
# Raw bytes per province shard (``shards.cut_stable``'s target): the small shards a two-level
# manifest affords. Fixed, not derived from the index's size: a size that followed the data
# would move every boundary at every change.
PROVINCE_SHARD_BYTES = TWO_LEVEL_TARGET
# Boundaries per chunk of the two-level manifest, or None for ``chunks.chunk_size`` (tuning).
PROVINCE_CHUNK: int | None = None


# --- step 1: a county's part (in the county's task) ---------------------------------------------

def county_part(county: County, listed: pd.DataFrame) -> dict[str, Any]:
    """The county's share of the province search, from the rows its own search holds.

    Numbers (person, village, batch, township) are the county's own; the merge offsets them.
    JSON-able; ``write_part`` stores it beside the county's other cached task results.
    """
    tables = Tables.from_public(listed, county, {})
    persons = persons_of(listed, tables)
    towns, villages = _towns_villages(persons, tables, county, {})
    rows = [json.loads(p) for p in persons.payload]
    postings = postings_of(persons)
    village_text = [compact_json(v).encode() for v in villages]
    batch_text = [compact_json(list(b)).encode() for b in tables.batches]
    digests = []
    for payload, row in zip(persons.payload, rows, strict=True):  # a person's row with the table rows it names
        h = hashlib.sha256(payload.encode())
        h.update(village_text[row[2]])
        for bi in sorted(set(row[3][0::3])):
            h.update(batch_text[bi])
        digests.append(h.hexdigest()[:32])
    return {
        "v": PART_VERSION,
        "county": county.name,
        "records": len(listed),
        "towns": towns,  # [name, code, first person, end, url]
        "villages": villages,  # [town, village, url]
        "batches": [list(b) for b in tables.batches],  # [batch id, program, url suffix, paid on]
        "rows": rows,  # [name, id, village, [batch, row, amount, …], {n: [status, paid on]}?]
        "lengths": [len(p.encode()) for p in persons.payload],  # bytes of each row's JSON
        "digests": digests,
        "postings": [[term, [x for pair in plist for x in pair]] for term, plist in postings],
    }


def write_part(path: Path, part: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(compact_json(part), encoding="utf-8")
    os.replace(tmp, path)


def read_part(path: Path) -> dict[str, Any]:
    part: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    if part.get("v") != PART_VERSION:
        raise ValueError(f"{path}: search part version {part.get('v')}, expected {PART_VERSION}")
    return part


# --- step 2: the merge ------------------------------------------------------------------------

@dataclass
class _Province:
    """Every county's persons under province numbers (what the shard encoder reads)."""

    block: int
    refs: dict[int, str] = field(default_factory=dict)
    rows: dict[int, list[Any]] = field(default_factory=dict)
    row_len: dict[int, int] = field(default_factory=dict)
    digest: dict[int, bytes] = field(default_factory=dict)  # a person's row with its tables
    towns: list[list[object]] = field(default_factory=list)  # the manifest's townships
    keys: list[list[bytes]] = field(default_factory=list)  # per county, its terms' sort keys
    villages: list[list[list[Any]]] = field(default_factory=list)  # per county, province town numbers
    batches: list[list[list[Any]]] = field(default_factory=list)  # per county, batch ids local
    _templates: dict[int, tuple[str, int, list[tuple[int, str]], str]] = field(default_factory=dict)

    def county_of(self, pid: int) -> int:
        return pid // self.block

    def template(self, pid: int) -> tuple[str, int, list[tuple[int, str]], str]:
        """A person's display row as JSON text around the numbers a shard renumbers:
        ``'"ref":[name,id,'``, its village, ``[(batch, ',row,amount'), …]``, ``']'`` or
        ``',{…}]'`` (one ``compact_json`` per person instead of one per shard it is in)."""
        found = self._templates.get(pid)
        if found is None:
            name, id_shown, village, flat, *extra = self.rows[pid]
            head = f'"{self.refs[pid]}":[{compact_json(name)},{compact_json(id_shown)},'
            items = [(int(flat[i]), f",{compact_json(flat[i + 1])},{compact_json(flat[i + 2])}")
                     for i in range(0, len(flat), 3)]
            end = "".join(f",{compact_json(e)}" for e in extra) + "]"
            found = self._templates[pid] = (head, int(village), items, end)
        return found


@dataclass
class ProvinceSearch:
    summary: SearchSummary
    reused: int
    built: int
    # shard key → [path under OUT, sha256 hex, bytes]: what the next build may take from this one
    shards: dict[str, list[Any]]
    # the files taken from the last build (their bytes are the ones its scan passed)
    taken: set[Path] = field(default_factory=set)
    # every shard file: taken, or scanned by its range's task (``search_range``)
    scanned: set[Path] = field(default_factory=set)


def write_province_search(province: Province, out: Path, parts: list[Path], counties: list[County] | None = None,
                          previous: dict[str, list[Any]] | None = None,
                          previous_out: Path | None = None) -> ProvinceSearch:
    """Write ``out/search/`` from the counties' parts (in the province's order), every term
    range in this process (``yikatong province build`` runs them on its executor instead).

    `previous` (the last build's ``ProvinceSearch.shards``) and `previous_out` (its tree)
    let unchanged shards be taken over instead of built again.
    """
    started = time.perf_counter()
    jobs = range_jobs(out, parts, [c.code for c in province.counties], previous, previous_out)
    ranges = [search_range(*job) for job in jobs]
    return finish_province_search(province, out, parts, ranges, counties, started)


# --- the term ranges: merged, cut and built independently, one task each --------------------------

# Where the term ranges start (terms in JavaScript order, ``js_sort_key``): ID digits, pinyin,
# initials, characters and names, masked names (``MASKED_MARK``). Each range is merged, cut
# and built by a task of its own (on the executor's workers) and a shard never spans two:
# the content-defined cut starts afresh at each range. Constants, so that the shards never
# depend on the number of workers; split further (more tasks) for a bigger province.
RANGE_STARTS = ("", "6", "h", "s", "z", "~", "~\u6000", "\u4e00", "\u5800", "\u7000", MASKED_MARK)


def range_jobs(out: Path, parts: list[Path], codes: list[str], previous: dict[str, list[Any]] | None,
               previous_out: Path | None) -> list[tuple[Any, ...]]:
    """``search_range``'s arguments for each term range."""
    staging = Path(out) / SEARCH_DIR / SHARD_DIR / "tmp"
    shutil.rmtree(Path(out) / SEARCH_DIR / SHARD_DIR, ignore_errors=True)
    staging.mkdir(parents=True)
    paths = [str(p) for p in parts]
    return [(r, paths, codes, str(staging), previous or {}, str(previous_out) if previous_out else None)
            for r in range(len(RANGE_STARTS))]


def search_range(r: int, parts: list[str], codes: list[str], staging: str, previous: dict[str, list[Any]],
                 previous_out: str | None) -> list[list[Any]]:
    """Merge, cut and write the shards of term range `r` into ``staging/r<r>/``, taking
    those the last build wrote with the same key, and leak-scan the new ones.

    → per shard, in order: [file, first term, first person, last term, key, sha256 hex,
    bytes, taken, terms, postings].
    """
    from generator.core.errors import LeakFound
    from generator.privacy.scan import scan_site

    loaded, prov = load_parts(parts, codes)
    low = js_sort_key(RANGE_STARTS[r])
    high = js_sort_key(RANGE_STARTS[r + 1]) if r + 1 < len(RANGE_STARTS) else None
    postings = _merge_postings(loaded, prov, low, high)
    shards = list(cut_stable(postings, prov.refs, prov.row_len, PROVINCE_SHARD_BYTES))
    folder = Path(staging) / f"r{r}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    keys = [_shard_key(s, prov) for s in shards]
    taken = _take_previous(keys, previous, Path(previous_out) if previous_out else None, folder)
    todo = [n for n in range(len(shards)) if n not in taken]
    written = write_shards(shards, prov, folder, only=todo, encode=_encode, measure_gzip=False)
    leaks = scan_site(folder, skip={folder / shard_name(n) for n in taken})
    if leaks:
        raise LeakFound([str(f) for f in leaks])
    done: dict[int, tuple[bytes, int]] = {n: (d, raw) for n, (d, raw, _) in written.items()}
    done.update(taken)
    return [[shard_name(n), shard.first[0], shard.first[1], shard.terms[-1][0], keys[n], done[n][0].hex(),
             done[n][1], n in taken, len(shard.terms), sum(len(p) for _, p in shard.terms)]
            for n, shard in enumerate(shards)]


def finish_province_search(province: Province, out: Path, parts: list[Path], ranges: list[list[list[Any]]],
                           counties: list[County] | None = None, started: float | None = None) -> ProvinceSearch:
    """The ranges' shards under their province numbers, the manifest's chunks, the
    manifest and the page."""
    started = time.perf_counter() if started is None else started
    counties = counties or [load_county(c.data_dir) for c in province.counties]
    loaded, prov = load_parts([str(p) for p in parts], [c.code for c in province.counties])
    merged, _ = province_county(province, counties)
    search_dir = Path(out) / SEARCH_DIR
    shard_root = search_dir / SHARD_DIR
    staging = shard_root / "tmp"
    digest = hashlib.sha256()
    boundaries: list[object] = []
    shards: list[list[Any]] = []
    taken: list[int] = []
    previous_last = ""
    for r, found in enumerate(ranges):
        for row in found:
            n = len(shards)
            (staging / f"r{r}" / row[0]).rename(staging / shard_name(n))
            digest.update(bytes.fromhex(row[5]))
            boundaries.append(boundary(previous_last, (row[1], row[2]), n == 0))
            previous_last = row[3]
            shards.append(row)
            if row[7]:
                taken.append(n)
        (staging / f"r{r}").rmdir()
    # two levels (``search.chunks``): the page carries every k-th boundary, chunk files the rest
    k = PROVINCE_CHUNK or chunk_size(len(shards), TWO_LEVEL_MAX_SHARDS[0])
    chunks = write_chunks(boundaries, k, staging)
    for _, data in chunks:
        digest.update(hashlib.sha256(data).digest())
    version = letters(digest.hexdigest()[:12])
    staging.rename(shard_root / version)
    shard_dir = f"{SHARD_DIR}/{version}/"
    records = sum(int(p["records"]) for p in loaded)
    manifest = _manifest(boundaries, shard_dir, _PidBound(len(loaded) * prov.block), None,  # type: ignore[arg-type]
                         merged, records, prov.towns, None, chunk=k, max_shards=TWO_LEVEL_MAX_SHARDS)
    data = (compact_json(manifest) + "\n").encode()
    (search_dir / MANIFEST).write_bytes(data)
    for name in ASSET_FILES:
        from generator.core.paths import SEARCH_ASSETS_DIR

        shutil.copyfile(SEARCH_ASSETS_DIR / name, search_dir / name)
    write_assets(out)  # the page's stylesheets, read by the critical CSS below
    page = search_dir / "index.html"
    page.write_text(_page(merged), encoding="utf-8")
    if inline_client(page, manifest):
        from generator.site.critical_css import inline_critical_css

        tags, classes = client_creates()
        inline_critical_css(page, keep_whole={"search.css"}, extra_tags=tags, extra_classes={*classes, "yk-elder"})
    summary = SearchSummary(
        records=records, persons=len(prov.refs), terms=sum(int(s[8]) for s in shards),
        postings=sum(int(s[9]) for s in shards), shards=len(shards),
        shard_bytes=sum(int(s[6]) for s in shards), shard_gzip_bytes=0, max_shard_gzip_bytes=0,
        manifest_bytes=len(data), manifest_gzip_bytes=0, seconds=time.perf_counter() - started,
        files=[f"{SEARCH_DIR}/{MANIFEST}", *(f"{SEARCH_DIR}/{shard_dir}{shard_name(n)}" for n in range(len(shards))),
               *(f"{SEARCH_DIR}/{shard_dir}{name}" for name, _ in chunks)],
        chunk=k,
    )
    recorded = {s[4]: [f"{SEARCH_DIR}/{shard_dir}{shard_name(n)}", s[5], s[6]] for n, s in enumerate(shards)}
    log.info("全省搜索：%d 条记录，%d 人，%d 个分片（沿用 %d 个，新建 %d 个），用时 %.1f 秒",
             records, len(prov.refs), len(shards), len(taken), len(shards) - len(taken), summary.seconds)
    final = shard_root / version
    return ProvinceSearch(summary, reused=len(taken), built=len(shards) - len(taken), shards=recorded,
                          taken={final / shard_name(n) for n in taken},
                          scanned={final / shard_name(n) for n in range(len(shards))})


class _PidBound:
    """The manifest's ``persons``: the client's upper bound of person numbers."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


# the parts this process read last, and their province numbering: a worker reads them once
# for all the range tasks it runs (``search_range``; forked tasks inherit them)
_LOADED: dict[tuple[object, ...], tuple[list[dict[str, Any]], _Province]] = {}


def load_parts(parts: list[str], codes: list[str]) -> tuple[list[dict[str, Any]], _Province]:
    """The counties' parts (in the province's order, `codes` theirs) and their persons under
    province numbers, read once per process while the files stay the same."""
    key = (tuple(codes), *((p, *_stamp(p)) for p in parts))
    found = _LOADED.get(key)
    if found is None:
        _LOADED.clear()
        loaded = [read_part(Path(p)) for p in parts]
        found = _LOADED[key] = (loaded, _number(codes, loaded))
    return found


def _stamp(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def forget_parts() -> None:
    _LOADED.clear()


def _number(codes: list[str], parts: list[dict[str, Any]]) -> _Province:
    """Province person numbers (a block per county: a power of two with room to grow, so a
    county's change renumbers no other county) and the manifest's townships."""
    biggest = max((len(p["rows"]) for p in parts), default=0)
    prov = _Province(block=1 << max(10, biggest.bit_length() + 1))
    towns = prov.towns
    for c, (code, part) in enumerate(zip(codes, parts, strict=True)):
        base, town_base = c * prov.block, len(towns)
        for name, town_code, lo, hi, url in part["towns"]:
            towns.append([part["county"] + name, town_code, base + lo, base + hi, f"{code}/{url}"])
        villages = [[town_base + t, v, f"{code}/{url}"] for t, v, url in part["villages"]]
        prov.villages.append(villages)
        prov.batches.append(part["batches"])
        prov.keys.append([js_sort_key(term) for term, _ in part["postings"]])
        # a person's digest covers its row and table rows as the county numbers them; the
        # county's place in the province (first township number, code) is added here
        where = f"{code}\0{town_base}\0".encode()
        for local, (row, length, digest) in enumerate(zip(part["rows"], part["lengths"], part["digests"],
                                                          strict=True)):
            pid = base + local
            prov.refs[pid] = np.base_repr(pid, 36).lower()
            prov.rows[pid] = row
            prov.row_len[pid] = length
            prov.digest[pid] = where + digest.encode()
    return prov


def _merge_postings(parts: list[dict[str, Any]], prov: _Province, low: bytes,
                    high: bytes | None) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """The counties' sorted postings of the terms in [`low`, `high`) merged in term order;
    a term's persons in county order."""
    def stream(c: int, postings: list[list[Any]]) -> Iterator[tuple[bytes, int, str, list[int]]]:
        keys = prov.keys[c]
        end = len(keys) if high is None else bisect.bisect_left(keys, high)
        for n in range(bisect.bisect_left(keys, low), end):
            term, flat = postings[n]
            yield keys[n], c, term, flat

    streams = [stream(c, part["postings"]) for c, part in enumerate(parts)]
    current: tuple[bytes, str] | None = None
    plist: list[tuple[int, int]] = []
    for key, c, term, flat in heapq.merge(*streams):
        if current is not None and key != current[0]:
            yield current[1], plist
            plist = []
        current = (key, term)
        base = c * prov.block
        plist.extend((base + flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
    if current is not None:
        yield current[1], plist


def _shard_key(shard: Shard, prov: _Province) -> str:
    """Everything a shard's bytes depend on: its postings, its persons' numbers, rows and tables."""
    h = hashlib.sha256(f"{PART_VERSION}\0{prov.block}\0".encode())
    pids: set[int] = set()
    for term, plist in shard.terms:
        h.update(term.encode() + b"\0" + np.asarray(plist, dtype=np.int64).tobytes())
        pids.update(pid for pid, _ in plist)
    for pid in sorted(pids):
        h.update(prov.digest[pid])
    return h.hexdigest()


def _take_previous(keys: list[str], previous: dict[str, list[Any]], previous_out: Path | None,
                   staging: Path) -> dict[int, tuple[bytes, int]]:
    """Shards whose key the last build wrote and whose file still has the recorded bytes:
    linked into `staging` under their new name. → {ordinal: (sha256, bytes)}."""
    taken: dict[int, tuple[bytes, int]] = {}
    if previous_out is None:
        return taken
    for n, key in enumerate(keys):
        known = previous.get(key)
        if not known:
            continue
        old = previous_out / str(known[0])
        try:
            with old.open("rb") as fh:
                if hashlib.file_digest(fh, "sha256").hexdigest() != known[1]:
                    continue
            target = staging / shard_name(n)
            try:
                os.link(old, target)
            except OSError:
                shutil.copyfile(old, target)
        except OSError:
            continue
        taken[n] = (bytes.fromhex(str(known[1])), int(known[2]))
    return taken


def _encode(shard: Shard, prov: _Province) -> bytes:
    """A shard's bytes: the lunr index and its persons' rows, renumbered to the shard's own
    ``villages`` and ``batches`` tables (the manifest lists neither)."""
    documents = shard_documents(shard)
    index = lunr_index_json(documents, prov.refs)
    vmap: dict[tuple[int, int], int] = {}
    bmap: dict[tuple[int, int], int] = {}
    villages: list[list[Any]] = []
    batches: list[list[Any]] = []
    docs = []
    for pid in sorted(documents):
        c = prov.county_of(pid)
        head, village, items, end = prov.template(pid)
        if (c, village) not in vmap:
            vmap[c, village] = len(villages)
            villages.append(prov.villages[c][village])
        numbered = []
        for batch, tail in items:
            if (c, batch) not in bmap:
                bmap[c, batch] = len(batches)
                batches.append(prov.batches[c][batch])
            numbered.append(f"{bmap[c, batch]}{tail}")
        docs.append(f'{head}{vmap[c, village]},[{",".join(numbered)}]{end}')
    return (f'{{"v":1,"index":{index},"docs":{{{",".join(docs)}}},'
            f'"villages":{compact_json(villages)},"batches":{compact_json(batches)}}}\n').encode()


def province_county(province: Province, counties: list[County]) -> tuple[County, dict[str, str]]:
    townships: list[Township] = []
    prefix: dict[str, str] = {}
    programs: dict[str, Program] = {}
    for entry, county in zip(province.counties, counties, strict=True):
        for town in county.townships:
            name = f"{county.name}{town.name}"
            townships.append(Township(town.code, name, town.department, town.villages))
            prefix[name] = f"{entry.code}/"
        for code, program in county.programs.items():
            programs.setdefault(code, program)
    merged = County(name=province.name, code=province.code, province=province.name, city="",
                    title=province_title(province.name), supervision_phone="",
                    townships=tuple(townships), departments={}, programs=programs, routing={})
    return merged, prefix


def _page(county: County) -> str:
    """The page, in the province's shell (``generator.province.pages``), before the client is
    inlined; `county`: the merged province (``province_county``)."""
    return render_page("search.html.j2", county.name, "../", current="search", script_tag=Markup(SCRIPT_TAG),
                       county=county, programs=county.programs, site_root="../")
