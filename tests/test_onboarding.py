"""A new county starts from the docs: init, sample for its own model, schema messages, no 集贤县."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from generator.checks.audit import KINDS, audit_findings
from generator.cli import main
from generator.core.county_schema import COUNTY_SCHEMA
from generator.ingest.validate import validate_data

AS_OF = dt.date(2026, 11, 20)
DOC = Path(__file__).resolve().parent.parent / "docs" / "county-yml.md"


def test_init_writes_a_starter_tree_that_validates(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path / "bq"), "--county", "宝清县", "--code", "230523"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "bq"
    for rel in ("county.yml", "holidays.yml", ".gitignore", ".github/workflows/publish.yml", ".gitlab-ci.yml",
                "scripts/install-yikatong.sh", "programs/gdzl.yml"):
        assert (root / rel).is_file(), rel
    text = (root / "county.yml").read_text(encoding="utf-8")
    assert "name: 宝清县" in text and 'code: "230523"' in text and "集贤" not in text
    check = runner.invoke(main, ["-q", "validate", "--data", str(root), "--as-of", "2026-11-20"])
    assert check.exit_code == 0, check.output


def test_validate_names_an_unknown_key_with_the_nearest_known_one(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["init", str(tmp_path / "bq"), "--county", "宝清县", "--code", "230523"])
    path = tmp_path / "bq" / "county.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("publication:", "publicaton:"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(tmp_path / "bq")])
    assert result.exit_code == 1
    assert "county.yml 顶层没有“publicaton”这一项，是否为“publication”？" in result.output


def test_validate_names_a_missing_key(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["init", str(tmp_path / "bq"), "--county", "宝清县", "--code", "230523"])
    path = tmp_path / "bq" / "county.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  name: 宝清县", "  nme: 宝清县"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(tmp_path / "bq")])
    assert "缺少“county.name”项" in result.output
    assert "“county”下没有“nme”这一项，是否为“name”？" in result.output


def test_sample_for_another_county_names_only_that_county(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "bq"), "--county", "宝清县", "--code", "230523"])
    result = runner.invoke(main, ["-q", "sample", "--county-file", str(tmp_path / "bq" / "county.yml"),
                                  "--out", str(tmp_path / "s"), "--records", "100", "--as-of", "2026-11-20"])
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "s").rglob("*"):
        if path.suffix in (".yml", ".csv"):
            text = path.read_bytes().decode("utf-8", errors="ignore") if path.suffix == ".yml" else ""
            assert "集贤" not in text, path
    assert "宝清县财政局" in (tmp_path / "s" / "county.yml").read_text(encoding="utf-8")
    assert validate_data(tmp_path / "s", as_of=AS_OF).problems == []


def test_help_names_no_county() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "集贤" not in result.output
    assert "县级惠民惠农财政补贴资金“一卡通”公开平台" in result.output


def test_the_sample_fills_every_sheet_of_the_audit(sample_dir: Path) -> None:
    result = validate_data(sample_dir, as_of=AS_OF)
    findings = audit_findings(result.records, result.county, AS_OF, batches=result.batches)
    assert {kind: findings.cases[kind] > 0 for kind in KINDS} == {kind: True for kind in KINDS}


def test_the_schema_doc_lists_every_key() -> None:
    text = DOC.read_text(encoding="utf-8")

    def keys(schema, prefix=""):
        for key, spec in schema.items():
            name = f"{prefix}{key}" + ("[]" if spec.is_list else "")
            yield name
            yield from keys(spec.keys, name + ".")

    missing = [k for k in keys(COUNTY_SCHEMA) if f"`{k}`" not in text]
    assert missing == []
