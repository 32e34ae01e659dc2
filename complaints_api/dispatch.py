"""Serve the static site and this service on one port (``yikatong serve``).

    from complaints_api import create_app
    from complaints_api.dispatch import mount
    app = mount(static_site_wsgi_app, create_app())

Requests under ``SERVICE_PREFIXES`` (``/api/``, ``/handler/``) and to ``SERVICE_PATHS``
(``/handler``, ``/track``, ``/healthz``) go to the service; everything else — ``/track/``, the
site's own 办理查询 page, included — to the site. ``yikatong serve`` uses this dispatcher, and
the nginx example in the service README routes the same paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import SERVICE_PATHS, SERVICE_PREFIXES

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def is_service_path(path: str) -> bool:
    """True when the service, not the static site, answers `path`."""
    return path in SERVICE_PATHS or path.startswith(SERVICE_PREFIXES)


def mount(site: WSGIApp, service: WSGIApp) -> WSGIApp:
    """A WSGI app sending service paths to ``service`` and the rest to ``site``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = service if is_service_path(environ.get("PATH_INFO", "") or "/") else site
        return target(environ, start_response)

    return app
