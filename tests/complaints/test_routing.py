"""The routing table: who handles a submission (complaints_api/routing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from complaints_api.routing import categories, route
from generator.core.county import load_county

from .county_fixture import write_county

CASES = [
    # kind, category, program, township → department, copied
    ("complaint", "amount", "gdlbh", "福利镇", "nyncj", ()),
    ("complaint", "eligibility", "dibao", "福利镇", "mzj", ()),
    ("complaint", "list", "gdlbh", "集贤镇", "town-230521101", ()),
    ("complaint", "list", "gdlbh", "230521100", "town-230521100", ()),
    ("complaint", "payment_not_received", "gdlbh", "福利镇", "nxs", ("czj",)),
    ("complaint", "delay", "gdlbh", None, "czj", ()),
    ("complaint", "misconduct", "gdlbh", "福利镇", "jwjw", ()),
    ("complaint", "bank_misconduct", None, None, "jrjg", ()),
    ("complaint", "other", "gdlbh", "福利镇", "czj", ()),
    ("inquiry", None, "dibao", "福利镇", "mzj", ()),
    ("inquiry", None, None, "福利镇", "czj", ()),
    ("report", None, "gdlbh", "福利镇", "jwjw", ()),
    ("report", "amount", "gdlbh", "福利镇", "jwjw", ()),
    ("report", "payment_not_received", None, None, "jwjw", ()),
    ("disclosure_request", None, "dibao", None, "mzj", ()),
    ("disclosure_request", None, None, "集贤镇", "town-230521101", ()),
    ("disclosure_request", None, None, None, "czj", ()),
    ("complaint", "amount", None, "福利镇", "town-230521100", ()),
    ("complaint", "amount", None, None, "czj", ()),
    ("complaint", "list", None, None, "czj", ()),
]


@pytest.fixture
def county(tmp_path: Path):
    return load_county(write_county(tmp_path))


@pytest.mark.parametrize(("kind", "category", "program", "township", "expected", "cc"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_route(county, kind, category, program, township, expected, cc):
    routed = route(county, kind, category, program, township)
    assert routed.department.code == expected
    assert tuple(d.code for d in routed.cc) == cc


def test_county_yml_overrides_the_table(tmp_path: Path) -> None:
    root = write_county(tmp_path)
    raw = yaml.safe_load((root / "county.yml").read_text(encoding="utf-8"))
    raw["routing"] = {"delay": "nyncj", "report": "jwjw", "subsidy_fraud": "discipline"}
    (root / "county.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    county = load_county(root)
    assert route(county, "complaint", "delay").department.code == "nyncj"
    assert route(county, "complaint", "subsidy_fraud").department.code == "jwjw"
    assert "subsidy_fraud" in categories(county)


def test_categories_are_the_contract_list(county) -> None:
    assert categories(county) == ["amount", "bank_misconduct", "delay", "eligibility", "list",
                                  "misconduct", "other", "payment_not_received"]


def test_submission_reports_its_department(client) -> None:
    response = client.post("/api/v1/submissions", json={
        "kind": "complaint", "category": "payment_not_received", "subject": "没收到钱", "body": "卡上没到账"})
    assert response.get_json()["department"] == {"code": "nxs", "name": "集贤县农村信用合作联社"}


def test_holder_target_and_copy_finance_on(tmp_path: Path) -> None:
    root = write_county(tmp_path)
    raw = yaml.safe_load((root / "county.yml").read_text(encoding="utf-8"))
    raw["routing"] = {"disclosure_request": "holder", "copy_finance_on": ["amount"]}
    (root / "county.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    county = load_county(root)
    assert "copy_finance_on" not in categories(county)
    assert route(county, "disclosure_request", None, "dibao").department.code == "mzj"
    assert route(county, "disclosure_request", None, None, "集贤镇").department.code == "town-230521101"
    amount = route(county, "complaint", "amount", "gdlbh")
    assert (amount.department.code, [d.code for d in amount.cc]) == ("nyncj", ["czj"])
    assert route(county, "complaint", "payment_not_received").cc == ()
    assert route(county, "report", "amount", "gdlbh").cc == ()
