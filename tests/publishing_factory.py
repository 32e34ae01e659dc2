"""Small data trees for the publishing tests (ledger, timeliness, revisions, template).

``make_data_dir(tmp_path)`` writes a two-township county with one production subsidy
(gdzl, full names) and one sensitive program (nccb, 低保); ``write_batch`` adds a batch;
``make_person(i)`` invents a person with a valid ID number and card number.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from generator.core.idnumber import luhn_check_digit, make_id

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["大娘", "建国", "秀英", "桂兰", "志强", "玉梅", "德福", "春生", "淑珍", "国庆"]
TOWNSHIPS = {"福利镇": ["东升村", "富强村"], "兴安乡": ["永红村", "胜利村"]}
HEADERS = ["姓名", "身份证号", "社保卡号", "乡镇", "村", "组", "数量", "标准", "金额", "发放日期", "发放状态", "备注"]


def make_person(i: int, township: str = "福利镇", village: str = "东升村", **overrides: Any) -> dict[str, Any]:
    card = "6230" + f"{i:014d}"
    person = {
        "姓名": SURNAMES[i % 10] + GIVEN[(i // 10) % 10],
        "身份证号": make_id("230521", dt.date(1950, 1, 1) + dt.timedelta(days=97 * i), i + 1),
        "社保卡号": card + luhn_check_digit(card),
        "乡镇": township, "村": village, "组": "一组",
        "数量": 10.0, "标准": 100.0, "金额": 1000.0,
        "发放日期": "2025-03-25", "发放状态": "成功", "备注": "",
    }
    person.update(overrides)
    return person


def make_data_dir(root: Path, *, window_days: int = 20, window_unit: str = "calendar",
                  retention_years: int = 3, min_group: int = 3) -> Path:
    data = Path(root) / "data"
    (data / "programs").mkdir(parents=True)
    county = {
        "county": {"name": "集贤县", "code": "230521", "title": "集贤县惠民惠农财政补贴资金“一卡通”公开平台"},
        "publication": {"window_days": window_days, "window_unit": window_unit},
        "townships": [
            {"code": f"23052110{t}", "name": name, "phone": "0469-4600100",
             "villages": [{"code": f"23052110{t}20{v}", "name": vil} for v, vil in enumerate(villages, 1)]}
            for t, (name, villages) in enumerate(TOWNSHIPS.items())
        ],
        "departments": [
            {"code": "czj", "name": "集贤县财政局", "short_name": "财政局", "roles": ["finance", "triage"]},
            {"code": "nyncj", "name": "集贤县农业农村局", "short_name": "农业农村局"},
            {"code": "mzj", "name": "集贤县民政局", "short_name": "民政局"},
        ],
    }
    _dump(data / "county.yml", county)
    base = {"legal_basis": "《示例》", "target": "示例对象", "standard": "每亩 100 元", "cycle": "yearly"}
    _dump(data / "programs" / "gdzl.yml", {**base, "name": "耕地地力保护补贴", "department": "nyncj", "unit": "亩",
                                          "disclosure": {"name": "full", "retention_years": retention_years}})
    _dump(data / "programs" / "nccb.yml", {**base, "name": "农村最低生活保障金", "department": "mzj", "unit": "人·月",
                                          "disclosure": {"name": "partial", "id_head": 0, "sensitive": True,
                                                         "retention_years": retention_years,
                                                         "min_group": min_group}})
    (data / "holidays.yml").write_text("{}\n", encoding="utf-8")
    return data


def write_batch(data: Path, batch_id: str, program: str, produced_on: str,
                rows: list[dict[str, Any]], **meta: Any) -> Path:
    folder = data / "batches" / batch_id[:4] / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / "batch.yml", {"program": program, "produced_on": produced_on, **meta})
    with (folder / "records.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
