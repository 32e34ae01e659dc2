"""The JSON API under ``/api/v1`` (form posts from the static site get HTML pages)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .cases import CaseService, Submission
from .errors import wants_html
from .openapi import openapi_document
from .validation import idempotency_key, parse_submission, read_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def service() -> CaseService:
    return current_app.extensions["yikatong"]  # type: ignore[no-any-return]


def receipt(case: Submission) -> dict[str, Any]:
    svc = service()
    return {"ok": True, "tracking_no": case.tracking_no, "query_code": case.query_code,
            "kind": case.kind, "state": case.state,
            "department": svc.department_json(case.department),
            "due_date": case.due_date.isoformat(),
            "accept_due_date": case.accept_due.isoformat() if case.accept_due else None,
            "status_url": f"/track?no={case.tracking_no}"}


@bp.post("/submissions")
def submit() -> tuple[Response | str, int, dict[str, str]]:
    """Create a case; JSON clients get JSON, a browser's form post a confirmation page."""
    data = read_body()
    key = idempotency_key()
    inp = parse_submission(data, service().county)
    case, created = service().submit(inp, key)
    headers = {"Location": f"/api/v1/submissions/{case.tracking_no}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    if wants_html():
        body = receipt(case)
        return render_template("public/submitted.html", r=body, case=case), 201, headers
    return jsonify(receipt(case)), 201, headers


@bp.get("/submissions/<tracking_no>")
def lookup(tracking_no: str) -> Response:
    case = service().find_public(tracking_no, request.args.get("code"))
    return jsonify(service().public_view(case))


@bp.post("/submissions/<tracking_no>/rating")
def rate(tracking_no: str) -> Response | str:
    result = service().rate(tracking_no, read_body())
    return _answer(result, tracking_no)


@bp.post("/submissions/<tracking_no>/withdraw")
def withdraw(tracking_no: str) -> Response | str:
    return _answer(service().citizen_action(tracking_no, "withdraw", read_body()), tracking_no)


@bp.post("/submissions/<tracking_no>/supplement")
def supplement(tracking_no: str) -> Response | str:
    return _answer(service().citizen_action(tracking_no, "supplement", read_body()), tracking_no)


def _answer(result: dict[str, Any], tracking_no: str) -> Response | str:
    if wants_html():
        return render_template("public/done.html", r=result)
    return jsonify(result)


@bp.get("/stats")
def stats() -> Response:
    from .escalation import with_escalations
    return jsonify(with_escalations(service(), service().stats()))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(service().county))
