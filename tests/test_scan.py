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


# ---------------------------------------------------------------- the first pass on bytes, then the reading
# Each case is a leak only a reader's reading finds (the number is broken or disguised); the
# scan's fast first pass must hand every one of them to the reading.
@pytest.mark.parametrize("name, content", [
    ("comma.html", "<p>电话139,1234,5678</p>"),
    ("colon.html", "<p>电话：139:1234:5678</p>"),
    ("fullwidth-comma.html", "<p>电话139，1234，5678</p>"),
    ("nbsp-entity.html", "<p>电话139&nbsp;1234&nbsp;5678</p>"),
    ("nbsp-no-semicolon.html", "<p>电话139&nbsp1234&nbsp5678</p>"),
    ("entity-written-as-text.html", "<p>电话139&amp;nbsp;1234&amp;nbsp;5678</p>"),
    ("digit-entity.html", "<p>&#49;39 1234 5678</p>"),
    ("hex-entity.html", "<p>&#x31;&#x33;&#x39;12345678</p>"),
    ("circled.html", "<p>①③⑨①②③④⑤⑥⑦⑧</p>"),
    ("fullwidth.txt", "１３９－１２３４－５６７８"),
    ("chinese.csv", "姓名,备注\n张三,一三九 一二三四 五六七八\n"),
    ("quoted-cell.csv", '姓名,备注\n张三,"电话139,1234,5678"\n'),
    ("json-string.json", '{"r": "电话139, 1234, 5678"}'),
    ("json-escape.json", '{"r": "1391234\\u0035678"}'),
    ("json-escaped-newline.json", '{"r": "139\\n1234\\n5678"}'),
    ("zero-width.html", "<p>1\u200b3\u200b9\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8</p>"),
    ("inline-script.html", '<script>var note = "电话 139 1234 5678";</script>'),
    ("ends-with-numeral.html", "<p>1391234567八</p>"),
    ("grouped-like-an-amount.html", "<p>13,912,345,678</p>"),
    ("amount-decimals-mixed.html", "<p>139 1234 56.78</p>"),
], ids=lambda v: v if v.endswith((".html", ".txt", ".csv", ".json")) else "")
def test_broken_and_disguised_numbers_are_found(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    findings = scan_site(tmp_path, sensitive={PHONE})
    assert findings and all(f.value == PHONE for f in findings), findings
    assert PHONE not in str(findings[0])


@pytest.mark.parametrize("name, content", [
    # our own structure, not a number a reader reads: cells, JSON values, links, icons, scripts
    ("cells.csv", "数量,标准,金额,发放日期\n3,420,1260,2025-03-20\n12.5,68.93,861.63,2025-03-20\n"),
    ("numbers.json", '{"towns": [["福利镇", "230521101", 2457, 4597, "t/230521101/"]], "n": [3, 420, 1260, 2025]}'),
    ("links.html", '<a href="t/230521101/230521101202/?a=139 1234 5678">东升村</a>'),
    ("icon.html", '<svg viewBox="0 0 24 24"><path d="M10 10 10 10-4.48 10-10 1.5 2.5"/></svg>'),
    ("style.html", "<style>.a{margin:0 0 0 0;transform:matrix(1,0,0,1,0,0)}</style><p>没有</p>"),
    ("script-data.html", '<script>var t = [["福利镇","230521101",2457,4597,"t/230521101/"]];</script>'),
    ("masked.html", "<td>230521********0118</td><td>****8842</td><td>1,260.00 元</td><td>2025-03-20</td>"),
    # the site's own amounts and dates, side by side (a county total joined would be 179 2506 8408)
    ("totals.html", "<p>合计 179,250,684.08 元，185,203,996.00 元</p><p>1,792,506.8 万元</p>"),
    ("dates.html", "<p>发放日期：2025-03-20、2025-04-17、2025-05-20</p>"),
    ("stats.json", '{"paid": 179250684.08, "payments": 131755, "t": "179250684.08"}'),
])
def test_structure_does_not_join_numbers(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    assert scan_site(tmp_path, sensitive={PHONE, ID, CARD}) == []


def test_a_chain_seen_first_in_markup_is_still_found_in_text(tmp_path: Path) -> None:
    """Chains are cached per scan; where a chain stands is judged at each place it stands."""
    (tmp_path / "a.html").write_text('<a title="139 1234 5678">x</a>\n<p>139 1234 5678</p>', encoding="utf-8")
    findings = scan_site(tmp_path, sensitive={PHONE})
    assert [(f.line, f.value) for f in findings] == [(2, PHONE)]


def test_unbroken_runs_are_found_anywhere_even_in_markup_and_code(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(f'<a href="?p={PHONE}">x</a><style>.x{{}}/*{ID}*/</style>', encoding="utf-8")
    (tmp_path / "b.js").write_text(f"var card = '{CARD}';", encoding="utf-8")
    assert sorted(f.value for f in scan_site(tmp_path)) == sorted([PHONE, ID, CARD])


def test_a_big_site_is_scanned_in_parallel_with_the_same_findings(tmp_path: Path, monkeypatch) -> None:
    for i in range(520):
        (tmp_path / f"p{i}.html").write_text(f"<p>第 {i} 页 1,260.00 元</p>", encoding="utf-8")
    (tmp_path / "p7.html").write_text("<p>电话139,1234,5678</p>", encoding="utf-8")
    monkeypatch.setenv("YIKATONG_WORKERS", "2")
    parallel = scan_site(tmp_path, sensitive={PHONE})
    monkeypatch.setenv("YIKATONG_WORKERS", "1")
    assert parallel == scan_site(tmp_path, sensitive={PHONE}) and [f.value for f in parallel] == [PHONE]
