"""The two-level manifest: shard boundaries in chunk files, every k-th one on the page.

A one-level manifest lists every shard's boundary (about 4.8 bytes gzipped each), and a query
reads the whole list: at a province's size that list alone is a quarter of the 100 KB budget,
and it grows with the shard count, so shards cannot be made smaller to save bytes. Two levels:

- the page's manifest carries ``index`` — the boundaries of shards 0, k, 2k, … — and
  ``chunk`` (k) and ``count`` (the number of shards) instead of ``shards``;
- the boundaries of shards ``[j·k, (j+1)·k)`` are chunk file ``_<j in base 36>.json`` (a JSON
  list) beside the shards: ``_`` never starts a shard's base-36 ordinal name;
- shard ordinals stay global, so a lookup whose keys fall in chunks j1 ≤ j2 needs chunk j1,
  and chunk j2 only when j2 = j1 + 1 (its range then ends near a chunk edge); past that
  the range holds all of chunk j1 + 1 and more (k + 2 shards, more than a lookup may read:
  ``check_chunk``), so it is broad and the client reads only its first shards, which
  chunk j1 locates.
- small shards need more of them per query: the manifest's ``maxShards`` (per lookup, per
  query) raises the client's caps (``shards.TWO_LEVEL_MAX_SHARDS``).

With S shards, b bytes gzipped per boundary and C chunks per query, a query reads
``b·S/k + C·b·k`` bytes of boundaries, smallest at ``k = √(S/C)`` (``chunk_size``): both terms
are then ``b·√(C·S)``, against ``b·S`` for one level.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from generator.search.model import compact_json

# Chunks a query fetches, typically: a name's own and the masked names' (the ID digits a
# third); sets k (``chunk_size``).
CHUNKS_PER_QUERY = 2.5
CHUNK_PREFIX = "_"


def chunk_size(shards: int, per_lookup: int = 2) -> int:
    """k, the boundaries per chunk, for an index of `shards` shards: about √(S / C), and at
    least ``per_lookup - 1`` (``check_chunk``)."""
    return max(2, per_lookup - 1, round(math.sqrt(shards / CHUNKS_PER_QUERY)))


def check_chunk(k: int, per_lookup: int) -> None:
    """A lookup whose last key lies past the next chunk spans at least k + 2 shards: the
    client knows it is broad (more than `per_lookup` shards) without that chunk only if
    k + 2 > per_lookup."""
    if k < max(2, per_lookup - 1):
        raise ValueError(f"chunk of {k} boundaries: at least {max(2, per_lookup - 1)} for {per_lookup} shards a lookup")


def chunk_name(j: int) -> str:
    """File name of the j-th chunk: ``_`` and its ordinal in base 36 (``_0.json``, ``_a.json``)."""
    return f"{CHUNK_PREFIX}{np.base_repr(j, 36).lower()}.json"


def chunk_bytes(boundaries: list[object], k: int) -> list[bytes]:
    """The content of every chunk file, in order: ``[j·k, (j+1)·k)`` boundaries each."""
    return [(compact_json(boundaries[start:start + k]) + "\n").encode() for start in range(0, len(boundaries), k)]


def write_chunks(boundaries: list[object], k: int, folder: Path) -> list[tuple[str, bytes]]:
    """Write the chunk files into `folder`; (file name, content) of each, in order."""
    written = []
    for j, data in enumerate(chunk_bytes(boundaries, k)):
        (folder / chunk_name(j)).write_bytes(data)
        written.append((chunk_name(j), data))
    return written


def manifest_entries(boundaries: list[object], k: int | None,
                     max_shards: tuple[int, int] | None = None) -> dict[str, object]:
    """The manifest's keys locating shards: ``shards`` (one level, ``k`` None) or
    ``index``, ``chunk`` and ``count`` (two levels); ``maxShards`` [per lookup, per query]
    if given (else the client's own caps)."""
    caps = {} if max_shards is None else {"maxShards": list(max_shards)}
    if k is None:
        return {"shards": boundaries, **caps}
    check_chunk(k, max_shards[0] if max_shards else 2)
    return {"index": boundaries[::k], "chunk": k, "count": len(boundaries), **caps}


def shard_count(manifest: dict[str, object]) -> int:
    """How many shards a manifest of either form locates."""
    if "shards" in manifest:
        return len(manifest["shards"])  # type: ignore[arg-type]
    return int(manifest["count"])  # type: ignore[call-overload]


def chunk_count(manifest: dict[str, object]) -> int:
    """How many chunk files a manifest refers to (0 for one level)."""
    if "shards" in manifest:
        return 0
    return len(manifest["index"])  # type: ignore[arg-type]
