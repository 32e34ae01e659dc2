"""Which cases this browser may reopen without typing the query code again.

After a submission or a successful lookup the service sets a signed, HttpOnly cookie
(path ``/track``) mapping tracking numbers to their codes, then redirects (303) to a plain
GET page: ``/track?no=<no>&receipt=1`` or ``/track?no=<no>`` (the number, never the code). A reload, back or forward repeats the
GET, never the POST, and the code never appears in a URL, an access log or the history.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "yikatong_cases"
PATH = "/track"
KEEP = 10  # receipts remembered per browser


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt="yikatong-cases")


def _max_age() -> int:
    return int(current_app.config["RECEIPT_DAYS"]) * 86400


def granted() -> dict[str, str]:
    """tracking number → query code for the cases this browser opened (signed, unexpired)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        value: Any = _serializer().loads(raw, max_age=_max_age())
    except (BadSignature, ValueError, TypeError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def code_for(tracking_no: str) -> str | None:
    return granted().get(tracking_no)


def grant(response: Response, tracking_no: str, code: str) -> Response:
    cases = {k: v for k, v in granted().items() if k != tracking_no}
    cases[tracking_no] = code
    cases = dict(list(cases.items())[-KEEP:])
    response.set_cookie(COOKIE, _serializer().dumps(cases), max_age=_max_age(), path=PATH,
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
                        httponly=True, samesite="Lax")
    return response


def forget(response: Response, tracking_no: str) -> Response:
    cases = {k: v for k, v in granted().items() if k != tracking_no}
    if cases:
        response.set_cookie(COOKIE, _serializer().dumps(cases), max_age=_max_age(), path=PATH,
                            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
                            httponly=True, samesite="Lax")
    else:
        response.delete_cookie(COOKIE, path=PATH)
    return response
