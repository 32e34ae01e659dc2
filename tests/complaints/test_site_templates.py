"""The static site's complaint form and status fragments (templates/complaints/*.j2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.core.county import load_county
from generator.render.env import environment
from tests.conftest import phone_tab, static_server

API_FIELDS = {"kind", "category", "program", "township", "village", "record_ref", "subject",
              "body", "name", "phone", "anonymous", "notify_sms"}


def render_text(name: str, **context) -> str:
    """A fragment of templates/complaints/ rendered by the site's one Jinja environment."""
    return environment().get_template(f"complaints/{name}").render(**context)


def render(name: str, **context) -> BeautifulSoup:
    return BeautifulSoup(render_text(name, **context), "html.parser")


@pytest.fixture
def county(data_dir):
    return load_county(data_dir)


def test_form_posts_without_javascript(county) -> None:
    form = render("form.html.j2", county=county).select_one("form#ykt-complaint-form")
    assert (form["method"], form["action"]) == ("post", "/api/v1/submissions")
    names = {el["name"] for el in form.select("[name]")}
    assert names == API_FIELDS
    assert [o["value"] for o in form.select("select[name=program] option")] == ["", "dibao", "gdlbh"]
    assert [o["value"] for o in form.select("select[name=township] option")] == ["", "230521100", "230521101"]
    assert {o["value"] for o in form.select("select[name=category] option")} == {
        "", "amount", "eligibility", "payment_not_received", "delay", "list", "misconduct", "bank_misconduct", "other"}


def test_form_fields_are_accepted_by_the_service(county, client) -> None:
    page = render("form.html.j2", county=county)
    form = page.select_one("form")
    data = {"kind": form.select_one("input[name=kind][checked]")["value"], "category": "",
            "program": "gdlbh", "township": "230521100", "village": "东升村", "record_ref": "gdlbh-2025-0001",
            "subject": "金额不对", "body": "少发了", "name": "", "phone": "", "anonymous": "true"}
    response = client.post(form["action"], data=data, headers={"Accept": "text/html"})
    assert response.status_code == 303
    receipt = BeautifulSoup(client.get(response.headers["Location"]).get_data(as_text=True), "html.parser")
    assert receipt.select_one("#department").get_text() == "集贤县农业农村局"


@pytest.mark.browser
def test_record_link_prefills_the_form(county, browser, tmp_path: Path) -> None:
    """The record's 对此有异议 link fills program, township, village and reference in a real browser."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><body>'
        + render_text("form.html.j2", county=county) + "</body></html>", encoding="utf-8")
    with static_server(tmp_path) as server, phone_tab(browser, server) as tab:
        tab.goto(server + "?program=gdlbh&township=230521100&village=%E4%B8%9C%E5%8D%87%E6%9D%91"
                 "&ref=2025-gdzl-17&kind=complaint&category=amount")
        values = {name: tab.locator(f"[name={name}]").first.input_value()
                  for name in ("program", "township", "record_ref", "category")}
        village = tab.locator("[name=village]").first.input_value()
    assert values == {"program": "gdlbh", "township": "230521100", "record_ref": "2025-gdzl-17",
                      "category": "amount"}
    assert village == "东升村"


def test_status_fragment_posts_the_code_and_never_puts_it_in_a_url() -> None:
    page = render("status.html.j2", api_base="")
    form = page.select_one("form#ykt-status-form")
    assert (form["method"], form["action"]) == ("post", "/track")
    assert {el["name"] for el in form.select("input[name]")} == {"no", "code"}
    script = page.select_one("script").get_text()
    assert "/api/v1/submissions/" in script and "innerHTML" not in script
    assert "X-Query-Code" in script and "?code=" not in script
    assert page.select_one("#ykt-status-result") is not None
