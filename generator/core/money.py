"""Money as the county's lists print it: ``1,234.50``. The one formatter for pages, charts,
notices, the audit report and the search shards (the client shows the text it is given)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

YUAN = "元"
_CENT = Decimal("0.01")


def format_money(value: float | int | None) -> str:
    """``1,234.50``; an empty string for a missing amount (None or NaN)."""
    if value is None:
        return ""
    number = float(value)
    if math.isnan(number):
        return ""
    # half-up on the decimal the clerk typed (2.675 → 2.68), not on its binary approximation
    cents = Decimal(repr(number)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{cents + 0:,.2f}"


def format_yuan(value: float | int | None) -> str:
    """``1,234.50 元``; empty for a missing amount."""
    text = format_money(value)
    return f"{text} {YUAN}" if text else ""


def format_yuan_short(value: float | None) -> str:
    """``1.35 亿元``, ``48.6 万元``, ``950 元``: amounts short enough for a chart label."""
    if value is None or value != value:
        return "无数据"
    size = abs(value)
    if size >= 1e8:
        return f"{value / 1e8:.2f} 亿元"
    if size >= 1e4:
        return f"{value / 1e4:,.1f} 万元"
    return f"{value:,.0f} 元"


def format_plain(value: float | int | None) -> str:
    """``1234.5``: a number without separators or trailing zeros (quantities, standards, CSV)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def format_money_array(values: np.ndarray | pd.Series) -> np.ndarray:
    """:func:`format_money` over an array (missing amounts become empty strings)."""
    return np.array([format_money(v) for v in np.asarray(values, dtype="float64")], dtype=object)
