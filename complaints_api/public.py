"""Pages for citizens served by the service itself: ``/track`` and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .cases import CaseService
from .errors import ApiError

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"ok": True, "status": "alive"})


@bp.get("/track")
def track() -> tuple[str, int]:
    """The status page as a plain GET form: works without JavaScript."""
    svc: CaseService = current_app.extensions["yikatong"]
    number = (request.args.get("no") or "").strip()
    code = (request.args.get("code") or "").strip()
    if not number and not code:
        return render_template("public/track.html", no="", view=None, error=None), 200
    try:
        view = svc.public_view(svc.find_public(number, code))
    except ApiError as exc:
        return render_template("public/track.html", no=number, view=None, error=exc.error), exc.status
    return render_template("public/track.html", no=number, code=code, view=view, error=None), 200
