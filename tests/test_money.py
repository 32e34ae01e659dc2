"""generator/core/money.py: the one money formatter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.core.money import (
    format_money,
    format_money_array,
    format_plain,
    format_yuan,
    format_yuan_short,
)


@pytest.mark.parametrize(("value", "short", "exact"), [
    (135_000_000.0, "1.35 亿元", "135,000,000.00"), (486_000.0, "48.6 万元", "486,000.00"),
    (950.0, "950 元", "950.00"), (None, "无数据", ""),
], ids=["yi", "wan", "yuan", "none"])
def test_money_formats(value: float | None, short: str, exact: str) -> None:
    assert format_yuan_short(value) == short
    assert format_money(value) == exact


@pytest.mark.parametrize(("value", "text"), [
    (433.57, "433.57"), (1234.5, "1,234.50"), (0, "0.00"), (-12.004, "-12.00"), (math.nan, ""), (None, ""),
    (0.005, "0.01"), (2.675, "2.68"),
], ids=["plain", "thousands", "zero", "negative", "nan", "none", "half-cent", "float-edge"])
def test_format_money(value: float | None, text: str) -> None:
    assert format_money(value) == text
    assert format_yuan(value) == (f"{text} 元" if text else "")


def test_array_formatter_agrees_with_the_scalar_one() -> None:
    values = np.array([433.57, 1234.5, 0.0, -12.0, 1_000_000.01])
    assert list(format_money_array(values)) == [format_money(v) for v in values]


@pytest.mark.parametrize(("value", "text"), [(6.29, "6.29"), (12.5, "12.5"), (3.0, "3"), (None, "")])
def test_format_plain(value: float | None, text: str) -> None:
    assert format_plain(value) == text
