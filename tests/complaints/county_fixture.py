"""A small county in the format ``generator/county.py`` reads (集贤县, two townships)."""

from __future__ import annotations

from pathlib import Path

import yaml

COUNTY = {
    "county": {"name": "集贤县", "code": "230521", "province": "黑龙江省", "city": "双鸭山市",
               "supervision_phone": "0469-4612345"},
    "townships": [
        {"code": "230521100", "name": "福利镇",
         "villages": [{"code": "230521100201", "name": "东升村"}, {"code": "230521100202", "name": "红旗村"}]},
        {"code": "230521101", "name": "集贤镇",
         "villages": [{"code": "230521101201", "name": "永丰村"}, {"code": "230521101202", "name": "红旗村"}]},
    ],
    "departments": [
        {"code": "czj", "name": "集贤县财政局", "roles": ["finance", "triage"], "phone": "0469-4610001"},
        {"code": "nyncj", "name": "集贤县农业农村局", "phone": "0469-4610002"},
        {"code": "mzj", "name": "集贤县民政局"},
        {"code": "sjj", "name": "集贤县审计局", "roles": ["audit"]},
        {"code": "jwjw", "name": "集贤县纪委监委", "kind": "discipline", "roles": ["discipline"]},
        {"code": "nxs", "name": "集贤县农村信用合作联社", "kind": "bank"},
        {"code": "jrjg", "name": "集贤县金融监管支局", "roles": ["bank_supervision"]},
    ],
}
PROGRAMS = {
    "gdlbh": {"name": "耕地地力保护补贴", "department": "nyncj", "legal_basis": "财农〔2016〕26号",
              "target": "承包耕地的农民", "standard": "每亩 70 元", "unit": "亩"},
    "dibao": {"name": "农村最低生活保障", "department": "mzj", "legal_basis": "社会救助暂行办法",
              "target": "低保对象", "standard": "按月发放", "unit": "人",
              "disclosure": {"sensitive": True}},
}


def write_county(root: Path) -> Path:
    """Write county.yml and programs/*.yml under ``root``; return ``root``."""
    (root / "programs").mkdir(parents=True, exist_ok=True)
    (root / "county.yml").write_text(yaml.safe_dump(COUNTY, allow_unicode=True), encoding="utf-8")
    for code, program in PROGRAMS.items():
        (root / "programs" / f"{code}.yml").write_text(
            yaml.safe_dump(program, allow_unicode=True), encoding="utf-8")
    return root
