"""Server-rendered pages of the licensing app (applicant portal, officer workbench, supervisor
board) and the downloads they link to."""

from __future__ import annotations

from django_fsm import can_proceed, has_transition_perm

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

from services.catalog.forms import form_schema, validate_form
from services.catalog.points import work_permit_points
from services.selectors import published_service_types

from . import selectors, workflow
from .api.serializers import application_payload, detail_extensions, status_payload, summary_payload
from .constants import DECIDED_STATES, FINAL_STATES, State
from .documents import notice_pdf
from .forms import (
    ACTION_FORMS,
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
)
from .models import Applicant, Application, MaterialSubmission, Notice
from .notices import notifications_mark_read
from .permissions import can_view, officer_of, officer_roles, perm_applicant, perm_role


def _visible(request: HttpRequest, application: Application) -> Application:
    if not can_view(request.user, application):
        raise Http404
    return application


@login_required
def material_file(request: HttpRequest, pk: int, submission_pk: int) -> FileResponse:
    """An uploaded material, shown inline in the browser to the applicant and the officers."""
    submission = get_object_or_404(MaterialSubmission.objects.select_related("application"), pk=submission_pk,
                                   application_id=pk)
    application = _visible(request, submission.application)
    if not submission.file:
        raise Http404
    # A track's officers see the joint filing's materials through the track.
    del application
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

# Officer verbs in the order they are offered, with the model transition each one runs.
TRANSITIONS = [
    ("accept", "accept"),
    ("request-correction", "request_correction"),
    ("refuse-acceptance", "refuse_acceptance"),
    ("pause", "pause"),
    ("resume", "resume"),
    ("extend", "extend"),
    ("approve", "approve"),
    ("propose-refusal", "propose_refusal"),
    ("confirm-refusal", "confirm_refusal"),
    ("return", "return_to_review"),
]
ACTION_TEXT = {
    "claim": (_("认领"), _("认领后由您承办，队列中显示承办人。"), ""),
    "release": (_("释放认领"), _("释放后其他审核、审批人员可以认领。"), "button-secondary"),
    "accept": (_("受理"), _("材料齐全、符合法定形式：予以受理，出具受理通知书，审查期限开始计算。"), ""),
    "request-correction": (_("一次性告知补正"), _("勾选全部需要补正的事项并逐项说明，出具一份补正通知书。"),
                           "button-secondary"),
    "refuse-acceptance": (_("不予受理"), _("依法不予受理，须说明理由并告知救济途径。"), "button-warning"),
    "pause": (_("启动特别程序"), _("专家评审、现场核查等所需时间不计入审查期限，将书面告知申请人。"),
              "button-secondary"),
    "resume": (_("结束特别程序"), _("登记结果，审查期限恢复计算。"), ""),
    "extend": (_("延长审查期限"), _("经本机关负责人批准可延长一次，最多10个工作日，理由将告知申请人。"),
               "button-secondary"),
    "approve": (_("准予许可"), _("作出准予行政许可决定，出具决定书，随后颁发电子证照。"), ""),
    "propose-refusal": (_("拟不予许可"), _("提出不予许可的理由和依据，提交法制审核。"), "button-warning"),
    "confirm-refusal": (_("确认不予许可"), _("法制审核通过，作出不予行政许可决定。"), "button-warning"),
    "return": (_("退回重新审查"), _("法制审核不同意拟不予许可意见，退回审查。"), "button-secondary"),
}
ACTION_DONE = {
    "claim": _("已认领该办件。"), "release": _("已释放认领。"), "accept": _("已受理，受理通知书已出具。"),
    "request-correction": _("补正通知书已出具。"), "refuse-acceptance": _("已作出不予受理决定。"),
    "pause": _("特别程序已启动，审查期限暂停计算。"), "resume": _("特别程序已结束，审查期限恢复计算。"),
    "extend": _("审查期限已延长。"), "approve": _("已作出准予许可决定。"),
    "propose-refusal": _("已提交法制审核。"), "confirm-refusal": _("已作出不予许可决定。"),
    "return": _("已退回重新审查。"),
}
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
    correction = next((c for c in application.corrections.all() if c.resolved_at is None), None)
    if correction is None:
        return None
    filing = application.filing
    materials = {m.code: m for m in filing.service_type.materials.all()}
    items = []
    for item in correction.items:
        material = materials.get(item.get("material"))
        if material is not None:
            name = material.name_en if is_en() else material.name_zh
            url = reverse("application-material", args=[filing.pk, material.code]) if material.accepts_upload else ""
        else:
            name, url = _("申请信息"), ""
        items.append({"name": name, "reason": item.get("reason", ""), "url": url})
    return {"application": application, "issued_at": correction.issued_at, "items": items}


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
    if request.method == "POST":
        chosen = request.POST.get("service", "")
        service_type = by_code.get(chosen)
        if service_type is None:
            error = _("请选择要申请的事项。")
        else:
            try:
                application = workflow.application_create(applicant=applicant, service_type=service_type,
                                                          data=_prefill(applicant, service_type), actor=request.user)
            except workflow.WorkflowError as exc:
                error = exc.message
            else:
                messages.success(request, _("已创建申请草稿，部分信息已按您的单位资料预先填写。"))
                return redirect("application-detail", pk=application.pk)
    return _render(request, "licensing/new.html", {"services": services, "chosen": chosen, "error": error},
                   status=400 if error else 200)


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
        "log": list(application.log.all()), "withdrawable": _withdrawable(application), "errors": errors or [],
    }, status=status)


@login_required
def application_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The application details form, built from the service's JSON Schema."""
    application = _own(request, pk)
    if application.state != State.DRAFT:
        messages.error(request, _("申请已提交，申请信息不能再修改。"))
        return redirect("application-detail", pk=pk)
    code = application.service_type.code
    status = 200
    if request.method == "POST":
        form = ApplicationDataForm(request.POST, service_code=code, saved=application.data)
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
                messages.success(request, _("申请信息已保存。"))
                if request.POST.get("next") == "stay":
                    return redirect("application-details", pk=pk)
                return redirect("application-detail", pk=pk)
        else:
            status = 400
    else:
        form = ApplicationDataForm(service_code=code, saved=application.data)
    return _render(request, "licensing/details.html", {
        "application": application, "form": form, "errors": form.error_list() if form.is_bound else [],
        "points": _points(code, application.data),
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
    form = UploadForm(material=material)
    status = 200
    errors: list[dict] = []
    if request.method == "POST":
        if not editable:
            messages.error(request, _("当前不能更换材料。"))
            return redirect("application-detail", pk=pk)
        try:
            if request.POST.get("action") == "sign":
                workflow.commitment_sign(application=application, material_code=code, actor=request.user)
                messages.success(request, _("已签署承诺书。"))
                return redirect("application-detail", pk=pk)
            form = UploadForm(request.POST, request.FILES, material=material)
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
    reasons = [item for c in ([_open_correction(application)] + [_open_correction(t) for t in application.tracks.all()])
               if c for item in c["items"] if item["url"].endswith(f"/{code}/")]
    return _render(request, "licensing/material.html", {
        "application": application, "material": material, "submission": submission, "commitment": commitment,
        "editable": editable, "form": form, "errors": errors, "correction_items": reasons,
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
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [summary_payload(a, on=on) for a in page]
    keep = request.GET.copy()
    keep.pop("page", None)
    return _render(request, "licensing/workbench.html", {
        "officer": officer, "form": form, "page": page, "rows": rows, "query": query,
        "querystring": keep.urlencode(), "roles": officer_roles(request.user),
    })


def _officer_case(request: HttpRequest, pk: int) -> Application:
    if officer_of(request.user) is None:
        raise Http404
    application = _detail_or_404(pk)
    if not can_view(request.user, application):
        raise Http404
    return application


def allowed_actions(application: Application, user) -> list[str]:
    """The verbs this officer may use on the case now (state, role, authority and conditions)."""
    if application.joint:
        return []
    verbs = []
    if application.state in (State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW) \
            and perm_role("reviewer", "approver")(application, user):
        if not application.claimed_by_id:
            verbs.append("claim")
        elif application.claimed_by_id == user.pk:
            verbs.append("release")
    for verb, method_name in TRANSITIONS:
        method = getattr(application, method_name)
        if can_proceed(method) and has_transition_perm(method, user):
            verbs.append(verb)
    return verbs


def _correction_choices(application: Application) -> list[tuple[str, str]]:
    filing = application.filing
    english = is_en()
    choices = [("data", str(_("申请信息（表单内容）")))]
    for material in filing.service_type.materials.all():
        if not material.accepts_upload:
            continue
        if application.parent_id and material.tracks and application.service_type.code not in material.tracks:
            continue
        choices.append((material.code, material.name_en if english else material.name_zh))
    return choices


def _action_form(verb: str, application: Application, data=None):
    form_class = ACTION_FORMS[verb]
    if form_class is CorrectionForm:
        return CorrectionForm(data, choices=_correction_choices(application), prefix=verb)
    return form_class(data, prefix=verb)


def _render_workbench_case(request: HttpRequest, application: Application, *, failed: tuple | None = None,
                           status: int = 200) -> HttpResponse:
    on = _today()
    facts = application_payload(application, request=request, on=on)
    filing = application.filing
    signers = {s.material.code: s for s in filing.submissions.filter(superseded=False)
               .select_related("material", "submitted_by", "commitment_text")}
    materials = [row | {"submission": signers.get(row["code"])} for row in facts["materials"]]
    actions = []
    for verb in allowed_actions(application, request.user):
        form = failed[1] if failed and failed[0] == verb else _action_form(verb, application)
        label, help_text, css = ACTION_TEXT[verb]
        actions.append({"verb": verb, "label": label, "help": help_text, "css": css, "form": form,
                        "open": bool(failed and failed[0] == verb),
                        "url": reverse("workbench-action", args=[application.pk, verb])})
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
                                                                           application.data),
        "materials": materials, "actions": actions, "errors": errors, "log": list(application.log.all()),
        "siblings": siblings, "pauses": list(application.pauses.all()),
        "paused_days": _paused_days(application), "correction": _open_correction(application),
        "points_rows": [{"label": POINT_LABELS.get(k, k), "points": v} for k, v in (application.points or {}).items()
                        if k != "total"],
    }, status=status)


def _paused_days(application: Application) -> int:
    from services.calendar import get_calendar

    calendar = get_calendar()
    return sum(calendar.working_days(p.started_on, p.ended_on) for p in application.pauses.all() if p.ended_on)


@login_required
def workbench_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_workbench_case(request, _officer_case(request, pk))


def _run(verb: str, application: Application, user, data: dict) -> None:
    call = {
        "accept": lambda: workflow.application_accept(application=application, actor=user, opinion=data["opinion"]),
        "request-correction": lambda: workflow.application_request_correction(
            application=application, actor=user, items=data["items"]),
        "refuse-acceptance": lambda: workflow.application_refuse_acceptance(
            application=application, actor=user, reason=data["reason"],
            competent_authority=data["competent_authority"]),
        "claim": lambda: workflow.application_claim(application=application, actor=user),
        "release": lambda: workflow.application_release(application=application, actor=user),
        "pause": lambda: workflow.application_pause(application=application, actor=user, kind=data["kind"],
                                                    expected_days=data["expected_days"], reason=data["reason"]),
        "resume": lambda: workflow.application_resume(application=application, actor=user, result=data["result"]),
        "extend": lambda: workflow.application_extend(application=application, actor=user, days=data["days"],
                                                      reason=data["reason"]),
        "approve": lambda: workflow.application_approve(application=application, actor=user,
                                                        opinion=data["opinion"]),
        "propose-refusal": lambda: workflow.application_propose_refusal(
            application=application, actor=user, reasons=data["reasons"], legal_basis=data["legal_basis"]),
        "confirm-refusal": lambda: workflow.application_confirm_refusal(application=application, actor=user,
                                                                        opinion=data["opinion"]),
        "return": lambda: workflow.application_return(application=application, actor=user, opinion=data["opinion"]),
    }[verb]
    call()


@require_POST
@login_required
def workbench_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One lifecycle verb from the case page's forms. A verb that is no longer allowed (someone else
    acted first) is reported with the case's current state; nothing is lost."""
    if verb not in ACTION_FORMS:
        raise Http404
    application = _officer_case(request, pk)
    form = _action_form(verb, application, request.POST)
    if not form.is_valid():
        return _render_workbench_case(request, application, failed=(verb, form), status=400)
    data = dict(form.cleaned_data)
    if isinstance(form, CorrectionForm):
        data = {"items": form.items()}
    try:
        _run(verb, application, request.user, data)
    except workflow.Invalid as exc:
        for field, field_messages in exc.errors.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
        if not exc.errors:
            form.add_error(None, exc.message)
        return _render_workbench_case(request, _detail_or_404(pk), failed=(verb, form), status=400)
    except workflow.WorkflowError as exc:
        current = Application.objects.filter(pk=pk).values_list("state", flat=True).first()
        messages.error(request, _("操作未执行：%(message)s 办件当前状态：%(state)s。") % {
            "message": exc.message, "state": State(current).label if current else "—"})
        return redirect("workbench-case", pk=pk)
    messages.success(request, ACTION_DONE[verb])
    return redirect("workbench-case", pk=pk)


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
    return _render(request, "licensing/board.html", {
        "officer": officer, "page": page, "rows": list(page), "counts": counts,
        "per_service": sorted(per_service.values(), key=lambda e: (-e["red"], -e["yellow"])), "colour": colour,
        "today": on,
    })


# --- public status query -------------------------------------------------------------------------

def _client_key(request: HttpRequest) -> str:
    return "licensing-status-failures:" + (request.META.get("REMOTE_ADDR") or "unknown")


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
