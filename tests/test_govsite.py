"""A government site's conventions, the notice board's print version, tel: links, units and
the elder switch, read from the built site's HTML (and, for the print version, Chromium's PDF).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.core.county import load_county
from generator.ingest.validate import validate_data
from generator.render import govsite
from tests.conftest import AS_OF, static_server


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def meta(soup: BeautifulSoup) -> dict[str, str]:
    return {m["name"]: m["content"] for m in soup.select("meta[name][content]")}


def a_records_page(site: Path) -> Path:
    return sorted(site.glob("t/*/*/gdzl-*/index.html"))[0]


def test_every_page_has_the_footer_and_site_meta_tags(built_site: Path) -> None:
    pages = [built_site / "index.html", built_site / "search" / "index.html", built_site / "timeliness" / "index.html",
             built_site / "stats" / "index.html", a_records_page(built_site), a_records_page(built_site).parent.parent / "index.html"]
    for page in pages:
        soup = soup_of(page)
        foot = soup.select_one("footer .yk-foot").get_text(" ", strip=True)
        assert "主办单位：集贤县人民政府办公室" in foot
        assert "政府网站标识码：2305210099" in foot
        assert "黑ICP备00000000号-1" in foot and "黑公网安备23052102000000号" in foot
        assert soup.select_one('footer a[href^="https://beian.miit.gov.cn"]').get_text() == "黑ICP备00000000号-1"
        tags = meta(soup)
        assert tags["SiteName"] == "集贤县惠民惠农财政补贴资金“一卡通”公开平台"
        assert tags["SiteDomain"] == "ykt.example.gov.cn"
        assert tags["SiteIDCode"] == "2305210099"
        assert tags["ColumnName"] and tags["ColumnType"]


def test_detail_pages_carry_article_title_date_and_source(built_site: Path) -> None:
    tags = meta(soup_of(a_records_page(built_site)))
    assert tags["ColumnName"] == "补贴发放名单"
    assert re.fullmatch(r"\S+村耕地地力保护补贴\d{4}年发放名单", tags["ArticleTitle"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tags["PubDate"])
    assert tags["ContentSource"] == "集贤县农业农村局"
    program = meta(soup_of(built_site / "programs" / "gdzl" / "index.html"))
    assert program["ArticleTitle"] == "耕地地力保护补贴" and program["ContentSource"] == "集贤县农业农村局"
    assert "ArticleTitle" not in meta(soup_of(built_site / "index.html"))


def test_validate_warns_about_missing_website_keys(sample_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    doc = yaml.safe_load((data / "county.yml").read_text(encoding="utf-8"))
    del doc["website"]["icp"], doc["website"]["site_code"]
    (data / "county.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = validate_data(data, as_of=AS_OF)
    assert result.problems == []
    assert "county.yml 的 website 项缺少 site_code（政府网站标识码）、icp（ICP备案号）：页脚和页面元数据将不显示这些内容。" in result.warnings
    from generator.render.govsite import footer_html

    foot = BeautifulSoup(footer_html(load_county(data)), "html.parser").get_text(" ")
    assert "主办单位" in foot and "政府网站标识码" not in foot and "ICP" not in foot


def test_every_phone_number_is_a_tel_link(built_site: Path) -> None:
    phone = re.compile(r"0\d{2,3}-\d{7,8}")
    for page in [built_site / "index.html", built_site / "policies" / "index.html",
                 built_site / "programs" / "gdzl" / "index.html", a_records_page(built_site),
                 sorted(built_site.glob("t/*/index.html"))[0], built_site / "privacy" / "index.html"]:
        soup = soup_of(page)
        main = soup.select_one("article") or soup
        for script in main.select("script"):
            script.decompose()
        bare = [t for t in main.find_all(string=phone) if t.parent.name != "a"]
        assert bare == [], page
        links = main.select('a[href^="tel:"]')
        assert links and all(a["href"] == "tel:" + a.get_text().replace("-", "") for a in links)


def test_record_cards_carry_units(built_site: Path) -> None:
    row = soup_of(a_records_page(built_site)).select_one("table.yk-records tbody tr")
    cells = {td.get("data-label"): td.get_text() for td in row.select("td")}
    assert cells["数量"].endswith(" 亩") and cells["标准"].endswith(" 元") and cells["金额"].endswith(" 元")
    town = soup_of(sorted(built_site.glob("t/*/index.html"))[0]).select_one("table.yk-summary tbody tr")
    assert town.select_one('td[data-label="金额"]').get_text().endswith(" 元")


def test_elder_switch_on_every_page_without_a_flash(built_site: Path) -> None:
    for page in [built_site / "index.html", built_site / "search" / "index.html", a_records_page(built_site)]:
        soup = soup_of(page)
        assert soup.select_one("header button#yk-elder").get_text() == "长辈模式"
        elder = next(x for x in soup.head.find_all("script") if "yk-elder" in x.get_text())
        # the class is set before any stylesheet or style: no normal layout first
        assert not elder.find_all_previous("link", rel="stylesheet") and not elder.find_all_previous("style")


def test_print_version_of_a_list(built_site: Path) -> None:
    page = a_records_page(built_site)
    link = soup_of(page).select_one("a.yk-print")
    assert link.get_text() == "打印公示表" and link["href"] == "print/"
    sheet = soup_of(page.parent / "print" / "index.html")
    text = sheet.get_text(" ", strip=True)
    township, village = page.parent.parent.parent.name, page.parent.parent.name
    assert sheet.h1.get_text().startswith("集贤县耕地地力保护补贴")
    assert "请点击" not in text and not sheet.select("nav, form, input")
    assert "村民委员会（盖章）" in text and "年　　月　　日" in text
    assert "监督电话 0469-4623100" in text or "监督电话0469-4623100" in text.replace(" ", "")
    head = [th.get_text() for th in sheet.select("table thead th")]
    assert "数量（亩）" in head and "金额（元）" in head
    assert sheet.select_one("table tfoot").get_text(" ", strip=True).startswith("合计")
    svg = sheet.select_one(".qr svg")
    assert svg is not None and svg.title.get_text() == "扫码查看网上公示"
    assert f"https://ykt.example.gov.cn/t/{township}/{village}/{page.parent.name}/" in text
    assert re.fullmatch(r"\S+村耕地地力保护补贴\d{4}年公示表 · 集贤县", sheet.title.get_text())


def test_the_printed_qr_code_opens_the_page_online(built_site: Path) -> None:
    """A phone that scans the notice board's sheet lands on the page the sheet was printed from."""
    import numpy as np
    import zxingcpp

    page = a_records_page(built_site)
    raw = (page.parent / "print" / "index.html").read_text(encoding="utf-8")
    township, village = page.parent.parent.parent.name, page.parent.parent.name
    address = f"https://ykt.example.gov.cn/t/{township}/{village}/{page.parent.name}/"
    assert govsite.qr_svg(address) in raw  # the sheet carries exactly this code
    modules = np.array([list(row) for row in govsite.qr_code(address).matrix], dtype=np.uint8)
    modules = np.pad(modules, 4)  # the quiet zone a printed code has around it
    image = np.kron(np.where(modules == 1, 0, 255).astype(np.uint8), np.ones((6, 6), dtype=np.uint8))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [address]


def test_a_notice_prints_its_period(built_site: Path) -> None:
    notices = [p for p in built_site.glob("t/*/*/*/print/index.html") if "公示期：" in p.read_text(encoding="utf-8")]
    assert notices
    text = soup_of(notices[0]).get_text(" ", strip=True)
    assert re.search(r"公示期：\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}", text)


@pytest.mark.browser
def test_a_100_row_list_prints_on_at_most_three_a4_pages(browser: Any, built_site: Path, tmp_path: Path) -> None:
    page = a_records_page(built_site)
    html = (page.parent / "print" / "index.html").read_text(encoding="utf-8")
    body = re.search(r"<tbody>\n(.*?)</tbody>", html, re.S)
    rows = body.group(1).strip().splitlines()
    many = "\n".join((rows * (100 // len(rows) + 1))[:100])
    site = tmp_path / "site"
    (site / "p").mkdir(parents=True)
    (site / "p" / "index.html").write_text(html.replace(body.group(1), many + "\n"), encoding="utf-8")
    with static_server(site) as base:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(base + "p/")
        pdf = tab.pdf(prefer_css_page_size=True)
        context.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3
