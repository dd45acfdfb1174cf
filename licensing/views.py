"""Server-rendered pages of the licensing app (applicant portal, officer workbench, supervisor
board) and the downloads they link to."""

from __future__ import annotations

from django_fsm import can_proceed

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from services.accounts import client_address
from services.catalog.forms import form_schema, validate_form
from services.catalog.points import work_permit_points
from services.selectors import published_service_types

from . import correction, hooks, queues, selectors, workflow
from .api.serializers import application_payload, detail_extensions, log_rows, status_payload, summary_payload
from .constants import DECIDED_STATES, FINAL_STATES, CaseVerb, State
from .documents import notice_pdf
from .forms import (
    ApplicationDataForm,
    CorrectionForm,
    DeclarationForm,
    QueueFilterForm,
    StatusQueryForm,
    UploadForm,
    WithdrawForm,
    data_rows,
    field_title,
    is_en,
    verb_form_class,
)
from .licences import check_original_licence, licences_for, needs_original_licence
from .models import Applicant, Application, MaterialSubmission, Notice
from .notices import notifications_mark_read
from .permissions import can_view, material_visible, officer_of, officer_roles, perm_applicant
from .verbs import Verb, registry


def _visible(request: HttpRequest, application: Application) -> Application:
    if not can_view(request.user, application):
        raise Http404
    return application


@login_required
def material_file(request: HttpRequest, pk: int, submission_pk: int) -> FileResponse:
    """An uploaded material, shown inline in the browser to the applicant and the officers."""
    submission = get_object_or_404(MaterialSubmission.objects.select_related("application", "material"),
                                   pk=submission_pk, application_id=pk)
    application = _visible(request, submission.application)
    # A track's officers see the joint filing's shared materials and their own track's, not the other
    # agency's (404: nobody learns what the other track holds).
    if not submission.file or not material_visible(request.user, application, submission.material):
        raise Http404
    response = FileResponse(submission.file.open("rb"), content_type=submission.content_type)
    response["Content-Disposition"] = f'inline; filename="material-{submission.pk}.{submission.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; object-src 'self'"
    return response


@login_required
def notice_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice as an HTML page, or as a PDF with ?format=pdf (&lang=en for the English text)."""
    notice = get_object_or_404(Notice.objects.select_related("application__applicant", "application__authority"),
                               pk=pk)
    _visible(request, notice.application)
    english = request.GET.get("lang") == "en"
    if request.GET.get("format") == "pdf":
        response = HttpResponse(notice_pdf(notice, english=english), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
        return response
    return render(request, "licensing/notice.html", {"notice": notice, "content": notice.content,
                                                     "english": english})


# =================================================================================================
# Pages: applicant portal, officer workbench, supervisor board, public status query
# =================================================================================================

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


def _own(request: HttpRequest, pk: int) -> Application:
    """The applicant's own filing; 404 for anything else so nobody learns it exists."""
    application = _detail_or_404(pk)
    if not perm_applicant(application, request.user):
        raise Http404
    return application


def _redirect_elsewhere(request: HttpRequest, application: Application) -> HttpResponse | None:
    """A track opens inside its joint filing; an officer opens cases in the workbench."""
    if application.parent_id and perm_applicant(application, request.user):
        return redirect("application-detail", pk=application.parent_id)
    if not perm_applicant(application, request.user) and officer_of(request.user) is not None \
            and can_view(request.user, application):
        return redirect("workbench-case", pk=application.pk)
    return None


def _missing_rows(application: Application, problems: list[dict]) -> list[dict]:
    """missing_items → rows for an error summary, each linking to the page that fixes it."""
    properties = form_schema(application.service_type.code)["properties"]
    materials = {m.code: m for m in application.service_type.materials.all()}
    rows = []
    for problem in problems:
        kind, _dot, key = problem["item"].partition(".")
        if kind == "original_licence_number":
            rows.append({"url": reverse("application-detail", args=[application.pk]) + "#licence",
                         "label": _("原许可证"), "message": problem["reason"]})
            continue
        if kind == "data":
            field = key.split(".")[0]
            anchor = "scope" if field == "scope" else f"id_{field}"
            label = field_title(properties[field]) if field in properties else key
            url = reverse("application-details", args=[application.pk]) + f"#{anchor}"
        else:
            material = materials.get(key)
            label = (material.name_en if is_en() else material.name_zh) if material else problem.get("name", key)
            url = reverse("application-material", args=[application.pk, key])
        rows.append({"url": url, "label": label, "message": problem["reason"]})
    return rows


def _material_rows(application: Application, problems: list[dict] | None = None) -> tuple[list, list]:
    """(materials the applicant acts on, materials that need nothing) for a filing."""
    current = {s.material_id: s for s in application.submissions.all() if not s.superseded}
    troubles = {p["item"].split(".", 1)[1]: p["reason"] for p in problems or [] if p["item"].startswith("material.")}
    actionable, nothing = [], []
    for material in application.service_type.materials.all():
        if not material.accepts_upload:
            nothing.append(material)
            continue
        submission = current.get(material.pk)
        if material.code in troubles and submission is not None:
            status = "problem"
        elif submission is not None:
            status = "done"
        elif material.required:
            status = "todo"
        else:
            status = "optional"
        actionable.append({"material": material, "submission": submission, "status": status,
                           "problem": troubles.get(material.code) if status == "problem" else None})
    return actionable, nothing


def _data_status(application: Application) -> str:
    if not application.data:
        return "todo"
    errors = validate_form(application.service_type.code, application.data, complete=True, today=_today())
    return "done" if not errors else "in_progress"


def _points(code: str, data: dict) -> dict | None:
    if code not in ("foreign-work-permit", "foreign-talent-one-stop"):
        return None
    if any(data.get(field) in (None, "") for field in POINTS_FIELDS):
        return None
    try:
        result = work_permit_points(data, on=_today())
    except (KeyError, TypeError, ValueError):
        return None
    return {"category": result.category, "total": result.total,
            "rows": [{"label": POINT_LABELS.get(k, k), "points": v} for k, v in result.breakdown.items()]}


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


def _filing_corrections(application: Application) -> list[dict]:
    """The open notices that concern a filing: its own, or its tracks' for a joint filing."""
    return [c for c in map(_open_correction, [application, *application.tracks.all()]) if c]


def _corrections_open(corrections: list[dict]) -> correction.Flags:
    return correction.flags(item for c in corrections for item in c["notice"].items)


def _outstanding_rows(corrections: list[dict], outstanding: list[dict]) -> list[dict]:
    """What a resubmission still lacks, as error-summary rows linking to the fixes."""
    items = {tuple(i["key"].items()): i for c in corrections for i in c["items"]}
    rows = []
    for entry in outstanding:
        item = items.get(tuple(entry.items()))
        rows.append({"url": item["url"] if item else "", "label": item["name"] if item else next(iter(entry.values())),
                     "message": _("自补正通知以来尚未修改。")})
    return rows


# --- applicant portal ----------------------------------------------------------------------------

@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    """我的办件: the applicant's filings, newest first, with their state and countdown."""
    if _applicant_of(request) is None:
        if officer_of(request.user) is not None:
            return redirect("workbench")
        raise PermissionDenied
    on = _today()
    page = Paginator(selectors.applications_for_user(user=request.user), APPLICANT_PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [summary_payload(a, on=on) for a in page]
    return _render(request, "licensing/applications.html", {"page": page, "rows": rows})


def _prefill(applicant: Applicant, service_type) -> dict:
    """Start a draft with what the applicant's profile already says (only values the form accepts)."""
    code = service_type.code
    if code.startswith("lab-animal"):
        candidate = {
            "unit_name": applicant.name, "credit_code": applicant.credit_code,
            "legal_representative": applicant.legal_representative, "city": applicant.city,
            "facility_address": applicant.address, "contact_name": applicant.contact_name,
            "contact_phone": applicant.contact_phone,
        }
    elif code.startswith("foreign"):
        candidate = {"employer_name": applicant.name, "employer_credit_code": applicant.credit_code}
    else:
        candidate = {}
    properties = form_schema(code)["properties"]
    data = {k: v for k, v in candidate.items() if k in properties and v}
    errors = validate_form(code, data, complete=False, today=_today())
    return {k: v for k, v in data.items() if k not in errors}


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    """Choose a service and start a draft."""
    applicant = _applicant_of(request)
    if applicant is None:
        raise PermissionDenied
    services = list(published_service_types())
    by_code = {s.code: s for s in services}
    error = ""
    chosen = request.GET.get("service", "")
    licence = ""
    if request.method == "POST":
        chosen = request.POST.get("service", "")
        licence = request.POST.get("original_licence_number", "").strip()
        service_type = by_code.get(chosen)
        if service_type is None:
            error = _("请选择要申请的事项。")
        elif needs_original_licence(service_type) and request.POST.get("step") != "licence":
            # A change, renewal or cancellation asks next which of the applicant's licences it is for.
            return redirect(f"{reverse('application-new')}?service={service_type.code}")
        else:
            try:
                application = workflow.application_create(
                    applicant=applicant, service_type=service_type, data=_prefill(applicant, service_type),
                    actor=request.user, original_licence_number=licence if needs_original_licence(service_type)
                    else None)
            except workflow.WorkflowError as exc:
                error = (exc.errors.get("original_licence_number") or [exc.message])[0]
            else:
                messages.success(request, _("已创建申请草稿，部分信息已按您的单位资料预先填写。"))
                return redirect("application-detail", pk=application.pk)
    service_type = by_code.get(chosen)
    licences = None
    if service_type is not None and needs_original_licence(service_type):
        licences = licences_for(applicant=applicant, service_type=service_type, on=_today())
    return _render(request, "licensing/new.html", {"services": services, "chosen": chosen, "error": error,
                                                   "service_type": service_type, "licences": licences,
                                                   "licence": licence}, status=400 if error else 200)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's task list, or the applicant's case page once submitted."""
    application = _detail_or_404(pk)
    elsewhere = _redirect_elsewhere(request, application)
    if elsewhere is not None:
        return elsewhere
    if not perm_applicant(application, request.user):
        raise Http404
    if application.state == State.DRAFT:
        return _render_tasks(request, application)
    return _render_case(request, application)


def _render_tasks(request: HttpRequest, application: Application) -> HttpResponse:
    problems = workflow.missing_items(application, on=_today())
    actionable, nothing = _material_rows(application, problems)
    done = sum(1 for row in actionable if row["status"] in ("done", "optional"))
    data_status = _data_status(application)
    sections_done = done + (1 if data_status == "done" else 0)
    return _render(request, "licensing/tasks.html", {
        "application": application, "data_status": data_status, "materials": actionable, "nothing": nothing,
        "ready": not problems, "sections_done": sections_done, "sections_total": len(actionable) + 1,
        **_licence_context(application),
    })


def _withdrawable(application: Application) -> bool:
    if application.joint:
        tracks = list(application.tracks.all())
        return application.state not in FINAL_STATES and not any(t.state in DECIDED_STATES for t in tracks)
    return can_proceed(application.withdraw)


def _render_case(request: HttpRequest, application: Application, *, errors: list | None = None,
                 status: int = 200) -> HttpResponse:
    on = _today()
    facts = application_payload(application, request=request, on=on)
    tracks = []
    for track in application.tracks.all():
        tracks.append({"facts": summary_payload(track, on=on), "track": track,
                       "correction": _open_correction(track)})
    order = list(application.service_type.components or [])
    tracks.sort(key=lambda t: order.index(t["track"].service_type.code) if t["track"].service_type.code in order
                else len(order))
    corrections = [t["correction"] for t in tracks if t["correction"]] if application.joint else \
        [c for c in [_open_correction(application)] if c]
    if application.joint:  # the tracks' notices (acceptance, corrections, decisions) belong to the filing too
        notices = list(facts["notices"]) + [
            {"id": n.pk, "kind": n.kind, "number": n.number, "issued_at": n.issued_at}
            for row in tracks for n in row["track"].notices.all()]
        facts["notices"] = sorted(notices, key=lambda n: n["issued_at"])
    certificates = [{"certificate": facts["certificate"], "name": ""}] if facts.get("certificate") else []
    for row in tracks:
        extra: dict = {}
        for extend in detail_extensions:
            extra.update(extend(row["track"], request))
        if extra.get("certificate"):
            certificates.append({"certificate": extra["certificate"],
                                 "name": row["track"].service_type.name_en if is_en() else
                                 row["track"].service_type.name_zh})
    return _render(request, "licensing/case.html", {
        "application": application, "facts": facts, "tracks": tracks, "corrections": corrections,
        "certificates": certificates,
        "log": log_rows(application, request.user), "withdrawable": _withdrawable(application),
        "errors": errors or [],
        "panels": hooks.case_panels(application=application, user=request.user, audience="applicant"),
    }, status=status)


@login_required
def application_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The application details form, built from the service's JSON Schema: every field of a draft;
    while a correction notice is open, only the fields it flags (the rest read-only)."""
    application = _own(request, pk)
    if application.parent_id:
        return redirect("application-details", pk=application.parent_id)
    editable = None
    corrections: list[dict] = []
    if application.state != State.DRAFT:
        corrections = _filing_corrections(application)
        opened = _corrections_open(corrections)
        if not opened.data_open:
            messages.error(request, _("补正通知未要求修改申请信息，申请信息不能修改。") if corrections
                           else _("申请已提交，申请信息不能再修改。"))
            return redirect("application-detail", pk=pk)
        editable = None if opened.whole_form else set(opened.fields)
    code = application.service_type.code
    status = 200
    if request.method == "POST":
        form = ApplicationDataForm(request.POST, service_code=code, saved=application.data, editable=editable)
        if form.is_valid():
            try:
                workflow.application_update_data(application=application, data=form.to_data(), actor=request.user)
            except workflow.Invalid as exc:
                form.add_data_errors(exc.errors.get("data", {}))
                status = 400
            except workflow.WorkflowError as exc:
                messages.error(request, exc.message)
                return redirect("application-detail", pk=pk)
            else:
                messages.success(request, _("申请信息已按补正通知修改。") if corrections else _("申请信息已保存。"))
                if request.POST.get("next") == "stay":
                    return redirect("application-details", pk=pk)
                return redirect("application-detail", pk=pk)
        else:
            status = 400
    else:
        form = ApplicationDataForm(service_code=code, saved=application.data, editable=editable)
    return _render(request, "licensing/details.html", {
        "application": application, "form": form, "errors": form.error_list() if form.is_bound else [],
        "points": _points(code, application.data), "correcting": bool(corrections),
        "correction_items": [i for c in corrections for i in c["items"] if i["material"] == correction.DATA],
    }, status=status)


def _editable(application: Application) -> bool:
    if application.state == State.DRAFT:
        return True
    return any(a.state == State.CORRECTION_REQUESTED for a in [application, *application.tracks.all()])


@login_required
def application_material(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Upload one material, or sign the written commitment instead where the law allows."""
    application = _own(request, pk)
    if application.parent_id:
        return redirect("application-material", pk=application.parent_id, code=code)
    material = next((m for m in application.service_type.materials.all() if m.code == code), None)
    if material is None:
        raise Http404
    submission = next((s for s in application.submissions.all() if s.material_id == material.pk), None)
    commitment = material.commitment_texts.order_by("-version").first() if material.mode == "commitment" else None
    editable = _editable(application) and material.accepts_upload
    corrections = _filing_corrections(application) if application.state != State.DRAFT else []
    refused = ""
    if editable and application.state != State.DRAFT and not _corrections_open(corrections).material_open(code):
        editable = False
        refused = _("补正通知未要求更换这项材料，不能更换；只能更换补正通知所列的材料。")
    form = UploadForm(material=material)
    status = 200
    errors: list[dict] = []
    if request.method == "POST":
        if not editable:
            messages.error(request, refused or _("当前不能更换材料。"))
            return redirect("application-detail", pk=pk)
        try:
            if request.POST.get("action") == "sign":
                workflow.commitment_sign(application=application, material_code=code, actor=request.user)
                messages.success(request, _("已签署承诺书。"))
                return redirect("application-detail", pk=pk)
            form = UploadForm(request.POST, request.FILES, material=material,
                              duplicates=selectors.uploaded_elsewhere(application=application, material=material))
            if form.is_valid():
                workflow.material_upload(application=application, material_code=code,
                                         uploaded=form.cleaned_data["file"],
                                         document_date=form.cleaned_data.get("document_date"), actor=request.user)
                messages.success(request, _("材料已上传。"))
                return redirect("application-detail", pk=pk)
        except workflow.Invalid as exc:
            for field, field_messages in exc.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        except workflow.WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect("application-detail", pk=pk)
        status = 400
        errors = [{"anchor": "", "message": m} for m in form.non_field_errors()] + [
            {"anchor": f"id_{name}", "label": form.fields[name].label, "message": m}
            for name in form.fields for m in form[name].errors]
    reasons = [item for c in corrections for item in c["items"] if item["material"] == code]
    return _render(request, "licensing/material.html", {
        "application": application, "material": material, "submission": submission, "commitment": commitment,
        "editable": editable, "form": form, "errors": errors, "correction_items": reasons, "refused": refused,
    }, status=status)


@login_required
def application_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, declare, submit."""
    application = _own(request, pk)
    if application.state != State.DRAFT:
        return redirect("application-detail", pk=pk)
    problems = workflow.missing_items(application, on=_today())
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and not problems:
            try:
                result = workflow.application_submit(application=application, actor=request.user)
            except workflow.Invalid as exc:
                problems = exc.errors.get("missing", [])
            except workflow.WorkflowError as exc:
                messages.error(request, exc.message)
                return redirect("application-detail", pk=pk)
            else:
                if result.password:
                    request.session[PASSWORD_SESSION_KEY] = {"pk": application.pk, "password": result.password}
                return redirect("application-submitted", pk=pk)
        status = 400
    actionable, nothing = _material_rows(application, problems)
    return _render(request, "licensing/check.html", {
        "application": application, "data_rows": data_rows(application.service_type.code, application.data),
        "materials": actionable, "nothing": nothing, "problems": _missing_rows(application, problems),
        "form": form, "points": _points(application.service_type.code, application.data),
        **_licence_context(application),
    }, status=status)


@never_cache
@login_required
def application_submitted(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page: the case number and, once only, the status query password."""
    application = _own(request, pk)
    if application.state == State.DRAFT:
        return redirect("application-detail", pk=pk)
    stash = request.session.get(PASSWORD_SESSION_KEY)
    password = None
    if stash and stash.get("pk") == application.pk:
        password = stash["password"]
        del request.session[PASSWORD_SESSION_KEY]
    return _render(request, "licensing/submitted.html", {
        "application": application, "password": password, "tracks": list(application.tracks.all()),
        "service": application.service_type,
    })


@require_POST
@login_required
def application_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """After a correction notice: send the corrected filing back (for a joint filing, one track)."""
    application = _own(request, pk)
    target = application
    if application.joint:
        target = next((t for t in application.tracks.all() if str(t.pk) == request.POST.get("track", "")), None)
        if target is None:
            raise Http404
    try:
        workflow.application_resubmit(application=target, actor=request.user)
    except workflow.Invalid as exc:
        if "outstanding" in exc.errors:
            rows = _outstanding_rows(_filing_corrections(application), exc.errors["outstanding"])
        else:
            rows = _missing_rows(application, exc.errors.get("missing", []))
        return _render_case(request, _own(request, pk), errors=rows or [{"url": "", "label": "",
                                                                           "message": exc.message}], status=400)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("补正材料已重新提交，受理期限重新计算。"))
    return redirect("application-detail", pk=pk)


@login_required
def application_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if not _withdrawable(application):
        messages.error(request, _("该申请当前不能撤回。"))
        return redirect("application-detail", pk=pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.application_withdraw(application=application, actor=request.user,
                                          reason=form.cleaned_data["reason"])
        except workflow.WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("申请已撤回，本件办结。"))
        return redirect("application-detail", pk=pk)
    errors = [{"anchor": f"id_{name}", "message": m} for name in form.fields for m in form[name].errors] \
        if form.is_bound else []
    return _render(request, "licensing/withdraw.html", {"application": application, "form": form, "errors": errors},
                   status=400 if errors else 200)


def _licence_context(application: Application) -> dict:
    """The licence a change, renewal or cancellation is for, and the applicant's licences to choose from."""
    if not needs_original_licence(application.service_type):
        return {}
    on = _today()
    licences = licences_for(applicant=application.applicant, service_type=application.service_type, on=on)
    problems = check_original_licence(application=application, on=on).get("original_licence_number", [])
    return {"licence_choice": {
        "number": application.original_licence_number,
        "licence": next((c for c in licences if c.number == application.original_licence_number), None),
        "licences": licences, "problem": problems[0] if problems else "",
    }}


@require_POST
@login_required
def application_licence(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose another of the applicant's licences for a change, renewal or cancellation draft."""
    application = _own(request, pk)
    if application.state != State.DRAFT or not needs_original_licence(application.service_type):
        messages.error(request, _("当前不能更换原许可证。"))
        return redirect("application-detail", pk=pk)
    try:
        workflow.application_update_data(application=application, data={}, actor=request.user,
                                         original_licence_number=request.POST.get("original_licence_number", ""))
    except workflow.WorkflowError as exc:
        messages.error(request, (exc.errors.get("original_licence_number") or [exc.message])[0])
    else:
        messages.success(request, _("已更新本次申请所针对的许可证。"))
    return redirect(reverse("application-detail", args=[pk]) + "#licence")


# --- officer workbench ---------------------------------------------------------------------------

def _officer(request: HttpRequest):
    officer = officer_of(request.user)
    if officer is None:
        raise PermissionDenied
    return officer


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The officer's queue: the actionable cases of the authority, overdue first."""
    officer = _officer(request)
    on = _today()
    services = list(published_service_types())
    form = QueueFilterForm(request.GET or None, services=services)
    params = {"stage": "", "service": "", "warning": "", "mine": False}
    if form.is_bound:
        form.is_valid()
        params.update({k: v for k, v in form.cleaned_data.items() if v})
    queue = selectors.queue_for_officer(user=request.user, on=on, **params)
    query = request.GET.get("q", "").strip()
    if query:
        queue = queue.filter(Q(case_number__icontains=query) | Q(applicant__name__icontains=query))
    cursor = request.GET.get("cursor", "")
    try:
        page = queues.queue_page(queue, cursor=cursor, size=PAGE_SIZE)
    except ValueError:  # a damaged link: start again from the first page
        cursor, page = "", queues.queue_page(queue, size=PAGE_SIZE)
    count = None
    if not cursor:
        at_least, exact = queues.queue_count_capped(queue)
        count = {"n": at_least, "exact": exact}
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("cursor", None)
    return _render(request, "licensing/workbench.html", {
        "officer": officer, "form": form, "page": page, "rows": queues.queue_rows(page.rows, on=on),
        "query": query, "count": count, "querystring": keep.urlencode(), "roles": officer_roles(request.user),
        "duties": hooks.officer_duties(user=request.user, on=on),
    })


def _officer_case(request: HttpRequest, pk: int) -> Application:
    if officer_of(request.user) is None:
        raise Http404
    application = _detail_or_404(pk)
    if not can_view(request.user, application):
        raise Http404
    return application


def allowed_actions(application: Application, user) -> list[str]:
    """The verbs this officer may use on the case now (state, role, authority, stage, duties)."""
    return [verb.slug for verb in registry.actions_for(application, user)[0]]


def _correction_choices(application: Application) -> list[tuple[str, str]]:
    """What a correction notice may flag: the whole form, each of its fields, and each material the
    applicant hands in (for a track: its own and the shared ones)."""
    filing = application.filing
    english = is_en()
    properties = form_schema(filing.service_type.code)["properties"]
    choices = [(correction.DATA, str(_("整张申请表")))]
    choices += [(f"{correction.DATA}.{name}", field_title(prop)) for name, prop in properties.items()]
    for material in filing.service_type.materials.all():
        if not material.accepts_upload:
            continue
        if application.parent_id and material.tracks and application.service_type.code not in material.tracks:
            continue
        choices.append((material.code, material.name_en if english else material.name_zh))
    return choices


def _action_form(verb: Verb, application: Application, data=None):
    if any(spec.kind == "correction_items" for spec in verb.inputs):
        return CorrectionForm(data, choices=_correction_choices(application), prefix=verb.slug)
    return verb_form_class(verb, application)(data, prefix=verb.slug)


def _form_input(verb: Verb, form) -> dict:
    """The service's keyword arguments from a valid action form."""
    if isinstance(form, CorrectionForm):
        return {"items": form.items()}
    return {spec.name: form.cleaned_data[spec.name] for spec in verb.inputs}


def _render_workbench_case(request: HttpRequest, application: Application, *, failed: tuple | None = None,
                           status: int = 200) -> HttpResponse:
    on = _today()
    facts = application_payload(application, request=request, on=on)
    filing = application.filing
    signers = {s.material.code: s for s in filing.submissions.filter(superseded=False)
               .select_related("material", "submitted_by", "commitment_text")}
    materials = [row | {"submission": signers.get(row["code"])} for row in facts["materials"]]
    available, blocked = registry.actions_for(application, request.user)
    actions = []
    for verb in available:
        form = failed[1] if failed and failed[0] == verb.slug else _action_form(verb, application)
        actions.append({"verb": verb.slug, "label": verb.label, "help": verb.help_text(application), "css": verb.css,
                        "form": form, "open": bool(failed and failed[0] == verb.slug),
                        "url": reverse("workbench-action", args=[application.pk, verb.slug])})
    unavailable = [{"verb": verb.slug, "label": verb.label, "reason": reason} for verb, reason in blocked]
    errors = []
    if failed:
        form = failed[1]
        errors = [{"anchor": f"action-{failed[0]}", "message": m} for m in form.non_field_errors()] + [
            {"anchor": f"id_{form[name].html_name}", "label": form.fields[name].label, "message": m}
            for name in form.fields for m in form[name].errors]
    siblings = []
    if application.parent_id:
        siblings = [summary_payload(t, on=on) | {"authority_name": t.authority.name_en if is_en() else
                                                 t.authority.name_zh}
                    for t in application.parent.tracks.select_related("service_type", "authority", "applicant",
                                                                      "claimed_by", "parent")
                    .exclude(pk=application.pk)]
    return _render(request, "licensing/workbench_case.html", {
        "application": application, "facts": facts, "data_rows": data_rows(application.service_type.code,
                                                                           facts["data"]),
        "materials": materials, "actions": actions, "unavailable": unavailable, "errors": errors,
        "stages": _stage_rows(application), "log": list(application.log.all()),
        "siblings": siblings, "pauses": list(application.pauses.all()),
        "paused_days": _paused_days(application), "correction": _open_correction(application),
        "points_rows": [{"label": POINT_LABELS.get(k, k), "points": v} for k, v in (facts["points"] or {}).items()
                        if k != "total"],
        "panels": hooks.case_panels(application=application, user=request.user, audience="officer"),
    }, status=status)


def _paused_days(application: Application) -> int:
    from services.calendar import get_calendar

    calendar = get_calendar()
    return sum(calendar.working_days(p.started_on, p.ended_on) for p in application.pauses.all() if p.ended_on)


@login_required
def workbench_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_workbench_case(request, _officer_case(request, pk))


@require_POST
@login_required
def workbench_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One lifecycle verb from the case page's forms. A verb that is no longer allowed (someone else
    acted first) is reported with the case's current state; nothing is lost."""
    definition = registry.get(verb)
    if definition is None or definition.applicant_act:
        raise Http404
    application = _officer_case(request, pk)
    form = _action_form(definition, application, request.POST)
    if not form.is_valid():
        return _render_workbench_case(request, application, failed=(verb, form), status=400)
    try:
        definition.service(application=application, actor=request.user, **_form_input(definition, form))
    except workflow.Invalid as exc:
        for field, field_messages in exc.errors.items():
            for message in field_messages if isinstance(field_messages, list) else [field_messages]:
                form.add_error(field if field in form.fields else None, str(message))
        if not exc.errors:
            form.add_error(None, exc.message)
        return _render_workbench_case(request, _detail_or_404(pk), failed=(verb, form), status=400)
    except workflow.WorkflowError as exc:
        current = Application.objects.filter(pk=pk).values_list("state", flat=True).first()
        messages.error(request, _("操作未执行：%(message)s 办件当前状态：%(state)s。") % {
            "message": exc.message, "state": State(current).label if current else "—"})
        return redirect("workbench-case", pk=pk)
    messages.success(request, definition.done)
    return redirect("workbench-case", pk=pk)


def _stage_rows(application: Application) -> list[dict]:
    """Each stage's opinion, who gave it and when (承办 → 批准, and the legal review), from the log."""
    shown = {CaseVerb.RECOMMEND, CaseVerb.SEND_BACK, CaseVerb.APPROVE, CaseVerb.PROPOSE_REFUSAL,
             CaseVerb.CONFIRM_REFUSAL, CaseVerb.RETURN}
    return [{"verb": e.verb, "label": CaseVerb(e.verb).label, "actor": e.actor_label, "at": e.at, "opinion": e.reason}
            for e in application.log.all() if e.verb in shown]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """电子监察: the authority's yellow and red cases, counted per colour and per service."""
    officer = _officer(request)
    if "supervisor" not in officer_roles(request.user):
        raise PermissionDenied
    on = _today()
    cases = list(selectors.supervision_board(authority_id=officer.authority_id, on=on))
    rows = [summary_payload(a, on=on) for a in cases]
    counts = {"yellow": 0, "red": 0}
    per_service: dict[str, dict] = {}
    for row in rows:
        counts[row["warning"]] = counts.get(row["warning"], 0) + 1
        entry = per_service.setdefault(row["service"], {"name": row["service_name"], "name_en": row["service_name_en"],
                                                         "yellow": 0, "red": 0})
        entry[row["warning"]] = entry.get(row["warning"], 0) + 1
    colour = request.GET.get("warning", "")
    if colour in ("yellow", "red"):
        rows = [r for r in rows if r["warning"] == colour]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    watched = hooks.watched_deadlines(authority_id=officer.authority_id, on=on)
    return _render(request, "licensing/board.html", {
        "officer": officer, "page": page, "rows": list(page), "counts": counts,
        "per_service": sorted(per_service.values(), key=lambda e: (-e["red"], -e["yellow"])), "colour": colour,
        "today": on, "watched": [d for d in watched if d.warning in ("yellow", "red")],
        "watched_counts": hooks.deadline_counts(watched),
    })


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
