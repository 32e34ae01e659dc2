"""Serve the static site and this service on one port (``yikatong serve``).

    from complaints_api import create_app
    from complaints_api.dispatch import mount
    app = mount(static_site_wsgi_app, create_app())

Requests under ``SERVICE_PREFIXES`` (``/api/``, ``/handler``, ``/track``, ``/healthz``) go to
the service; everything else to the site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import SERVICE_PREFIXES

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def is_service_path(path: str) -> bool:
    roots = (prefix.rstrip("/") for prefix in SERVICE_PREFIXES)
    return any(path == root or path.startswith(root + "/") for root in roots)


def mount(site: WSGIApp, service: WSGIApp) -> WSGIApp:
    """A WSGI app sending service paths to ``service`` and the rest to ``site``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = service if is_service_path(environ.get("PATH_INFO", "") or "/") else site
        return target(environ, start_response)

    return app
