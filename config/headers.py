"""Response headers every page and API answer carries: a Permissions-Policy that turns off the browser
features Tongban never uses, and `Cache-Control: no-store` on whatever is personal — every answer to a
signed-in user or a token, every API answer, and the documents (notices, certificate PDFs) they download —
so that neither a shared computer's browser cache nor a proxy keeps a copy. (The Content-Security-Policy
comes from django-csp, settings CONTENT_SECURITY_POLICY.)"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """After AuthenticationMiddleware (it asks request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.TONGBAN_PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        personal = (
            request.path.startswith("/api/")
            or "HTTP_AUTHORIZATION" in request.META
            or (user is not None and user.is_authenticated)
        )
        if personal:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
