"""Post/Redirect/Get: reloads never file again, receipts stay readable, codes stay out of URLs."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from .conftest import act, add_handler, login, submission, submit

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def total(client) -> int:
    return client.get("/api/v1/stats").get_json()["total"]


def test_reloading_the_receipt_shows_the_same_receipt_and_files_nothing(client) -> None:
    posted = client.post("/api/v1/submissions", data=submission(), headers=HTML)
    assert posted.status_code == 303
    receipt_url = posted.headers["Location"]
    first = soup(client.get(receipt_url, headers=HTML))
    again = soup(client.get(receipt_url, headers=HTML))  # reload, back, forward: a GET
    number, code = first.select_one("#tracking-no").get_text(), first.select_one("#query-code").get_text()
    assert (again.select_one("#tracking-no").get_text(), again.select_one("#query-code").get_text()) == (number, code)
    assert total(client) == 1
    assert code not in receipt_url and "code" not in receipt_url
    links = [a["href"] for a in first.select("a[href]")] + [f.get("action", "") for f in first.select("form")]
    assert all(code not in link and code.replace("-", "") not in link for link in links)
    assert first.select_one("#status-link")["href"] == f"/track?no={number}"


def test_receipt_in_another_browser_asks_for_the_code(app, client) -> None:
    posted = client.post("/api/v1/submissions", data=submission(), headers=HTML)
    stranger = app.test_client()
    page = soup(stranger.get(posted.headers["Location"]))
    assert page.select("#query-code") == []
    assert page.select_one("#hint").get_text() == "回执只在提交时所用的浏览器中显示查询码；请输入查询码查看办理进度。"
    assert page.select_one("form#track-form")["method"] == "post"


def test_double_tap_without_javascript_is_one_case(app_factory) -> None:
    client = app_factory(DUPLICATE_WINDOW_SECONDS=120).test_client()
    first = client.post("/api/v1/submissions", data=submission(), headers=HTML)
    second = client.post("/api/v1/submissions", data=submission(), headers=HTML)
    assert first.headers["Location"] == second.headers["Location"]
    assert total(client) == 1
    other_client = client.post("/api/v1/submissions", data=submission(), headers=HTML,
                               environ_base={"REMOTE_ADDR": "10.9.9.9"})
    changed = client.post("/api/v1/submissions", data=submission(body="另一件事"), headers=HTML)
    assert len({first.headers["Location"], other_client.headers["Location"], changed.headers["Location"]}) == 3
    json_again = client.post("/api/v1/submissions", json=submission())
    assert json_again.status_code == 201 and json_again.headers["Idempotent-Replayed"] == "true"


def test_old_links_with_the_code_still_work_and_drop_it(client) -> None:
    case = submit(client)
    legacy = client.get(f"/track?no={case['tracking_no']}&code={case['query_code']}")
    assert legacy.status_code == 303 and legacy.headers["Location"] == f"/track?no={case['tracking_no']}"
    assert soup(client.get(legacy.headers["Location"])).select_one("#state").get_text() == "已提交"
    api = client.get(f"/api/v1/submissions/{case['tracking_no']}?code={case['query_code']}")
    assert api.status_code == 200
    header = client.get(f"/api/v1/submissions/{case['tracking_no']}", headers={"X-Query-Code": case["query_code"]})
    assert header.get_json()["state"] == "submitted"


def test_codes_are_forgiving_to_type(client) -> None:
    case = submit(client)
    code = case["query_code"]
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get(f"/api/v1/submissions/{case['tracking_no']}", headers={"X-Query-Code": typed})
    assert response.status_code == 200


def test_status_page_forms_post_the_code_and_answer_with_a_redirect(app, client) -> None:
    case = submit(client, kind="inquiry", category=None)
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    act(staff, token, case["tracking_no"], "reply", reply="每亩70元。")
    client.post("/track", data={"no": case["tracking_no"], "code": case["query_code"]})
    page = soup(client.get(f"/track?no={case['tracking_no']}"))
    score = page.select_one("select#score")
    assert score.has_attr("required")
    assert [o["value"] for o in score.select("option[selected]")] == [""]  # nothing preselected
    assert score.select_one("option[selected]").get_text() == "请选择"
    form = score.find_parent("form")
    assert form["method"] == "post" and "code" not in form["action"]
    rated = client.post(form["action"], data={"code": form.select_one("input[name=code]")["value"], "score": "4"},
                        headers=HTML)
    assert rated.status_code == 303 and rated.headers["Location"] == f"/track?no={case['tracking_no']}"
    after = soup(client.get(rated.headers["Location"]))
    assert after.select_one(".flash").get_text() == "感谢您的评价。"
    assert after.select_one("#state").get_text() == "已办结"
    again = soup(client.get(rated.headers["Location"]))  # reload: no second rating, no message
    assert again.select(".flash") == [] and again.select("select#score") == []


def test_no_page_the_service_produces_puts_a_code_in_a_url(app, client) -> None:
    posted = client.post("/api/v1/submissions", data=submission(), headers=HTML)
    receipt = soup(client.get(posted.headers["Location"]))
    code = receipt.select_one("#query-code").get_text()
    number = receipt.select_one("#tracking-no").get_text()
    for url in (posted.headers["Location"], f"/track?no={number}", "/track"):
        html = client.get(url).get_data(as_text=True)
        for target in re.findall(r'(?:href|action)="([^"]*)"', html):
            assert code not in target and code.replace("-", "") not in target, (url, target)
    receipt = client.post("/api/v1/submissions", json=submission()).get_json()
    assert receipt["status_url"] == f"/track?no={receipt['tracking_no']}"
