"""Pages for citizens served by the service itself: ``/track…`` and ``/healthz``.

``/track`` is the status form (POST: the code travels in the body); a successful lookup
redirects (303) to ``/track/<no>``, which this browser may reopen later (signed cookie,
see ``receipts``). ``/track/<no>/receipt`` is the printable receipt after a submission.
Old ``/track?no=&code=`` links still work: they are looked up once and redirected to the
URL without the code."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from . import receipts
from .cases import CaseService, format_code, normalise_code, normalise_tracking_no
from .errors import ApiError
from .validation import clean_arg

bp = Blueprint("public", __name__)


def service() -> CaseService:
    return current_app.extensions["yikatong"]  # type: ignore[no-any-return]


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"ok": True, "status": "alive"})


def _form(no: str, error: str | None = None, status: int = 200, hint: str | None = None) -> tuple[str, int]:
    return render_template("public/track.html", no=no, view=None, error=error, hint=hint), status


@bp.route("/track", methods=["GET", "POST"])
def track() -> Response | tuple[str, int]:
    """The status form; works without JavaScript."""
    source = request.form if request.method == "POST" else request.args
    number = clean_arg(source.get("no"), 40)
    code = clean_arg(source.get("code"), 40)
    if request.method == "GET" and not code:
        return _form(number)
    try:
        case = service().find_public(number, code)
    except ApiError as exc:
        return _form(number, exc.error, exc.status)
    response = redirect(f"/track/{case.tracking_no}", 303)
    return receipts.grant(response, case.tracking_no, normalise_code(code))


def _granted_case(tracking_no: str):  # type: ignore[no-untyped-def]
    number = normalise_tracking_no(clean_arg(tracking_no, 40))
    code = receipts.code_for(number) if number else None
    if number is None or code is None:
        return number, None
    try:
        return number, service().find_public(number, code)
    except ApiError as exc:
        if exc.status == 404:
            return number, None
        raise


@bp.get("/track/<tracking_no>")
def status(tracking_no: str) -> Response | tuple[str, int]:
    number, case = _granted_case(tracking_no)
    if case is None:
        return _form(number or "", hint="请输入查询码查看办理进度。")
    view = service().public_view(case)
    return render_template("public/track.html", no=case.tracking_no, code=format_code(case.query_code),
                           view=view, error=None, hint=None), 200


@bp.get("/track/<tracking_no>/receipt")
def receipt(tracking_no: str) -> Response | tuple[str, int]:
    """The receipt after a submission: the same page on every reload, printable."""
    number, case = _granted_case(tracking_no)
    if case is None:
        return _form(number or "", hint="回执只在提交时所用的浏览器中显示查询码；请输入查询码查看办理进度。")
    from .api import receipt as receipt_json
    return render_template("public/submitted.html", r=receipt_json(case), case=case), 200
