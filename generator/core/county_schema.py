"""The keys of ``county.yml``, one place: what ``validate`` checks and ``docs/county-yml.md`` explains.

``COUNTY_SCHEMA`` maps each key to a ``Key``: required or not, a one-line meaning (English,
for the docs) and, for a mapping or a list of mappings, its own keys. ``schema_problems``
names every unknown key (with the nearest known one) and every missing required key.
``routing`` maps complaint categories to targets; a county may add categories of its own,
so its keys are not checked here (``ROUTING_KEYS`` are the ones the service knows).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from generator.core.errors import Problem
from generator.core.vocab import DEFAULT_ROUTING


@dataclass(frozen=True)
class Key:
    required: bool
    meaning: str
    keys: dict[str, Key] = field(default_factory=dict)  # a mapping, or each item of a list
    is_list: bool = False


ROUTING_KEYS = tuple(DEFAULT_ROUTING)  # the categories and kinds the service routes (core.vocab)

COUNTY_SCHEMA: dict[str, Key] = {
    "county": Key(True, "the county itself", {
        "name": Key(True, "county name as published, e.g. 宝清县"),
        "code": Key(True, "6-digit administrative division code (GB/T 2260), quoted"),
        "province": Key(False, "province name, e.g. 黑龙江省"),
        "city": Key(False, "prefecture-level city, e.g. 双鸭山市"),
        "title": Key(False, "site title; default <name>惠民惠农财政补贴资金“一卡通”公开平台"),
        "supervision_phone": Key(False, "the supervision hotline printed on every page (a landline)"),
        "supervision_address": Key(False, "where citizens can complain in person"),
        "sms_signature": Key(False, "what every SMS of the complaints service starts with, "
                                    "default 【<name>惠民补贴】"),
    }),
    "website": Key(False, "a government site's identity, shown in every page's footer and meta tags", {
        "organizer": Key(False, "主办单位"),
        "undertaker": Key(False, "承办单位 (optional)"),
        "site_code": Key(False, "政府网站标识码"),
        "icp": Key(False, "ICP备案号"),
        "public_security": Key(False, "公安机关备案号"),
        "address": Key(False, "the organizer's address"),
        "phone": Key(False, "the organizer's phone"),
        "domain": Key(False, "the site's public address, e.g. https://ykt.example.gov.cn (meta tags, QR codes)"),
    }),
    "publication": Key(False, "the legal publication window", {
        "window_days": Key(False, "days from a batch's produced_on to publication (default 20)"),
        "window_unit": Key(False, "calendar (default) or working days"),
    }),
    "townships": Key(True, "every township (乡镇) with its villages", {
        "code": Key(True, "9-digit township code, quoted"),
        "name": Key(True, "township name exactly as clerks write it"),
        "department": Key(False, "department code of the township government (default town-<code>)"),
        "phone": Key(False, "township government's public phone"),
        "villages": Key(False, "the villages (村/社区)", {
            "code": Key(True, "12-digit village code, quoted"),
            "name": Key(True, "village name exactly as clerks write it"),
        }, is_list=True),
    }, is_list=True),
    "departments": Key(True, "the departments that pay, supervise or handle complaints", {
        "code": Key(True, "short code used by programs/*.yml and routing, e.g. mzj"),
        "name": Key(True, "full name"),
        "short_name": Key(False, "name used on small screens (default: name)"),
        "phone": Key(False, "public phone"),
        "address": Key(False, "public address"),
        "kind": Key(False, "department (default), township, bank or discipline"),
        "roles": Key(False, "any of finance, triage, audit, discipline, supervision, agent_bank, bank_supervision"),
    }, is_list=True),
    "routing": Key(False, "complaint routing: category → program, holder, township, bank, finance, "
                          "triage, discipline, bank_supervision, audit or a department code"),
}


def schema_problems(raw: dict[str, Any], source: str) -> list[Problem]:
    """Every unknown key (naming the nearest known one) and missing required key."""
    problems: list[Problem] = []
    _check(raw, COUNTY_SCHEMA, "", source, problems)
    return problems


def _check(value: Any, schema: dict[str, Key], where: str, source: str, problems: list[Problem]) -> None:
    if not isinstance(value, dict):
        return
    for key in value:
        if key not in schema:
            problems.append(Problem(source, None, f"{where}{key}", _unknown(str(key), list(schema), where.rstrip(".") or None)))
    for key, spec in schema.items():
        if key not in value or value[key] in (None, ""):
            if spec.required:
                problems.append(Problem(source, None, f"{where}{key}",
                                        f"缺少“{where}{key}”项（{_hint(key)}），请参照 docs/county-yml.md 补全。"))
            continue
        if not spec.keys:
            continue
        items = value[key] if spec.is_list and isinstance(value[key], list) else [value[key]]
        for n, item in enumerate(items):
            path = f"{where}{key}[{n + 1}]." if spec.is_list else f"{where}{key}."
            _check(item, spec.keys, path, source, problems)


def _hint(key: str) -> str:
    return {"name": "名称", "code": "代码", "townships": "乡镇名单", "departments": "部门名单",
            "county": "县名、代码等", "villages": "村名单", "province": "所属省份", "city": "所属地级市",
            "supervision_phone": "监督电话"}.get(key, key)


def _unknown(key: str, known: list[str] | tuple[str, ...], where: str | None) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    place = f"“{where}”下" if where else "county.yml 顶层"
    suggestion = f"，是否为“{close[0]}”？" if close else f"。可用的键：{'、'.join(known)}"
    return f"{place}没有“{key}”这一项{suggestion}（各项含义见 docs/county-yml.md）"
