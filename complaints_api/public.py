"""Pages for citizens served by the service itself: ``/track…`` and ``/healthz``.

``/track`` is the status form (POST: the code travels in the body); a successful lookup
redirects (303) to ``/track?no=<no>``, which this browser may reopen later (signed cookie,
see ``receipts``). ``/track?no=<no>&receipt=1`` is the printable receipt after a
submission. Old ``/track?no=&code=`` links still work: they are looked up once and
redirected to the URL without the code. (``/track/`` with a slash is the static site's
status page; the service keeps to ``/track`` itself.)"""

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
    """The status form, the status page and the receipt; works without JavaScript.

    POST (or an old GET link with ``code``): look up, remember the case in this browser,
    303 to ``/track?no=<no>``. GET ``?no=<no>``: the status page when this browser may
    reopen the case, else the form; ``&receipt=1``: the printable receipt."""
    source = request.form if request.method == "POST" else request.args
    typed = clean_arg(source.get("no"), 40)
    code = clean_arg(source.get("code"), 40)
    if request.method == "POST" or code:
        try:
            case = service().find_public(typed, code)
        except ApiError as exc:
            return _form(typed, exc.error, exc.status)
        response = redirect(f"/track?no={case.tracking_no}", 303)
        return receipts.grant(response, case.tracking_no, normalise_code(code))
    if not typed:
        return _form("")
    number, case = _granted_case(typed)
    if case is None:
        hint = ("回执只在提交时所用的浏览器中显示查询码；请输入查询码查看办理进度。"
                if request.args.get("receipt") else "请输入查询码查看办理进度。")
        return _form(number or typed, hint=hint)
    if request.args.get("receipt"):
        from .api import receipt as receipt_json
        return render_template("public/submitted.html", r=receipt_json(case), case=case), 200
    view = service().public_view(case)
    return render_template("public/track.html", no=case.tracking_no, code=format_code(case.query_code),
                           view=view, error=None, hint=None), 200


def _granted_case(typed: str):  # type: ignore[no-untyped-def]
    number = normalise_tracking_no(typed)
    code = receipts.code_for(number) if number else None
    if number is None or code is None:
        return number, None
    try:
        return number, service().find_public(number, code)
    except ApiError as exc:
        if exc.status == 404:
            return number, None
        raise
