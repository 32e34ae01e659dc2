import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.idnumber import (
    birth_date,
    id_check_char,
    id_checksum_ok,
    is_luhn_valid,
    is_valid_id,
    luhn_check_digit,
    luhn_ok,
    make_id,
    normalise_digits,
    normalise_digits_series,
)


@pytest.mark.parametrize("number, valid", [
    ("11010519491231002X", True),   # the standard's own example
    ("11010519491231002x", False),  # lowercase is normalised before validation, not accepted as is
    ("110105194912310021", False),  # wrong check digit
    ("11010519491331002X", False),  # month 13
    ("1101051949123100", False),    # too short
], ids=["gb11643-example", "lowercase-x", "bad-check", "bad-month", "short"])
def test_is_valid_id(number: str, valid: bool) -> None:
    assert is_valid_id(number) is valid


def test_make_id_is_valid_and_carries_birth_date() -> None:
    number = make_id("230521", dt.date(1958, 3, 9), 17)
    assert is_valid_id(number)
    assert birth_date(number) == dt.date(1958, 3, 9)


@pytest.mark.parametrize("raw, expected", [
    ("２３０５２１１９５８０３０９０１７Ｘ", "230521195803090" + "17X"),
    (" 230521 19580309 017x ", "23052119580309017X"),
    ("230521\u300019580309017X", "23052119580309017X"),
], ids=["full-width", "spaces-and-lowercase-x", "ideographic-space"])
def test_normalise_digits(raw: str, expected: str) -> None:
    assert normalise_digits(raw) == expected
    assert normalise_digits_series(pd.Series([raw])).iloc[0] == expected


@given(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)), st.integers(0, 999))
def test_vectorised_checksum_agrees_with_scalar(born: dt.date, seq: int) -> None:
    good = make_id("230521", born, seq)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert id_checksum_ok(pd.Series([good, bad])).tolist() == [True, False]


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_digit_makes_valid_number(body: str) -> None:
    number = body + luhn_check_digit(body)
    assert is_luhn_valid(number)
    assert luhn_ok(pd.Series([number])).tolist() == [True]
    wrong = body + str((int(luhn_check_digit(body)) + 1) % 10)
    assert not is_luhn_valid(wrong)


def test_id_check_char_examples() -> None:
    assert id_check_char("11010519491231002") == "X"
