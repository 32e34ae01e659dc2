"""The index's data model: the tables display rows refer to, persons, and postings.

A person is one (township, village, shown name, shown ID) — exactly what a page shows; every
person yields terms (``pinyin_keys``) and each (term, person) pair is a posting. Terms sort as
JavaScript compares strings, the order lunr.js and the client expect.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.core.county import County
from generator.core.money import format_money
from generator.core.urls import records_url, village_url
from generator.core.vocab import PAID
from generator.search.pinyin_keys import id_key, name_keys

log = logging.getLogger(__name__)


@dataclass
class Tables:
    villages: list[tuple[str, str, str]]  # (township, village, village page URL)
    village_index: dict[tuple[str, str], int]
    batches: list[tuple[str, str, str, str]]  # (batch_id, program, records page URL suffix, paid_on)
    batch_index: dict[str, int]

    @classmethod
    def from_public(cls, public: pd.DataFrame, county: County, url_prefix: dict[str, str]) -> Tables:
        order = {t.name: (i, {v.name: j for j, v in enumerate(t.villages)})
                 for i, t in enumerate(county.townships)}
        pairs = public[["township", "village"]].drop_duplicates()
        keyed = sorted(
            (order.get(t, (len(order), {}))[0], order.get(t, (0, {}))[1].get(v, 1 << 20), t, v)
            for t, v in pairs.itertuples(index=False)
        )
        villages = [(t, v, url_prefix.get(t, "") + village_url(county, t, v)) for _, _, t, v in keyed]
        batches = _batch_table(public, county)
        return cls(villages, {(t, v): i for i, (t, v, _) in enumerate(villages)},
                   batches, {b[0]: i for i, b in enumerate(batches)})


def _batch_table(public: pd.DataFrame, county: County) -> list[tuple[str, str, str, str]]:
    """One row per batch; the records-page URL is split into village part + batch suffix."""
    combos = public[["batch_id", "program", "year", "township", "village"]].drop_duplicates()
    rows: dict[str, tuple[str, str, str, str]] = {}
    paid = public.groupby("batch_id")["paid_on"].agg(lambda s: s.mode().iat[0] if len(s) else "")
    for batch, program, year, town, village in combos.itertuples(index=False):
        full = records_url(county, town, village, program, year)
        base = village_url(county, town, village)
        if not full.startswith(base):
            raise ValueError(f"records_url {full!r} is not under village_url {base!r}")
        suffix = full[len(base):]
        known = rows.setdefault(batch, (batch, program, suffix, str(paid[batch])))
        if known[2] != suffix:
            raise ValueError(f"batch {batch}: records page suffix differs between villages")
    return [rows[b] for b in sorted(rows)]


@dataclass
class Persons:
    refs: list[str]  # base-36 person numbers
    names: list[str]
    ids: list[str]
    village: np.ndarray  # village index per person
    payload: list[str]  # JSON display row per person

    def __len__(self) -> int:
        return len(self.refs)


def persons_of(public: pd.DataFrame, tables: Tables) -> Persons:
    """Group records into persons in (township, village, name, ID) order; build display rows."""
    frame = pd.DataFrame({
        "vi": [tables.village_index[(t, v)] for t, v in
               zip(public["township"].to_numpy(), public["village"].to_numpy(), strict=True)],
        "name": public["name_shown"].astype(str).to_numpy(),
        "id": public["id_shown"].astype(str).to_numpy(),
        "bi": public["batch_id"].map(tables.batch_index).to_numpy(),
        "row": public["ref"].str.rsplit("-", n=1).str[1].to_numpy(),
        "amount": public["amount"].to_numpy(),
        "paid_on": public["paid_on"].astype(str).to_numpy(),
        "status": public["pay_status"].astype(str).to_numpy(),
    })
    frame["name_key"] = frame["name"].map(js_sort_key)
    frame = frame.sort_values(["vi", "name_key", "id", "paid_on", "bi", "row"],
                              ascending=[True, True, True, False, True, True], kind="stable")
    groups = frame.groupby(["vi", "name_key", "id"], sort=False)
    starts = groups.ngroup().to_numpy()
    boundaries = np.flatnonzero(np.diff(starts, prepend=-1))
    cols = {c: frame[c].to_numpy() for c in ("vi", "name", "id", "bi", "row", "amount",
                                              "paid_on", "status")}
    default_paid = [b[3] for b in tables.batches]
    ends = list(boundaries[1:]) + ([len(frame)] if len(boundaries) else [])
    refs, names, ids, payload = [], [], [], []
    for pid, (lo, hi) in enumerate(zip(boundaries, ends, strict=True)):
        refs.append(np.base_repr(pid, 36).lower())
        names.append(cols["name"][lo])
        ids.append(cols["id"][lo])
        payload.append(_person_row(cols, int(lo), int(hi), default_paid))
    village = cols["vi"][boundaries] if len(frame) else np.zeros(0, dtype=int)
    return Persons(refs, names, ids, village, payload)


def _person_row(cols: dict[str, np.ndarray], lo: int, hi: int, default_paid: list[str]) -> str:
    """``[name, id, village, [batch, row, amount, …], {record: [status, paid_on]}]``."""
    flat: list[object] = []
    extra: dict[str, list[str]] = {}
    for n, r in enumerate(range(lo, hi)):
        bi = int(cols["bi"][r])
        flat += [bi, int(cols["row"][r]) if str(cols["row"][r]).isdigit() else str(cols["row"][r]),
                 _amount_text(cols["amount"][r])]
        status, paid_on = str(cols["status"][r]), str(cols["paid_on"][r])
        if status != PAID or paid_on != default_paid[bi]:
            extra[str(n)] = [status, paid_on]
    row: list[object] = [cols["name"][lo], cols["id"][lo], int(cols["vi"][lo]), flat]
    if extra:
        row.append(extra)
    return compact_json(row)


def _amount_text(value: object) -> str:
    """The amount as the pages print it (``1,234.50``): the client shows this text as is."""
    return "" if value is None or pd.isna(value) else format_money(float(value))  # type: ignore[call-overload,arg-type]


def js_sort_key(term: str) -> bytes:
    """JavaScript compares strings by UTF-16 code units; lunr's TokenSet needs that order."""
    return term.encode("utf-16-be")


def postings_of(persons: Persons) -> list[tuple[str, list[tuple[int, int]]]]:
    """Sorted ``(term, [(person, field), …])`` — each term's postings in person order."""
    by_term: dict[str, list[tuple[int, int]]] = {}
    for pid, (name, id_shown) in enumerate(zip(persons.names, persons.ids, strict=True)):
        keys = name_keys(name)
        for fi, terms in enumerate((keys.key, keys.initials, keys.part)):
            for term in terms:
                by_term.setdefault(term, []).append((pid, fi))
        digits = id_key(id_shown)
        if digits:
            by_term.setdefault(digits, []).append((pid, 0))
    ordered = sorted(by_term, key=js_sort_key)
    return [(t, sorted(set(by_term[t]))) for t in ordered]


FIELDS = ("k", "i", "g")  # whole-name keys + ID digits, initials, name parts


def compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

