"""One reading of numbers in text, shared by the scrub (mask) and the leak scan.

What a reader would read as a number is treated as one: the text is NFKC-normalised
(full-width digits and letters become ASCII), Chinese numerals are read as digits
(``一三九`` → ``139``, ``壹``, ``〇``/``零``/``幺`` too), and every separator or invisible
character *between two digits* is removed (spaces of any kind, dots, full-width dots, middle
dots, dashes of every width, underscores, commas, slashes, zero-width characters, and HTML
entities written out as text).

``digit_runs(text)`` gives each run of digits as a reader would join it, with the span it
covers in the original text, so the scrub can replace exactly what it found.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

CHINESE_DIGITS = {
    "〇": "0", "零": "0", "○": "0", "洞": "0", "一": "1", "壹": "1", "幺": "1", "二": "2", "贰": "2", "两": "2",
    "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6",
    "七": "7", "柒": "7", "拐": "7", "八": "8", "捌": "8", "九": "9", "玖": "9", "勾": "9",
}
# characters a clerk (or an evader) puts between digits; all are dropped between two digits
SEPARATORS = (
    " \t\r\n\f\v\u2028\u2029\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"  # spaces
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"  # invisible
    ".,;:_/\\|'\"`~*+#-"  # ASCII punctuation
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63\uff0d"  # dashes and minus signs
    "\u00b7\u2022\u2027\u30fb\uff65\u3002\uff0e\uff61\u3001\uff0c\uff1b\uff1a\uff3f\uff0f"  # dots, commas …
)
_DIGIT_CLASS = "0-9" + "".join(CHINESE_DIGITS)
# NFKC is applied first, so full-width digits are already ASCII here
# an HTML entity written out as text (``139&nbsp;1234``, a copy from a web page) separates too
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,31});"
_SEP = f"(?:[{re.escape(SEPARATORS)}]|{_ENTITY})"
_RUN = re.compile(f"[{_DIGIT_CLASS}](?:{_SEP}*[{_DIGIT_CLASS}])*(?:{_SEP}*[Xx](?![A-Za-z]))?")
_TO_ASCII = str.maketrans(CHINESE_DIGITS)
_NFKC_NEEDED = re.compile(r"[^\x00-\x7f\u4e00-\u9fff]")


def nfkc(text: str) -> str:
    """NFKC (full-width → ASCII); skipped when the text is only ASCII and common CJK."""
    return unicodedata.normalize("NFKC", text) if _NFKC_NEEDED.search(text) else text


def digit_runs(text: str, min_digits: int = 1) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) for every number a reader would read in `text`.

    `start`/`end` index the original `text`; `digits` is ASCII (a trailing ID ``X`` kept).
    Each character is NFKC-normalised on its own so that spans map back one to one.
    """
    if _NFKC_NEEDED.search(text):
        pieces = [unicodedata.normalize("NFKC", ch) for ch in text]
        origin = [i for i, piece in enumerate(pieces) for _ in piece] + [len(text)]
        normal = "".join(pieces)
    else:
        origin, normal = None, text
    for match in _RUN.finditer(normal):
        digits = "".join(ch for ch in match.group().translate(_TO_ASCII) if ch.isdigit() or ch in "Xx").upper()
        if len(digits.rstrip("X")) >= min_digits:
            if origin is None:
                yield match.start(), match.end(), digits
            else:
                yield origin[match.start()], origin[match.end() - 1] + 1, digits


def normalise_numbers(text: str) -> str:
    """`text` with every number written as plain ASCII digits (separators between digits gone)."""
    text = nfkc(text)
    return _RUN.sub(lambda m: "".join(ch for ch in m.group().translate(_TO_ASCII)
                                      if ch.isdigit() or ch in "Xx").upper(), text)


def longest_digit_run(text: str) -> int:
    """Length of the longest number in `text` as a reader would read it."""
    return max((len(d.rstrip("X")) for _, _, d in digit_runs(text)), default=0)


@functools.cache
def reader_characters() -> tuple[frozenset[str], frozenset[str]]:
    """(digit-like, separator-like): every non-ASCII character that ``digit_runs`` reads as a
    digit (Chinese numerals; anything whose NFKC form holds a digit: full-width, circled,
    superscript …) and every character it drops between digits (``SEPARATORS`` and anything
    whose NFKC form is only separators). The leak scan's first pass over raw bytes looks for
    these, so that it hands the reading to ``digit_runs`` wherever a reader could see a number.
    """
    separators = set(SEPARATORS)
    digits, seps = set(CHINESE_DIGITS), {c for c in SEPARATORS if not c.isascii()}
    for cp in range(0x80, 0x20000):  # NFKC maps nothing above plane 1 to a digit or separator
        ch = chr(cp)
        form = unicodedata.normalize("NFKC", ch) if not 0xD800 <= cp < 0xE000 else ch
        if form == ch:
            continue
        if any("0" <= c <= "9" for c in form):
            digits.add(ch)
        elif form and all(c in separators for c in form):
            seps.add(ch)
    return frozenset(digits), frozenset(seps)
