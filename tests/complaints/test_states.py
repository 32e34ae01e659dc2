"""The state machine's allowed and refused transitions, pure and through the service."""

from __future__ import annotations

import pytest

from complaints_api.states import TransitionRefused, allowed_actions, check_transition

from .conftest import add_handler, login, submit

ALLOWED = [
    ("complaint", "submitted", "accept", "accepted"),
    ("complaint", "submitted", "transfer", "transferred"),
    ("complaint", "transferred", "accept", "accepted"),
    ("complaint", "submitted", "refuse", "not_accepted"),
    ("complaint", "accepted", "start", "in_progress"),
    ("complaint", "in_progress", "await", "awaiting_citizen"),
    ("complaint", "awaiting_citizen", "resume", "in_progress"),
    ("complaint", "accepted", "extend", "accepted"),
    ("complaint", "in_progress", "reply", "replied"),
    ("complaint", "replied", "close", "closed"),
    ("complaint", "in_progress", "merge", "merged"),
    ("inquiry", "submitted", "reply", "replied"),
    ("disclosure_request", "submitted", "extend", "submitted"),
    ("complaint", "awaiting_citizen", "withdraw", "withdrawn"),
    ("complaint", "replied", "reopen", "in_progress"),
]
REFUSED = [
    ("complaint", "submitted", "reply", "投诉须先受理，再答复。"),
    ("report", "transferred", "reply", "举报须先受理，再答复。"),
    ("complaint", "submitted", "extend", "投诉须先受理，受理后方可延期。"),
    ("inquiry", "accepted", "extend", "咨询的办理期限不能延长。"),
    ("complaint", "accepted", "accept", "事项当前为“已受理”，不能执行“受理”。"),
    ("complaint", "accepted", "transfer", "事项当前为“已受理”，不能执行“转办/退回”。"),
    ("complaint", "closed", "reply", "事项当前为“已办结”，不能执行“答复”。"),
    ("complaint", "replied", "accept", "事项当前为“已答复”，不能执行“受理”。"),
    ("complaint", "withdrawn", "withdraw", "事项当前为“已撤回”，不能执行“撤回”。"),
    ("complaint", "not_accepted", "reply", "事项当前为“不予受理”，不能执行“答复”。"),
    ("complaint", "submitted", "close", "事项当前为“已提交”，不能执行“办结”。"),
    ("complaint", "submitted", "fly", "未知的操作“fly”。"),
]


@pytest.mark.parametrize(("kind", "state", "action", "after"), ALLOWED,
                         ids=[f"{k}-{s}-{a}" for k, s, a, _ in ALLOWED])
def test_allowed(kind, state, action, after):
    assert check_transition(kind, state, action) == after


@pytest.mark.parametrize(("kind", "state", "action", "message"), REFUSED,
                         ids=[f"{k}-{s}-{a}" for k, s, a, _ in REFUSED])
def test_refused(kind, state, action, message):
    with pytest.raises(TransitionRefused) as caught:
        check_transition(kind, state, action)
    assert caught.value.message == message


def test_extend_only_once() -> None:
    with pytest.raises(TransitionRefused, match="办理期限只能延长一次。"):
        check_transition("complaint", "in_progress", "extend", extended=True)
    assert "extend" not in allowed_actions("complaint", "in_progress", True)


def test_full_complaint_lifecycle_through_handler_pages(app, client) -> None:
    case = submit(client)
    number, code = case["tracking_no"], case["query_code"]
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    post = lambda action, **f: staff.post(f"/handler/cases/{number}/{action}", data={"csrf_token": token, **f})  # noqa: E731

    refused = post("reply", reply="答复")
    assert refused.status_code == 400
    assert refused.get_json()["errors"] == [{"field": "action", "message": "投诉须先受理，再答复。"}]
    app.config["TODAY"] = "2025-10-09"
    assert post("accept").status_code == 303
    assert post("extend").get_json()["errors"] == [{"field": "reason", "message": "请填写延期理由。"}]
    assert post("extend", reason="需要实地核查").status_code == 303
    assert post("extend", reason="再延").get_json()["errors"] == [{"field": "action", "message": "办理期限只能延长一次。"}]
    assert post("reply", reply="经核查，补发 140 元。").status_code == 303
    view = client.get(f"/api/v1/submissions/{number}?code={code}").get_json()
    assert (view["state"], view["accepted_on"], view["due_date"], view["reply"]) == (
        "replied", "2025-10-09", "2026-01-07", "经核查，补发 140 元。")
    assert [e["note"] for e in view["timeline"]] == [
        "已提交，由集贤县农业农村局办理", "集贤县农业农村局已受理，答复期限 2025-12-08",
        "办理期限延长至 2026-01-07，理由：需要实地核查", "已答复"]

    rated = client.post(f"/api/v1/submissions/{number}/rating", json={"code": code, "score": 1})
    assert rated.get_json()["state"] == "in_progress"
    assert rated.get_json()["message"] == "您对答复不满意，已重新交集贤县农业农村局办理，请留意新的答复。"
    assert post("reply", reply="再次核查，已补发。").status_code == 303
    rated = client.post(f"/api/v1/submissions/{number}/rating", json={"code": code, "score": "2"}).get_json()
    assert rated["state"] == "closed"
    assert rated["review_deadline"] == "2025-11-08"
    assert rated["message"] == ("如对答复不服，可自收到答复之日起30日内（2025-11-08前）请求原办理机关的"
                                "上一级行政机关复查（《信访工作条例》第三十五条）。")
    again = client.post(f"/api/v1/submissions/{number}/rating", json={"code": code, "score": 5})
    assert again.get_json()["errors"] == [{"field": "score", "message": "该事项当前不能评价（须在答复后评价，且每次答复只能评价一次）。"}]
    stats = client.get("/api/v1/stats").get_json()
    assert stats["on_time_rate"] == 1.0 and stats["by_state"]["closed"] == 1


def test_good_rating_closes_and_withdraw_and_supplement(app, client) -> None:
    inquiry = submit(client, kind="inquiry", category=None)
    other = submit(client, kind="disclosure_request", category=None)
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    staff.post(f"/handler/cases/{inquiry['tracking_no']}/reply", data={"csrf_token": token, "reply": "可以。"})
    result = client.post(f"/api/v1/submissions/{inquiry['tracking_no']}/rating",
                         data={"code": inquiry["query_code"], "score": "5"}).get_json()
    assert (result["state"], result["message"]) == ("closed", "感谢您的评价。")

    number, code = other["tracking_no"], other["query_code"]
    assert staff.post(f"/handler/cases/{number}/accept", data={"csrf_token": token}).status_code == 303
    staff.post(f"/handler/cases/{number}/await", data={"csrf_token": token, "message": "请写明所需信息的年份"})
    view = client.get(f"/api/v1/submissions/{number}?code={code}").get_json()
    assert (view["state"], view["citizen_message"], view["can_supplement"]) == ("awaiting_citizen", "请写明所需信息的年份", True)
    app.config["TODAY"] = "2025-10-09"
    supplied = client.post(f"/api/v1/submissions/{number}/supplement", json={"code": code, "body": "2024 年"}).get_json()
    assert (supplied["state"], supplied["due_date"]) == ("in_progress", "2025-11-05")
    withdrawn = client.post(f"/api/v1/submissions/{number}/withdraw", json={"code": code}).get_json()
    assert withdrawn["state"] == "withdrawn"
    wrong = client.post(f"/api/v1/submissions/{number}/withdraw", json={"code": "nope"})
    assert wrong.status_code == 404


def test_refuse_merge_and_transfer_window(app, client) -> None:
    first, dup, third = submit(client), submit(client), submit(client)
    staff = app.test_client()
    token = login(staff, add_handler(app, "zhao", "nyncj"))
    post = lambda no, action, **f: staff.post(f"/handler/cases/{no}/{action}", data={"csrf_token": token, **f})  # noqa: E731
    assert post(dup["tracking_no"], "merge", into=dup["tracking_no"]).get_json()["errors"] == [
        {"field": "into", "message": "不能合并到自身或已合并、已撤回的事项。"}]
    assert post(dup["tracking_no"], "merge", into=first["tracking_no"]).status_code == 303
    assert post(first["tracking_no"], "refuse", reason="不属于补贴问题").get_json()["errors"] == [
        {"field": "channel", "message": "请填写应当反映的渠道。"}]
    assert post(first["tracking_no"], "refuse", reason="属于土地承包纠纷", channel="福利镇农村土地承包仲裁委员会").status_code == 303
    view = client.get(f"/api/v1/submissions/{first['tracking_no']}?code={first['query_code']}").get_json()
    assert view["refusal"] == {"reason": "属于土地承包纠纷", "channel": "福利镇农村土地承包仲裁委员会"}
    # 5 working days after 2025-09-26 is 2025-10-10 (National Day in between).
    app.config["TODAY"] = "2025-10-11"
    late = post(third["tracking_no"], "transfer", to="town-230521100", reason="名单问题")
    assert late.get_json()["errors"] == [{"field": "to", "message": "收到后已超过5个工作日（2025-10-10前可退回或转办），不能再退回或转办，请按期办理。"}]
    app.config["TODAY"] = "2025-10-10"
    assert post(third["tracking_no"], "transfer", to="town-230521100", reason="名单问题").status_code == 303
    view = client.get(f"/api/v1/submissions/{third['tracking_no']}?code={third['query_code']}").get_json()
    assert (view["state"], view["department"]["code"], view["due_date"]) == ("transferred", "town-230521100", "2025-10-11")
