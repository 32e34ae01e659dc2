"""Resident ID numbers (GB 11643-1999), bank card numbers (Luhn) and phone numbers.

Pure functions on strings plus vectorised variants on pandas Series: validation runs over
a million rows, so nothing here loops in Python per record where numpy can do it.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＡ－　", "0123456789XxA- ")


def normalise_digits(text: str) -> str:
    """Full-width digits → ASCII, strip every kind of space, upper-case a trailing x."""
    text = str(text).translate(_FULLWIDTH)
    text = re.sub(r"[\s\u00a0\u3000\u200b]+", "", text)
    return text.upper()


def normalise_digits_series(values: pd.Series) -> pd.Series:
    """Vectorised ``normalise_digits``."""
    return (values.astype(str).str.translate(_FULLWIDTH)
            .str.replace(r"[\s\u00a0\u3000\u200b]+", "", regex=True).str.upper())


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id(number: str) -> bool:
    """True for an 18-character ID with a valid birth date and check character."""
    if not ID_PATTERN.match(number):
        return False
    if id_check_char(number[:17]) != number[17]:
        return False
    return birth_date(number) is not None


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def make_id(region: str, born: dt.date, sequence: int) -> str:
    """Build a valid ID number: 6-digit region, birth date, 3-digit sequence, check char."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def luhn_check_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    if not number.isdigit() or len(number) < 2:
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


# ---------------------------------------------------------------- vectorised variants


def _digit_matrix(values: pd.Series, width: int) -> np.ndarray:
    """Rows of `width` ASCII chars → uint8 digit matrix (non-digits become 0..)."""
    raw = values.to_numpy(dtype=f"S{width}")
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(-1, width).astype(np.int64) - 48


def id_checksum_ok(values: pd.Series) -> np.ndarray:
    """Boolean array: well-formed 18-char ID whose check character matches.

    Birth-date validity is checked separately (``id_birth_dates``).
    """
    values = values.fillna("").astype(str)
    shaped = values.str.fullmatch(r"\d{17}[\dX]").to_numpy(dtype=bool)
    ok = np.zeros(len(values), dtype=bool)
    if shaped.any():
        sub = values[shaped]
        digits = _digit_matrix(sub.str.slice(0, 17), 17)
        totals = digits @ np.array(ID_WEIGHTS, dtype=np.int64)
        expected = np.array(list(ID_CHECK_CHARS))[totals % 11]
        ok[shaped] = expected == sub.str.slice(17, 18).to_numpy(dtype=str)
    return ok


def id_birth_dates(values: pd.Series) -> pd.Series:
    """Birth dates from ID numbers as datetime64 (NaT where impossible)."""
    return pd.to_datetime(values.fillna("").astype(str).str.slice(6, 14), format="%Y%m%d", errors="coerce")


def luhn_ok(values: pd.Series) -> np.ndarray:
    """Boolean array: all-digit strings of 12–19 digits passing the Luhn check."""
    values = values.fillna("").astype(str)
    ok = np.zeros(len(values), dtype=bool)
    shaped = values.str.fullmatch(r"\d{12,19}").to_numpy(dtype=bool)
    if not shaped.any():
        return ok
    sub = values[shaped]
    width = 19
    padded = sub.str.pad(width, side="left", fillchar="0")
    digits = _digit_matrix(padded, width)
    # position from the right: 0 for the check digit
    doubled = np.arange(width)[::-1] % 2 == 1
    d = digits.copy()
    d[:, doubled] *= 2
    d[d > 9] -= 9
    ok[shaped] = d.sum(axis=1) % 10 == 0
    return ok
