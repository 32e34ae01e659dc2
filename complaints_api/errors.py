"""One error shape for every error, rendered once: JSON, or HTML for browsers.

``{"ok": false, "status": 400, "error": "…", "errors": [{"field": "…", "message": "…"}]}``
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES: dict[int, str] = {
    400: "请求有误，请检查后重试。",
    401: "请先登录。",
    403: "无权执行此操作。",
    404: "未找到请求的页面或事项。",
    405: "不支持该请求方法。",
    409: "请求冲突，请刷新后重试。",
    413: "提交内容过大，请控制在 64 KB 以内。",
    415: "请以 JSON 或表单格式提交。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试。",
    503: "服务暂时不可用，请稍后再试。",
}
INVALID_INPUT = "提交的内容有误，请按提示修改。"
NOT_FOUND_CASE = "未找到该事项，请核对受理编号和查询码。"


class ApiError(Exception):
    """An expected error with a status, a Chinese message and per-field messages."""

    def __init__(self, status: int, error: str | None = None,
                 errors: list[tuple[str, str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(error or MESSAGES.get(status, ""))
        self.status = status
        self.error = error or MESSAGES.get(status, MESSAGES[500])
        self.errors = errors or []
        self.headers = headers or {}


def invalid(errors: list[tuple[str, str]]) -> ApiError:
    return ApiError(400, INVALID_INPUT, errors)


def payload(status: int, error: str, errors: list[tuple[str, str]]) -> dict[str, object]:
    return {"ok": False, "status": status, "error": error,
            "errors": [{"field": f, "message": m} for f, m in errors]}


def wants_html() -> bool:
    """True when the client ranks HTML above JSON (a browser); ``*/*`` means JSON."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")


def render_error(status: int, error: str, errors: list[tuple[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> Response:
    errors = errors or []
    if wants_html():
        response = Response(
            render_template("error.html", status=status, error=error, errors=errors),
            status=status, mimetype="text/html")
    else:
        response = jsonify(payload(status, error, errors))
        response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
    return render_error(status, MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]),
                        headers=headers)


def _api_error(exc: ApiError) -> Response:
    return render_error(exc.status, exc.error, exc.errors, exc.headers)


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    from .db import is_transient
    if is_transient(exc):  # the database is restarting: try again shortly, nothing was lost
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
        return render_error(503, MESSAGES[503], headers={"Retry-After": "5"})
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(500, MESSAGES[500])


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
