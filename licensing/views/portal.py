"""The applicant portal: my applications, a draft's task list, the details form, materials,
check and submit, the case page, resubmission after correction, withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from services.catalog.forms import form_schema, validate_form
from services.catalog.points import work_permit_points
from services.selectors import published_service_types

from .. import correction, hooks, selectors, workflow
from ..api.serializers import application_payload, detail_extensions, log_rows, summary_payload
from ..constants import State
from ..forms import (
    ApplicationDataForm,
    DeclarationForm,
    UploadForm,
    WithdrawForm,
    data_rows,
    field_title,
    is_en,
)
from ..licences import check_original_licence, licences_for, needs_original_licence
from ..models import Applicant, Application
from ..permissions import can_change_filing, can_view, can_withdraw, next_step, officer_of, perm_applicant
from .common import (
    APPLICANT_PAGE_SIZE,
    PASSWORD_SESSION_KEY,
    POINT_LABELS,
    POINTS_FIELDS,
    _applicant_of,
    _detail_or_404,
    _open_correction,
    _render,
    _today,
)


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


def _render_case(request: HttpRequest, application: Application, *, errors: list | None = None,
                 status: int = 200) -> HttpResponse:
    on = _today()
    facts = application_payload(application, request=request, on=on)
    tracks = []
    for track in application.tracks.all():
        tracks.append({"facts": summary_payload(track, on=on), "track": track,
                       "correction": _open_correction(track), "next_step": next_step(track)})
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
        "log": log_rows(application, request.user), "withdrawable": can_withdraw(application),
        "next_step": next_step(application),
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
    editable = can_change_filing(application) and material.accepts_upload
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
        "service": application.service_type, "status_url": request.build_absolute_uri(reverse("status-query")),
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
    if not can_withdraw(application):
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
