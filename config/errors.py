"""Error pages: under /api/ a 404 or 500 Django answers itself (an unknown URL, a path parameter of the
wrong type) is JSON like every other API error; elsewhere Django's own pages."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest):
    if _is_api(request):
        return JsonResponse({"detail": _("服务器内部错误。"), "code": "server_error"}, status=500)
    return defaults.server_error(request)
