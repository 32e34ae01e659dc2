"""A data tree with one planted anomaly of every audit kind, and near-misses that are not.

``write_planted(tmp_path)`` copies the repository's sample county (``data/county.yml``,
``data/programs/``) and writes six small CSV batches. ``EXPECTED`` names, for each finding
kind, the (batch, Excel row) of every row the audit must list — and no other row.

Programs used: gdzl (耕地地力保护补贴, 68.93 元/亩, paid within 120 days of the year's end)
and cxjm (城乡居民基础养老金, 148 元/月 × 3 months per quarter, within 15 days).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import yaml

from generator.core.idnumber import luhn_check_digit, make_id

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = dt.date(2026, 11, 20)
HEADERS = ["姓名", "身份证号", "社保卡号", "乡镇", "村", "组", "数量", "标准", "金额", "发放日期", "发放状态", "备注"]


def card_number(i: int) -> str:
    body = "623136" + f"{i:012d}"
    return body + luhn_check_digit(body)


def _person(i: int, name: str, born: dt.date = dt.date(1960, 1, 1), card: int | None = None) -> dict[str, str]:
    return {"name": name, "id": make_id("230521", born + dt.timedelta(days=i), 100 + i), "card": card_number(card or i)}


A = _person(1, "赵重发")           # 重发 across batches
B = _person(2, "钱重复")           # 重发 within one batch
C = _person(3, "孙多发")           # 多发: one payment above standard × quantity
D = _person(4, "李补多")           # 多发: a 补差 payment that overshoots, summed across batches
E = _person(5, "周补差")           # near-miss: a 补差 payment that stays within the standard
F = _person(6, "吴两卡")           # 一人多卡: two programs pay one person on two cards
F2_CARD = card_number(60)
G = _person(7, "郑代领", card=70)  # 一卡多人: G and H share card 70
H = _person(8, "王代领", card=70)
I_ = _person(9, "冯退回")          # 漏发: returned, never re-paid
J = _person(10, "陈再发")          # near-miss: returned, then re-paid on a new card
J2_CARD = card_number(100)
K = _person(11, "褚迟发")          # 迟发
L = _person(12, "卫高龄", born=dt.date(1900, 3, 1))   # 身份异常: 125 years old
M = _person(13, "蒋未生", born=dt.date(2025, 9, 1))   # 身份异常: born after the payment
N1 = _person(14, "王秀英")         # near-miss: same name, different ID
N2 = _person(15, "王秀英")
P = _person(16, "沈两项")          # near-miss: two programs, one card
Q = _person(17, "韩季度")          # near-miss: two quarters of one program

GDZL, CXJM = 68.93, 148.0


def _row(p: dict[str, str], qty: float, std: float, paid_on: str, status: str = "成功",
         card: str | None = None, town: str = "福利镇", village: str = "东升村") -> list[str]:
    return [p["name"], p["id"], card or p["card"], town, village, "1", f"{qty:g}", f"{std:.2f}",
            f"{round(qty * std, 2):.2f}", paid_on, status, ""]


BATCHES: dict[str, dict] = {
    "2025-gdzl": {"meta": {"program": "gdzl", "period": "2025", "produced_on": "2025-05-20", "paid_on": "2025-05-25"},
                  "rows": [
                      _row(A, 10, GDZL, "2025-05-25"),          # 2
                      _row(B, 5, GDZL, "2025-05-25"),           # 3
                      _row(B, 5, GDZL, "2025-05-25"),           # 4
                      _row(C, 10, 80.0, "2025-05-25"),          # 5
                      _row(D, 10, GDZL, "2025-05-25"),          # 6
                      _row(E, 10, 60.0, "2025-05-25"),          # 7
                      _row(F, 2, GDZL, "2025-05-25"),           # 8
                      _row(G, 3, GDZL, "2025-05-25"),           # 9
                      _row(H, 4, GDZL, "2025-05-25", village="富强村"),  # 10
                      _row(N1, 1, GDZL, "2025-05-25"),          # 11
                      _row(N2, 1, GDZL, "2025-05-25"),          # 12
                      _row(P, 1, GDZL, "2025-05-25"),           # 13
                      _row(L, 1, GDZL, "2025-05-25"),           # 14
                      _row(M, 1, GDZL, "2025-05-25"),           # 15
                  ]},
    "2025-gdzl-bf": {"meta": {"program": "gdzl", "period": "2025", "produced_on": "2025-07-01", "paid_on": "2025-07-05",
                              "title": "2025年度耕地地力保护补贴补发名单"},
                     "rows": [
                         _row(A, 10, GDZL, "2025-07-05"),       # 2
                         _row(D, 10, 10.0, "2025-07-05"),       # 3
                         _row(E, 10, 8.93, "2025-07-05"),       # 4
                     ]},
    "2025-03-cxjm": {"meta": {"program": "cxjm", "period": "2025-03", "produced_on": "2025-03-20", "paid_on": "2025-03-25"},
                     "rows": [
                         _row(F, 3, CXJM, "2025-03-25", card=F2_CARD),  # 2
                         _row(P, 3, CXJM, "2025-03-25"),                # 3
                         _row(I_, 3, CXJM, "2025-03-25", status="退回"),  # 4
                         _row(J, 3, CXJM, "2025-03-25", status="退回"),  # 5
                         _row(Q, 3, CXJM, "2025-03-25"),                # 6
                     ]},
    "2025-03-cxjm-bf": {"meta": {"program": "cxjm", "period": "2025-03", "produced_on": "2025-04-05", "paid_on": "2025-04-10"},
                        "rows": [_row(J, 3, CXJM, "2025-04-10", card=J2_CARD)]},  # 2
    "2025-03-cxjm-late": {"meta": {"program": "cxjm", "period": "2025-03", "produced_on": "2025-05-01", "paid_on": "2025-05-10"},
                          "rows": [_row(K, 3, CXJM, "2025-05-10")]},  # 2
    "2025-06-cxjm": {"meta": {"program": "cxjm", "period": "2025-06", "produced_on": "2025-06-20", "paid_on": "2025-06-25"},
                     "rows": [_row(Q, 3, CXJM, "2025-06-25")]},  # 2
}

# kind → every (batch, Excel row) the audit must list
EXPECTED: dict[str, set[tuple[str, int]]] = {
    "重发": {("2025-gdzl", 2), ("2025-gdzl-bf", 2), ("2025-gdzl", 3), ("2025-gdzl", 4)},
    "多发": {("2025-gdzl", 5), ("2025-gdzl", 6), ("2025-gdzl-bf", 3)},
    "一人多卡": {("2025-gdzl", 8), ("2025-03-cxjm", 2)},
    "一卡多人": {("2025-gdzl", 9), ("2025-gdzl", 10)},
    "漏发": {("2025-03-cxjm", 4)},
    "迟发": {("2025-03-cxjm-late", 2)},
    "身份异常": {("2025-gdzl", 14), ("2025-gdzl", 15)},
}
EXPECTED_CASES = {"重发": 2, "多发": 2, "一人多卡": 1, "一卡多人": 1, "漏发": 1, "迟发": 1, "身份异常": 2}
PEOPLE = [A, B, C, D, E, F, G, H, I_, J, K, L, M, N1, N2, P, Q]
ALL_CARDS = {p["card"] for p in PEOPLE} | {F2_CARD, J2_CARD}


def copy_county(data: Path) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_DATA / "county.yml", data / "county.yml")
    shutil.copytree(REPO_DATA / "programs", data / "programs", dirs_exist_ok=True)
    return data


def write_batch(data: Path, batch_id: str, meta: dict, rows: list[list[str]]) -> Path:
    folder = data / "batches" / batch_id[:4] / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "batch.yml").write_text(yaml.safe_dump({"status": "paid", **meta}, allow_unicode=True), encoding="utf-8")
    with (folder / "records.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return folder


def write_planted(tmp_path: Path, only: set[str] | None = None) -> Path:
    """The planted tree under ``tmp_path/data`` (optionally only some batches)."""
    data = copy_county(tmp_path / "data")
    for batch_id, spec in BATCHES.items():
        if only is None or batch_id in only:
            write_batch(data, batch_id, spec["meta"], spec["rows"])
    return data
