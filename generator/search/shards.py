"""Shards: postings cut into files of bounded size, each a lunr index plus its display rows.

The lunr index is built by the lunr package (lunr.py) and serialised for lunr.js 2.3.9 (see
``shard_json``); big counties build their shards in forked worker processes.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import multiprocessing as mp
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lunr.builder
import numpy as np

from generator.core.parallel import worker_count
from generator.search.model import FIELDS, Persons, compact_json, js_sort_key
from generator.search.pinyin_keys import MASKED_MARK

log = logging.getLogger(__name__)


LUNR_VERSION = "2.3.9"


class _Builder(lunr.builder.Builder):  # type: ignore[misc]
    """lunr's builder without the token set: ``Index.serialize`` does not write it (lunr.js
    rebuilds it on load), and building it was a tenth of a shard's time."""

    def _create_token_set(self) -> None:
        self.token_set = lunr.builder.TokenSet()


@dataclass
class Shard:
    first: tuple[str, int]  # (term, person) of its first posting
    terms: list[tuple[str, list[tuple[int, int]]]]


def shard_target_bytes(postings: list[tuple[str, list[tuple[int, int]]]], persons: Persons,
                       two_level: bool = False) -> int:
    """Raw bytes per shard for this index: about the square root of the whole index.

    A query downloads the manifest (about 4 bytes per shard) plus one to three shards, so
    the sum is smallest when shard size grows like ``sqrt(index size)``. The search bench
    (``make bench``) prints the shard count and sizes; it printed 1,143 shards of about 8 KB
    gzipped at 100,000 records and 3,591 of about 25 KB at 1,000,000 (masked names included).

    With a two-level manifest (``chunks``) boundaries cost ``b·√(C·S)`` per query, not
    ``b·S``: shards can be much smaller; see ``TWO_LEVEL_TARGET``.
    """
    if two_level:
        return TWO_LEVEL_TARGET
    payload = np.array([len(p) for p in persons.payload], dtype=np.int64)
    counts = np.zeros(len(persons), dtype=np.int64)
    for _, plist in postings:
        for pid, _ in plist:
            counts[pid] += 1
    total = int((counts * (payload + 40)).sum())  # every posting as if in its own shard
    return int(min(120_000, max(12_000, 5 * total ** 0.5)))


# Raw bytes per shard under a two-level manifest (about 4 KB gzipped). A query reads up to
# three shards, so its bytes fall with the shard size while the boundaries it reads grow only
# as √S; below this, per-shard overhead and display rows repeated in more shards take the
# gain (the province bench at 194,280 records, median bytes per query for 6, 12, 24, 48,
# 96 KB raw: 8.4, 10.1, 15.1, 24.4, 41.9 KB gz; 10,243 to 590 shards).
TWO_LEVEL_TARGET = 12_000
# Shards one lookup / one query may read from such an index (the manifest's ``maxShards``;
# the client's own caps, 2 and 3, suit a county's shards of about 30 KB gz): with them every
# answer a one-level index of 30 KB shards gave whole stays whole (the province bench), at a
# worst case of 9 × 6 KB.
TWO_LEVEL_MAX_SHARDS = (6, 9)


def cut_shards(postings: list[tuple[str, list[tuple[int, int]]]],
                persons: Persons, target: int) -> Iterator[Shard]:
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
                yield Shard(_first(current), current)
                current, seen, size = [], set(), 0
        if current:
            whole = sum(2 * len(persons.refs[pid]) + 24 +
                        (0 if pid in seen else len(persons.payload[pid]) + len(persons.refs[pid]) + 4)
                        for pid, _ in plist)
            if size + whole > limit and whole <= limit // 4:
                yield Shard(_first(current), current)
                current, seen, size = [], set(), 0
        size += len(term.encode()) * 2 + 40
        for pid, fi in plist:
            cost = 2 * len(persons.refs[pid]) + 24
            if pid not in seen:
                cost += len(persons.payload[pid].encode()) + len(persons.refs[pid]) + 4
            if size + cost > limit and (chunk or current):
                if chunk:
                    current.append((term, chunk))
                yield Shard(_first(current), current)
                current, chunk, seen = [], [], set()
                size = len(term.encode()) * 2 + 40
                cost = 2 * len(persons.refs[pid]) + 28 + len(persons.payload[pid].encode())
            chunk.append((pid, fi))
            seen.add(pid)
            size += cost
        current.append((term, chunk))
    if current:
        yield Shard(_first(current), current)


def _first(terms: list[tuple[str, list[tuple[int, int]]]]) -> tuple[str, int]:
    return terms[0][0], terms[0][1][0][0]


def shard_json(shard: Shard, persons: Persons) -> bytes:
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
    documents = shard_documents(shard)
    index = lunr_index_json(documents, persons.refs)
    docs = ",".join(f'"{persons.refs[pid]}":{persons.payload[pid]}' for pid in sorted(documents))
    return f'{{"v":1,"index":{index},"docs":{{{docs}}}}}\n'.encode()


Documents = dict[int, tuple[list[str], list[str], list[str]]]


def shard_documents(shard: Shard) -> Documents:
    """Person → its terms in this shard, per field (``FIELDS``)."""
    documents: Documents = {}
    for term, plist in shard.terms:
        for pid, fi in plist:
            documents.setdefault(pid, ([], [], []))[fi].append(term)
    return documents


def lunr_index_json(documents: Documents, refs: Sequence[str] | Mapping[int, str]) -> str:
    """The serialized lunr index (JSON) over `documents`; `refs[pid]` is a person's ref."""
    builder = _Builder()
    builder.pipeline.reset()
    builder.search_pipeline.reset()
    builder.ref("id")
    for name in FIELDS:
        builder.field(name)
    for pid in sorted(documents):
        builder.add({"id": refs[pid], **dict(zip(FIELDS, documents[pid], strict=True))})
    index = builder.build().serialize()
    index["invertedIndex"].sort(key=lambda entry: js_sort_key(entry[0]))
    index["fieldVectors"] = [vector for vector in index["fieldVectors"] if vector[1]]
    if index["version"] != LUNR_VERSION:
        raise RuntimeError(f"lunr package writes {index['version']}, the client's lunr.js is {LUNR_VERSION}")
    return compact_json(index)


Encoder = Callable[[Shard, Any], bytes]


def shard_inputs(shard: Shard, persons: Persons) -> tuple[object, ...]:
    """Everything ``shard_json`` reads for `shard` in a county's index (no local tables)."""
    pids = sorted({pid for _, plist in shard.terms for pid, _ in plist})
    return LUNR_VERSION, shard.terms, [(persons.refs[pid], persons.payload[pid]) for pid in pids]


def write_shards(shards: list[Shard], persons: Any, staging: Path, only: list[int] | None = None,
                 encode: Encoder | None = None, measure_gzip: bool = True) -> dict[int, tuple[bytes, int, int]]:
    """Write the shard files (every one, or the numbers in `only`) as ``shard_name(n)``; per
    shard number (sha256 digest, bytes, gzipped bytes or 0 without `measure_gzip`).

    `encode(shard, persons)` makes a shard's bytes (default ``shard_json``).

    lunr.py builds about 200 shards a second; a big county's thousands are built by forked
    workers (one per core, up to 4). Each worker adopts the shards and persons once, through
    the pool's initializer: with the fork start method they are inherited, never pickled.
    """
    todo = list(range(len(shards))) if only is None else list(only)
    job = _Job(shards, persons, staging, encode or shard_json, measure_gzip)
    workers = worker_count()
    if len(todo) < 64 or workers < 2 or "fork" not in mp.get_all_start_methods():
        return {n: job.write(n) for n in todo}
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_adopt,
                             initargs=(job,)) as pool:
        done = [row for part in pool.map(_write_every, [todo[i::workers] for i in range(workers)]) for row in part]
    return {row[0]: row[1:] for row in sorted(done)}


@dataclass
class _Job:
    shards: list[Shard]
    persons: Any
    staging: Path
    encode: Encoder
    measure_gzip: bool

    def write(self, n: int) -> tuple[bytes, int, int]:
        data = self.encode(self.shards[n], self.persons)
        (self.staging / shard_name(n)).write_bytes(data)
        return hashlib.sha256(data).digest(), len(data), len(gzip_bytes(data)) if self.measure_gzip else 0


class _Worker:
    """What one forked worker process writes (set once by the pool's initializer)."""

    job: _Job | None = None


def _adopt(job: _Job) -> None:
    _Worker.job = job


def _write_every(numbers: list[int]) -> list[tuple[int, bytes, int, int]]:
    """In a worker: the shards of these numbers."""
    job = _Worker.job
    assert job is not None
    return [(n, *job.write(n)) for n in numbers]


def shard_name(n: int) -> str:
    """File name of the n-th shard: its ordinal in base 36 (``0.json`` … ``zz.json``)."""
    return f"{np.base_repr(n, 36).lower()}.json"


def boundary(previous_last: str, first_key: tuple[str, int], first: bool) -> str | list[object]:
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
        after = js_sort_key(previous_last)
        for k in range(1, len(term)):
            if js_sort_key(term[:k]) > after:
                return term[:k]
        return term
    return [term, pid]


def letters(hex_digest: str) -> str:
    """A hex hash written with the letters a–p only (one per hex digit).

    Hex hashes hold digit runs: with thousands of shard names one spelled a valid mobile
    number and the leak scan rightly refused the build. Letters never look like a number.
    """
    return hex_digest.translate(_HEX_TO_LETTERS)


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no timestamp), as a web server would send it."""
    return gzip.compress(data, compresslevel=6, mtime=0)




def posting_cost(ref: str, payload_len: int, first_in_shard: bool) -> int:
    """Raw bytes a posting adds to a shard (lunr's entry, and the person's row the first time)."""
    return 2 * len(ref) + 24 + ((payload_len + len(ref) + 4) if first_in_shard else 0)


def term_cost(term: str) -> int:
    return len(term.encode()) * 2 + 40


def cut_stable(postings: Iterable[tuple[str, list[tuple[int, int]]]], refs: Mapping[int, str],
               payload_len: Mapping[int, int], target: int) -> Iterator[Shard]:
    """Cut sorted postings into shards whose boundaries depend only on nearby content.

    ``cut_shards`` cuts where the running size reaches the target, so one posting more near
    the start moves every later boundary and every shard changes. Here (content-defined
    chunking) a shard ends, once it holds at least half the target, before a term whose
    hash picks it (about one term in ``target // 1000``), or when it would pass 1.5 × the
    target; a hot term (a common character) splits the same way at persons its hash picks.
    A change then alters the shards around it and the boundaries resynchronise after it, so
    an incremental build (the province search) rebuilds only those shards. Person numbers
    must be stable too (``refs``: the province numbers persons in a block per county).
    Masked names' keys (``pinyin_keys.masked_key``) sort last and get shards of their own,
    a quarter of the size, as in ``cut_shards``.
    """
    current: list[tuple[str, list[tuple[int, int]]]] = []
    seen: set[int] = set()
    size = 0
    masked = False
    low, high, every = _stable_limits(target)

    def cost(pid: int) -> int:
        return posting_cost(refs[pid], payload_len[pid], pid not in seen)

    for term, plist in postings:
        if not masked and term.startswith(MASKED_MARK):
            masked = True
            low, high, every = _stable_limits(max(2_000, target // 4))
            if current:
                yield Shard(_first(current), current)
                current, seen, size = [], set(), 0
        if current and size >= low and zlib.crc32(term.encode()) % every == 0:
            yield Shard(_first(current), current)
            current, seen, size = [], set(), 0
        elif current and size > high - high // 4:  # else no term that may move whole passes `high`
            whole = sum(cost(pid) for pid, _ in plist)
            if size + whole > high and whole <= high // 4:
                yield Shard(_first(current), current)
                current, seen, size = [], set(), 0
        size += term_cost(term)
        chunk: list[tuple[int, int]] = []
        for pid, fi in plist:
            c = cost(pid)
            split = chunk and size >= low and zlib.crc32(f"{term}\0{pid}".encode()) % (4 * every) == 0
            if (split or size + c > high) and (chunk or current):
                if chunk:
                    current.append((term, chunk))
                yield Shard(_first(current), current)
                current, chunk, seen = [], [], set()
                size = term_cost(term)
                c = cost(pid)
            chunk.append((pid, fi))
            seen.add(pid)
            size += c
        current.append((term, chunk))
    if current:
        yield Shard(_first(current), current)


def _stable_limits(target: int) -> tuple[int, int, int]:
    return target // 2, target * 3 // 2, max(2, target // 1000)
