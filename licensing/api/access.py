"""Which cases an API caller may see: 404 for anything else, so nobody learns that it exists."""

from __future__ import annotations

from rest_framework.request import Request

from django.http import Http404

from licensing import selectors
from licensing.models import Application
from licensing.permissions import can_view


def visible_application(request: Request, pk: int) -> Application:
    try:
        application = selectors.application_detail(pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc
    if not can_view(request.user, application):
        raise Http404
    return application
