"""``province.yml``: the province's name and code and its counties, each a county data tree.

::

    province: {name: 黑龙江省, code: "230000"}
    counties:
      - {code: "230521", name: 集贤县}            # data tree in ./230521/
      - {code: "230523", name: 宝清县, data: baoqing}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.core.errors import InvalidInput, Problem, display_path

PROVINCE_FILE = "province.yml"


@dataclass(frozen=True)
class CountyEntry:
    code: str
    name: str
    data_dir: Path


@dataclass(frozen=True)
class Province:
    name: str
    code: str
    counties: tuple[CountyEntry, ...]
    root: Path

    def county(self, code: str) -> CountyEntry:
        return next(c for c in self.counties if c.code == code)


def load_province(root: Path) -> Province:
    """Read ``root/province.yml``; raise ``InvalidInput`` naming every problem."""
    root = Path(root)
    path = root / PROVINCE_FILE
    rel = display_path(path)
    if not path.exists():
        raise InvalidInput([Problem(rel, None, None, "文件不存在：省级数据目录须有 province.yml"
                                    "（可运行 yikatong province sample 查看示例）。")])
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    problems: list[Problem] = []
    info = raw.get("province") or {}
    for key in ("name", "code"):
        if not info.get(key):
            problems.append(Problem(rel, None, f"province.{key}", f"缺少“province.{key}”项，请补全。"))
    counties = []
    seen: set[str] = set()
    for n, item in enumerate(raw.get("counties") or ()):
        code, name = str(item.get("code") or ""), str(item.get("name") or "")
        where = f"counties[{n + 1}]"
        if not (len(code) == 6 and code.isdigit()):
            problems.append(Problem(rel, None, f"{where}.code", "县的代码应为 6 位行政区划代码（加引号）。"))
            continue
        if code in seen:
            problems.append(Problem(rel, None, f"{where}.code", f"县的代码“{code}”重复。"))
        seen.add(code)
        data_dir = root / str(item.get("data") or code)
        if not (data_dir / "county.yml").exists():
            problems.append(Problem(rel, None, f"{where}.data", f"{name or code}的数据目录 {display_path(data_dir)} 中没有 county.yml。"))
        counties.append(CountyEntry(code, name or code, data_dir))
    if not counties and not problems:
        problems.append(Problem(rel, None, "counties", "counties 中至少要有一个县。"))
    if problems:
        raise InvalidInput(problems)
    return Province(str(info["name"]), str(info["code"]), tuple(counties), root)


def write_province_file(root: Path, name: str, code: str, counties: list[tuple[str, str]]) -> Path:
    doc = {"province": {"name": name, "code": code},
           "counties": [{"code": c, "name": n, "data": c} for c, n in counties]}
    path = Path(root) / PROVINCE_FILE
    text = "# 省级一卡通公开平台：省名、代码和各县的数据目录（样例数据，人员均为虚构）\n"
    path.write_text(text + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
