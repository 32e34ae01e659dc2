"""How long records stay public, and which villages are too small to list by name.

Retention: each program's ``disclosure.retention_years`` counts from the batch's first
publication (``produced_on`` for a batch never published). On that anniversary the batch
leaves the site, the downloads and the search; the build logs it.

Small groups: in a sensitive program (低保, 特困 …) a village with fewer than
``disclosure.min_group`` recipients in a year would let neighbours identify them, so such a
village × program × year shows totals only, never rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from generator.core.county import County, Disclosure
from generator.ingest.load import Batch

GroupKey = tuple[str, str, str, str]  # (township, village, program, year)
GROUP_COLUMNS = ["township", "village", "program", "year"]


def expires_on(batch: Batch, county: County, first_published: dt.date | None = None) -> dt.date | None:
    """The day a batch leaves the site, or None when it never does (retention_years ≤ 0)."""
    years = _disclosure(county, batch.program).retention_years
    anchor = first_published or batch.date("produced_on")
    if years <= 0 or anchor is None:
        return None
    return _add_years(anchor, years)


def expired(batch: Batch, county: County, as_of: dt.date, first_published: dt.date | None = None) -> bool:
    """True when `batch` is past its program's retention on `as_of`."""
    end = expires_on(batch, county, first_published)
    return end is not None and as_of >= end


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def _disclosure(county: County, program: str) -> Disclosure:
    found = county.programs.get(program)
    return found.disclosure if found else Disclosure(name="partial", sensitive=True)


def recipient_counts(public: pd.DataFrame) -> pd.DataFrame:
    """Distinct recipients (masked name + masked ID) per township, village, program, year."""
    people = public[GROUP_COLUMNS + ["name_shown", "id_shown"]].drop_duplicates()
    counts = people.groupby(GROUP_COLUMNS, sort=True).size()
    return counts.rename("recipients").reset_index()


def small_groups(public: pd.DataFrame, county: County) -> set[GroupKey]:
    """(township, village, program, year) groups that must show totals only.

    `public` is a masked frame (``mask_records`` output, or an old-version snapshot). Only
    sensitive programs are affected; the threshold is the program's ``min_group`` (default 3).
    """
    if public.empty:
        return set()
    sensitive = [code for code in public["program"].unique() if _disclosure(county, str(code)).sensitive]
    if not sensitive:
        return set()
    counts = recipient_counts(public[public["program"].isin(sensitive)])
    threshold = counts["program"].map(lambda code: _disclosure(county, str(code)).min_group)
    small = counts[counts["recipients"] < threshold]
    return {(str(t), str(v), str(p), str(y)) for t, v, p, y in small[GROUP_COLUMNS].itertuples(index=False)}


def in_groups(public: pd.DataFrame, groups: set[GroupKey]) -> pd.Series:
    """Boolean mask: rows of `public` that belong to one of `groups`."""
    if not groups or public.empty:
        return pd.Series(False, index=public.index)
    keys = list(zip(*(public[c].astype(str) for c in GROUP_COLUMNS), strict=True))
    return pd.Series([k in groups for k in keys], index=public.index)


def drop_small_groups(public: pd.DataFrame, groups: set[GroupKey]) -> pd.DataFrame:
    """`public` without the rows of small groups (for search shards and downloads)."""
    return public[~in_groups(public, groups)]


def group_totals(public: pd.DataFrame, groups: set[GroupKey]) -> pd.DataFrame:
    """What a small group's page shows instead of rows: record count and total amount."""
    rows = public[in_groups(public, groups)]
    totals = rows.groupby(GROUP_COLUMNS, sort=True).agg(records=("ref", "size"), amount=("amount", "sum"))
    return totals.reset_index()


def hidden_in_old_versions(store: Any, revisions: dict[str, list[Any]], county: County) -> set[GroupKey]:
    """Groups small in some earlier version of a batch (its stored masked snapshot)."""
    hidden: set[GroupKey] = set()
    for batch_id, items in revisions.items():
        for revision in items:
            snapshot = store.load(batch_id, revision.old_hash)
            if snapshot is not None and not snapshot.frame.empty:
                hidden |= small_groups(snapshot.frame, county)
    return hidden
