"""The county a sample is made for: its name, code, townships and departments.

``default_model()`` is the sample county of ``generator.dev.sampledata.county``;
``model_from_file`` reads any ``county.yml`` (as ``yikatong init`` writes it): townships
without villages get invented ones, and the departments the sample's programs need are
added, named after the county. ``invented_model`` makes a whole county up (province sample).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from generator.dev.sampledata import names
from generator.dev.sampledata.county import COUNTY, DEPARTMENTS, NEIGHBOUR_REGIONS, TOWNSHIPS

DEFAULT_VILLAGES = 10
TOWN_SUFFIXES = ("镇", "镇", "乡")


@dataclass(frozen=True)
class SampleModel:
    county: dict[str, Any]  # the county: block of county.yml
    townships: tuple[tuple[str, str, int | tuple[tuple[str, str], ...]], ...]  # code, name, villages
    departments: tuple[tuple[str, str, str, str, list[str], str], ...]
    neighbours: tuple[str, ...]  # region codes of people registered elsewhere
    extra: dict[str, Any] = field(default_factory=dict)  # other county.yml keys kept as given

    @property
    def name(self) -> str:
        return str(self.county["name"])

    @property
    def code(self) -> str:
        return str(self.county["code"])

    def department_name(self, code: str) -> str:
        return next(d[1] for d in self.departments if d[0] == code)

    def finance_name(self) -> str:
        return next((d[1] for d in self.departments if "finance" in d[4]), f"{self.name}财政局")


def _stem(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "县市区旗" else name


def departments_for(name: str, city: str = "", area_code: str = "0469") -> tuple[tuple[str, str, str, str, list[str], str], ...]:
    """The sample's department list renamed for county `name` (phones keep their pattern)."""
    own, own_city = COUNTY["name"], COUNTY["city"]
    result = []
    for code, full, short, phone, roles, kind in DEPARTMENTS:
        full = full.replace(own, name).replace(_stem(own), _stem(name))
        if city:
            full = full.replace(_stem(own_city)[:-1] if own_city.endswith("市") else own_city, _stem(city))
        result.append((code, full, short, f"{area_code}-{phone.split('-')[1]}", list(roles), kind))
    return tuple(result)


def _neighbours(code: str) -> tuple[str, ...]:
    prefix, last = code[:4], int(code[4:]) if code[4:].isdigit() else 0
    return tuple(f"{prefix}{n:02d}" for n in range(1, 30) if n != last)[:7]


def default_model() -> SampleModel:

    return SampleModel(dict(COUNTY), tuple(TOWNSHIPS), DEPARTMENTS, NEIGHBOUR_REGIONS)


def model_from_file(path: Path) -> SampleModel:
    """A model from a county.yml; raises ``ValueError`` (in Chinese) when it cannot be used."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    info = raw.get("county") or {}
    name, code = str(info.get("name") or ""), str(info.get("code") or "")
    if not name or not (len(code) == 6 and code.isdigit()):
        raise ValueError(f"{path}：county 下须填写 name（县名）和 code（6 位行政区划代码）。")
    county = {"name": name, "code": code, "province": str(info.get("province", "")),
              "city": str(info.get("city", "")),
              "title": str(info.get("title") or f"{name}惠民惠农财政补贴资金“一卡通”公开平台"),
              "supervision_phone": str(info.get("supervision_phone") or "0000-0000000")}
    for key, value in info.items():
        county.setdefault(key, value)
    townships: list[tuple[str, str, int | tuple[tuple[str, str], ...]]] = []
    for i, town in enumerate(raw.get("townships") or ()):
        villages = tuple((str(v["code"]), str(v["name"])) for v in town.get("villages") or ())
        townships.append((str(town.get("code") or f"{code}{100 + i}"), str(town["name"]),
                          villages or DEFAULT_VILLAGES))
    if not townships:
        townships = [(f"{code}{100 + i}", f"{names.VILLAGE_STEMS[i]}{TOWN_SUFFIXES[i % 3]}", DEFAULT_VILLAGES)
                     for i in range(4)]
    area = str(county["supervision_phone"]).split("-")[0] if "-" in str(county["supervision_phone"]) else "0000"
    defaults = departments_for(name, county["city"], area)
    given = []
    for d in raw.get("departments") or ():
        given.append((str(d["code"]), str(d["name"]), str(d.get("short_name", d["name"])),
                      str(d.get("phone", "")), list(d.get("roles", ())), str(d.get("kind", "department"))))
    have = {d[0] for d in given}
    departments = tuple(given) + tuple(d for d in defaults if d[0] not in have)
    extra = {k: v for k, v in raw.items() if k not in ("county", "townships", "departments")}
    return SampleModel(county, tuple(townships), departments, _neighbours(code), extra)


def invented_model(rng: np.random.Generator, name: str, code: str, province: str, city: str,
                   area_code: str, towns: int = 5) -> SampleModel:
    """A made-up county (province sample): invented townships, the usual departments."""
    stems = rng.choice(len(names.VILLAGE_STEMS), size=towns, replace=False)
    townships = tuple((f"{code}{100 + i}", f"{names.VILLAGE_STEMS[s]}{TOWN_SUFFIXES[i % 3]}",
                       int(rng.integers(6, 12))) for i, s in enumerate(sorted(stems)))
    county = {"name": name, "code": code, "province": province, "city": city,
              "title": f"{name}惠民惠农财政补贴资金“一卡通”公开平台",
              "supervision_phone": f"{area_code}-{int(code[-2:]) + 4600:04d}100",
              "supervision_address": f"{name}财政局一楼 惠民惠农补贴监督举报受理窗口"}
    return SampleModel(county, townships, departments_for(name, city, area_code), _neighbours(code))
