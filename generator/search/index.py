"""The sharded client-side search under ``site/search/``: this module runs the steps.

Modules: ``model`` (tables, persons, postings), ``shards`` (cutting, the lunr index of each
shard, writing), ``page`` (the search page: manifest and client inline), ``pinyin_keys``.

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
- The search page carries the manifest and the client inline (``page.inline_client``): a
  query in the URL requests its shards as soon as the page's head arrives — two round trips
  in all (the page, then the shards), where a separate manifest file made three. Shard size adapts to the county (``shard_target_bytes``): a query fetches the
  manifest and up to three shards, so more, smaller shards trade manifest bytes for shard
  bytes; the size that minimises their sum grows with the square root of the index.
- A **two-level manifest** (``chunks``; ``two_level``, the province's by default) carries
  only every k-th boundary; the rest are in chunk files beside the shards, and a query
  fetches the one or two chunks its lookups fall in first (one round trip more). The
  boundaries then cost a query about ``b·√(C·S)`` bytes instead of ``b·S``, so its shards
  are small (``shards.TWO_LEVEL_TARGET``).

Only what pages show is indexed: the masked name, the shown ID digits, township, village,
program. Output bytes are deterministic for the same input.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from generator.core.county import County
from generator.core.paths import SEARCH_ASSETS_DIR
from generator.core.reuse import Reuse
from generator.core.urls import record_anchor, township_url
from generator.privacy.mask import COMPOUND_SURNAMES
from generator.search.chunks import (
    check_chunk,
    chunk_count,
    chunk_name,
    chunk_size,
    manifest_entries,
    shard_count,
    write_chunks,
)
from generator.search.model import FIELDS, Persons, Tables, compact_json, persons_of, postings_of
from generator.search.page import client_creates, inline_client
from generator.search.pinyin_keys import MASK_CHAR, MASKED_MARK, MIXED_MARK
from generator.search.shards import (
    TWO_LEVEL_MAX_SHARDS,
    Shard,
    boundary,
    cut_shards,
    gzip_bytes,
    letters,
    shard_inputs,
    shard_name,
    shard_target_bytes,
    write_shards,
)
from generator.site.critical_css import inline_critical_css

log = logging.getLogger(__name__)

SEARCH_DIR = "search"
SHARD_DIR = "s"
MANIFEST = "manifest.json"
ASSET_FILES = ("lunr.min.js", "search.js", "search.css")
# Raw (uncompressed) bytes per shard before it is cut (shards compress about 3:1), or None
# for the adaptive size of ``shard_target_bytes``; tests set a number.
SHARD_TARGET_BYTES: int | None = None
# Boundaries per chunk of a two-level manifest, or None for ``chunks.chunk_size``; tests set one.
CHUNK_SIZE: int | None = None


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
    chunk: int | None = None  # boundaries per chunk of a two-level manifest (None: one level)
    chunk_gzip_sizes: dict[str, int] = field(default_factory=dict)  # chunk file name → gzipped bytes

    def line(self) -> str:
        return (f"搜索索引：{self.records} 条记录，{self.persons} 人，{self.shards} 个分片"
                f"（最大 {self.max_shard_gzip_bytes / 1024:.1f} KB gzip），"
                f"清单 {self.manifest_gzip_bytes / 1024:.1f} KB gzip"
                + (f"（两级：每 {self.chunk} 个分片的边界一个文件，共 {len(self.chunk_gzip_sizes)} 个）"
                   if self.chunk else "")
                + f"，用时 {self.seconds:.1f} 秒")


def build_search_index(public: pd.DataFrame, county: County, out_dir: Path,
                       url_prefix: dict[str, str] | None = None, two_level: bool = False,
                       reuse: Reuse | None = None) -> SearchSummary:
    """Write the sharded search index, manifest and client assets under ``out_dir/search/``.

    ``public`` is the masked frame from ``mask.mask_records`` (only published rows). Example::

        summary = build_search_index(mask_records(records, county), county, Path("site"))
        print(summary.line())

    `url_prefix` (township → path prefix) places village pages elsewhere: the province-wide
    search points into each county's site (``<county code>/``). `two_level`: a two-level
    manifest (``chunks``) and the smaller shards it affords (the province's search, written
    by ``generator.province.search`` from the counties' parts, always has two levels).

    With `reuse` (a county build), a shard whose terms and persons' rows did not change is
    taken from the previous build instead of being built by lunr again.
    """
    started = time.perf_counter()
    search_dir = Path(out_dir) / SEARCH_DIR
    shutil.rmtree(search_dir / SHARD_DIR, ignore_errors=True)
    (search_dir / SHARD_DIR).mkdir(parents=True, exist_ok=True)
    tables = Tables.from_public(public, county, url_prefix or {})
    persons = persons_of(public, tables)
    towns, villages = _towns_villages(persons, tables, county, url_prefix or {})
    postings = postings_of(persons)
    target = SHARD_TARGET_BYTES or shard_target_bytes(postings, persons, two_level=two_level)
    shards = list(cut_shards(postings, persons, target))
    manifest, summary = _write(shards, persons, tables, county, search_dir, len(public), towns,
                               villages, two_level=two_level, reuse=reuse)
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


# --- output ---------------------------------------------------------------------------------

def _write(shards: list[Shard], persons: Persons, tables: Tables, county: County, search_dir: Path, records: int,
           towns: list[list[object]], villages: list[list[object]] | None,
           two_level: bool = False, reuse: Reuse | None = None) -> tuple[dict[str, object], SearchSummary]:
    """Write the shards into ``s/<hash>/`` and ``manifest.json``; the manifest and the summary.

    `villages` None: the shards carry their own tables (the province), the manifest none.
    `two_level`: a two-level manifest (``chunks``): chunk files of k = ``chunk_size(S)``
    boundaries (``CHUNK_SIZE`` if set) beside the shards, and the client's caps raised to
    ``shards.TWO_LEVEL_MAX_SHARDS`` for the small shards such an index is cut into
    (``shard_target_bytes(..., two_level=True)``).
    """
    max_shards = TWO_LEVEL_MAX_SHARDS if two_level else None
    chunk = (CHUNK_SIZE or chunk_size(len(shards), TWO_LEVEL_MAX_SHARDS[0])) if two_level else None
    shard_root = search_dir / SHARD_DIR
    staging = shard_root / "tmp"
    staging.mkdir(parents=True)
    keys = [reuse.key("search shard", shard_inputs(s, persons)) for s in shards] if reuse is not None else []
    written: dict[int, tuple[bytes, int, int]] = {}
    for n, key in enumerate(keys):
        assert reuse is not None
        data = reuse.take_any(key, staging / shard_name(n))
        if data is not None:
            written[n] = (hashlib.sha256(data).digest(), len(data), len(gzip_bytes(data)))
    written.update(write_shards(shards, persons, staging, [n for n in range(len(shards)) if n not in written]))
    digest = hashlib.sha256()
    sizes: dict[str, int] = {}
    raw_total = gz_total = 0
    boundaries: list[object] = []
    previous_last = ""
    for n, shard in enumerate(shards):
        shard_digest, raw, gz = written[n]
        digest.update(shard_digest)
        sizes[shard_name(n)] = gz
        raw_total += raw
        gz_total += gz
        boundaries.append(boundary(previous_last, shard.first, n == 0))
        previous_last = shard.terms[-1][0]
    chunk_sizes: dict[str, int] = {}
    if chunk is not None:
        check_chunk(chunk, max_shards[0] if max_shards else 2)
        for name, data in write_chunks(boundaries, chunk, staging):
            digest.update(hashlib.sha256(data).digest())  # the same shards cut in other chunks: a new URL
            chunk_sizes[name] = len(gzip_bytes(data))
    version = letters(digest.hexdigest()[:12])
    staging.rename(shard_root / version)
    for n, key in enumerate(keys):
        assert reuse is not None
        reuse.note(key, shard_root / version / shard_name(n), written[n][0].hex())
    manifest = _manifest(boundaries, f"{SHARD_DIR}/{version}/", persons, tables, county, records, towns, villages,
                         chunk, max_shards)
    data = (compact_json(manifest) + "\n").encode()
    (search_dir / MANIFEST).write_bytes(data)
    summary = SearchSummary(
        records=records, persons=len(persons),
        terms=sum(len(s.terms) for s in shards),
        postings=sum(len(p) for s in shards for _, p in s.terms),
        shards=len(shards), shard_bytes=raw_total, shard_gzip_bytes=gz_total,
        max_shard_gzip_bytes=max(sizes.values(), default=0),
        manifest_bytes=len(data), manifest_gzip_bytes=len(gzip_bytes(data)), seconds=0.0,
        files=[f"{SEARCH_DIR}/{MANIFEST}",
               *(f"{SEARCH_DIR}/{SHARD_DIR}/{version}/{name}" for name in [*sizes, *chunk_sizes])],
        shard_gzip_sizes=sizes, chunk=chunk, chunk_gzip_sizes=chunk_sizes,
    )
    return manifest, summary


def _towns_villages(persons: Persons, tables: Tables, county: County,
                    url_prefix: dict[str, str]) -> tuple[list[list[object]], list[list[object]]]:
    """The manifest's townships ``[name, code, first person, end, url]`` and villages
    ``[township index, name, url]``."""
    towns: list[list[object]] = []
    villages: list[list[object]] = []
    starts = _range_starts(persons.village, len(tables.villages))
    for vi, (town, village, url) in enumerate(tables.villages):
        lo, hi = starts[vi], starts[vi + 1]
        if not towns or towns[-1][0] != town:
            found = county.township(town)
            towns.append([town, found.code if found else "", lo, hi, url_prefix.get(town, "") + township_url(county, town)])
        towns[-1][3] = hi
        villages.append([len(towns) - 1, village, url])  # the client needs no person range here
    return towns, villages


def _manifest(boundaries: list[object], shard_dir: str, persons: Persons, tables: Tables, county: County,
              records: int, towns: list[list[object]], villages: list[list[object]] | None,
              chunk: int | None = None, max_shards: tuple[int, int] | None = None) -> dict[str, object]:
    """The page's manifest; `chunk` = k: two levels (``chunks.manifest_entries``)."""
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
        **manifest_entries(boundaries, chunk, max_shards),
        "towns": towns,
        **({} if villages is None else {"villages": villages}),
        "programs": programs,
        **({} if villages is None else {"batches": [[b, p, suffix, paid] for b, p, suffix, paid in tables.batches]}),
        "compound": sorted(COMPOUND_SURNAMES),
    }


def _range_starts(village: np.ndarray, count: int) -> list[int]:
    """Person-number start of each village (persons are sorted by village), plus the end."""
    starts = np.searchsorted(village, np.arange(count + 1), side="left") if len(village) else \
        np.zeros(count + 1, dtype=int)
    return [int(s) for s in starts]


def shard_files(site_dir: Path) -> list[Path]:
    """Every shard file of a built site, in manifest order (for tests and the bench)."""
    search = Path(site_dir) / SEARCH_DIR
    manifest = json.loads((search / MANIFEST).read_text(encoding="utf-8"))
    return [search / manifest["shardDir"] / shard_name(n) for n in range(shard_count(manifest))]


def chunk_files(site_dir: Path) -> list[Path]:
    """Every chunk file of a built site's two-level manifest, in order (none for one level)."""
    search = Path(site_dir) / SEARCH_DIR
    manifest = json.loads((search / MANIFEST).read_text(encoding="utf-8"))
    return [search / manifest["shardDir"] / chunk_name(j) for j in range(chunk_count(manifest))]
