"""The identity vault by what a case is about, the auditor's metadata-only view and the
纪委监委 supervision view."""

from __future__ import annotations

from bs4 import BeautifulSoup

from .conftest import act, add_handler, login, submit

NAME, PHONE = "李反映", "13900139000"
SECRET_TEXT = "村会计张某截留补贴"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def misconduct(client, **overrides):
    fields = {"kind": "complaint", "category": "misconduct", "name": NAME, "phone": PHONE,
              "subject": "干部截留补贴", "body": SECRET_TEXT, **overrides}
    return submit(client, **fields)


def test_misconduct_complaint_gets_the_vault_and_a_logged_reveal(app, client) -> None:
    case = misconduct(client)
    assert case["department"]["code"] == "jwjw"
    jw = app.test_client()
    token = login(jw, add_handler(app, "sun", "jwjw"))
    first = jw.get(f"/handler/cases/{case['tracking_no']}").get_data(as_text=True)
    assert NAME not in first and PHONE not in first
    assert soup(jw.get(f"/handler/cases/{case['tracking_no']}")).select_one("#identity button").get_text() == "查看反映人身份"
    revealed = soup(jw.post(f"/handler/cases/{case['tracking_no']}/reveal", data={"csrf_token": token},
                            follow_redirects=True))
    assert revealed.select_one("#reporter-name").get_text() == NAME
    history = [li.get_text() for li in soup(jw.get(f"/handler/cases/{case['tracking_no']}")).select("#history li")]
    assert any("查看反映人身份" in item for item in history)


def test_transferred_department_never_sees_the_identity(app, client) -> None:
    case = misconduct(client, program="gdlbh")
    jw = app.test_client()
    token = login(jw, add_handler(app, "sun", "jwjw"))
    assert act(jw, token, case["tracking_no"], "transfer", to="nyncj", reason="属业务问题").status_code == 303
    nyncj = app.test_client()
    nyncj_token = login(nyncj, add_handler(app, "zhao", "nyncj"))
    page = nyncj.get(f"/handler/cases/{case['tracking_no']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NAME not in html and PHONE not in html
    assert soup(page).select_one("#identity .secret").get_text() == "反映人身份已保密，仅承办的纪委监委办理人员可以查看。"
    refused = nyncj.post(f"/handler/cases/{case['tracking_no']}/reveal", data={"csrf_token": nyncj_token})
    assert refused.status_code == 403
    # and the 纪委监委 that sent it away no longer sees it either (it does not handle it now)
    assert NAME not in jw.get(f"/handler/cases/{case['tracking_no']}").get_data(as_text=True)


def test_auditor_sees_metadata_only_and_anonymous_looks_the_same(app, client) -> None:
    identified = submit(client, kind="report", category="misconduct", name=NAME, phone=PHONE,
                        subject="举报截留", body=SECRET_TEXT)
    anonymous = submit(client, kind="report", category="misconduct", anonymous=True,
                       subject="举报截留", body=SECRET_TEXT)
    complaint = misconduct(client)
    jw = app.test_client()
    token = login(jw, add_handler(app, "sun", "jwjw"))
    act(jw, token, identified["tracking_no"], "accept")
    act(jw, token, identified["tracking_no"], "await", message="请提供截留的时间")
    auditor = app.test_client()
    login(auditor, add_handler(app, "shen", "sjj", role="auditor"))
    boxes = []
    for case in (identified, anonymous, complaint):
        page = auditor.get(f"/handler/cases/{case['tracking_no']}")
        html = page.get_data(as_text=True)
        for secret in (NAME, PHONE, SECRET_TEXT, "举报截留", "干部截留补贴", "请提供截留的时间"):
            assert secret not in html, (case["tracking_no"], secret)
        parsed = soup(page)
        assert parsed.select_one("#subject").get_text() == "（内容保密，仅纪委监委可见）"
        assert parsed.select_one("#tracking-no").get_text() == case["tracking_no"]
        boxes.append(parsed.select_one("#identity").get_text(" ", strip=True))
    assert boxes[0] == boxes[1]  # anonymous and identified reports look the same
    queue = auditor.get("/handler/?scope=all").get_data(as_text=True)
    assert SECRET_TEXT not in queue and "举报截留" not in queue and identified["tracking_no"] in queue
    log = auditor.get("/handler/audit").get_data(as_text=True)
    assert "请提供截留的时间" not in log and identified["tracking_no"] in log


def test_discipline_supervises_every_queue_read_only(app, client) -> None:
    ordinary = submit(client, program="dibao", category="eligibility", name="王大娘", phone="13800138000")
    vaulted = misconduct(client, program="gdlbh")
    first = app.test_client()
    first_token = login(first, add_handler(app, "sun", "jwjw"))
    act(first, first_token, vaulted["tracking_no"], "transfer", to="nyncj", reason="属业务问题")
    jw = app.test_client()
    token = login(jw, add_handler(app, "qian", "jwjw"))
    queue = soup(jw.get("/handler/?department=mzj"))
    assert [li["data-tracking-no"] for li in queue.select("#queue li")] == [ordinary["tracking_no"]]
    assert queue.select_one("#supervision").get_text() == "纪委监委监督查看（只读）。"
    page = soup(jw.get(f"/handler/cases/{ordinary['tracking_no']}"))
    assert page.select_one("#read-only").get_text() == "纪委监委监督查看，只读。"
    assert page.select("#actions") == []
    refused = act(jw, token, ordinary["tracking_no"], "accept")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "监督查看只读，不能办理其他部门的事项。"
    # a vaulted case now handled by another department: readable, identity not
    other = jw.get(f"/handler/cases/{vaulted['tracking_no']}")
    assert other.status_code == 200 and SECRET_TEXT in other.get_data(as_text=True)
    assert NAME not in other.get_data(as_text=True) and PHONE not in other.get_data(as_text=True)
    assert jw.post(f"/handler/cases/{vaulted['tracking_no']}/reveal", data={"csrf_token": token}).status_code == 403
    # ordinary departments still cannot look at others' queues
    nyncj = app.test_client()
    login(nyncj, add_handler(app, "zhao", "nyncj"))
    assert nyncj.get("/handler/?department=mzj").status_code == 404


def test_anonymous_reports_need_the_same_logged_reveal(app, client) -> None:
    """So that the audit log (read by the auditor) reads the same for anonymous and
    identified reports: 纪委监委 learn which it is only by the logged reveal."""
    case = submit(client, kind="report", category="misconduct", anonymous=True)
    jw = app.test_client()
    token = login(jw, add_handler(app, "sun", "jwjw"))
    before = soup(jw.get(f"/handler/cases/{case['tracking_no']}"))
    assert before.select_one("#identity button").get_text() == "查看举报人身份"
    assert "匿名" not in before.select_one("#identity").get_text()
    after = soup(jw.post(f"/handler/cases/{case['tracking_no']}/reveal", data={"csrf_token": token},
                         follow_redirects=True))
    assert after.select_one("#identity p").get_text() == "匿名举报，未留姓名和电话。"
