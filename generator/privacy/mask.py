"""Stage 4 — mask: the privacy floor, applied before anything is rendered.

The floor is not configurable: an ID shows at most its first 6 and last 4 digits, a card at
most its last 4, a phone never; a program's disclosure policy may only show less. ``mask_records``
returns a new frame holding only public columns: the raw name, ID, card and remark columns
never leave this module.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from generator.core.county import County, Disclosure
from generator.core.normalise import digit_runs
from generator.core.schema import PUBLIC_COLUMNS

MAX_ID_HEAD = 6
MAX_ID_TAIL = 4
MAX_CARD_TAIL = 4
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 尉迟 万俟 夏侯 皇甫 公孙 慕容 长孙 宇文 司徒 令狐 端木 申屠 独孤 "
    "南宫 西门 呼延 轩辕 澹台 公冶 太史 单于 钟离 闻人 赫连 司空".split()
)
# a number (as ``normalise`` reads it: separators, full-width and Chinese digits) this long
# could be part of an ID, card or phone number
SCRUB_MIN_DIGITS = 6
REDACTED = "〔已隐去〕"
# a full date (a birth date, most likely) in free text, after ``normalise_numbers``-style NFKC
_FULL_DATE = re.compile(r"(?:1[89]|20|１[８９]|２０)[\d０-９]{2}\s*[年./\-．－]\s*[\d０-９]{1,2}\s*[月./\-．－]\s*[\d０-９]{1,2}\s*日?")
# the same written in Chinese numerals, as a reader reads them: digit by digit for the year
# (一九五八年, 五八年), positionally for month and day (九月十六日, 十二月三十一号); mixed forms too
# (1958年九月十六日). A year and a month alone (二〇二五年三月补发) are kept, as are 三组, 第十二村民组.
_CN = "〇零○一二三四五六七八九"
_CN_YEAR = f"(?:(?:1[89]|20)[0-9]{{2}}|[一二][{_CN}]{{3}}|[{_CN}]{{2}}|[0-9]{{2}})"
_CN_MONTH = "(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_CN_DAY = "(?:3[01]|[12][0-9]|0?[1-9]|三十一?|[二]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_CN_DATE = re.compile(f"{_CN_YEAR}\\s*年\\s*{_CN_MONTH}\\s*月\\s*{_CN_DAY}\\s*[日号]")
_DOTS = "·•・"


def mask_id_number(number: str, head: int = MAX_ID_HEAD, tail: int = MAX_ID_TAIL) -> str:
    """``230523********123X``: at most the first 6 and last 4 characters, one * per hidden one."""
    head = max(0, min(head, MAX_ID_HEAD))
    tail = max(0, min(tail, MAX_ID_TAIL))
    if len(number) < head + tail + 4:
        return "*" * len(number)
    hidden = len(number) - head - tail
    return number[:head] + "*" * hidden + (number[-tail:] if tail else "")


def mask_card_number(number: str, tail: int = MAX_CARD_TAIL) -> str:
    """``****1234``: at most the last 4 digits."""
    tail = max(0, min(tail, MAX_CARD_TAIL))
    if len(number) < 8:
        return "****"
    return "****" + (number[-tail:] if tail else "")


def surname_of(name: str) -> str:
    if any(d in name for d in _DOTS):
        return name[0]
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def mask_name(name: str, policy: str = "partial") -> str:
    """full: as is; partial: ``张*三`` ``张*`` ``欧阳*`` ``欧阳*华``; surname: ``张**``."""
    name = name.strip()
    if policy == "full" or not name:
        return name
    if any(d in name for d in _DOTS):
        return _mask_middot(name, policy)
    surname = surname_of(name)
    given = name[len(surname):]
    if policy == "surname":
        return surname + "*" * max(1, len(given))
    if len(given) <= 1:
        return surname + "*"
    return surname + "*" * (len(given) - 1) + given[-1]


def _mask_middot(name: str, policy: str) -> str:
    """``木·沙`` → ``木·*``, ``阿依·努尔`` → ``阿*·**尔``: like any name, dots kept in place.

    The first letter shows; with ``partial`` the last one too, but only when at least three
    letters remain so that at least one is hidden; there is always at least one ``*``.
    """
    letters = [i for i, c in enumerate(name) if c not in _DOTS]
    shown = {letters[0]} if letters else set()
    if policy == "partial" and len(letters) >= 3:
        shown.add(letters[-1])
    chars = [c if c in _DOTS or i in shown else "*" for i, c in enumerate(name)]
    if len(letters) <= 1:
        chars.append("*")
    return "".join(chars)


def scrub_text(text: str) -> str:
    """Remove anything in free text that a reader could read as (part of) an ID, card or phone.

    Numbers are read by ``normalise.digit_runs`` — the same reading the leak scan uses.
    """
    if not text:
        return text
    text = _FULL_DATE.sub(REDACTED, text)
    if "月" in text:
        text = _CN_DATE.sub(REDACTED, text)
    out, last = [], 0
    for start, end, _digits in digit_runs(text, SCRUB_MIN_DIGITS):
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


def record_ref(batch_id: str, source_row: int) -> str:
    """Stable public reference: batch and row — it says where, never who."""
    return f"{batch_id}-{source_row}"


def mask_records(records: pd.DataFrame, county: County) -> pd.DataFrame:
    """Typed records → public rows: only masked or non-personal columns survive."""
    out = pd.DataFrame({
        "ref": records["batch_id"] + "-" + records["source_row"].astype(str),
        "batch_id": records["batch_id"],
        "program": records["program"],
        "period": records["period"],
        "year": records["year"],
        "township": records["township"],
        "village": records["village"],
        "group": records["group"],
        "quantity": records["quantity"],
        "standard": records["standard"],
        "amount": records["amount"],
        "paid_on": records["paid_on"].dt.strftime("%Y-%m-%d").fillna(""),
        "pay_status": records["pay_status"],
    })
    names = np.empty(len(records), dtype=object)
    ids = np.empty(len(records), dtype=object)
    cards = np.empty(len(records), dtype=object)
    for program, index in records.groupby("program", sort=True).indices.items():
        policy = _policy(county, program)
        names[index] = [mask_name(n, policy.name) for n in records["name"].to_numpy()[index]]
        ids[index] = _mask_ids(records["id_number"].iloc[index], policy)
        card_tail = policy.shown()[2]
        cards[index] = [mask_card_number(c, card_tail) for c in records["card_number"].to_numpy()[index]]
    out["name_shown"] = pd.Series(names, index=records.index, dtype="str")
    out["id_shown"] = pd.Series(ids, index=records.index, dtype="str")
    out["card_shown"] = pd.Series(cards, index=records.index, dtype="str")
    # 备注 is private unless the program opts in (disclosure.remark: true), and then scrubbed
    # (never in a sensitive program: its 备注 is where illness and hardship get written)
    opted = records["program"].map(lambda p: _policy(county, p).remark and not _policy(county, p).sensitive)
    opted = opted.astype(bool)
    out["remark_shown"] = records["remark"].where(opted, "").map(scrub_text)
    out["sensitive"] = records["program"].map(lambda p: _policy(county, p).sensitive)
    out["recipient"] = records.groupby(["program", "id_number"], sort=False, dropna=False).ngroup()
    return out[list(PUBLIC_COLUMNS)]  # nothing undeclared leaves the masker


def _mask_ids(ids: pd.Series, policy: Disclosure) -> list[str]:
    head, tail, _ = policy.shown()
    return mask_id_series(ids, head, tail)


def mask_id_series(ids: pd.Series, head: int = MAX_ID_HEAD, tail: int = MAX_ID_TAIL) -> list[str]:
    """:func:`mask_id_number` over a Series (fast path for 18-character IDs)."""
    head = max(0, min(head, MAX_ID_HEAD))
    tail = max(0, min(tail, MAX_ID_TAIL))
    ids = ids.fillna("").astype(str)
    full = ids.str.len() == 18
    hidden = "*" * (18 - head - tail)
    masked = ids.str.slice(0, head) + hidden + (ids.str.slice(18 - tail, 18) if tail else "")
    return masked.where(full, ids.map(lambda v: mask_id_number(v, head, tail))).tolist()


def _policy(county: County, program: str) -> Disclosure:
    found = county.programs.get(program)
    return found.disclosure if found else Disclosure(name="partial", id_head=0, id_tail=0, sensitive=True)


def refloor(frame: pd.DataFrame, county: County) -> pd.DataFrame:
    """An earlier version's masked rows under today's floor (old snapshots, 更正 lists).

    A snapshot keeps what an earlier build showed; every version must obey the floor as it is
    now: no ID digit in a sensitive program, no 备注 unless the program opts in (scrubbed
    again), names masked again (masking a masked name changes nothing else).
    """
    if frame.empty:
        return frame
    out = frame.copy()
    for program, index in out.groupby("program", sort=False).indices.items():
        policy = _policy(county, str(program))
        rows = out.index[index]
        if policy.sensitive:  # no ID digit and no card digit (as ``mask_records`` shows them now)
            for column in ("id_shown", "card_shown"):
                out.loc[rows, column] = out.loc[rows, column].astype(str).str.replace(r"[0-9Xx]", "*", regex=True)
        keep_remark = policy.remark and not policy.sensitive
        out.loc[rows, "remark_shown"] = (out.loc[rows, "remark_shown"].astype(str).map(scrub_text)
                                         if keep_remark else "")
        out.loc[rows, "name_shown"] = [mask_name(str(n), policy.name) for n in out.loc[rows, "name_shown"]]
    return out
