"""Pages outside a case: the public status query (no login) and the user's notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from services.accounts import client_address

from .. import selectors, workflow
from ..api.serializers import status_payload
from ..forms import (
    StatusQueryForm,
)
from ..models import Application
from ..notices import notifications_mark_read
from .common import (
    STATUS_FAILURES_LIMIT,
    STATUS_FAILURES_WINDOW,
    _render,
)

# --- public status query -------------------------------------------------------------------------

def _client_key(request: HttpRequest) -> str:
    return "licensing-status-failures:" + (client_address(request) or "unknown")


def status_query(request: HttpRequest) -> HttpResponse:
    """Anyone with the case number and the query password sees the state and the dates (no
    personal data). Failed attempts are limited per client address."""
    form = StatusQueryForm(request.POST if request.method == "POST" else None)
    result = None
    status = 200
    if request.method == "POST":
        key = _client_key(request)
        if cache.get(key, 0) >= STATUS_FAILURES_LIMIT:
            form.is_valid()
            form.add_error(None, _("查询失败次数过多，请稍后再试。"))
            status = 429
        elif form.is_valid():
            application = (Application.objects.select_related("service_type")
                           .prefetch_related("tracks__service_type")
                           .filter(case_number=form.cleaned_data["case_number"], parent__isnull=True).first())
            if application is None or not workflow.status_password_check(application, form.cleaned_data["password"]):
                cache.add(key, 0, STATUS_FAILURES_WINDOW)
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, STATUS_FAILURES_WINDOW)
                form.add_error(None, _("办件编号或查询密码不正确。"))
                status = 400
            else:
                result = status_payload(application)
                result["service_name_en"] = application.service_type.name_en
                for row, track in zip(result["tracks"], application.tracks.all(), strict=False):
                    row["service_name"] = track.service_type.name_zh
                    row["service_name_en"] = track.service_type.name_en
        else:
            status = 400
    errors = []
    if form.is_bound:
        errors = [{"anchor": "", "message": m} for m in form.non_field_errors()] + [
            {"anchor": f"id_{name}", "label": form.fields[name].label, "message": m}
            for name in form.fields for m in form[name].errors]
    return _render(request, "licensing/status.html", {"form": form, "result": result, "errors": errors},
                   status=status)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's messages: notices for applicants, yellow/red alerts for officers. Opening the page
    marks them read."""
    rows = Paginator(selectors.notifications_for(user=request.user), 30).get_page(request.GET.get("page"))
    unread_ids = [n.pk for n in rows if n.read_at is None]
    response = _render(request, "licensing/notifications.html", {"page": rows, "unread_ids": set(unread_ids)})
    notifications_mark_read(user=request.user, ids=unread_ids)
    return response
