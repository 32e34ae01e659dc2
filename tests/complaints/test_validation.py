"""Inputs that used to give a 500 or be stored as sent: nesting, CRLF in next=, NUL,
bidi overrides and zero-width characters."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints_api.models import Submission
from complaints_api.validation import clean

from .conftest import PASSWORD, add_handler, csrf_from, submission, submit


def stored(app, number: str) -> Submission:
    with app.extensions["yikatong_db"].read() as s:
        return s.scalar(select(Submission).where(Submission.tracking_no == number))


@pytest.mark.parametrize("depth", [9, 1000, 100_000])
def test_deep_json_is_a_400_not_a_500(client, depth: int) -> None:
    body = '{"kind": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/submissions", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert response.get_json()["errors"] == [{"field": "", "message": "请求体嵌套过深（最多 8 层）。"}]


def test_brackets_inside_strings_do_not_count_as_nesting(client) -> None:
    response = client.post("/api/v1/submissions", data=json.dumps(submission(body="[[[[[[[[[[{{{{{{{{{ \\\" ]")),
                           content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("target", ["/handler/%0d%0aSet-Cookie:x=1", "/handler/\r\nX: y", "//evil.example/handler",
                                    "/handler/../../etc", "https://evil.example/handler", "/handler/\x00"])
def test_login_next_with_crlf_or_elsewhere_goes_to_the_queue(app, target: str) -> None:
    add_handler(app, "zhao", "nyncj")
    client = app.test_client()
    token = csrf_from(client.get("/handler/login").get_data(as_text=True))
    response = client.post("/handler/login", query_string={"next": target},
                           data={"username": "zhao", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/handler/"
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]


def test_nul_bidi_and_zero_width_characters_are_stripped(app, client) -> None:
    case = submit(client, subject="补贴\u202e少发了\u200b", body="第一行\r\n第二行\x00", name="王\u2066大\u200d娘")
    row = stored(app, case["tracking_no"])
    assert (row.subject, row.body, row.name) == ("补贴少发了", "第一行\n第二行", "王大娘")


def test_a_subject_of_invisible_characters_only_is_missing(client) -> None:
    response = client.post("/api/v1/submissions", json=submission(subject="\u200b\u202e\x00"))
    assert response.get_json()["errors"] == [{"field": "subject", "message": "请填写标题。"}]


def test_nul_in_lookups_and_handler_queries_is_harmless(app, client) -> None:
    case = submit(client)
    assert client.post("/track", data={"no": "YK\x00", "code": "\x00"}).status_code == 404
    assert client.get(f"/api/v1/submissions/{case['tracking_no']}", headers={"X-Query-Code": "a\x00"}).status_code == 404
    add_handler(app, "zhao", "nyncj")
    token = csrf_from(client.get("/handler/login").get_data(as_text=True))
    assert client.post("/handler/login", data={"username": "zh\x00ao", "password": "\x00",
                                                "csrf_token": token}).status_code == 401
    client.post("/handler/login", data={"username": "zhao", "password": PASSWORD, "csrf_token": token})
    assert client.get("/handler/audit?no=YK%00").status_code == 404
    assert client.get("/handler/?department=%00&scope=%00").status_code == 200  # own queue


def test_clean_keeps_ordinary_text() -> None:
    assert clean("  王大娘：每亩70元。\n谢谢！😀 ") == "王大娘：每亩70元。\n谢谢！😀"
