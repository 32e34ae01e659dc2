"""The JSON API under ``/api/v1`` (form posts from the static site get HTML pages).

A browser's form post is answered Post/Redirect/Get: 303 to a GET page under ``/track``
(the receipt, or the case's status) with a signed cookie that lets this browser reopen it;
the query code never goes into a URL. JSON clients send the code in the ``X-Query-Code``
header (lookups) or the body (actions); ``?code=`` still works for old links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, request
from werkzeug.wrappers import Response

from . import receipts
from .cases import CaseService, Submission, format_code, normalise_code
from .errors import wants_html
from .limits import client_address
from .openapi import openapi_document
from .validation import idempotency_key, parse_submission, read_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CODE_HEADER = "X-Query-Code"


def service() -> CaseService:
    return current_app.extensions["yikatong"]  # type: ignore[no-any-return]


def receipt(case: Submission) -> dict[str, Any]:
    svc = service()
    return {"ok": True, "tracking_no": case.tracking_no, "query_code": format_code(case.query_code),
            "kind": case.kind, "state": case.state,
            "department": svc.department_json(case.department),
            "due_date": case.due_date.isoformat(),
            "accept_due_date": case.accept_due.isoformat() if case.accept_due else None,
            "status_url": f"/track?no={case.tracking_no}"}


@bp.post("/submissions")
def submit() -> Response | tuple[Response, int, dict[str, str]]:
    """Create a case; JSON clients get JSON (201), a browser's form post a 303 to its
    receipt page, which a reload shows again instead of filing again."""
    data = read_body()
    key = idempotency_key()
    inp = parse_submission(data, service().county)
    case, created = service().submit(inp, key, client=client_address())
    headers = {"Location": f"/api/v1/submissions/{case.tracking_no}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    if wants_html():
        response = redirect(f"/track?no={case.tracking_no}&receipt=1", 303)
        return receipts.grant(response, case.tracking_no, case.query_code)
    return jsonify(receipt(case)), 201, headers


def _code() -> str:
    """The query code from the header, else from an old ``?code=`` link."""
    return request.headers.get(CODE_HEADER) or request.args.get("code") or ""


@bp.get("/submissions/<tracking_no>")
def lookup(tracking_no: str) -> Response:
    case = service().find_public(tracking_no, _code())
    return jsonify(service().public_view(case))


def _body_with_code() -> dict[str, Any]:
    data = read_body()
    if "code" not in data and request.headers.get(CODE_HEADER):
        data["code"] = request.headers[CODE_HEADER]
    return data


@bp.post("/submissions/<tracking_no>/rating")
def rate(tracking_no: str) -> Response:
    data = _body_with_code()
    return _answer(service().rate(tracking_no, data), data)


@bp.post("/submissions/<tracking_no>/withdraw")
def withdraw(tracking_no: str) -> Response:
    data = _body_with_code()
    return _answer(service().citizen_action(tracking_no, "withdraw", data), data)


@bp.post("/submissions/<tracking_no>/supplement")
def supplement(tracking_no: str) -> Response:
    data = _body_with_code()
    return _answer(service().citizen_action(tracking_no, "supplement", data), data)


def _answer(result: dict[str, Any], data: dict[str, Any]) -> Response:
    if wants_html():
        flash(result.get("message") or f"已提交，当前状态：{result['state_label']}。")
        if result.get("review_deadline"):
            flash(f"复查申请截止：{result['review_deadline']}")
        response = redirect(f"/track?no={result['tracking_no']}", 303)
        code = data.get("code")
        return receipts.grant(response, result["tracking_no"], normalise_code(code)) if isinstance(code, str) else response
    return jsonify(result)


@bp.get("/stats")
def stats() -> Response:
    from .escalation import with_escalations
    return jsonify(with_escalations(service(), service().stats()))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(service().county))
