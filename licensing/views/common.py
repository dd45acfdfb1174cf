"""What the licensing pages share: page sizes, the render helper, today's date and the lookups
every audience's pages use (a case or 404, the open correction notice for its banner)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.catalog.forms import form_schema

from .. import correction, selectors
from ..forms import (
    field_title,
    is_en,
)
from ..models import Applicant, Application
from ..permissions import can_view

PAGE_SIZE = 50
APPLICANT_PAGE_SIZE = 20
PASSWORD_SESSION_KEY = "licensing_status_password"
STATUS_FAILURES_LIMIT = 10
STATUS_FAILURES_WINDOW = 900

POINT_LABELS = {
    "salary": _("年薪"), "degree": _("学位"), "experience": _("相关工作经历"), "months_per_year": _("每年在华工作时间"),
    "chinese": _("汉语水平"), "region": _("西部地区"), "age": _("年龄"),
}
POINTS_FIELDS = ("birth_date", "annual_salary_cny", "highest_degree", "experience_years", "chinese_level",
                 "months_per_year")


def _today():
    return timezone.localdate()


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


def _applicant_of(request: HttpRequest) -> Applicant | None:
    return getattr(request.user, "applicant", None)


def _detail_or_404(pk: int) -> Application:
    try:
        return selectors.application_detail(pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc




def _visible(request: HttpRequest, application: Application) -> Application:
    if not can_view(request.user, application):
        raise Http404
    return application



def _open_correction(application: Application) -> dict | None:
    """The open correction notice of a case for its banner: each item with the page that fixes it
    (a data field: the details form at that field; a material: its upload page) and whether it has
    changed since the notice."""
    notice = correction.open_notice(application)
    if notice is None:
        return None
    filing = application.filing
    materials = {m.code: m for m in filing.service_type.materials.all()}
    properties = form_schema(filing.service_type.code)["properties"]
    left = correction.notice_outstanding(notice, filing=filing)
    details = reverse("application-details", args=[filing.pk])
    items = []
    for item in notice.items:
        code, field = item.get("material"), item.get("field", "")
        if code == correction.DATA:
            key = {"field": field} if field else {"material": code}
            name = str(_("申请信息"))
            if field:
                name = f"{name} · {field_title(properties.get(field, {})) or field}"
            url = details + ((f"#{field}" if field == "scope" else f"#id_{field}") if field else "")
        else:
            key = {"material": code}
            material = materials.get(code)
            name = (material.name_en if is_en() else material.name_zh) if material else code
            url = reverse("application-material", args=[filing.pk, code]) if material and material.accepts_upload \
                else ""
        items.append({"name": name, "reason": item.get("reason", ""), "url": url, "material": code, "field": field,
                      "done": key not in left, "key": key})
    return {"application": application, "issued_at": notice.issued_at, "items": items, "notice": notice,
            "outstanding": [i for i in items if not i["done"]]}
