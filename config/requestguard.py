"""Bounded work per request, before any view runs: a body larger than TONGBAN_MAX_REQUEST_BYTES (or, unless
it is a multipart upload, DATA_UPLOAD_MAX_MEMORY_SIZE) is refused with 413 from its Content-Length, before
a byte of it is read (so a 200 MB upload never reaches the disk);
a chunked body without a Content-Length is read through a cap (WSGI wrapper); and a query string or
path carrying a NUL character is a 400 (PostgreSQL cannot store or compare one, so it would be a 500)."""

from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def _refuse(request_path: str, status: int, detail: str, code: str) -> HttpResponse:
    if request_path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def _too_large() -> str:
    return _("请求体过大（上限 %(mb)s MB）。") % {"mb": f"{settings.TONGBAN_MAX_REQUEST_BYTES / 1024 / 1024:g}"}


class RequestGuardMiddleware:
    """First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            return _refuse(request.path, 400, _("Content-Length 无效。"), "bad_content_length")
        if size < 0:
            return _refuse(request.path, 400, _("Content-Length 无效。"), "bad_content_length")
        if size > settings.TONGBAN_MAX_REQUEST_BYTES:
            return _refuse(request.path, 413, _too_large(), "too_large")
        # Only a multipart upload may be larger than DATA_UPLOAD_MAX_MEMORY_SIZE (its files go to disk);
        # any other body is read into memory whole, so refuse it here rather than as a 500 deep inside.
        data_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if data_limit is not None and size > data_limit and not request.content_type.startswith("multipart/"):
            return _refuse(request.path, 413, _("请求体过大。"), "too_large")
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return _refuse(request.path, 400, _("请求地址中含有不允许的空字符。"), "nul_character")
        return self.get_response(request)


class CappedChunkedBody:
    """WSGI wrapper: a chunked request (no Content-Length; the server has de-chunked wsgi.input) is read
    up to the cap. Within it, the body is handed on with its Content-Length, so Django reads it as usual
    (Django reads nothing of a body without one); past it, 413 without reading further."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            limit = settings.TONGBAN_MAX_REQUEST_BYTES
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                start_response("413 Request Entity Too Large", [("Content-Type", "text/plain; charset=utf-8"),
                                                                 ("Connection", "close")])
                return [_too_large().encode()]
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)
