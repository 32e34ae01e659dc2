"""Cross-county checks (跨县交叉核对) on ``dask.dataframe``.

Each county's task turns its validated records into *keyed digests*: HMAC-SHA256 of the ID
and card numbers under ``YIKATONG_AUDIT_KEY`` (the raw numbers never leave the task), with
the masked values a report may show and where each row came from (batch, file, row). The
province shuffles those rows on the digest, so all rows of one person (or one card) meet in
one partition, and finds:

- 重发（跨县）: the same person, program and period paid successfully in two or more counties;
- 一人多卡（跨县）: the same person paid to different cards in different counties;
- 一卡多人（跨县）: the same card paid for different people in different counties.

The report (Excel, one sheet per kind) lists every row of every finding with its county,
batch, file and row, and masked name, ID and card; it goes to ``--audit-out``, never into
the published site.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from generator.core.errors import YikatongError

KEY_ENV = "YIKATONG_AUDIT_KEY"
KINDS = ("重发（跨县）", "一人多卡（跨县）", "一卡多人（跨县）")
DEFINITIONS = {
    "重发（跨县）": "同一身份证号的同一补贴同一期别在两个及以上县成功发放。",
    "一人多卡（跨县）": "同一身份证号的补贴在不同县成功发放到不同的卡。",
    "一卡多人（跨县）": "同一张卡在不同县收到不同身份证号的补贴。",
}
DIGEST_COLUMNS = ("county", "county_name", "id_d", "card_d", "id_k", "card_k", "pp_k",
                  "program", "program_name", "period",
                  "batch_id", "file", "row", "township", "village", "name_m", "id_m", "card_m",
                  "amount", "paid_on")
INT_COLUMNS = ("row", "amount", "id_k", "card_k", "pp_k")
REPORT_COLUMNS = ("问题编号", "县", "批次", "文件", "行号", "乡镇", "村", "姓名", "身份证号", "卡号",
                  "补贴项目", "期别", "金额（元）", "发放日期", "说明")


class MissingAuditKey(YikatongError):
    def __init__(self) -> None:
        super().__init__(f"未设置环境变量 {KEY_ENV}：跨县核对用它对身份证号和卡号做带密钥的摘要，"
                         "请设置一个足够长的随机密钥（例如 openssl rand -hex 32 的输出）后重新运行。")


def audit_key() -> bytes:
    value = os.environ.get(KEY_ENV, "")
    if len(value) < 16:
        raise MissingAuditKey()
    return value.encode("utf-8")


def digest_values(values: pd.Series, key: bytes) -> np.ndarray:
    """HMAC-SHA256 (first 16 bytes, hex) of each distinct non-blank value; "" for blanks."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    digests = np.array([hmac.new(key, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:32] if u else ""
                        for u in uniques] + [""], dtype=object)
    return digests[np.where(codes < 0, len(uniques), codes)]


def int_keys(digests: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each hex digest as a signed 64-bit integer (0 for blanks): what the
    shuffle and the groupings use (integers move and compare far faster than strings)."""
    text = pd.Series(digests, dtype="object").fillna("")
    keys = np.zeros(len(text), dtype="int64")
    present = (text != "").to_numpy()
    if present.any():
        raw = np.frombuffer(bytes.fromhex("".join(s[:16] for s in text[present])), dtype=">i8")
        keys[present] = np.where(raw == 0, 1, raw)
    return keys


def county_digests(code: str, result: Any, key: bytes) -> pd.DataFrame:
    """One county's successful payments as keyed digests and masked values, from the
    validation its build already ran (``ingest.validate.ValidationResult``; in its task)."""
    from generator.checks.audit import _period_row, _short_paths
    from generator.checks.budget import paid_mask
    from generator.privacy.mask import mask_id_series, mask_name

    county = result.county
    if county is None:
        raise YikatongError(f"{code}：county.yml 有误，无法核对。")
    rec = result.records
    rec = rec[paid_mask(rec)].reset_index(drop=True)  # the one rule for what counts as paid
    ids = rec["id_number"].fillna("").astype(str)
    cards = rec["card_number"].fillna("").astype(str)
    labels = {(p, per): _period_row(county, p, per, str(y))[2:4]
              for p, per, y in rec[["program", "period", "year"]].drop_duplicates().itertuples(index=False)}
    pairs = list(zip(rec["program"], rec["period"], strict=True))
    id_d = digest_values(ids, key)
    card_d = digest_values(cards, key)
    payment = pd.Series(id_d, dtype="object") + "|" + rec["program"].astype(str) + "|" + rec["period"].astype(str)
    pp_d = np.where(id_d != "", digest_values(payment, key), "")
    frame = pd.DataFrame({
        "county": code,
        "county_name": county.name,
        "id_d": id_d,
        "card_d": card_d,
        "id_k": int_keys(id_d),
        "card_k": int_keys(card_d),
        "pp_k": int_keys(pp_d),
        "program": rec["program"].astype(str).to_numpy(),
        "program_name": [labels[p][0] for p in pairs],
        "period": [labels[p][1] for p in pairs],
        "batch_id": rec["batch_id"].astype(str).to_numpy(),
        "file": _short_paths(rec["source_file"]),
        "row": rec["source_row"].to_numpy(dtype="int64"),
        "township": rec["township"].astype(str).to_numpy(),
        "village": rec["village"].astype(str).to_numpy(),
        "name_m": [mask_name(str(n), "partial") for n in rec["name"].to_numpy()],
        "id_m": np.asarray(mask_id_series(ids), dtype=object),
        "card_m": np.where(cards.str.len().to_numpy() >= 8, "****" + cards.str.slice(-4).to_numpy(), "****"),
        "amount": rec["amount"].to_numpy(dtype="float64"),
        "paid_on": pd.to_datetime(rec["paid_on"]).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
    }, columns=list(DIGEST_COLUMNS))
    return frame.astype({c: "object" for c in DIGEST_COLUMNS if c not in INT_COLUMNS})


# --- per partition, after the shuffle: every row of one key is in the partition ------------------

def _duplicates_across(part: pd.DataFrame) -> pd.DataFrame:
    part = part[part["pp_k"] != 0]
    many = part.groupby("pp_k")["part"].transform("nunique").to_numpy() > 1
    return part[many].assign(group=part["pp_k"].to_numpy()[many])


def _spread(part: pd.DataFrame, key: str, other: str) -> pd.DataFrame:
    part = part[(part[key] != 0) & (part[other] != 0)]
    grouped = part.groupby(key)
    many = ((grouped["part"].transform("nunique") > 1) & (grouped[other].transform("nunique") > 1)).to_numpy()
    return part[many].assign(group=part[key].to_numpy()[many])


KEY_COLUMNS = ["part", "rid", "id_k", "card_k", "pp_k"]


def _keys(path: str, part: int) -> pd.DataFrame:
    frame = pd.read_parquet(path, columns=KEY_COLUMNS[2:])
    frame.insert(0, "rid", np.arange(len(frame), dtype="int64"))
    frame.insert(0, "part", np.int64(part))
    return frame


def cross_county_frames(parts: list[Path], npartitions: int | None = None) -> dict[str, pd.DataFrame]:
    """The three checks over the counties' digest files (parquet), with dask.dataframe.

    Only the keys are shuffled (digests, program, period and a row pointer); the masked
    columns of the rows found are read back afterwards. Runs on whatever scheduler is
    current (synchronous, or a distributed client).
    """
    import dask
    import dask.dataframe as dd

    paths = [str(p) for p in parts]
    meta = pd.DataFrame({c: pd.Series(dtype="int64") for c in KEY_COLUMNS})
    ddf = dd.from_map(_keys, paths, list(range(len(paths))), meta=meta)
    n = npartitions or max(1, len(parts))
    found_meta = meta.assign(group=pd.Series(dtype="int64"))
    person = ddf[ddf["id_k"] != 0].shuffle("id_k", npartitions=n)
    card = ddf[ddf["card_k"] != 0].shuffle("card_k", npartitions=n)
    found = dask.compute(
        person.map_partitions(_duplicates_across, meta=found_meta),
        person.map_partitions(_spread, "id_k", "card_k", meta=found_meta),
        card.map_partitions(_spread, "card_k", "id_k", meta=found_meta),
    )
    return {kind: _with_columns(frame, paths) for kind, frame in zip(KINDS, found, strict=True)}


def _with_columns(found: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """The masked columns of the rows found, read back from each county's digest file."""
    frames = []
    for part, rows in found.groupby("part", sort=True):
        full = pd.read_parquet(paths[int(part)])  # type: ignore[call-overload]
        picked = full.iloc[rows["rid"].to_numpy()].reset_index(drop=True)
        frames.append(picked.assign(group=rows["group"].to_numpy()))
    if not frames:
        return pd.DataFrame(columns=[*DIGEST_COLUMNS, "group"])
    return pd.concat(frames, ignore_index=True)


def report_tables(found: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Report rows per kind, cases numbered in order of their first row (county, batch, row)."""
    return {kind: _report(kind, frame) for kind, frame in found.items()}


def _report(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=list(REPORT_COLUMNS))
    frame = frame.sort_values(["county", "batch_id", "row", "group"], kind="stable").reset_index(drop=True)
    first = frame.groupby("group", sort=False).cumcount() == 0
    order = {g: n for n, g in enumerate(frame.loc[first, "group"])}
    frame["case"] = frame["group"].map(order)
    frame = frame.sort_values(["case", "county", "batch_id", "row"], kind="stable").reset_index(drop=True)
    place = frame["county_name"] + " 批次 " + frame["batch_id"] + " 第 " + frame["row"].astype(str) + " 行"
    places = place.groupby(frame["case"]).agg("；".join)
    counties = frame.groupby("case")["county"].nunique()
    if kind.startswith("重发"):
        what = ("同一身份证号的“" + frame["program_name"] + " " + frame["period"] + "”在 "
                + frame["case"].map(counties).astype(str) + " 个县成功发放，属跨县重复发放：")
    elif kind.startswith("一人多卡"):
        cards = frame.groupby("case")["card_m"].agg(lambda s: "、".join(sorted(set(s))))
        what = ("同一身份证号在 " + frame["case"].map(counties).astype(str) + " 个县的补贴发放到不同的卡（"
                + frame["case"].map(cards) + "），不符合“一人一卡”：")
    else:
        what = ("尾号 " + frame["card_m"].str[-4:] + " 的卡在 " + frame["case"].map(counties).astype(str)
                + " 个县收到不同身份证号的补贴，可能存在代领、冒领：")
    out = pd.DataFrame({
        "问题编号": kind[:-4] + "跨县-" + (frame["case"] + 1).astype(str).str.zfill(4),
        "县": frame["county_name"] + "（" + frame["county"] + "）",
        "批次": frame["batch_id"], "文件": frame["file"], "行号": frame["row"].astype("int64"),
        "乡镇": frame["township"], "村": frame["village"], "姓名": frame["name_m"],
        "身份证号": frame["id_m"], "卡号": frame["card_m"], "补贴项目": frame["program_name"],
        "期别": frame["period"], "金额（元）": frame["amount"].astype("float64"), "发放日期": frame["paid_on"],
        "说明": what + frame["case"].map(places) + "。",
    }, columns=list(REPORT_COLUMNS))
    return out


def case_count(table: pd.DataFrame) -> int:
    return int(table["问题编号"].nunique()) if len(table) else 0


def summary_line(tables: dict[str, pd.DataFrame]) -> str:
    return "跨县核对：" + "，".join(f"{kind} {case_count(t)}" for kind, t in tables.items())


def write_report(tables: dict[str, pd.DataFrame], path: Path, province_name: str, records: int) -> Path:
    """The Excel report: a 说明 sheet, then one sheet per kind (masked values only)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from generator.core.xlsx import save_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append([f"{province_name}跨县交叉核对报告"])
    ws.append([f"核对 {records} 条成功发放记录；身份证号、卡号以带密钥的摘要比对，报告中只显示脱敏后的值。"])
    ws.append(["类别", "问题数", "行数", "含义"])
    for kind, table in tables.items():
        ws.append([kind, case_count(table), len(table), DEFINITIONS[kind]])
    for kind, table in tables.items():
        sheet = wb.create_sheet(kind)
        sheet.append(list(REPORT_COLUMNS))
        for values in table.itertuples(index=False):
            sheet.append([v.item() if hasattr(v, "item") else v for v in values])
        for n, width in enumerate((16, 18, 22, 36, 6, 10, 10, 8, 20, 10, 24, 10, 12, 12, 80), start=1):
            sheet.column_dimensions[get_column_letter(n)].width = width
        sheet.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path
