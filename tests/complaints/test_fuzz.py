"""Fuzzing the form endpoints and the handler forms with hypothesis: no input gives a
server error, and every error has the one shape. Run on SQLite and on PostgreSQL (which
refuses NUL in text, so a NUL that got through would show here)."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import act, add_handler, csrf_from, login, submit

NASTY = ["\x00", "\r\n", "\u202e", "\u200b", "\ufeff", "%00", "<script>", "'; DROP TABLE x; --", "../..",
         "YK" + "0" * 12, "１２３", "²", "\ud7ff", "😀", " ", "-1", "99999999999999999999", "true", "[]", "{}"]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                 st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000,
                                                exclude_categories=["Cs"]), max_size=30))
SUBMISSION_FIELDS = ["kind", "category", "program", "township", "village", "record_ref", "subject", "body",
                     "name", "phone", "anonymous", "code", "score", "comment", "reason"]
FORM = st.dictionaries(st.sampled_from(SUBMISSION_FIELDS) | st.text(max_size=8), TEXT, max_size=12)
ACCEPT = st.sampled_from(["text/html", "application/json", "*/*", "text/html;q=0.1, application/json"])
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
ERROR_KEYS = {"ok", "status", "error", "errors"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_app(request, app_factory) -> Flask:
    if request.param == "postgres":
        return app_factory(DATABASE_URL=request.getfixturevalue("pg_url"))
    return app_factory()


def check(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400 and response.mimetype == "application/json":
        body = response.get_json()
        assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == response.status_code


def test_citizen_forms_never_fail(fuzz_app) -> None:
    client = fuzz_app.test_client()
    case = submit(client)

    @given(form=FORM, accept=ACCEPT, target=st.sampled_from(["submit", "track", "rating", "withdraw", "supplement"]))
    @SETTINGS
    def run(form, accept, target) -> None:
        if target in ("rating", "withdraw", "supplement") and "code" not in form:
            form = {**form, "code": case["query_code"]}
        url = {"submit": "/api/v1/submissions", "track": "/track"}.get(
            target, f"/api/v1/submissions/{case['tracking_no']}/{target}")
        check(client.post(url, data=form, headers={"Accept": accept}))

    run()


def test_citizen_pages_and_lookups_never_fail(fuzz_app) -> None:
    client = fuzz_app.test_client()

    @given(no=TEXT, code=TEXT)
    @SETTINGS
    def run(no, code) -> None:
        check(client.get("/track", query_string={"no": no, "code": code}))
        check(client.get("/track", query_string={"no": no}))
        check(client.get("/track", query_string={"no": no, "receipt": code}))

    run()


def test_handler_forms_never_fail(fuzz_app) -> None:
    case = submit(fuzz_app.test_client())
    staff = fuzz_app.test_client()
    token = login(staff, add_handler(fuzz_app, "zhao", "nyncj"))
    stranger = fuzz_app.test_client()

    @given(form=st.dictionaries(st.sampled_from(["reason", "channel", "to", "into", "message", "reply",
                                                  "title", "body", "current", "new", "repeat"]), TEXT, max_size=6),
           action=st.sampled_from(["accept", "refuse", "transfer", "merge", "start", "await", "resume",
                                   "extend", "reply", "close", "nosuch"]),
           query=st.dictionaries(st.sampled_from(["department", "scope", "no", "template", "next"]), TEXT, max_size=3))
    @SETTINGS
    def run(form, action, query) -> None:
        check(act(staff, token, case["tracking_no"], action, **form))
        check(staff.post("/handler/templates", data={"csrf_token": token, **form}))
        check(staff.get("/handler/", query_string=query))
        check(staff.get("/handler/audit", query_string=query))
        check(staff.get(f"/handler/cases/{case['tracking_no']}", query_string=query))
        page = stranger.get("/handler/login", query_string=query)
        check(page)
        check(stranger.post("/handler/login", query_string=query,
                            data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                  "username": form.get("reason", ""), "password": form.get("reply", "")}))

    run()
