"""The county model: ``data/county.yml`` and the 补贴政策清单 (``data/programs/*.yml``).

Shared by the generator and ``complaints_api`` (routing, departments, townships).
Loading never raises on the first problem: it collects ``Problem``s for ``validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.county_schema import schema_problems
from generator.core.errors import InvalidInput, Problem, display_path
from generator.core.vocab import DEFAULT_ROUTING

NAME_POLICIES = ("full", "partial", "surname")


@dataclass(frozen=True)
class Village:
    code: str
    name: str


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    department: str  # department code of the township government (handles list problems)
    villages: tuple[Village, ...]

    def village(self, name: str) -> Village | None:
        return next((v for v in self.villages if v.name == name), None)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    short_name: str
    phone: str = ""
    address: str = ""
    kind: str = "department"  # department | township | bank | discipline
    roles: tuple[str, ...] = ()  # finance, triage, audit, discipline, bank_supervision


@dataclass(frozen=True)
class Disclosure:
    """How a program's records are shown (never looser than the privacy floor)."""

    name: str = "full"  # full | partial | surname
    id_head: int = 6  # leading ID digits shown (≤ 6)
    id_tail: int = 4  # trailing ID digits shown (≤ 4)
    card_tail: int = 4  # trailing card digits shown (≤ 4)
    sensitive: bool = False
    retention_years: int = 3
    min_group: int = 3  # sensitive programs: fewer recipients in a village → totals only
    remark: bool = False  # 备注 is private unless the program opts in (then scrubbed)

    def shown(self) -> tuple[int, int, int]:
        """(ID head, ID tail, card tail) digits actually shown: none at all in a sensitive
        program, so that no digit links its rows to a full-name program's."""
        return (0, 0, 0) if self.sensitive else (self.id_head, self.id_tail, self.card_tail)


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    department: str
    category: str
    legal_basis: str
    target: str
    standard: str
    unit: str
    standard_amount: float | None
    cycle: str
    how_to_apply: str
    funding: dict[str, float]
    budget: dict[int, float]
    disclosure: Disclosure
    cap_per_person: float | None = None
    payment_deadline_days: int | None = None  # days after period end (迟发 check)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class County:
    name: str
    code: str
    province: str
    city: str
    title: str
    supervision_phone: str
    townships: tuple[Township, ...]
    departments: dict[str, Department]
    programs: dict[str, Program]
    routing: dict[str, object]
    publication_window_days: int = 20
    publication_window_unit: str = "calendar"  # calendar | working
    raw: dict[str, Any] = field(default_factory=dict)

    def township(self, name: str) -> Township | None:
        return next((t for t in self.townships if t.name == name), None)

    def department_by_role(self, role: str) -> Department | None:
        return next((d for d in self.departments.values() if role in d.roles), None)


def load_county(data_dir: Path) -> County:
    """Load county.yml and programs/*.yml; raise ``InvalidInput`` listing every problem."""
    problems: list[Problem] = []
    county = read_county(Path(data_dir), problems)
    if problems or county is None:
        raise InvalidInput(problems)
    return county


def read_county(data_dir: Path, problems: list[Problem]) -> County | None:
    path = data_dir / "county.yml"
    raw = _read_yaml(path, data_dir, problems)
    if raw is None:
        return None
    rel = _rel(path, data_dir)
    schema = schema_problems(raw, rel)
    problems.extend(schema)
    if any(p.column in ("county", "townships", "departments") for p in schema):
        return None
    info = raw["county"] or {}
    departments = {
        str(d["code"]): Department(
            code=str(d["code"]),
            name=str(d["name"]),
            short_name=str(d.get("short_name", d["name"])),
            phone=str(d.get("phone", "")),
            address=str(d.get("address", "")),
            kind=str(d.get("kind", "department")),
            roles=tuple(d.get("roles", ())),
        )
        for d in raw["departments"]
    }
    townships = []
    for t in raw["townships"]:
        dept_code = str(t.get("department", f"town-{t['code']}"))
        departments.setdefault(
            dept_code,
            Department(dept_code, f"{info.get('name', '')}{t['name']}人民政府", t["name"],
                       str(t.get("phone", "")), kind="township"),
        )
        villages = tuple(Village(str(v["code"]), str(v["name"])) for v in t.get("villages", ()))
        townships.append(Township(str(t["code"]), str(t["name"]), dept_code, villages))
    publication = raw.get("publication", {}) or {}
    programs = read_programs(data_dir, departments, problems)
    return County(
        name=str(info.get("name", "")),
        code=str(info.get("code", "")),
        province=str(info.get("province", "")),
        city=str(info.get("city", "")),
        title=str(info.get("title", f"{info.get('name', '')}惠民惠农财政补贴资金“一卡通”公开平台")),
        supervision_phone=str(info.get("supervision_phone", "")),
        townships=tuple(townships),
        departments=departments,
        programs=programs,
        routing={**DEFAULT_ROUTING, **(raw.get("routing") or {})},
        publication_window_days=int(publication.get("window_days", 20)),
        publication_window_unit=str(publication.get("window_unit", "calendar")),
        raw=raw,
    )


def read_programs(data_dir: Path, departments: dict[str, Department],
                  problems: list[Problem]) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    for path in sorted((data_dir / "programs").glob("*.yml")):
        raw = _read_yaml(path, data_dir, problems)
        if raw is None:
            continue
        program = _program_from_raw(raw, path.stem, _rel(path, data_dir), departments, problems)
        if program is not None:
            programs[program.code] = program
    return programs


REQUIRED_PROGRAM_KEYS = ("name", "department", "legal_basis", "target", "standard", "unit")


def _program_from_raw(raw: dict[str, Any], code: str, rel: str,
                      departments: dict[str, Department], problems: list[Problem]) -> Program | None:
    missing = [k for k in REQUIRED_PROGRAM_KEYS if not raw.get(k)]
    for key in missing:
        problems.append(Problem(rel, None, key, f"补贴政策缺少“{key}”项，请补全后再提交。"))
    if missing:
        return None
    if str(raw["department"]) not in departments:
        problems.append(Problem(rel, None, "department",
                                f"主管部门代码“{raw['department']}”不在 county.yml 的 departments 中，请改为已登记的部门代码。"))
        return None
    disclosure = _disclosure(raw.get("disclosure") or {}, rel, problems)
    return Program(
        code=str(raw.get("code", code)),
        name=str(raw["name"]),
        department=str(raw["department"]),
        category=str(raw.get("category", "")),
        legal_basis=str(raw["legal_basis"]),
        target=str(raw["target"]),
        standard=str(raw["standard"]),
        unit=str(raw["unit"]),
        standard_amount=_float_or_none(raw.get("standard_amount")),
        cycle=str(raw.get("cycle", "yearly")),
        how_to_apply=str(raw.get("how_to_apply", "")),
        funding={str(k): float(v) for k, v in (raw.get("funding") or {}).items()},
        budget={int(k): float(v) for k, v in (raw.get("budget") or {}).items()},
        disclosure=disclosure,
        cap_per_person=_float_or_none(raw.get("cap_per_person")),
        payment_deadline_days=raw.get("payment_deadline_days"),
        extra={k: v for k, v in raw.items() if k not in Program.__dataclass_fields__},
    )


def _disclosure(raw: dict[str, Any], rel: str, problems: list[Problem]) -> Disclosure:
    sensitive = bool(raw.get("sensitive", False))
    name = str(raw.get("name", "partial" if sensitive else "full"))
    if name not in NAME_POLICIES:
        problems.append(Problem(rel, None, "disclosure.name",
                                f"姓名公开方式“{name}”无效，只能是 full（全名）、partial（部分）或 surname（仅姓）。"))
        name = "partial"
    # The privacy floor cannot be configured away: clamp to at most 6 + 4 and 4. A sensitive
    # program shows no ID digit at all: a tail shown here would link the masked name to the
    # full name of the same person in a full-name program of the same village.
    id_cap = 0 if sensitive else 6, 0 if sensitive else 4
    return Disclosure(
        name=name,
        id_head=min(int(raw.get("id_head", 6)), id_cap[0]),
        id_tail=min(int(raw.get("id_tail", 4)), id_cap[1]),
        card_tail=min(int(raw.get("card_tail", 4)), 4),
        sensitive=sensitive,
        retention_years=int(raw.get("retention_years", 3)),
        min_group=int(raw.get("min_group", 3)),
        remark=raw.get("remark") is True,
    )


def _float_or_none(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _read_yaml(path: Path, data_dir: Path, problems: list[Problem]) -> dict[str, Any] | None:
    rel = _rel(path, data_dir)
    if not path.exists():
        problems.append(Problem(rel, None, None, "文件不存在，请先创建（可运行 yikatong sample 查看示例）。"))
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        problems.append(Problem(rel, None if line is None else line + 1, None,
                                f"YAML 格式错误：{exc}。请检查缩进和冒号，文件须以 UTF-8 保存。"))
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(rel, None, None, "内容应为“键: 值”形式的 YAML 映射。"))
        return None
    return raw


def _rel(path: Path, data_dir: Path) -> str:
    return display_path(path)
