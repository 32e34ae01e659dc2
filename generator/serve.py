"""``yikatong serve``: local preview of the static site with the complaints service mounted.

One port, like production behind nginx: the service answers ``/api/``, ``/handler/``,
``/healthz`` and ``/track``; everything else is a static file from the built site. This is the
only place in ``generator`` that imports ``complaints_api``.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from .errors import YikatongError

log = logging.getLogger(__name__)

SERVICE_PREFIXES = ("/api/", "/handler")
SERVICE_PATHS = ("/healthz", "/track")
mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/json", ".json")


class StaticSite:
    """Serve a built site directory: directory URLs → index.html, unknown → 404.html."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        path = self._resolve(request.path)
        if path is None:
            if request.path.rstrip("/") and (self.root / request.path.lstrip("/")).is_dir():
                return Response(status=301, headers={"Location": request.path + "/"})(environ, start_response)
            not_found = self.root / "404.html"
            body = not_found.read_bytes() if not_found.exists() else "未找到该页面".encode()
            return Response(body, status=404, content_type="text/html; charset=utf-8")(environ, start_response)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mime.startswith("text/") or mime in ("application/javascript", "application/json"):
            mime += "; charset=utf-8"
        response = Response(path.read_bytes(), content_type=mime)
        # content-hashed assets and search shards can be cached for long
        if "/assets/" in request.path or request.path.startswith("/search/"):
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response(environ, start_response)

    def _resolve(self, url_path: str) -> Path | None:
        target = (self.root / url_path.lstrip("/")).resolve()
        if self.root not in target.parents and target != self.root:
            return None
        if target.is_dir():
            if not url_path.endswith("/"):
                return None
            target = target / "index.html"
        return target if target.is_file() else None


class Dispatcher:
    def __init__(self, site: Callable[..., Any], service: Callable[..., Any] | None):
        self.site = site
        self.service = service

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.service is not None and (path.startswith(SERVICE_PREFIXES) or path in SERVICE_PATHS):
            return self.service(environ, start_response)
        return self.site(environ, start_response)


def make_app(site_dir: Path, data_dir: Path | None = None) -> Dispatcher:
    if not (Path(site_dir) / "index.html").exists():
        raise YikatongError(f"{site_dir} 中没有已生成的网站：请先运行 yikatong build --out {site_dir}")
    service = None
    try:
        from complaints_api import create_app
    except ModuleNotFoundError as exc:
        if exc.name != "complaints_api":
            raise
        log.warning("投诉服务未安装，只预览静态网站")
    else:
        if data_dir is not None:
            os.environ.setdefault("YIKATONG_DATA", str(Path(data_dir).resolve()))
        service = create_app()
    return Dispatcher(StaticSite(site_dir), service)


def serve_site(site_dir: Path, host: str = "127.0.0.1", port: int = 8000, data_dir: Path | None = None) -> None:
    app = make_app(site_dir, data_dir)
    log.info("本地预览：http://%s:%d/ （投诉服务：/api/v1/，办理人员：/handler/）按 Ctrl+C 停止", host, port)
    run_simple(host, port, app, use_reloader=False, threaded=True)
