"""The public JSON API: submit, track, rate, withdraw, supplement, stats, errors."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from .conftest import submission, submit

ERROR_KEYS = {"ok", "status", "error", "errors"}


def test_submit_returns_receipt(client) -> None:
    response = client.post("/api/v1/submissions", json=submission())
    body = response.get_json()
    assert response.status_code == 201
    assert body["tracking_no"].startswith("YK") and len(body["tracking_no"]) == 14
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", body["query_code"])
    assert body["department"] == {"code": "nyncj", "name": "集贤县农业农村局"}
    assert body["due_date"] == "2025-10-11"
    assert body["accept_due_date"] == "2025-10-11"
    assert response.headers["Location"] == f"/api/v1/submissions/{body['tracking_no']}"


def test_tracking_numbers_are_not_sequential(client) -> None:
    numbers = {submit(client)["tracking_no"] for _ in range(5)}
    assert len(numbers) == 5
    assert len({n[:8] for n in numbers}) > 1


def test_inquiry_due_in_5_working_days_across_national_day(client) -> None:
    body = submit(client, kind="inquiry", category=None)
    assert (body["due_date"], body["accept_due_date"]) == ("2025-10-10", None)


def test_anonymous_report_is_accepted_without_identity(app, client) -> None:
    body = submit(client, kind="report", category="misconduct", anonymous=True)
    assert body["department"]["code"] == "jwjw"
    from sqlalchemy import select

    from complaints_api.models import Submission
    with app.extensions["yikatong_db"].read() as s:
        case = s.scalar(select(Submission).where(Submission.tracking_no == body["tracking_no"]))
    assert (case.name, case.phone, case.anonymous) == (None, None, True)


def test_validation_names_every_bad_field_in_chinese(client) -> None:
    response = client.post("/api/v1/submissions", json={
        "kind": "praise", "category": "weather", "program": "nosuch", "township": "火星镇",
        "subject": " ", "body": 5, "phone": "12345", "anonymous": "maybe", "record_ref": "a b"})
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "status": 400, "error": "提交的内容有误，请按提示修改。", "errors": [
        {"field": "kind", "message": "事项类型须为 inquiry（咨询）、complaint（投诉）、report（举报）或 disclosure_request（信息公开申请）。"},
        {"field": "category", "message": "问题类别须为以下之一：amount、bank_misconduct、delay、eligibility、list、misconduct、other、payment_not_received。"},
        {"field": "program", "message": "补贴项目“nosuch”不存在，请从清单中选择。"},
        {"field": "township", "message": "乡镇“火星镇”不在本县乡镇名单中。"},
        {"field": "record_ref", "message": "记录编号只能包含字母、数字和 . _ : - 符号。"},
        {"field": "subject", "message": "请填写标题。"},
        {"field": "body", "message": "具体内容须为文本。"},
        {"field": "anonymous", "message": "匿名须为 true 或 false。"},
        {"field": "phone", "message": "联系电话格式不正确，请填写11位手机号或带区号的固定电话。"},
    ]}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"village": "永丰村"}, "village", "“福利镇”没有名为“永丰村”的村。"),
    ({"township": None, "village": "红旗村"}, "village", "请同时选择乡镇。"),
    ({"township": None, "village": "月球村"}, "village", "村“月球村”不在本县村名单中。"),
    ({"subject": "长" * 101}, "subject", "标题不能超过 100 个字。"),
    ({"kind": None}, "kind", "请填写事项类型。"),
], ids=["village-elsewhere", "village-ambiguous", "village-unknown", "subject-too-long", "kind-missing"])
def test_field_errors(client, fields, field, message) -> None:
    response = client.post("/api/v1/submissions", json=submission(**fields))
    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": field, "message": message}]


def test_village_alone_finds_its_township(client) -> None:
    body = submit(client, township=None, village="永丰村", category="list")
    assert body["department"]["code"] == "town-230521101"


def test_non_object_json_and_unknown_content_type(client) -> None:
    response = client.post("/api/v1/submissions", data="[1]", content_type="application/json")
    assert response.get_json()["errors"] == [{"field": "", "message": "请求体须为 JSON 对象。"}]
    response = client.post("/api/v1/submissions", data="hi", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["error"] == "请以 JSON 或表单格式提交。"


def test_body_over_64kb_is_refused(client) -> None:
    response = client.post("/api/v1/submissions", data=json.dumps(submission(body="字" * 30000)),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"ok": False, "status": 413, "error": "提交内容过大，请控制在 64 KB 以内。", "errors": []}


def test_error_shape_for_404_405_500(app_factory) -> None:
    app = app_factory()

    @app.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    client = app.test_client()
    assert client.get("/api/v1/nothing").get_json() == {
        "ok": False, "status": 404, "error": "未找到请求的页面或事项。", "errors": []}
    response = client.delete("/api/v1/stats")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json() == {"ok": False, "status": 405, "error": "不支持该请求方法。", "errors": []}
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {"ok": False, "status": 500, "error": "服务器内部错误，请稍后再试。", "errors": []}


def test_idempotency_key_returns_the_first_case(client) -> None:
    headers = {"Idempotency-Key": "tap-1234"}
    first = client.post("/api/v1/submissions", json=submission(), headers=headers)
    second = client.post("/api/v1/submissions", json=submission(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert client.get("/api/v1/stats").get_json()["total"] == 1
    # The key is bound to the content: a guessed key never returns another person's receipt.
    other = client.post("/api/v1/submissions", json=submission(subject="别人的事"), headers=headers)
    assert other.get_json()["tracking_no"] != first.get_json()["tracking_no"]
    bad = client.post("/api/v1/submissions", json=submission(), headers={"Idempotency-Key": "键"})
    assert bad.get_json()["errors"] == [{"field": "Idempotency-Key", "message": "Idempotency-Key 须为 1 到 128 个可见 ASCII 字符。"}]


def test_lookup_wrong_code_unknown_and_malformed_are_the_same_404(client) -> None:
    body = submit(client)
    number = body["tracking_no"]
    answers = [client.get(url) for url in (
        f"/api/v1/submissions/{number}?code=000000" if body["query_code"] != "000000" else f"/api/v1/submissions/{number}?code=111111",
        f"/api/v1/submissions/{number}",
        "/api/v1/submissions/YK0000000000000?code=123456",
        "/api/v1/submissions/YKAAAAAAAAAAAA?code=123456",
        "/api/v1/submissions/%3Cscript%3E?code=1")]
    assert {r.status_code for r in answers} == {404}
    assert {r.get_data() for r in answers} == {answers[0].get_data()}
    assert answers[0].get_json()["error"] == "未找到该事项，请核对受理编号和查询码。"


def test_lookup_shows_public_status_only(client) -> None:
    body = submit(client)
    view = client.get(f"/api/v1/submissions/{body['tracking_no'].lower()}?code={body['query_code']}").get_json()
    assert view["state"] == "submitted" and view["state_label"] == "已提交"
    assert view["timeline"] == [{"date": "2025-09-26", "state": "submitted", "state_label": "已提交",
                                 "note": "已提交，由集贤县农业农村局办理"}]
    assert "王大娘" not in json.dumps(view, ensure_ascii=False)
    assert "13800138000" not in json.dumps(view)


def test_form_post_from_the_site_gets_an_html_receipt(client) -> None:
    response = client.post("/api/v1/submissions", data=submission(anonymous="true", township="230521100"),
                           headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/track\?no=YK[0-9A-Z]{12}&receipt=1", location)
    page = BeautifulSoup(client.get(location).get_data(as_text=True), "html.parser")
    number = page.select_one("#tracking-no").get_text()
    assert location == f"/track?no={number}&receipt=1"
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", page.select_one("#query-code").get_text())
    assert page.select_one("#department").get_text() == "集贤县农业农村局"
    assert page.select_one("#due-date").get_text() == "2025-10-11"


def test_form_post_errors_are_an_html_page_for_browsers(client) -> None:
    response = client.post("/api/v1/submissions", data={"kind": "complaint"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [li.get_text() for li in page.select("li[data-field]")] == ["请填写标题。", "请填写具体内容。"]


def test_track_page_without_javascript(client) -> None:
    body = submit(client)
    posted = client.post("/track", data={"no": body["tracking_no"], "code": body["query_code"].lower()})
    assert posted.status_code == 303 and posted.headers["Location"] == f"/track?no={body['tracking_no']}"
    page = client.get(posted.headers["Location"])
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.select_one("#state").get_text() == "已提交"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    wrong = client.post("/track", data={"no": body["tracking_no"], "code": "x"})
    assert wrong.status_code == 404
    assert "未找到该事项，请核对受理编号和查询码。" in BeautifulSoup(wrong.get_data(as_text=True), "html.parser").select_one(".error").get_text()
    assert client.get("/track").status_code == 200


def test_stats_counts_and_on_time_rate(client) -> None:
    submit(client)
    submit(client, kind="inquiry", category=None, program="dibao")
    stats = client.get("/api/v1/stats").get_json()
    assert stats["total"] == 2
    assert stats["by_kind"] == {"complaint": 1, "disclosure_request": 0, "inquiry": 1, "report": 0}
    assert stats["by_state"]["submitted"] == 2
    assert stats["by_department"]["mzj"] == {"name": "集贤县民政局", "total": 1, "open": 1, "overdue": 0,
                                           "escalated": 0, "on_time_rate": None}
    assert stats["on_time_rate"] is None


def test_healthz(client) -> None:
    assert client.get("/healthz").get_json() == {"ok": True, "status": "alive"}
