"""Stage 8 — scan: prove that no published byte reveals personal data.

Looks in every output file — HTML, JS, JSON, CSV, XML/SVG, inside XLSX (zip) and gzip — for
an 18-digit ID number with a valid check digit, a Luhn-valid 16–19 digit run, a mobile phone
number, and any exact ID, card or phone value from the input. ``build`` runs it last and
refuses to publish on any finding.

Numbers are read as a reader reads them, by the scrub's own normaliser
(``core.normalise.digit_runs``: full-width, Chinese and other NFKC digits; every separator
and invisible character between digits, commas and colons included), after HTML entities and
JSON escapes are decoded. Reading a whole site that way is slow, so one regular expression
over the raw bytes first finds every place that could hold such a number: a chain of at
least 11 digit-like units (ASCII, full-width and Chinese digits, any character whose NFKC
form holds a digit, any entity or ``\\u`` escape) joined by separator-like units (every
``normalise`` separator, in UTF-8). RE2 runs it as one automaton, a linear pass whatever the
text (Python's engine retries at every digit: three times slower than this whole scan).
Only those chains are decoded and read, and each distinct chain once per scan (a site repeats
the same chains — place codes in links, the service phone — thousands of times).
An unbroken ASCII run in a chain is classified as it stands, wherever it is (markup,
scripts and style sheets too); the reading of a broken or disguised number counts where a
reader reads: not inside a tag, an inline SVG or a style sheet, only inside JSON strings
(an inline script is read as JSON: its strings), within one CSV cell. A run made only of the
site's own amounts and ISO dates (``179,250,684.08``, ``2025-03-20、2025-04-17``) is read as
those.

What ends a number depends on the file's structure, never on its content: a tag (HTML, XML),
a quote outside a JSON string, a CSV delimiter or line end (a quoted cell is read whole).
Style sheets and scripts (``.css``, ``.js``) are code: only their unbroken runs are checked.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from generator.core.errors import display_path
from generator.core.idnumber import birth_date, id_check_char, is_luhn_valid
from generator.core.normalise import SEPARATORS, digit_runs, reader_characters
from generator.core.parallel import worker_count

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".html", ".htm", ".js", ".mjs", ".json", ".csv", ".txt", ".xml", ".svg", ".css", ".md",
                 ".map", ".webmanifest", ".tsv", ".yml", ".yaml"}
MIN_DIGITS = 11  # every pattern (phone 11, card 16–19, ID 18) and every input value is this long
_CANDIDATE = re.compile(rb"[0-9]{11,}[Xx]?")  # an unbroken ASCII run
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    what: str
    value: str = field(default="", compare=False, repr=False)  # for provenance; never printed

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def scan_site(site_dir: Path, sensitive: set[str] | None = None, skip: set[Path] | None = None) -> list[Finding]:
    """Scan every file under `site_dir`; with `sensitive` (``ingest.load.input_values``), also
    for the input's exact values. `skip`: files whose bytes a scan already passed (the
    caller checked them against the digest recorded then), e.g. search shards a province
    rebuild took from the last build."""
    sensitive = sensitive or set()
    files = sorted(p for p in Path(site_dir).rglob("*") if p.is_file() and (not skip or p not in skip))
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
    scanner = _Scanner(sensitive)  # once: the set holds every ID and card of the county
    findings: list[Finding] = []
    for path in files:
        for name, text in _texts(path):
            findings.extend(scanner.scan(text, name))
    return findings


def value_lengths(sensitive: set[str]) -> list[int]:
    return sorted({len(v) for v in sensitive})


def scan_text(text: str | bytes, name: str, sensitive: set[str],
              lengths: list[int] | None = None, kind: str | None = None) -> Iterator[Finding]:
    """Every ID, card or phone number in `text` (`name` says what it is: its suffix gives the
    structure; ``kind="lines"``: one value a line, a line end ends a number)."""
    yield from _Scanner(sensitive, lengths).scan(text, name, kind)


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


# ---------------------------------------------------------------- the first pass, on bytes
def _utf8_alternation(chars: Iterable[str]) -> bytes:
    """A bytes regex matching any of `chars` (non-ASCII) in UTF-8, as a trie of byte classes."""
    tree: dict = {}
    for ch in sorted(chars):
        node = tree
        for byte in ch.encode("utf-8"):
            node = node.setdefault(byte, {})

    def render(node: dict) -> bytes:
        leaves = sorted(b for b, sub in node.items() if not sub)
        parts = [b"[" + b"".join(re.escape(bytes([b])) for b in leaves) + b"]"] if leaves else []
        parts += [re.escape(bytes([b])) + b"(?:" + render(sub) + b")" for b, sub in sorted(node.items()) if sub]
        return b"|".join(parts)

    return render(tree)


_DIGIT_LIKE, _SEPARATOR_LIKE = reader_characters()
# entities (named, numeric, with or without ";") and JSON "\u" escapes could be anything: they
# count as digits here, so a chain through them is always read
# (``&amp;nbsp;``: an entity a clerk wrote out as text, which the page escapes again)
_ESCAPED = (rb"&(?:amp;)?(?:[A-Za-z]{2,31}(?:[0-9]{1,2})?;?|#[0-9]{1,7};?|#[xX][0-9A-Fa-f]{1,6};?)"
            rb"|\\u[0-9A-Fa-f]{4}")
_D = b"(?:[0-9]|" + _utf8_alternation(_DIGIT_LIKE) + b"|" + _ESCAPED + b")"
_X = rb"(?:[Xx]|\xef\xbc\xb8|\xef\xbd\x98)"
_ASCII_SEPARATORS = "".join(c for c in SEPARATORS if c.isascii())
# what ends a number, by structure: a CSV delimiter or line end; a quote in JSON (the chains
# inside one string; JSON's own escapes join); a line end where each line is one value
_KIND_ENDS = {"markup": "", "text": "", "code": "", "json": '"', "csv": ",\r\n", "tsv": "\t\r\n",
              "lines": "\r\n"}


def _chain(ends: str, extra: bytes = b"") -> Any:
    """The first pass for one structure: a chain of at least 11 digit units joined by
    separator units (then an optional X). RE2 runs it as an automaton over the bytes (Latin-1:
    the UTF-8 sequences are spelled out byte by byte), in one linear pass whatever the text."""
    ascii_seps = "".join(c for c in _ASCII_SEPARATORS if c not in ends)
    sep = (b"(?:[" + re.escape(ascii_seps).encode() + b"]" + extra + b"|" + _utf8_alternation(_SEPARATOR_LIKE) + b")")
    return re2.compile(_D + b"(?:" + sep + b"*" + _D + b"){%d,}(?:" % (MIN_DIGITS - 1) + sep + b"*" + _X + b")?",
                       _RE2_OPTIONS)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.encoding = re2.Options.Encoding.LATIN1
_RE2_OPTIONS.max_mem = 64 << 20
_CHAINS = {kind: _chain(ends, rb'|\\["\\/bfnrt]' if kind == "json" else b"") for kind, ends in _KIND_ENDS.items()}
_CHAINS["code"] = re2.compile(rb"[0-9]{11,}[Xx]?", _RE2_OPTIONS)
# what the site itself writes with separators inside a number: ISO dates and amounts
# (money.py: thousands grouped, two decimals). A run made only of these is read as amounts
# and dates, never as an ID, card or phone (a total of 179,250,684.08 元 is not 179 2506 8408).
_OWN_FORMATS = re.compile(r"(?<![0-9])(?:(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}|[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]{1,2}"
                          r"|[0-9]+\.[0-9]{2})(?![0-9])")
_NOT_DIGITS = "".join(sorted(set(SEPARATORS)))
_QUOTED_CELL = re.compile(rb'"(?:[^"]|"")*"')
_JSON_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_JSON_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_MARKUP_SUFFIXES = (".html", ".htm", ".xml", ".svg", ".rels")
# style sheets and scripts are code, not text a reader reads (their unbroken runs only)
_CODE_SUFFIXES = (".css", ".js", ".mjs", ".map")
_CACHE_LIMIT = 200_000


def _kind(name: str, data: bytes) -> str:
    base = name.split("!", 1)[-1].lower().removesuffix(".gz")
    if base.endswith(_CODE_SUFFIXES):
        return "code"
    if base.endswith(_MARKUP_SUFFIXES) or b"<html" in data[:500].lower():
        return "markup"
    if base.endswith((".json", ".webmanifest")):
        return "json"
    if base.endswith(".csv"):
        return "csv"
    if base.endswith(".tsv"):
        return "tsv"
    return "text"


Hit = tuple[str, str, int]  # (what, value, offset of the chain's first byte holding it)


class _Scanner:
    """One scan's state: the input's exact values and a cache of chains already read (a site
    repeats the same chains — place codes in links, the service phone — thousands of times)."""

    def __init__(self, sensitive: set[str], lengths: list[int] | None = None):
        self.sensitive = sensitive
        self.lengths = value_lengths(sensitive) if lengths is None else lengths
        self.cache: dict[bytes, tuple[list[Hit], list[Hit]]] = {}

    def scan(self, text: str | bytes, name: str, kind: str | None = None) -> list[Finding]:
        data = text.encode("utf-8") if isinstance(text, str) else text
        kind = kind or _kind(name, data)
        plain: list[tuple[int, Hit]] = []  # unbroken ASCII runs: wherever they are
        read: list[tuple[int, Hit]] = []   # numbers only a reader's reading finds
        for match in _CHAINS[kind].finditer(data):
            chain, at = match.group(), match.start()
            known = self.cache.get(chain)
            if known is None:
                known = self._read(chain, kind != "code")
            plain.extend((at + hit[2], hit) for hit in known[0])
            if known[1]:
                read.extend(self._as_read(data, at, chain, kind, known[1]))
        if kind in ("csv", "tsv") and b'"' in data:  # a quoted cell is one cell: read it whole
            for match in _QUOTED_CELL.finditer(data):
                cell = match.group()[1:-1]
                if cell.count(b",") + cell.count(b"\n") + cell.count(b"\t"):
                    for inner in _CHAINS["text"].finditer(cell.replace(b'""', b'"')):
                        hits = self._read(inner.group(), True)[1]
                        read.extend((match.start() + 1 + inner.start(), hit) for hit in hits)
        found = {hit[1] for _, hit in plain}
        findings = [Finding(name, data.count(b"\n", 0, at) + 1, what, value) for at, (what, value, _) in plain]
        seen: set[tuple[int, str]] = set()
        for at, (what, value, _) in read:
            if value not in found and (at, value) not in seen:
                seen.add((at, value))
                findings.append(Finding(name, data.count(b"\n", 0, at) + 1, what, value))
        return findings

    def _as_read(self, data: bytes, at: int, chain: bytes, kind: str, hits: list[Hit]) -> list[tuple[int, Hit]]:
        """The reading's findings of a chain where a reader reads it (asked only when it found some)."""
        where = _context(data, at, kind)
        if where == "text":
            return [(at + hit[2], hit) for hit in hits]
        if where != "script":
            return []
        # an inline script: its data's structure ends numbers (as in a .json file), its strings are read
        body = data.rfind(b">", 0, at) + 1
        found = []
        for sub in _CHAINS["json"].finditer(chain):
            if _in_json_string(data[body:], at + sub.start() - body):
                found += [(at + sub.start(), hit) for hit in self._read(sub.group(), True)[1]]
        return found

    def _read(self, chain: bytes, reader: bool) -> tuple[list[Hit], list[Hit]]:
        """Classify the unbroken ASCII runs in `chain`, then (`reader`) read it as a reader would."""
        plain: list[Hit] = []
        for run in _CANDIDATE.finditer(chain):
            finding = _classify(run.group().decode("ascii").upper(), "", 0, self.sensitive, self.lengths)
            if finding is not None:
                plain.append((finding.what, finding.value, run.start()))
        read: list[Hit] = []
        if reader:
            text = chain.decode("utf-8", errors="replace")
            if "&" in text:
                text = html.unescape(text)
            if "\\" in text:
                text = _JSON_ESCAPE.sub(_unescape_json, text)
            for start, end, digits in digit_runs(text, MIN_DIGITS):
                # (a run the first pass classified is dropped later: its value is found)
                if _OWN_FORMATS.search(text, start, end) and not _OWN_FORMATS.sub("", text[start:end]).strip(
                        _NOT_DIGITS):
                    continue  # amounts and dates as the site writes them, side by side: 179,250,684.08
                finding = _classify(digits, "", 0, self.sensitive, self.lengths, "（分隔或变形书写）")
                if finding is not None:
                    read.append((finding.what, finding.value, 0))
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[chain] = (plain, read)
        return plain, read


def _unescape_json(match: re.Match[str]) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    return _JSON_SIMPLE.get(match.group(2), match.group(2))


def _context(data: bytes, at: int, kind: str) -> str:
    """What a chain at `at` is: "text" a reader reads, "script" (inline), or "markup"/"data" (not read)."""
    if kind == "markup":
        if data.rfind(b"<", 0, at) > data.rfind(b">", 0, at):
            return "markup"  # inside a tag (attributes, inline SVG path data)
        before = data[:at].lower()
        if any(before.rfind(b"<" + tag) > before.rfind(b"</" + tag) for tag in (b"svg", b"style")):
            return "markup"
        return "script" if before.rfind(b"<script") > before.rfind(b"</script") else "text"
    if kind == "json":
        return "text" if _in_json_string(data, at) else "data"
    return "text"


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _in_json_string(data: bytes, at: int) -> bool:
    for match in _JSON_STRING.finditer(data):
        if match.start() < at < match.end():
            return True
        if match.start() > at:
            break
    return False


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
