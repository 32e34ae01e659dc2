"""Handler pages: login, queues, cases, the auditor, the 举报 identity rule, CSRF, escaping."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

from complaints_api.site_chrome import HEAD_SCRIPT

from .conftest import PASSWORD, act, add_handler, csrf_from, login, submit

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_pages_need_login(client) -> None:
    response = client.get("/handler/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/handler/login")


def test_wrong_password(app, client) -> None:
    add_handler(app, "zhao", "nyncj")
    token = csrf_from(client.get("/handler/login").get_data(as_text=True))
    response = client.post("/handler/login", data={"username": "zhao", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert soup(response).select_one(".error").get_text() == "用户名或密码错误。"


def test_session_cookie_flags(app_factory) -> None:
    app = app_factory(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    header = client.get("/handler/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    relaxed = app_factory(SESSION_COOKIE_SECURE="false").test_client().get("/handler/login").headers["Set-Cookie"]
    assert "Secure" not in relaxed


def test_queue_shows_own_department_sorted_with_warnings(app, client) -> None:
    early = submit(client, kind="inquiry", category=None)  # due 2025-10-10
    late = submit(client)  # complaint: decide acceptance by 2025-10-11
    submit(client, program="dibao", category="eligibility")  # 民政局
    staff = app.test_client()
    login(staff, add_handler(app, "zhao", "nyncj"))
    app.config["TODAY"] = "2025-10-09"
    page = soup(staff.get("/handler/"))
    items = page.select("#queue li")
    assert [li["data-tracking-no"] for li in items] == [early["tracking_no"], late["tracking_no"]]
    assert [li.select_one(".warning").get_text() for li in items] == ["即将到期", "即将到期"]
    assert "w80" in items[0]["class"]
    app.config["TODAY"] = "2025-10-13"
    assert [w.get_text() for w in soup(staff.get("/handler/")).select("#queue .warning")] == ["已超期", "已超期"]


def test_department_cannot_see_another_queue_or_case(app, client) -> None:
    other = submit(client, program="dibao", category="eligibility")  # 民政局's case
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    assert staff.get("/handler/?department=mzj").status_code == 404
    response = staff.get(f"/handler/cases/{other['tracking_no']}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "未找到该事项，请核对受理编号和查询码。"
    assert act(staff, token, other["tracking_no"], "accept").status_code == 404
    assert staff.get(f"/handler/audit?no={other['tracking_no']}").status_code == 404
    assert other["tracking_no"] not in staff.get("/handler/?scope=all").get_data(as_text=True)


def test_copied_department_reads_but_cannot_act(app, client) -> None:
    case = submit(client, category="payment_not_received")  # bank, finance copied
    staff = app.test_client()
    token = login(staff, add_handler(app, "qian", "czj"))
    assert [li["data-tracking-no"] for li in soup(staff.get("/handler/")).select("#copied li")] == [case["tracking_no"]]
    page = soup(staff.get(f"/handler/cases/{case['tracking_no']}"))
    assert page.select_one("#read-only").get_text() == "抄送本部门，只读。"
    response = act(staff, token, case["tracking_no"], "accept")
    assert response.status_code == 403
    assert response.get_json()["error"] == "抄送部门只能查看，不能办理。"


def test_auditor_reads_everything_and_changes_nothing(app, client) -> None:
    cases = [submit(client), submit(client, program="dibao", category="eligibility")]
    auditor = app.test_client()
    token = login(auditor, add_handler(app, "shen", "sjj", role="auditor"))
    listed = [li["data-tracking-no"] for li in soup(auditor.get("/handler/")).select("#queue li")]
    assert sorted(listed) == sorted(c["tracking_no"] for c in cases)
    assert len(soup(auditor.get("/handler/?department=mzj")).select("#queue li")) == 1
    page = soup(auditor.get(f"/handler/cases/{cases[0]['tracking_no']}"))
    assert page.select("#actions") == [] and page.select_one("#read-only").get_text() == "审计账号只读。"
    for action in ("accept", "refuse", "transfer", "reply", "extend", "close", "merge", "start"):
        response = act(auditor, token, cases[0]["tracking_no"], action, reason="x", reply="x", to="mzj")
        assert response.status_code == 403, action
        assert response.get_json() == {"ok": False, "status": 403, "error": "审计账号只能查看，不能修改。", "errors": []}
    assert auditor.post("/handler/templates", data={"csrf_token": token, "title": "t", "body": "b"}).status_code == 403
    view = client.get(f"/api/v1/submissions/{cases[0]['tracking_no']}?code={cases[0]['query_code']}").get_json()
    assert view["state"] == "submitted"
    rows = soup(auditor.get("/handler/audit")).select("#audit tbody tr")
    assert len(rows) >= 3  # two submissions and the login


def test_report_identity_only_for_discipline_and_every_view_logged(app, client) -> None:
    report = submit(client, kind="report", category="misconduct", name="李举报", phone="13900139000")
    number = report["tracking_no"]
    auditor = app.test_client()
    auditor_token = login(auditor, add_handler(app, "shen", "sjj", role="auditor"))
    page = auditor.get(f"/handler/cases/{number}").get_data(as_text=True)
    assert "李举报" not in page and "13900139000" not in page
    assert soup(auditor.get(f"/handler/cases/{number}")).select_one("#identity .secret").get_text() == "举报人身份已保密，仅承办的纪委监委办理人员可以查看。"
    assert auditor.post(f"/handler/cases/{number}/reveal", data={"csrf_token": auditor_token}).status_code == 403

    program_dept = app.test_client()
    login(program_dept, add_handler(app, "zhao", "nyncj"))
    assert program_dept.get(f"/handler/cases/{number}").status_code == 404

    jw = app.test_client()
    token = login(jw, add_handler(app, "sun", "jwjw"))
    first = jw.get(f"/handler/cases/{number}").get_data(as_text=True)
    assert "李举报" not in first
    posted = jw.post(f"/handler/cases/{number}/reveal", data={"csrf_token": token})
    assert posted.status_code == 303  # Post/Redirect/Get: a reload does not log a second view
    revealed = soup(jw.get(posted.headers["Location"]))
    assert revealed.select_one("#reporter-name").get_text() == "李举报"
    assert revealed.select_one("#reporter-phone").get_text() == "13900139000"
    assert "李举报" not in jw.get(f"/handler/cases/{number}").get_data(as_text=True)  # reload: hidden again
    jw.post(f"/handler/cases/{number}/reveal", data={"csrf_token": token})
    log = soup(auditor.get(f"/handler/audit?no={number}")).select("#audit tbody tr")
    views = [r for r in log if r.select("td")[2].get_text() == "查看举报人身份"]
    assert len(views) == 2 and all(r.select("td")[1].get_text() == "sun（集贤县纪委监委）" for r in views)
    transfer = act(jw, token, number, "transfer", to="nyncj", reason="x")
    assert transfer.get_json()["errors"] == [{"field": "to", "message": "举报件只能在纪委监委之间转办，不能转给被反映的部门。"}]


def test_csrf_refusal(app, client) -> None:
    case = submit(client)
    add_handler(app, "zhao", "nyncj")
    no_token = client.post("/handler/login", data={"username": "zhao", "password": PASSWORD})
    assert no_token.status_code == 400
    assert no_token.get_json() == {"ok": False, "status": 400, "error": "表单已失效（CSRF 校验失败），请刷新页面后重试。",
                                   "errors": [{"field": "csrf_token", "message": "表单已失效（CSRF 校验失败），请刷新页面后重试。"}]}
    token = login(client, "zhao")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
        assert client.post(f"/handler/cases/{case['tracking_no']}/accept", data=data).status_code == 400
    assert client.post("/handler/logout", data={}).status_code == 400
    assert client.post(f"/handler/cases/{case['tracking_no']}/accept", data={"csrf_token": token}).status_code == 303
    forms = soup(client.get(f"/handler/cases/{case['tracking_no']}")).select("form[method=post]")
    assert forms and all(f.select_one("input[name=csrf_token]")["value"] == token for f in forms)


def test_xss_payloads_are_shown_escaped(app, client) -> None:
    case = submit(client, subject=XSS, body=XSS, name='<b onmouseover=alert(1)>x', record_ref=None)
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    act(staff, token, case["tracking_no"], "accept")
    act(staff, token, case["tracking_no"], "reply", reply=XSS)
    for url in ("/handler/", "/handler/?scope=all", f"/handler/cases/{case['tracking_no']}", "/handler/audit",
                f"/track?no={case['tracking_no']}&code={case['query_code']}"):
        response = staff.get(url) if "code=" not in url else staff.get(url, follow_redirects=True)
        page = soup(response)
        # the only scripts are the site's own 长辈模式 ones (static file, hashed inline head script)
        scripts = [x for x in page.select("script")
                   if not (x.get("src", "").endswith("/elder.js") or x.string == HEAD_SCRIPT)]
        assert scripts == [] and page.select("img") == [], url
        assert "<script>alert" not in response.get_data(as_text=True), url
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = soup(staff.get(f"/handler/cases/{case['tracking_no']}"))
    assert page.select_one("#subject").get_text() == XSS
    assert page.select_one("#reply").get_text() == XSS


def test_reply_templates(app, client) -> None:
    case = submit(client, kind="inquiry", category=None)
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    bad = staff.post("/handler/templates", data={"csrf_token": token, "title": "", "body": ""})
    assert bad.get_json()["errors"] == [{"field": "title", "message": "请填写模板名称（不超过100字）。"},
                                        {"field": "body", "message": "请填写模板内容（不超过10000字）。"}]
    staff.post("/handler/templates", data={"csrf_token": token, "title": "补贴标准", "body": "编号 {tracking_no}：每亩70元。"})
    page = soup(staff.get(f"/handler/cases/{case['tracking_no']}"))
    link = next(a["href"] for a in page.select("#action-reply a") if a.get_text() == "补贴标准")
    filled = soup(staff.get(link)).select_one("textarea#reply").get_text()
    assert filled == f"编号 {case['tracking_no']}：每亩70元。"
    builtin = soup(staff.get(f"/handler/cases/{case['tracking_no']}?template=b0")).select_one("textarea#reply").get_text()
    assert builtin.startswith(f"您好！您反映的事项（受理编号 {case['tracking_no']}）已由集贤县农业农村局受理")
    other = app.test_client()
    other_token = login(other, add_handler(app, "qian", "mzj"))
    template_id = soup(staff.get("/handler/templates")).select("#templates form")[0]["action"].split("/")[-2]
    assert other.post(f"/handler/templates/{template_id}/delete", data={"csrf_token": other_token}).status_code == 404
    assert staff.post(f"/handler/templates/{template_id}/delete", data={"csrf_token": token}).status_code == 303


def test_audit_log_is_append_only(app, client) -> None:
    submit(client)
    db = app.extensions["yikatong_db"]
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), db.write_engine.begin() as conn:
            conn.execute(text(statement))


def test_pages_fit_a_phone_and_load_nothing_external(app, client) -> None:
    case = submit(client)
    staff = app.test_client()
    login(staff, add_handler(app, "zhao", "nyncj"))
    for url in ("/handler/login", "/handler/", f"/handler/cases/{case['tracking_no']}", "/handler/templates", "/track"):
        page = soup(staff.get(url))
        assert page.select_one("meta[name=viewport]")["content"] == "width=device-width, initial-scale=1"
        for tag, attr in (("link", "href"), ("script", "src"), ("img", "src")):
            for el in page.select(f"{tag}[{attr}]"):
                assert el[attr].startswith("/"), (url, el)
    assert staff.get("/handler/static/handler.css").status_code == 200


def test_cli_init_db_and_create_handler(runner, app) -> None:
    assert "数据库已就绪" in runner.invoke(args=["init-db"]).output
    result = runner.invoke(args=["create-handler", "--username", "zhao", "--department", "nyncj",
                                 "--role", "handler", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0 and result.output == "已创建账号 zhao（集贤县农业农村局，办理）\n"
    result = runner.invoke(args=["create-handler", "--username", "zhao", "--department", "nope",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "部门代码“nope”不存在" in result.output
    result = runner.invoke(args=["create-handler", "--username", "x", "--department", "sjj",
                                 "--role", "auditor", "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "密码至少 8 位。" in result.output
    client = app.test_client()
    login(client, "zhao")


@pytest.mark.parametrize("township, ref, expected", [
    ("福利镇", "2025-gdlbh-17", "/t/230521100/230521100201/gdlbh-2025/#r-2025-gdlbh-17"),
    ("230521100", "2025-gdlbh-17", "/t/230521100/230521100201/gdlbh-2025/#r-2025-gdlbh-17"),
    ("福利镇", "gdlbh-2025-0001", None),  # no year at the start: no guess
], ids=["by-name", "by-code", "no-year"])
def test_case_links_to_the_public_record(app, client, township, ref, expected) -> None:
    case = submit(client, township=township, record_ref=ref)
    add_handler(app, "zhao", "nyncj")
    login(client, "zhao")
    link = soup(client.get(f"/handler/cases/{case['tracking_no']}")).select_one("#record a")
    assert (link["href"] if link else None) == expected
