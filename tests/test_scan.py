"""The leak scan finds personal data wherever it hides, and nothing where there is none."""

from __future__ import annotations

import datetime as dt
import gzip
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.core.idnumber import luhn_check_digit, make_id
from generator.privacy.scan import scan_site

ID = make_id("230521", dt.date(1961, 11, 26), 341)
CARD = "623150186218420176" + luhn_check_digit("623150186218420176")
PHONE = "13912345678"


@pytest.mark.parametrize("name, content, expected", [
    ("page.html", f"<td>{ID}</td>", "身份证号"),
    ("data.json", f'{{"card": "{CARD}"}}', "疑似银行卡号"),
    ("app.js", f"var x='{PHONE}';", "手机号码"),
    ("list.csv", f"张三,{ID.lower()}", "身份证号"),
], ids=["html-id", "json-card", "js-phone", "csv-lowercase-x"])
def test_patterns_are_found(tmp_path: Path, name: str, content: str, expected: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    findings = scan_site(tmp_path)
    assert len(findings) >= 1
    assert expected in findings[0].what
    assert ID not in str(findings[0]) and CARD not in str(findings[0])  # CI logs never repeat the value


def test_inside_xlsx_and_gzip(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "d.xlsx", "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", f"<c><is><t>{ID}</t></is></c>")
    (tmp_path / "shard.json.gz").write_bytes(gzip.compress(PHONE.encode()))
    paths = sorted(f.path for f in scan_site(tmp_path))
    assert paths[0].endswith("d.xlsx!xl/worksheets/sheet1.xml")
    assert paths[1].endswith("shard.json.gz")


def test_exact_input_values_are_found_even_without_a_valid_pattern(tmp_path: Path) -> None:
    odd_card = "6231000000000000"  # fails Luhn, but it is a card number from the input
    (tmp_path / "a.html").write_text(f"<p>卡 {odd_card}0 </p>", encoding="utf-8")
    findings = scan_site(tmp_path, sensitive={odd_card})
    assert [f.what for f in findings] == ["与输入数据中的证件/卡/电话号码相同：623…00（16 位）"]


def test_masked_values_are_clean(tmp_path: Path) -> None:
    masked = ID[:6] + "********" + ID[-4:]
    (tmp_path / "a.html").write_text(f"<td>{masked}</td><td>****{CARD[-4:]}</td><td>2025-03-24</td>", encoding="utf-8")
    assert scan_site(tmp_path, sensitive={ID, CARD, PHONE}) == []


def test_cli_scan_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "ok.html").write_text("<p>没有个人信息</p>", encoding="utf-8")
    assert CliRunner().invoke(main, ["-q", "scan", str(tmp_path), "--data", str(tmp_path / "none")]).exit_code == 0
    (tmp_path / "bad.html").write_text(f"<p>{PHONE}</p>", encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "scan", str(tmp_path), "--data", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "bad.html:1: 手机号码 139…78（11 位）" in result.stdout
