"""The lean request path of certificate verification: what every border post, customs office and
partner lab calls, so each request carries only the middleware these endpoints need.

`LeanDispatch` wraps Tongban's WSGI application (config/wsgi.py). It sends exactly

- `POST /api/v1/certificates/verify/` with a JSON body (a token, a scanned URL or its digits), and
- `GET` / `HEAD` `/C/<digits>` (the page a phone camera opens)

to a second Django handler built with its own, explicit middleware list (settings
TONGBAN_LEAN_API_MIDDLEWARE and TONGBAN_LEAN_PAGE_MIDDLEWARE): the request guard, the security
headers (SecurityMiddleware, Permissions-Policy and Cache-Control, CSP, X-Frame-Options), the Host
check and Content-Length of CommonMiddleware, and the language from the visitor's language cookie or
Accept-Language. No session, no authentication, no
messages, no login lock-out, no URL-prefix locale: both endpoints are anonymous. The JSON POST has no
CSRF middleware either (nothing is sent with it that a cookie could vouch for); the page keeps it,
because its language switch is a POST form that needs the CSRF cookie. Everything else, the PDF upload
form of the verify endpoint included, goes to the full application unchanged. Access-log redaction of
`/C/` paths is a logging filter (config.logging) and applies to both.

The lean handler resolves only its two routes (config.lean_urls), while `reverse()` in templates keeps
using the full URL map."""

from __future__ import annotations

import re

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver
from django.utils import translation
from django.utils.cache import patch_vary_headers

VERIFY_API_PATH = "/api/v1/certificates/verify/"
VERIFY_PAGE_PATH = re.compile(r"/[Cc]/[^/]+/?")


class LeanHandler(WSGIHandler):
    """A WSGIHandler whose middleware comes from `middleware` (not settings.MIDDLEWARE) and whose
    requests are resolved against `urlconf` alone. Request signals are sent as usual, so database
    connections are checked and recycled exactly as on the full path."""

    def __init__(self, *, middleware: list[str], urlconf: str) -> None:
        self._lean_middleware = list(middleware)
        self._resolver = get_resolver(urlconf)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware reads settings.MIDDLEWARE: give it this handler's list while it
        # builds the chain (once, at start-up, before any request is served).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self._lean_middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full

    def resolve_request(self, request):
        match = self._resolver.resolve(request.path_info)
        request.resolver_match = match
        return match


def lean_route(environ: dict) -> str | None:
    """"api" or "page" for a request the lean path serves, None for everything else."""
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "")
    if path == VERIFY_API_PATH:
        content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        return "api" if method == "POST" and content_type == "application/json" else None
    if method in ("GET", "HEAD") and VERIFY_PAGE_PATH.fullmatch(path):
        return "page"
    return None


class LeanDispatch:
    """WSGI: the verification requests to the lean handlers, the rest to `application`."""

    def __init__(self, application) -> None:
        self.application = application
        self.handlers = {
            "api": LeanHandler(middleware=settings.TONGBAN_LEAN_API_MIDDLEWARE, urlconf="config.lean_urls"),
            "page": LeanHandler(middleware=settings.TONGBAN_LEAN_PAGE_MIDDLEWARE, urlconf="config.lean_urls"),
        }

    def __call__(self, environ, start_response):
        route = lean_route(environ) if settings.TONGBAN_LEAN_VERIFY else None
        handler = self.handlers[route] if route else self.application
        return handler(environ, start_response)


class AcceptLanguageMiddleware:
    """The language of an anonymous public answer: the visitor's own choice (the language cookie the
    page's switch sets) or else their Accept-Language; LocaleMiddleware without the URL-prefix and
    redirect machinery these two endpoints never use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class HostAndLengthMiddleware:
    """What CommonMiddleware does for these endpoints: the Host header checked against ALLOWED_HOSTS
    (DisallowedHost: 400) and Content-Length set on the answer; without its slash redirects and
    user-agent list, which the two routes never need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.get_host()
        response = self.get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


class SettledPolicyMiddleware:
    """django-csp's Content-Security-Policy (and its report-only twin) for answers that never carry a
    nonce or a view's own policy — the JSON verify API: the same headers as CSPMiddleware sets, built
    from settings once per process instead of on every answer (a twentieth of a verification)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = [(name, policy) for name, policy in ((HEADER, build_policy()),
                                                            (HEADER_REPORT_ONLY, build_policy(report_only=True)))
                        if policy]

    def __call__(self, request):
        response = self.get_response(request)
        for name, policy in self.headers:
            response.headers.setdefault(name, policy)
        return response
