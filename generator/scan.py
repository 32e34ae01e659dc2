"""Stage 8 — scan: prove that no published byte reveals personal data.

Looks in every output file — HTML, JS, JSON, CSV, XML/SVG, inside XLSX (zip) and gzip — for
an 18-digit ID number with a valid check digit, a Luhn-valid 16–19 digit run, a mobile phone
number, and any exact ID, card or phone value from the input. ``build`` runs it last and
refuses to publish on any finding.
"""

from __future__ import annotations

import gzip
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import display_path
from .idnumber import birth_date, id_check_char, is_luhn_valid

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".html", ".htm", ".js", ".mjs", ".json", ".csv", ".txt", ".xml", ".svg", ".css", ".md",
                 ".map", ".webmanifest", ".tsv", ".yml", ".yaml"}
_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_DIGIT_RUN = re.compile(r"[0-9]{11,}[Xx]?")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def scan_site(site_dir: Path, data_dir: Path | None = None, sensitive: set[str] | None = None) -> list[Finding]:
    """Scan every file under `site_dir`; with `data_dir`, also for the input's exact values."""
    if sensitive is None:
        sensitive = input_values(data_dir) if data_dir is not None else set()
    findings: list[Finding] = []
    files = 0
    for path in sorted(p for p in Path(site_dir).rglob("*") if p.is_file()):
        files += 1
        for name, text in _texts(path):
            findings.extend(scan_text(text, name, sensitive))
    log.info("泄露扫描：%d 个文件，%d 处发现", files, len(findings))
    return sorted(findings)


def input_values(data_dir: Path) -> set[str]:
    """Every ID, card and phone-like value in the input (including dropped columns)."""
    from .load import load_batches

    return load_batches(Path(data_dir)).sensitive_values


def scan_text(text: str, name: str, sensitive: set[str]) -> Iterator[Finding]:
    lengths = sorted({len(v) for v in sensitive})
    for lineno, line in enumerate(text.splitlines() or [text], start=1):
        if not any(ch.isdigit() for ch in line):
            continue
        for match in _ID.finditer(line):
            value = match.group().upper()
            if id_check_char(value[:17]) == value[17] and birth_date(value) is not None:
                yield Finding(name, lineno, f"身份证号 {_hint(value)}（校验位有效）")
        for match in _MOBILE.finditer(line):
            yield Finding(name, lineno, f"手机号码 {_hint(match.group())}")
        for match in _DIGIT_RUN.finditer(line):
            run = match.group().upper()
            yield from _luhn_findings(run, name, lineno)
            if sensitive:
                hit = _exact_hit(run, sensitive, lengths)
                if hit:
                    yield Finding(name, lineno, f"与输入数据中的证件/卡/电话号码相同：{_hint(hit)}")


def _luhn_findings(run: str, name: str, lineno: int) -> Iterator[Finding]:
    digits = run.rstrip("X")
    if 16 <= len(digits) <= 19 and is_luhn_valid(digits) and not _looks_like_id(digits):
        yield Finding(name, lineno, f"疑似银行卡号 {_hint(digits)}（Luhn 校验有效）")


def _looks_like_id(digits: str) -> bool:
    return len(digits) == 18 and id_check_char(digits[:17]) == digits[17]


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


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    shown = display_path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".zip", ".docx"):
            with zipfile.ZipFile(path) as zf:
                for member in sorted(zf.namelist()):
                    yield f"{shown}!{member}", zf.read(member).decode("utf-8", "replace")
        elif suffix == ".gz":
            yield shown, gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        elif suffix in TEXT_SUFFIXES or not suffix:
            yield shown, path.read_bytes().decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield shown, f"unreadable: {exc}"
