"""Stage 8 — scan: prove that no published byte reveals personal data.

Looks in every output file — HTML, JS, JSON, CSV, XML/SVG, inside XLSX (zip) and gzip — for
an 18-digit ID number with a valid check digit, a Luhn-valid 16–19 digit run, a mobile phone
number, and any exact ID, card or phone value from the input. ``build`` runs it last and
refuses to publish on any finding.

Two passes over each file. The first takes unbroken ASCII digit runs (fast, on bytes). The
second reads the text as a reader would: HTML entities and JSON ``\\u`` escapes decoded,
markup (tags, inline SVG icons, style sheets) removed, and numbers read by
``privacy.normalise`` — full-width and Chinese digits, separators and invisible characters
between digits — so ``139 1234 5678``, ``１３９．１２３４``, ``一三九…`` are numbers too. Only
spaces, dots, dashes, underscores and invisible characters join digits here (commas, colons
and slashes separate the fields of our own CSV and JSON and would join unrelated numbers);
the scrub joins across every separator.
"""

from __future__ import annotations

import gzip
import html
import logging
import multiprocessing as mp
import re
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.core.errors import display_path
from generator.core.idnumber import birth_date, id_check_char, is_luhn_valid
from generator.core.normalise import CHINESE_DIGITS
from generator.core.parallel import worker_count

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".html", ".htm", ".js", ".mjs", ".json", ".csv", ".txt", ".xml", ".svg", ".css", ".md",
                 ".map", ".webmanifest", ".tsv", ".yml", ".yaml"}
# leftmost-longest: a match always starts at the first digit of a run and takes all of it
# (spelled out: Python's engine runs this twice as fast as [0-9]{11,})
_CANDIDATE = re.compile(rb"[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]+[Xx]?")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    what: str
    value: str = field(default="", compare=False, repr=False)  # for provenance; never printed

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def scan_site(site_dir: Path, sensitive: set[str] | None = None) -> list[Finding]:
    """Scan every file under `site_dir`; with `sensitive` (``ingest.load.input_values``), also
    for the input's exact values."""
    sensitive = sensitive or set()
    files = sorted(p for p in Path(site_dir).rglob("*") if p.is_file())
    workers = worker_count()
    if len(files) < 500 or workers < 2 or "fork" not in mp.get_all_start_methods():
        findings = _scan_files(files, sensitive)
    else:
        # a big site: scan in parallel; forked workers inherit the (large) set of input values
        global _SHARED_SENSITIVE
        _SHARED_SENSITIVE = sensitive
        chunks = [files[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            findings = [f for part in pool.map(_scan_files_shared, chunks) for f in part]
        _SHARED_SENSITIVE = set()
    log.info("泄露扫描：%d 个文件，%d 处发现", len(files), len(findings))
    return sorted(findings)


_SHARED_SENSITIVE: set[str] = set()


def _scan_files_shared(files: list[Path]) -> list[Finding]:
    return _scan_files(files, _SHARED_SENSITIVE)


def _scan_files(files: list[Path], sensitive: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    lengths = value_lengths(sensitive)  # once: the set holds every ID and card of the county
    for path in files:
        for name, text in _texts(path):
            findings.extend(scan_text(text, name, sensitive, lengths))
    return findings


def value_lengths(sensitive: set[str]) -> list[int]:
    return sorted({len(v) for v in sensitive})


def scan_text(text: str | bytes, name: str, sensitive: set[str],
              lengths: list[int] | None = None) -> Iterator[Finding]:
    """Every ID, card or phone number in `text`.

    All three patterns (and every exact input value: IDs, cards, phones) are runs of at least
    11 digits, so one regular-expression pass finds every candidate; each run is classified.
    """
    if lengths is None:
        lengths = value_lengths(sensitive)
    data = text.encode("utf-8") if isinstance(text, str) else text
    line, counted_to = 1, 0
    found: set[str] = set()
    for match in _CANDIDATE.finditer(data):
        run = match.group().decode("ascii").upper()
        # count newlines incrementally: counting from 0 for every match is quadratic
        line += data.count(b"\n", counted_to, match.start())
        counted_to = match.start()
        finding = _classify(run, name, line, sensitive, lengths)
        if finding is not None:
            found.add(finding.value)
            yield finding
    # the second pass: only what the first did not already report in this file
    yield from (f for f in _reader_pass(data, name, sensitive, lengths) if f.value not in found)


def _classify(run: str, name: str, line: int, sensitive: set[str], lengths: Iterable[int],
              how: str = "") -> Finding | None:
    digits = run.rstrip("X")
    if len(run) == 18 and id_check_char(run[:17]) == run[17] and birth_date(run) is not None:
        return Finding(name, line, f"身份证号 {_hint(run)}（校验位有效）{how}", run)
    if len(run) == 11 and _MOBILE.fullmatch(run):
        return Finding(name, line, f"手机号码 {_hint(run)}{how}", run)
    if run == digits and 16 <= len(digits) <= 19 and is_luhn_valid(digits):
        return Finding(name, line, f"疑似银行卡号 {_hint(digits)}（Luhn 校验有效）{how}", digits)
    if sensitive:
        hit = _exact_hit(run, sensitive, lengths)
        if hit:
            return Finding(name, line, f"与输入数据中的证件/卡/电话号码相同：{_hint(hit)}{how}", hit)
    return None


# ---------------------------------------------------------------- what a reader would read
_D = "[0-9" + "".join(CHINESE_DIGITS) + "\uff10-\uff19]"
_S = ("[ \t._'\\-\u00a0\u00ad\u00b7\u1680\u180e\u2000-\u2015\u2022\u2027\u2028\u2029"
      "\u202f\u205f-\u2064\u2212\u3000\u3002\u30fb\u30fc\ufe58\ufe63\ufeff\uff0d\uff0e\uff3f\uff61\uff65]")
_LOOSE = re.compile(f"{_D}(?:{_S}*{_D}){{10,}}(?:{_S}*[Xx\uff38\uff58])?")
_ASCII_RUN = re.compile(r"[0-9]+[Xx]?")
_TO_ASCII = {ord(k): v for k, v in CHINESE_DIGITS.items()} | {0xFF10 + i: str(i) for i in range(10)} | {
    0xFF38: "X", 0xFF58: "X", ord("x"): "X"}
_MARKUP = re.compile(r"<svg\b.*?</svg>|<style\b.*?</style>|<[^>]*>", re.S | re.I)
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_QUICK = re.compile(rb"[0-9][ \t._\-][0-9]|[\x80-\xff]|&#|\\u")  # anything for the second pass?
_MARKUP_SUFFIXES = (".html", ".htm", ".xml", ".svg", ".rels")
# style sheets and scripts are code, not text a reader reads (their digit runs: the first pass)
_CODE_SUFFIXES = (".css", ".js", ".mjs", ".map")


def _reader_pass(data: bytes, name: str, sensitive: set[str], lengths: Iterable[int]) -> Iterator[Finding]:
    base = name.split("!", 1)[-1].lower()
    if base.endswith(_CODE_SUFFIXES) or not _QUICK.search(data):
        return
    text = data.decode("utf-8", errors="replace")
    if base.endswith(_MARKUP_SUFFIXES) or "<html" in text[:500].lower():
        text = _MARKUP.sub("\x1f", text)  # a tag ends a number: cells are not joined
    if "&" in text:
        text = html.unescape(text)
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    for match in _LOOSE.finditer(text):
        raw = match.group()
        if _ASCII_RUN.fullmatch(raw):
            continue  # an unbroken ASCII run: the first pass has it
        run = "".join(ch for ch in raw.translate(_TO_ASCII) if ch.isdigit() or ch == "X")
        finding = _classify(run, name, 0, sensitive, lengths, "（分隔或变形书写）")
        if finding is not None:
            yield replace(finding, line=_line_of(data, raw))


def _line_of(data: bytes, raw: str) -> int:
    """Line of the first place `raw` (or its first digits) appears in the original bytes (1 if not found)."""
    for probe in (raw, raw[:4]):
        at = data.find(probe.encode("utf-8"))
        if at >= 0:
            return data.count(b"\n", 0, at) + 1
    return 1


def _exact_hit(run: str, sensitive: set[str], lengths: Iterable[int]) -> str | None:
    if run in sensitive:
        return run
    for size in lengths:
        for start in range(0, len(run) - size + 1):
            if run[start:start + size] in sensitive:
                return run[start:start + size]
    return None


def _hint(value: str) -> str:
    """Findings are printed in CI logs: never repeat the full value."""
    return f"{value[:3]}…{value[-2:]}（{len(value)} 位）"


def _texts(path: Path) -> Iterator[tuple[str, bytes]]:
    shown = display_path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".zip", ".docx"):
            with zipfile.ZipFile(path) as zf:
                for member in sorted(zf.namelist()):
                    yield f"{shown}!{member}", zf.read(member)
        elif suffix == ".gz":
            yield shown, gzip.decompress(path.read_bytes())
        elif suffix in TEXT_SUFFIXES or not suffix:
            yield shown, path.read_bytes()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield shown, f"unreadable: {exc}".encode()
