"""The static site's complaint form and status fragments (templates/complaints/*.j2)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup

from generator.county import load_county

TEMPLATES = Path(__file__).parents[2] / "templates" / "complaints"
API_FIELDS = {"kind", "category", "program", "township", "village", "record_ref", "subject",
              "body", "name", "phone", "anonymous", "notify_sms"}


def render(name: str, **context) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return BeautifulSoup(env.get_template(name).render(**context), "html.parser")


@pytest.fixture
def county(data_dir):  # type: ignore[no-untyped-def]
    return load_county(data_dir)


def test_form_posts_without_javascript(county) -> None:  # type: ignore[no-untyped-def]
    form = render("form.html.j2", county=county).select_one("form#ykt-complaint-form")
    assert (form["method"], form["action"]) == ("post", "/api/v1/submissions")
    names = {el["name"] for el in form.select("[name]")}
    assert names == API_FIELDS
    assert [o["value"] for o in form.select("select[name=program] option")] == ["", "dibao", "gdlbh"]
    assert [o["value"] for o in form.select("select[name=township] option")] == ["", "230521100", "230521101"]
    assert {o["value"] for o in form.select("select[name=category] option")} == {
        "", "amount", "eligibility", "payment_not_received", "delay", "list", "misconduct", "bank_misconduct", "other"}


def test_form_fields_are_accepted_by_the_service(county, client) -> None:  # type: ignore[no-untyped-def]
    page = render("form.html.j2", county=county)
    form = page.select_one("form")
    data = {"kind": form.select_one("input[name=kind][checked]")["value"], "category": "",
            "program": "gdlbh", "township": "230521100", "village": "东升村", "record_ref": "gdlbh-2025-0001",
            "subject": "金额不对", "body": "少发了", "name": "", "phone": "", "anonymous": "true"}
    response = client.post(form["action"], data=data, headers={"Accept": "text/html"})
    assert response.status_code == 201
    receipt = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert receipt.select_one("#department").get_text() == "集贤县农业农村局"


def test_form_prefill_script_reads_the_record_link_parameters(county) -> None:  # type: ignore[no-untyped-def]
    script = render("form.html.j2", county=county).select_one("script").get_text()
    for param in ("program", "township", "village", "ref"):
        assert f"{param}:" in script
    assert "innerHTML" not in script


def test_status_fragment_is_a_get_form_to_track() -> None:
    page = render("status.html.j2", api_base="")
    form = page.select_one("form#ykt-status-form")
    assert (form["method"], form["action"]) == ("get", "/track")
    assert {el["name"] for el in form.select("input[name]")} == {"no", "code"}
    script = page.select_one("script").get_text()
    assert "/api/v1/submissions/" in script and "innerHTML" not in script
    assert page.select_one("#ykt-status-result") is not None
