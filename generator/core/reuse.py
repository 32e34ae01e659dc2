"""Reusing the previous build's output files whose inputs did not change.

A county build renders thousands of files (data pages, print pages with QR codes, downloads)
that a small change of the data leaves as they were. Each such file is written through a
:class:`Reuse`: its *input digest* (everything its bytes depend on: the code and its
libraries, the county model, the rows it shows, the page shell, …) is recorded beside the
site with the sha256 of its bytes. The next build computes the same digest first; when the
previous tree holds a file recorded with that digest and its bytes still have the recorded
sha256 (a file edited since is rendered again), the file is hard-linked (or copied) into the
new tree instead of being rendered.

The record is a JSON file kept *outside* the published tree (``.<site name>.reuse.json``
beside it by default): ``{"version": …, "files": {path: [input digest, content sha256]}}``.
A reused file has the bytes a fresh render would give, so a build that reuses writes the same
tree as a cold build of the same input.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from generator.core.paths import PACKAGE_DIR

RECORD_VERSION = 1

# the libraries whose behaviour shapes output bytes (templates, escaping, number text, QR
# codes, spreadsheets, search shards); mkdocs and its theme reach the data pages through the
# shells, which are hashed themselves
LIBRARIES = ("jinja2", "markupsafe", "pandas", "numpy", "segno", "openpyxl", "pyyaml", "lunr")


def record_path(out: Path) -> Path:
    """Where the record of the site at `out` is kept by default (beside it, not in it)."""
    out = Path(out)
    return out.parent / f".{out.name}.reuse.json"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The generator's own files (code, templates, theme overrides, assets) and the versions
    of the libraries and runtime that shape its output."""
    h = hashlib.sha256(f"{RECORD_VERSION}\n{platform.python_version()}\n{zlib.ZLIB_RUNTIME_VERSION}\n".encode())
    for name in LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\n".encode())
    files = []
    # the templates, overrides and mkdocs.yml are symlinks into the repository: follow them
    for folder, dirs, names in os.walk(PACKAGE_DIR, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        files += [Path(folder, n) for n in names if not n.endswith(".pyc")]
    for path in sorted(files):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def digest(*parts: object) -> str:
    """sha256 of `parts` (bytes as they are, anything else by its ``repr``), unambiguous."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


class RowDigests:
    """Digests of sets of rows of one frame over some columns (a pandas hash per row, made
    once; a group's digest hashes its rows' hashes in their order, and the columns' types)."""

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]):
        columns = list(columns)
        self.hashes = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
        self.kinds = repr([(c, str(frame[c].dtype)) for c in columns]).encode("utf-8")

    def of(self, positions: np.ndarray | Sequence[int] | None = None) -> str:
        """The digest of the rows at `positions` (all rows when None), in that order."""
        hashes = self.hashes if positions is None else self.hashes[np.asarray(positions)]
        return hashlib.sha256(self.kinds + b"\0" + np.ascontiguousarray(hashes).tobytes()).hexdigest()


class Reuse:
    """Files of the tree being built at `root`: taken from `previous` or recorded as written.

    `context` is part of every input digest (the county model: nearly every file shows it).
    With ``previous=None`` nothing is reused and every file written is recorded.
    """

    def __init__(self, root: Path, previous: Path | None, record: dict[str, tuple[str, str]],
                 context: Iterable[object] = ()):
        self.root = Path(root)
        self._prefix = str(self.root) + os.sep
        self.previous = Path(previous) if previous is not None else None
        self.old = record if self.previous is not None else {}
        self.base = digest(code_digest(), *context)
        self.files: dict[str, tuple[str, str]] = {}
        self.reused = 0  # files taken from the previous tree
        self.reused_bytes = 0
        self._dirs: set[Path] = set()
        self._by_key: dict[str, str] | None = None

    @classmethod
    def open(cls, root: Path, previous: Path | None, record: Path | None, context: Iterable[object] = ()) -> Reuse:
        """Start a build at `root` over the `previous` tree described by the file `record`."""
        old: dict[str, tuple[str, str]] = {}
        if previous is not None and record is not None and Path(previous).is_dir():
            old = read_record(record)
        else:
            previous = None
        return cls(root, previous, old, context)

    def key(self, *parts: object) -> str:
        """The input digest of a file that depends on `parts` (and the code and context)."""
        return digest(self.base, *parts)

    def take(self, key: str, paths: Sequence[Path]) -> bool:
        """Link every one of `paths` (in the tree being built) from the previous tree if each
        was recorded with input digest `key` and still has its recorded bytes; all or none."""
        if self.previous is None or not paths:
            return False
        rels = [self._rel(p) for p in paths]
        entries = [self.old.get(rel) for rel in rels]
        if any(e is None or e[0] != key for e in entries):
            return False
        done: list[Path] = []
        size = 0
        for path, rel, entry in zip(paths, rels, entries, strict=True):
            assert entry is not None
            self._mkdir(path.parent)
            try:
                _link(self.previous / rel, path)
                data = path.read_bytes()  # the bytes now published, not a stat: a tampered file fails
            except OSError:
                data = None
            if data is None or hashlib.sha256(data).hexdigest() != entry[1]:
                for made in [*done, path]:
                    made.unlink(missing_ok=True)
                return False
            done.append(path)
            size += len(data)
        for rel, entry in zip(rels, entries, strict=True):
            assert entry is not None
            self.files[rel] = entry
        self.reused += len(paths)
        self.reused_bytes += size
        return True

    def take_any(self, key: str, path: Path) -> bytes | None:
        """For files named by their content (e.g. under a digest folder): link into `path` any
        previous file recorded with input digest `key`, wherever it was; its bytes, or None.
        The caller records it where it finally lies (``note``)."""
        if self.previous is None:
            return None
        if self._by_key is None:
            self._by_key = {}
            for old_rel, (old_key, _sha) in self.old.items():
                self._by_key.setdefault(old_key, old_rel)
        rel = self._by_key.get(key)
        if rel is None:
            return None
        sha = self.old[rel][1]
        self._mkdir(path.parent)
        try:
            _link(self.previous / rel, path)
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != sha:
            path.unlink(missing_ok=True)
            return None
        self.reused += 1
        self.reused_bytes += len(data)
        return data

    def write(self, key: str, path: Path, data: bytes) -> None:
        """Write `data` to `path` (in the tree being built) and record it under `key`."""
        self._mkdir(path.parent)
        path.unlink(missing_ok=True)  # never write through a hard link into the previous tree
        path.write_bytes(data)
        self.record(key, path, data)

    def record(self, key: str, path: Path, data: bytes) -> None:
        """Record that `path` was written with `data` under `key` (by its own writer)."""
        self.note(key, path, hashlib.sha256(data).hexdigest())

    def note(self, key: str, path: Path, sha256: str) -> None:
        """Record `path` (whose bytes have the hex digest `sha256`) under `key`."""
        self.files[self._rel(path)] = (key, sha256)

    def save(self, record: Path) -> None:
        """Write the record of the tree just built (atomically)."""
        record = Path(record)
        record.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": RECORD_VERSION, "files": {k: list(v) for k, v in sorted(self.files.items())}},
                          ensure_ascii=False, separators=(",", ":"))
        tmp = record.with_name(f"{record.name}.{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, record)

    def _rel(self, path: Path) -> str:
        text = str(path)  # a string prefix, not Path.relative_to: this runs for every file
        if text.startswith(self._prefix) and os.sep == "/" and "/../" not in text:
            return text[len(self._prefix):]
        return Path(path).relative_to(self.root).as_posix()

    def _mkdir(self, folder: Path) -> None:
        if folder not in self._dirs:
            folder.mkdir(parents=True, exist_ok=True)
            self._dirs.add(folder)


def read_record(path: Path) -> dict[str, tuple[str, str]]:
    """The record at `path`; empty when missing, unreadable or of another version."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        if raw.get("version") != RECORD_VERSION:
            return {}
        return {str(k): (str(v[0]), str(v[1])) for k, v in raw["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(src, dst)
