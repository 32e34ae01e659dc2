"""Who hears what: citizens' SMS (短信通知我), handlers' messages, reminders, digests, and
督办 escalation with its queue and public counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from complaints_api.messages import SMS_LIMIT

from .conftest import PASSWORD, act, login, submit
from .sinks import HttpSink
from .test_site_templates import render

SIGNATURE = "【集贤县惠民补贴】"


@pytest.fixture
def gateway():
    sink = HttpSink()
    yield sink
    sink.close()


@pytest.fixture
def county_with_office(data_dir: Path) -> Path:
    """The fixture county plus the finance bureau's 领导专班办公室 (role supervision)."""
    path = data_dir / "county.yml"
    county = yaml.safe_load(path.read_text(encoding="utf-8"))
    county["departments"].append({"code": "czjlzb", "name": "集贤县财政局领导专班办公室",
                                  "roles": ["supervision"]})
    path.write_text(yaml.safe_dump(county, allow_unicode=True), encoding="utf-8")
    return data_dir


@pytest.fixture
def app(app_factory, gateway, county_with_office, tmp_path):
    return app_factory(SMS_GATEWAY_URL=gateway.url, NOTIFY_LOG=str(tmp_path / "mail.log"),
                       NOTIFY_DIGEST_HOUR=24)


def notify(app, today: str | None = None) -> str:
    if today:
        app.config["TODAY"] = today
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    return result.output


def texts(gateway) -> list[str]:
    return [r["text"] for r in gateway.received]


def emails(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "mail.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def create_handler(app, username: str, department: str, *extra: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["create-handler", "--username", username, "--department", department, *extra, "--password-stdin"],
        input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return username


# --- citizens -------------------------------------------------------------------------

def test_form_offers_sms_off_by_default(data_dir) -> None:
    from generator.core.county import load_county
    form = render("form.html.j2", county=load_county(data_dir))
    box = form.select_one("input[name=notify_sms]")
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    assert box.parent.get_text(strip=True).startswith("短信通知我")


def test_citizen_hears_of_receipt_request_extension_every_reply_and_close(app, client, gateway) -> None:
    case = submit(client, notify_sms=True, subject="补贴金额少了", body="我家承包12亩，只发了700元。")
    no, code = case["tracking_no"], case["query_code"]
    staff = app.test_client()
    token = login(staff, create_handler(app, "zhao", "nyncj"))
    act(staff, token, no, "accept")
    act(staff, token, no, "extend", reason="需要到村里实地核实承包面积")
    act(staff, token, no, "await", message="请提供承包合同复印件")
    client.post(f"/api/v1/submissions/{no}/supplement", json={"code": code, "body": "合同已拍照上传"})
    act(staff, token, no, "reply", reply="经核实，已补发 140 元。")
    client.post(f"/api/v1/submissions/{no}/rating", json={"code": code, "score": 1})  # reopens
    act(staff, token, no, "reply", reply="已再次核实并补发。")
    act(staff, token, no, "close")
    notify(app)
    receipt, *rest = sorted(texts(gateway), key=lambda t: "登记" not in t)  # delivered in parallel
    assert receipt.startswith(f"{SIGNATURE}您的来信已登记，编号{no}，查询码{code}，2025-10-11前答复")
    assert sorted(rest) == sorted([
        f"{SIGNATURE}您的事项{no}办理期限依法延长至2025-12-25，延期理由请凭查询码查看。",
        f"{SIGNATURE}您的事项{no}需要补充材料，请凭编号和查询码在查询页面查看。",
        f"{SIGNATURE}您的事项{no}已答复，请凭查询码查看，并告诉我们问题是否解决。",
        f"{SIGNATURE}您的事项{no}已答复，请凭查询码查看，并告诉我们问题是否解决。",
        f"{SIGNATURE}您的事项{no}已办结，感谢您的监督。",
    ])
    assert {r["to"] for r in gateway.received} == {"13800138000"}
    for text in texts(gateway):
        assert len(text) <= SMS_LIMIT and text.startswith(SIGNATURE)
        for words in ("补贴金额少了", "700", "王大娘", "实地核实", "合同", "补发", "农业农村局"):
            assert words not in text
    assert all(code not in t.replace(no, "") for t in rest)


def test_no_sms_unless_asked_and_never_for_an_anonymous_report(app, client, gateway) -> None:
    submit(client)  # phone given, box not ticked
    anonymous = client.post("/api/v1/submissions", json={
        "kind": "report", "category": "misconduct", "subject": "村干部优亲厚友", "body": "……",
        "anonymous": True, "notify_sms": True, "phone": "13800138000"})
    assert anonymous.status_code == 201
    staff = app.test_client()
    token = login(staff, create_handler(app, "ji", "jwjw"))
    assert act(staff, token, anonymous.get_json()["tracking_no"], "accept").status_code == 303
    notify(app)
    assert gateway.received == []


@pytest.mark.parametrize("phone", [None, "0469-4612345"])
def test_sms_needs_a_mobile_number(client, phone) -> None:
    response = client.post("/api/v1/submissions", json={
        "kind": "inquiry", "subject": "问", "body": "何时发放？", "notify_sms": True, "phone": phone})
    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": "phone", "message": "选择短信通知时，请填写11位手机号码。"}]


def test_status_page_asks_whether_it_was_resolved_and_reopens(app, client) -> None:
    case = submit(client, kind="inquiry", category=None)
    staff = app.test_client()
    act(staff, login(staff, create_handler(app, "zhao", "nyncj")), case["tracking_no"], "reply", reply="下月发放。")
    status = client.get(f"/track?no={case['tracking_no']}&code={case['query_code']}", follow_redirects=True)
    page = BeautifulSoup(status.get_data(as_text=True), "html.parser")
    assert page.select_one("#resolved h2").get_text() == "问题解决了吗？"
    answer = client.post(f"/api/v1/submissions/{case['tracking_no']}/rating",
                         data={"code": case["query_code"], "score": "2"}, follow_redirects=True)
    assert "已重新交集贤县农业农村局办理" in answer.get_data(as_text=True)
    assert client.get(f"/api/v1/submissions/{case['tracking_no']}?code={case['query_code']}").get_json()["state"] == "in_progress"


# --- handlers -------------------------------------------------------------------------

def test_create_handler_checks_contacts(app) -> None:
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["create-handler", "--username", "x", "--department", "nyncj",
                              "--email", "not-an-address", "--password-stdin"], input=PASSWORD + "\n")
    assert bad.exit_code != 0 and "邮箱格式不正确，例如 zhao@example.gov.cn。" in bad.output
    bad = runner.invoke(args=["create-handler", "--username", "x", "--department", "nyncj",
                              "--phone", "12345", "--password-stdin"], input=PASSWORD + "\n")
    assert bad.exit_code != 0 and "手机号须为11位手机号码。" in bad.output


def test_handlers_hear_of_new_and_transferred_cases(app, client, gateway, tmp_path) -> None:
    create_handler(app, "zhao", "nyncj", "--email", "zhao@example.gov.cn")
    create_handler(app, "li", "nyncj", "--phone", "13900139000")
    create_handler(app, "chen", "mzj", "--email", "chen@example.gov.cn")
    create_handler(app, "silent", "nyncj")  # no contact: nothing
    case = submit(client)
    no = case["tracking_no"]
    staff = app.test_client()
    act(staff, login(staff, "zhao"), no, "transfer", to="mzj", reason="属于低保事项")
    notify(app)
    mails = sorted(emails(tmp_path), key=lambda m: m["subject"])
    assert [(m["to"], m["subject"]) for m in mails] == [
        ("z***@example.gov.cn", f"{SIGNATURE}新投诉 {no}"),
        ("c***@example.gov.cn", f"{SIGNATURE}转来投诉 {no}")]
    assert mails[1]["text"].startswith(f"投诉{no}已转你单位办理，期限2025-10-11")
    assert gateway.received == [{"to": "13900139000", "id": gateway.received[0]["id"],
                                 "text": f"{SIGNATURE}新投诉{no}交你单位办理，期限2025-10-11，请登录办理系统处理。"}]


def test_reminder_at_80_percent_once_and_a_daily_digest(app, client, gateway, tmp_path) -> None:
    create_handler(app, "li", "nyncj", "--phone", "13900139000")
    no = submit(client)["tracking_no"]  # decide acceptance by 2025-10-11: 15 days
    gateway.received.clear()
    notify(app, "2025-10-07")  # 73 %
    assert texts(gateway) == [f"{SIGNATURE}新投诉{no}交你单位办理，期限2025-10-11，请登录办理系统处理。"]
    notify(app, "2025-10-08")  # 80 %
    notify(app, "2025-10-09")
    assert texts(gateway)[1:] == [f"{SIGNATURE}投诉{no}已用去八成办理时间，期限2025-10-11，请抓紧办理。"]
    app.config["NOTIFY_DIGEST_HOUR"] = 0
    notify(app)
    notify(app)
    notify(app, "2025-10-12")
    assert texts(gateway)[2:] == [f"{SIGNATURE}你单位在办1件，其中即将到期1件、已超期0件，请登录处理。",
                                  f"{SIGNATURE}你单位在办1件，其中即将到期0件、已超期1件，请登录处理。"]


# --- escalation -----------------------------------------------------------------------

def supervision(client) -> BeautifulSoup:
    return BeautifulSoup(client.get("/handler/supervision/").get_data(as_text=True), "html.parser")


def test_overdue_case_is_escalated_until_closed(app, client, tmp_path) -> None:
    create_handler(app, "wang", "czjlzb", "--email", "wang@example.gov.cn")
    no = submit(client)["tracking_no"]
    office = app.test_client()
    login(office, "wang")
    notify(app, "2025-10-11")  # the last day: not yet
    assert supervision(office).select_one("#supervision-empty").get_text() == "暂无督办事项。"
    notify(app, "2025-10-12")
    notify(app, "2025-10-13")
    (item,) = supervision(office).select("#supervision li")
    assert item["data-tracking-no"] == no
    assert item.select_one(".department").get_text() == "集贤县农业农村局"
    assert item.select_one(".late").get_text() == "超期 2 天"
    assert [(m["to"], m["subject"]) for m in emails(tmp_path)] == [("w***@example.gov.cn", f"{SIGNATURE}督办：投诉 {no}")]
    page = BeautifulSoup(office.get(f"/handler/cases/{no}").get_data(as_text=True), "html.parser")
    assert page.select_one("#read-only").get_text() == "督办事项，只读（由集贤县农业农村局办理）。"
    stats = client.get("/api/v1/stats").get_json()
    assert (stats["by_department"]["nyncj"]["overdue"], stats["by_department"]["nyncj"]["escalated"]) == (1, 1)
    assert (stats["overdue"], stats["escalated"]) == (1, 1)
    staff = app.test_client()
    token = login(staff, create_handler(app, "zhao", "nyncj"))
    act(staff, token, no, "accept")
    act(staff, token, no, "reply", reply="已核实。")
    assert [li["data-tracking-no"] for li in supervision(office).select("#supervision li")] == [no]  # until closed
    act(staff, token, no, "close")
    assert supervision(office).select("#supervision li") == []
    assert client.get("/api/v1/stats").get_json()["escalated"] == 0


def test_misconduct_also_goes_to_the_discipline_commission(app, client) -> None:
    create_handler(app, "wang", "czjlzb")
    create_handler(app, "ji", "jwjw")
    case = submit(client, category="misconduct")  # 纪委监委 first, then sent on
    no = case["tracking_no"]
    discipline = app.test_client()
    act(discipline, login(discipline, "ji"), no, "transfer", to="nyncj", reason="属于补贴核实")
    notify(app, "2025-10-12")
    office = app.test_client()
    login(office, "wang")
    assert [li["data-tracking-no"] for li in supervision(office).select("#supervision li")] == [no]
    assert [li["data-tracking-no"] for li in supervision(discipline).select("#supervision li")] == [no]
    view = client.get(f"/api/v1/submissions/{no}?code={case['query_code']}").get_json()
    assert [e["note"] for e in view["timeline"]][-2:] == [
        "超过办理期限（2025-10-11），已提请集贤县财政局领导专班办公室督办",
        "超过办理期限（2025-10-11），已提请集贤县纪委监委督办"]


def test_an_escalated_report_shows_the_office_no_content(app, client) -> None:
    create_handler(app, "wang", "czjlzb")
    client.post("/api/v1/submissions", json={"kind": "report", "category": "misconduct",
                                             "subject": "村干部优亲厚友", "body": "……", "anonymous": True})
    notify(app, "2025-10-12")
    office = app.test_client()
    login(office, "wang")
    (item,) = supervision(office).select("#supervision li")
    assert item.select_one("strong").get_text() == "（举报件，内容仅纪委监委可见）"
    assert item.select_one("a") is None
    assert office.get(f"/handler/cases/{item['data-tracking-no']}").status_code == 404


def test_extension_moves_the_deadline_and_is_not_escalated_before_it(app, client) -> None:
    create_handler(app, "wang", "czjlzb")
    no = submit(client)["tracking_no"]
    staff = app.test_client()
    token = login(staff, create_handler(app, "zhao", "nyncj"))
    act(staff, token, no, "accept")  # due 2025-11-25
    act(staff, token, no, "extend", reason="需要实地核实")  # due 2025-12-25
    office = app.test_client()
    login(office, "wang")
    notify(app, "2025-11-26")
    notify(app, "2025-12-25")
    assert supervision(office).select("#supervision li") == []
    notify(app, "2025-12-26")
    assert [li["data-tracking-no"] for li in supervision(office).select("#supervision li")] == [no]


def test_only_offices_have_a_supervision_queue(app, client) -> None:
    staff = app.test_client()
    login(staff, create_handler(app, "zhao", "nyncj"))
    assert staff.get("/handler/supervision/").status_code == 404
    assert "督办" not in [a.get_text() for a in BeautifulSoup(staff.get("/handler/").get_data(as_text=True),
                                                            "html.parser").select("nav a")]
    office = app.test_client()
    login(office, create_handler(app, "wang", "czjlzb"))
    assert "督办" in [a.get_text() for a in BeautifulSoup(office.get("/handler/").get_data(as_text=True),
                                                        "html.parser").select("nav a")]
