"""The privacy floor: tables of examples plus properties over any ID number."""

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.idnumber import make_id
from generator.privacy.mask import mask_card_number, mask_id_number, mask_name, scrub_text


@pytest.mark.parametrize("name, policy, shown", [
    ("张三", "full", "张三"),
    ("张明秀", "partial", "张*秀"),
    ("张三", "partial", "张*"),
    ("欧阳娜", "partial", "欧阳*"),
    ("欧阳明华", "partial", "欧阳*华"),
    ("诸葛亮", "partial", "诸葛*"),
    ("尉迟敬德", "surname", "尉迟**"),
    ("王小明", "surname", "王**"),
    ("阿不都·热合曼", "partial", "阿**·**曼"),
    ("阿不都·热合曼", "surname", "阿**·***"),
], ids=lambda v: str(v))
def test_mask_name(name: str, policy: str, shown: str) -> None:
    assert mask_name(name, policy) == shown


@pytest.mark.parametrize("head, tail, shown", [
    (6, 4, "230521********017X"),
    (0, 4, "**************017X"),
    (2, 4, "23************017X"),
    (8, 6, "230521********017X"),  # asking for more than the floor gets the floor
], ids=["6+4", "0+4", "2+4", "clamped"])
def test_mask_id_number(head: int, tail: int, shown: str) -> None:
    assert mask_id_number("23052119580309017X", head, tail) == shown


def test_mask_card_number_shows_last_four_at_most() -> None:
    assert mask_card_number("6231614167695938951") == "****8951"
    assert mask_card_number("6231614167695938951", tail=2) == "****51"


@pytest.mark.parametrize("text, expected", [
    ("联系电话13912345678", "联系电话〔已隐去〕"),
    ("代领人身份证 23052119580309017X", "代领人身份证 〔已隐去〕"),
    ("卡号 6231 6141 6769 5938 951", "卡号 〔已隐去〕"),
    ("补发2024年差额", "补发2024年差额"),
    ("电话：１３９１２３４５６７８", "电话：〔已隐去〕"),
    ("补录 一九五八年九月十六日", "补录 〔已隐去〕"),
    ("生日五八年九月十六号", "生日〔已隐去〕"),
    ("1958年九月十六日生", "〔已隐去〕生"),
    ("二〇二五年十二月三十一日发放", "〔已隐去〕发放"),
    ("二〇二五年三月补发，第十二村民组，三组十六户", "二〇二五年三月补发，第十二村民组，三组十六户"),
], ids=["mobile", "id", "spaced-card", "year-kept", "full-width", "chinese-date", "two-digit-year", "mixed-date",
        "positional-day", "no-false-positive"])
def test_scrub_text(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@given(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)), st.integers(0, 999),
       st.integers(0, 10), st.integers(0, 10))
def test_masked_id_never_reveals_more_than_ten_digits_or_the_birth_date(born, seq, head, tail) -> None:
    number = make_id("230521", born, seq)
    masked = mask_id_number(number, head, tail)
    assert len(masked) == 18
    assert len(re.findall(r"[0-9X]", masked)) <= 10
    assert masked[6:14] == "********"  # digits 7–14 (the birth date) are always hidden
    assert born.strftime("%Y%m%d") not in masked


@given(st.text(alphabet="0123456789 -", min_size=0, max_size=40), st.text(max_size=10))
def test_scrub_leaves_no_run_of_six_digits(noise: str, words: str) -> None:
    scrubbed = scrub_text(words + noise + words)
    assert not re.search(r"[0-9]([\s\-]?[0-9]){5}", scrubbed)


def test_only_declared_public_columns_leave_the_masker(sample_dir) -> None:
    from generator.core.schema import PUBLIC_COLUMNS
    from generator.ingest.validate import validate_data
    from generator.privacy.mask import mask_records

    result = validate_data(sample_dir)
    public = mask_records(result.records, result.county)
    assert tuple(public.columns) == PUBLIC_COLUMNS
    assert not {"name", "id_number", "card_number", "remark", "phone"} & set(public.columns)


def test_sensitive_programs_show_no_id_digit_and_no_card_digit_in_any_version(sample_dir) -> None:
    """A card tail in a 低保 list would link the row to the same person's full-name row."""
    from generator.ingest.validate import validate_data
    from generator.privacy.mask import mask_records, refloor

    result = validate_data(sample_dir)
    public = mask_records(result.records, result.county)
    sensitive = public[public["sensitive"]]
    assert len(sensitive) and len(public[~public["sensitive"]])
    assert set("".join(sensitive["id_shown"])) == {"*"} and set("".join(sensitive["card_shown"])) == {"*"}
    assert public.loc[~public["sensitive"], "card_shown"].str.fullmatch(r"\*{4}[0-9]{4}").all()
    # an old snapshot written when card tails still showed obeys today's floor too
    old = sensitive.assign(card_shown="****1234", id_shown="**************1234")
    again = refloor(old, result.county)
    assert set("".join(again["card_shown"])) == {"*"} and set("".join(again["id_shown"])) == {"*"}
