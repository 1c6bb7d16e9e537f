"""The WSGI application: the intake API through its own short middleware chain, everything
else through the site's.

A platform's request carries a bearer token, never a session, a CSRF token or a second
factor, so the sessions, authentication, one-time passwords, messages and static files that
every page needs are only cost to it: ten of the site's seventeen layers, some 12 % of a
small report's time in the web server (cProfile). What every answer needs stays: metrics,
HTTPS and security headers, `Cache-Control: no-store`, the request size limit and JSON errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

API_MIDDLEWARE = [
    "casework.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "casework.middleware.NoStoreMiddleware",
    "reports.limits.RequestSizeLimitMiddleware",
    "reports.api_errors.ApiErrorsMiddleware",
    "casework.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


class ApiHandler(WSGIHandler):
    """Django's WSGI handler with API_MIDDLEWARE in place of settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        site_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in site_middleware if m in API_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site_middleware

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        """The answer, with its Content-Length (as the site's CommonMiddleware gives every
        page's): without it gunicorn sends the answer chunked, and a client that does not
        decode chunked bodies closes the connection and opens a new one for each report."""
        response = super().get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


def application_for(site: WSGIHandler, api: WSGIHandler) -> Callable[..., Iterable[bytes]]:
    """One WSGI callable sending /api/ to api and the rest to site."""
    from casework.middleware import API_PATH  # its module needs Django set up

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        handler = api if environ.get("PATH_INFO", "").startswith(API_PATH) else site
        return handler(environ, start_response)

    return application


def wsgi_application() -> Callable[..., Iterable[bytes]]:
    """Set Django up and build the application (as get_wsgi_application does)."""
    import django

    django.setup(set_prefix=False)
    return application_for(WSGIHandler(), ApiHandler())
