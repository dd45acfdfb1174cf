"""Pages: the public draw record (with the algorithm, so anyone recomputes it), the supervisor's
plans, draws, deadlines and case-file reviews, the inspectors' tasks and record form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing.permissions import officer_of, officer_roles
from licensing.workflow import Invalid, WorkflowError

from . import review, selectors, services
from .constants import MANUAL_ITEMS, Conclusion, FindingResult, Grade, InspectionKind, InspectionStatus
from .exports import check_label, review_xlsx
from .models import CaseReview, Inspection, InspectionPlan


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _supervisor(request: HttpRequest):
    if not selectors.is_supervisor(request.user):
        raise PermissionDenied
    return officer_of(request.user)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> reads


class PlanForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    item = forms.ChoiceField(label=gettext_lazy("检查事项"))
    targets_count = forms.IntegerField(label=gettext_lazy("抽取对象数"), min_value=1)
    groups = forms.IntegerField(label=gettext_lazy("检查组数"), min_value=1)
    group_size = forms.IntegerField(label=gettext_lazy("每组人数"), min_value=2, help_text=gettext_lazy("每组至少2人"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        english = _english()
        self.fields["item"].choices = [(i.code, i.name_en if english else i.name_zh)
                                       for i in selectors.published_items()]


class ReviewForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("决定日期自"), widget=DATE)
    end = forms.DateField(label=gettext_lazy("决定日期至"), widget=DATE)
    sample_size = forms.IntegerField(label=gettext_lazy("抽取案卷数"), min_value=1)


def _apply_errors(form: forms.Form, exc: WorkflowError) -> None:
    for field, field_messages in exc.errors.items():
        for message in field_messages if isinstance(field_messages, list) else [field_messages]:
            form.add_error(field if field in form.fields else None, str(message))
    if not exc.errors:
        form.add_error(None, exc.message)


def _error_list(form: forms.Form) -> list[dict]:
    return [{"label": form.fields[name].label if name in form.fields else "", "message": message,
             "anchor": f"id_{name}" if name in form.fields else ""}
            for name, errors in form.errors.items() for message in errors]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The supervisor's plans and reviews, with the inspections late for publication."""
    officer = _supervisor(request)
    today = timezone.localdate()
    plan_form, review_form = PlanForm(prefix="plan"), ReviewForm(prefix="review")
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = PlanForm(request.POST, prefix="plan") if kind == "plan" else ReviewForm(request.POST, prefix="review")
        if form.is_valid():
            try:
                if kind == "plan":
                    created = services.plan_create(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("抽查计划已创建，种子承诺值已公开。"))
                    return redirect("supervision-plan", pk=created.pk)
                created = review.review_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("案卷评查已创建，种子承诺值已公开。"))
                return redirect("supervision-review", pk=created.pk)
            except Invalid as exc:
                _apply_errors(form, exc)
        status = 400
        if kind == "plan":
            plan_form = form
        else:
            review_form = form
    plans = list(InspectionPlan.objects.filter(authority_id=officer.authority_id).select_related("item")
                 .annotate(task_count=Count("inspections")))
    inspections = list(Inspection.objects.filter(plan__authority_id=officer.authority_id).exclude(
        status=InspectionStatus.PENDING))
    late = [i for i in inspections if selectors.publication_late(i, today=today)]
    for plan in plans:
        plan.late = sum(1 for i in late if i.plan_id == plan.pk)
        plan.published = sum(1 for i in inspections if i.plan_id == plan.pk and i.status == InspectionStatus.PUBLISHED)
        plan.tasks = plan.task_count
    reviews = CaseReview.objects.filter(authority_id=officer.authority_id)
    errors = _error_list(plan_form) + _error_list(review_form) if status == 400 else []
    return render(request, "supervision/home.html", {
        "plans": plans, "reviews": reviews, "late": late, "plan_form": plan_form, "review_form": review_form,
        "today": today, "errors": errors}, status=status)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _supervisor(request)
    plan = get_object_or_404(InspectionPlan.objects.select_related("item", "authority"), pk=pk,
                             authority_id=officer.authority_id)
    today = timezone.localdate()
    inspections = list(selectors.inspections_with_people().filter(plan=plan))
    for inspection in inspections:
        inspection.late = selectors.publication_late(inspection, today=today)
        inspection.days_left = selectors.publication_days_left(inspection, today=today)
        inspection.follow_up_late = (inspection.kind == InspectionKind.FOLLOW_UP and inspection.due_on is not None
                                     and inspection.status == InspectionStatus.PENDING and today > inspection.due_on)
    return render(request, "supervision/plan.html", {
        "plan": plan, "draw": selectors.public_draw(plan), "inspections": inspections, "today": today})


@login_required
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _supervisor(request)
    plan = get_object_or_404(InspectionPlan, pk=pk, authority_id=officer.authority_id)
    try:
        services.plan_draw(plan=plan, actor=request.user)
        messages.success(request, _("已完成随机抽取，种子和结果已公开。"))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    return redirect("supervision-plan", pk=pk)


def public_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """The public draw page: anyone, no login."""
    plan = get_object_or_404(InspectionPlan.objects.select_related("item", "authority"), pk=pk)
    draw = selectors.public_draw(plan)
    names = draw["inspector_surnames"]
    groups = [[{"id": i, "surname": names.get(i, "")} for i in group] for group in draw["groups"]]
    results = {r["inspection"]: r for r in draw["results"]}
    rows = []
    for j, assignment in enumerate(draw["assignments"]):
        rows.append({**assignment, "position": j, "name": draw["target_names"].get(assignment["target"], ""),
                     "default_group": j % plan.groups, "result": results.get(assignment["inspection"])})
    return render(request, "supervision/public_draw.html", {
        "plan": plan, "draw": draw, "groups": groups, "rows": rows,
        "reserve": [{"id": i, "surname": names.get(i, "")} for i in draw["reserve"]],
        "conclusions": dict(Conclusion.choices), "results_by_point": dict(FindingResult.choices),
        "check_points": {p.code: (p.name_en if _english() else p.name_zh) for p in plan.item.check_points.all()},
        "json_url": request.build_absolute_uri(f"/api/v1/public/inspection-draws/{plan.pk}/")})


def public_draws(request: HttpRequest) -> HttpResponse:
    plans = InspectionPlan.objects.select_related("item", "authority").order_by("-year", "-created_at")
    reviews = CaseReview.objects.select_related("authority").order_by("-created_at")
    return render(request, "supervision/public_draws.html", {"plans": plans, "reviews": reviews})


def public_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A case-file review's sample in public: the case numbers only, no personal data."""
    found = get_object_or_404(CaseReview.objects.select_related("authority"), pk=pk)
    return render(request, "supervision/public_review.html", {
        "review": found, "record": review.public_review(found),
        "json_url": request.build_absolute_uri(f"/api/v1/public/case-reviews/{found.pk}/")})


# --- inspections -------------------------------------------------------------------------------------

@login_required
def my_inspections(request: HttpRequest) -> HttpResponse:
    if officer_of(request.user) is None:
        raise PermissionDenied
    today = timezone.localdate()
    rows = list(selectors.inspections_for(user=request.user, mine=True))
    for row in rows:
        row.late = selectors.publication_late(row, today=today)
    return render(request, "supervision/inspections.html", {"rows": rows, "today": today})


class RecordForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("检查日期"), widget=DATE)
    conclusion = forms.ChoiceField(label=gettext_lazy("结论"), choices=Conclusion.choices, widget=forms.RadioSelect)
    rectify_by = forms.DateField(label=gettext_lazy("整改期限"), required=False,
                                 widget=DATE, help_text=gettext_lazy("责令整改时填写"))

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        english = _english()
        self.points = []
        for point in points:
            label = point.name_en if english else point.name_zh
            self.fields[f"result_{point.code}"] = forms.ChoiceField(
                label=label, choices=FindingResult.choices, widget=forms.RadioSelect, initial=FindingResult.PASS)
            self.fields[f"note_{point.code}"] = forms.CharField(label=gettext_lazy("说明"), required=False,
                                                                 max_length=2000)
            self.points.append((point.code, f"result_{point.code}", f"note_{point.code}"))

    def findings(self) -> list[dict]:
        return [{"item": code, "result": self.cleaned_data[result], "note": self.cleaned_data[note]}
                for code, result, note in self.points]

    def point_fields(self):
        return [(self[result], self[note]) for _code, result, note in self.points]


def _page_inspection(request: HttpRequest, pk: int) -> Inspection:
    if officer_of(request.user) is None:
        raise Http404
    inspection = get_object_or_404(selectors.inspections_with_people().prefetch_related("attachments"), pk=pk)
    if not (selectors.is_member(inspection, request.user) or selectors.is_supervisor(request.user)):
        raise PermissionDenied
    return inspection


@login_required
def inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _page_inspection(request, pk)
    points = list(inspection.plan.item.check_points.all())
    form = RecordForm(points=points, initial={"inspected_on": timezone.localdate()})
    status = 200
    if request.method == "POST" and request.POST.get("act") == "record":
        form = RecordForm(request.POST, points=points)
        if form.is_valid():
            try:
                services.inspection_record(inspection=inspection, actor=request.user,
                                           inspected_on=form.cleaned_data["inspected_on"],
                                           findings=form.findings(), conclusion=form.cleaned_data["conclusion"],
                                           rectify_by=form.cleaned_data["rectify_by"])
                messages.success(request, _("检查结果已录入。"))
                return redirect("supervision-inspection", pk=pk)
            except Invalid as exc:
                _apply_errors(form, exc)
            except WorkflowError as exc:
                messages.error(request, exc.message)
                return redirect("supervision-inspection", pk=pk)
        status = 400
    elif request.method == "POST" and request.POST.get("act") == "approve":
        try:
            services.inspection_approve(inspection=inspection, actor=request.user)
            messages.success(request, _("检查结果已公开。"))
        except WorkflowError as exc:
            messages.error(request, exc.message)
        return redirect("supervision-inspection", pk=pk)
    elif request.method == "POST" and request.POST.get("act") == "sanction":
        try:
            numbers = services.inspection_start_sanction(inspection=inspection, actor=request.user,
                                                         action=request.POST.get("action", ""),
                                                         legal_basis=request.POST.get("legal_basis", ""))
            messages.success(request, _("已据检查结论办理：%(numbers)s") % {"numbers": _("、").join(numbers)})
        except WorkflowError as exc:
            details = [str(m) for ms in exc.errors.values() for m in (ms if isinstance(ms, list) else [ms])]
            messages.error(request, " ".join(details) or exc.message)
        return redirect("supervision-inspection", pk=pk)
    elif request.method == "POST" and request.POST.get("act") == "attach" and request.FILES.get("file"):
        try:
            services.inspection_attach(inspection=inspection, actor=request.user, uploaded=request.FILES["file"])
            messages.success(request, _("附件已上传。"))
        except WorkflowError as exc:
            details = [str(m) for ms in exc.errors.values() for m in (ms if isinstance(ms, list) else [ms])]
            messages.error(request, " ".join(details) or exc.message)
        return redirect("supervision-inspection", pk=pk)
    today = timezone.localdate()
    inspector = selectors.inspector_of(request.user)
    context = selectors.target_context(inspection.target_code, authority_id=inspection.plan.authority_id,
                                       exclude=inspection.pk)
    names = {p.code: (p.name_en if _english() else p.name_zh) for p in points}
    return render(request, "supervision/inspection.html", {
        "inspection": inspection, "form": form, "errors": _error_list(form) if status == 400 else [],
        "member": selectors.is_member(inspection, request.user),
        "may_sanction": inspection.conclusion == Conclusion.NON_COMPLIANT
        and inspection.status == InspectionStatus.PUBLISHED
        and bool(officer_roles(request.user) & {"approver", "reviewer"}),
        "leader": inspector is not None and inspector.pk == inspection.leader_id,
        "late": selectors.publication_late(inspection, today=today),
        "days_left": selectors.publication_days_left(inspection, today=today),
        "findings": [{**f, "name": names.get(f["item"], f["item"]), "label": FindingResult(f["result"]).label}
                     for f in inspection.findings],
        "context": context}, status=status)


# --- 案卷评查 ----------------------------------------------------------------------------------------

@login_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _supervisor(request)
    found = get_object_or_404(CaseReview, pk=pk, authority_id=officer.authority_id)
    if request.method == "POST" and request.POST.get("act") == "draw":
        try:
            review.review_draw(review=found, actor=request.user)
            messages.success(request, _("已抽取评查案卷，种子和样本已公开。"))
        except WorkflowError as exc:
            messages.error(request, exc.message)
        return redirect("supervision-review", pk=pk)
    if request.method == "POST" and request.POST.get("act") == "score":
        scores = {}
        for code in MANUAL_ITEMS:
            try:
                scores[code] = int(request.POST.get(code, ""))
            except ValueError:
                scores[code] = -1
        try:
            review.review_score(review=found, actor=request.user, case_number=request.POST.get("case_number", ""),
                                scores=scores, comment=request.POST.get("comment", ""))
            messages.success(request, _("评分已保存。"))
        except WorkflowError as exc:
            details = [str(m) for ms in exc.errors.values() for m in (ms if isinstance(ms, list) else [ms])]
            messages.error(request, " ".join(details) or exc.message)
        return redirect("supervision-review", pk=pk)
    detail = review.review_detail(found)
    grades = {g.value: g.label for g in Grade}
    for row in detail["files"]:
        row["check_rows"] = [{"name": name, "label": check_label(name), **value}
                             for name, value in row["checks"].items()]
        row["grade_label"] = grades.get(row["grade"], "")
    manual = [{"code": code, "label": label, "max": maximum} for code, (label, maximum) in MANUAL_ITEMS.items()]
    return render(request, "supervision/review.html", {"review": found, "detail": detail, "manual": manual})


@login_required
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _supervisor(request)
    found = get_object_or_404(CaseReview, pk=pk, authority_id=officer.authority_id)
    wanted = request.GET.get("lang") or ("en" if _english() else "zh")
    language = "en" if wanted == "en" else "zh-hans"
    response = HttpResponse(review_xlsx(review.review_detail(found), language=language),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="case-review-{found.pk}-{language[:2]}.xlsx"'
    return response
