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
from generator.core.schema import PUBLIC_COLUMNS

MAX_ID_HEAD = 6
MAX_ID_TAIL = 4
MAX_CARD_TAIL = 4
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 尉迟 万俟 夏侯 皇甫 公孙 慕容 长孙 宇文 司徒 令狐 端木 申屠 独孤 "
    "南宫 西门 呼延 轩辕 澹台 公冶 太史 单于 钟离 闻人 赫连 司空".split()
)
# digit runs (with optional spaces/dashes) long enough to be an ID, card or phone number
_LONG_NUMBER = re.compile(r"[0-9０-９](?:[\s\-－]?[0-9０-９xXｘＸ]){5,}")
REDACTED = "〔已隐去〕"


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
    if "·" in name or "•" in name:
        return name[0]
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def mask_name(name: str, policy: str = "partial") -> str:
    """full: as is; partial: ``张*三`` ``张*`` ``欧阳*`` ``欧阳*华``; surname: ``张**``."""
    name = name.strip()
    if policy == "full" or not name:
        return name
    if "·" in name or "•" in name:
        return _mask_middot(name, policy)
    surname = surname_of(name)
    given = name[len(surname):]
    if policy == "surname":
        return surname + "*" * max(1, len(given))
    if len(given) <= 1:
        return surname + "*"
    return surname + "*" * (len(given) - 1) + given[-1]


def _mask_middot(name: str, policy: str) -> str:
    chars = [c if c in "·•" else "*" for c in name]
    chars[0] = name[0]
    if policy == "partial" and name[-1] not in "·•":
        chars[-1] = name[-1]
    return "".join(chars)


def scrub_text(text: str) -> str:
    """Remove anything in free text that could be an ID, card or phone number."""
    return _LONG_NUMBER.sub(REDACTED, text) if text else text


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
        cards[index] = [mask_card_number(c, policy.card_tail) for c in records["card_number"].to_numpy()[index]]
    out["name_shown"] = pd.Series(names, index=records.index, dtype="str")
    out["id_shown"] = pd.Series(ids, index=records.index, dtype="str")
    out["card_shown"] = pd.Series(cards, index=records.index, dtype="str")
    out["remark_shown"] = records["remark"].map(scrub_text)
    out["sensitive"] = records["program"].map(lambda p: _policy(county, p).sensitive)
    return out[list(PUBLIC_COLUMNS)]  # nothing undeclared leaves the masker


def _mask_ids(ids: pd.Series, policy: Disclosure) -> list[str]:
    return mask_id_series(ids, policy.id_head, policy.id_tail)


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
    return found.disclosure if found else Disclosure(name="partial", sensitive=True)
