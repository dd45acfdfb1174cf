"""After-licence pages: the holder's licences (renewal window, reminders, annual reports, ratings), the
officers' task lists, and the supervisor's after-licence board."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.constants import Kind
from certificates.models import Certificate
from licensing.constants import FINAL_STATES, SPECIES
from licensing.metrics.selectors import supervised_authority_ids
from licensing.models import Application, Notification
from licensing.permissions import officer_of, officer_roles

from . import board, ratings, reports, selectors, services, verification
from .constants import ReportState, Score
from .models import AnnualReport, CancellationTask, Rating, RectificationTask, VerificationTask
from .renewal import window_for
from .reports import GRADES, ReportError

LAB_KINDS = (Kind.SCXK, Kind.SYXK)


def _applicant(request):
    applicant = getattr(request.user, "applicant", None) if hasattr(request.user, "applicant") else None
    if applicant is None:
        raise PermissionDenied
    return applicant


def _officer(request):
    officer = officer_of(request.user)
    if officer is None:
        raise PermissionDenied
    return officer


def _field_errors(exc: ReportError) -> list[str]:
    found = [exc.message]
    for messages_ in exc.errors.values():
        found += [str(m) for m in (messages_ if isinstance(messages_, list) else [messages_])]
    return found


# --- the holder -------------------------------------------------------------------------------------

@login_required
def licences(request: HttpRequest) -> HttpResponse:
    applicant = _applicant(request)
    on = timezone.localdate()
    rows = []
    for certificate in (Certificate.objects.filter(holder_code=applicant.credit_code, kind__in=LAB_KINDS)
                        .select_related("authority").order_by("-issued_at")):
        window = window_for(kind=certificate.kind, valid_to=certificate.valid_to)
        rows.append({"certificate": certificate, "window": window, "window_open": on in window})
    unrated = (Application.objects.filter(applicant=applicant, parent__isnull=True, state__in=FINAL_STATES,
                                          rating__isnull=True)
               .select_related("service_type").order_by("-closed_at", "-id")[:20])
    return render(request, "aftercare/licences.html", {"rows": rows, "unrated": unrated, "today": on})


class ReportForm(forms.Form):
    """The annual report as a page: one line per species and grade, the staff figures, changes, the
    quality-control tests and the incidents (one per line: date, description)."""

    animals = forms.CharField(label=gettext_lazy("生产或使用的实验动物（每行：品种代码,等级,生产数量,使用数量）"),
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=gettext_lazy("如 mouse,spf,12000,0。等级：conventional 普通级、clean 清洁级、"
                                                     "spf SPF级、germ_free 无菌级"))
    staff_total = forms.IntegerField(label=gettext_lazy("从业人员总数"), min_value=0)
    staff_trained = forms.IntegerField(label=gettext_lazy("其中经培训"), min_value=0)
    facility_changes = forms.CharField(label=gettext_lazy("设施变化情况（无变化填“无”）"), max_length=2000)
    equipment_changes = forms.CharField(label=gettext_lazy("设备变化情况（无变化填“无”）"), max_length=2000)
    quality_tests = forms.CharField(label=gettext_lazy("质量控制检测（每行：日期,项目,pass 或 fail）"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    incidents = forms.CharField(label=gettext_lazy("安全事故（每行：日期,情况；无则留空）"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))

    def report_data(self) -> dict:
        data = self.cleaned_data

        def lines(text):
            return [[part.strip() for part in line.split(",")] for line in (text or "").splitlines() if line.strip()]

        def number(text):
            return int(text) if text.isdigit() else text

        animals = [{"species": p[0], "grade": p[1] if len(p) > 1 else "", "produced": number(p[2]) if len(p) > 2
                    else 0, "used": number(p[3]) if len(p) > 3 else 0} for p in lines(data["animals"])]
        tests = [{"date": p[0], "item": p[1] if len(p) > 1 else "", "result": p[2] if len(p) > 2 else ""}
                 for p in lines(data["quality_tests"])]
        incidents = [{"date": p[0], "description": ",".join(p[1:])} for p in lines(data["incidents"])]
        return {"animals": animals, "staff": {"total": data["staff_total"], "trained": data["staff_trained"]},
                "facility_changes": data["facility_changes"], "equipment_changes": data["equipment_changes"],
                "quality_tests": tests, "incidents": incidents}

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        return {
            "animals": "\n".join(f"{a['species']},{a['grade']},{a['produced']},{a['used']}" for a in data["animals"]),
            "staff_total": data["staff"]["total"], "staff_trained": data["staff"]["trained"],
            "facility_changes": data["facility_changes"], "equipment_changes": data["equipment_changes"],
            "quality_tests": "\n".join(f"{t['date']},{t['item']},{t['result']}" for t in data["quality_tests"]),
            "incidents": "\n".join(f"{i['date']},{i['description']}" for i in data["incidents"]),
        }


@login_required
def licence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One licence: for its holder (with the report form in the window) or an officer of its authority."""
    certificate = Certificate.objects.select_related("authority").filter(pk=pk, kind__in=LAB_KINDS).first()
    if certificate is None:
        raise Http404
    applicant = getattr(request.user, "applicant", None) if hasattr(request.user, "applicant") else None
    officer = officer_of(request.user)
    holder = applicant is not None and applicant.credit_code == certificate.holder_code
    if not holder and (officer is None or officer.authority_id != certificate.authority_id):
        raise Http404
    on = timezone.localdate()
    year = on.year
    window = reports.report_window(kind=certificate.kind, year=year)
    current = AnnualReport.objects.filter(number=certificate.number, year=year).first()
    form = None
    errors: list[str] = []
    if holder and on in window and (current is None or current.state == ReportState.FILED):
        form = ReportForm(request.POST or None, initial=ReportForm.initial_from(current.data) if current else None)
        if request.method == "POST" and form.is_valid():
            try:
                if current is None:
                    reports.annual_report_file(applicant=applicant, actor=request.user, number=certificate.number,
                                               year=year, data=form.report_data())
                else:
                    reports.annual_report_correct(report=current, applicant=applicant, data=form.report_data())
            except ReportError as exc:
                errors = _field_errors(exc)
            else:
                messages.success(request, _("年度报告已报送。报送期结束前可以更正。"))
                return redirect("aftercare-licence", pk=pk)
    context = {
        "certificate": certificate, "holder": holder, "today": on,
        "window": window_for(kind=certificate.kind, valid_to=certificate.valid_to),
        "report_window": window, "report_period": reports.report_period(year), "report_form": form,
        "errors": errors, "current_report": current,
        "reports": AnnualReport.objects.filter(number=certificate.number).order_by("-year"),
        "reminders": Notification.objects.filter(certificate_number=certificate.number).exclude(kind="")
        .order_by("-created_at") if holder else [],
        "species": sorted(SPECIES), "grades": GRADES,
        "cancellation": CancellationTask.objects.filter(certificate=certificate).first(),
    }
    return render(request, "aftercare/licence.html", context, status=400 if errors else 200)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=gettext_lazy("评价"), choices=Score.choices, coerce=int,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("意见和建议（选填）"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def rating(request: HttpRequest, pk: int) -> HttpResponse:
    application = ratings.rateable_for(user=request.user, pk=pk)
    if application is None:
        raise Http404
    existing = Rating.objects.filter(application=application).first()
    form = RatingForm(request.POST or None)
    errors: list[str] = []
    if existing is None and request.method == "POST" and form.is_valid():
        try:
            ratings.rating_create(application=application, user=request.user, score=form.cleaned_data["score"],
                                  comment=form.cleaned_data["comment"])
        except ReportError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("感谢您的评价。差评将由实施机关在15个工作日内整改并回访。"))
            return redirect("aftercare-rating", pk=pk)
    return render(request, "aftercare/rating.html", {
        "application": application, "existing": existing, "form": form, "errors": errors,
        "closed": application.state in FINAL_STATES}, status=400 if errors else 200)


# --- officers ---------------------------------------------------------------------------------------

class RecordForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("核查结果"), choices=[
        ("confirmed", gettext_lazy("承诺属实")), ("false", gettext_lazy("承诺不实"))])
    findings = forms.CharField(label=gettext_lazy("核查情况"), max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("审查结论"), choices=[
        ("pass", gettext_lazy("合格")), ("rectify", gettext_lazy("限期整改")), ("fail", gettext_lazy("不合格"))])
    opinion = forms.CharField(label=gettext_lazy("审查意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    rectify_by = forms.DateField(label=gettext_lazy("整改期限"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))


class CallbackForm(forms.Form):
    callback_on = forms.DateField(label=gettext_lazy("回访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.CharField(label=gettext_lazy("回访结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=gettext_lazy("整改措施"), max_length=4000, required=False)


def _messages(form: forms.Form) -> list[str]:
    return [str(e) for errs in form.errors.values() for e in errs]


def _act(request, pk: int, kind: str) -> list[str]:
    """Run one posted act of the task lists; returns the error messages (empty when it succeeded)."""
    try:
        if kind == "verification":
            task = selectors.verification_tasks_for(user=request.user).filter(pk=pk).first()
            form = RecordForm(request.POST)
            if task is None:
                raise Http404
            if not form.is_valid():
                return _messages(form)
            verification.verification_record(task=task, actor=request.user, **form.cleaned_data)
        elif kind == "cancellation":
            task = selectors.cancellation_tasks_for(user=request.user).filter(pk=pk).first()
            if task is None:
                raise Http404
            services.cancellation_confirm(task=task, actor=request.user)
        elif kind == "rectification":
            task = RectificationTask.objects.filter(pk=pk, authority_id=_officer(request).authority_id).first()
            form = CallbackForm(request.POST)
            if task is None:
                raise Http404
            if not form.is_valid():
                return _messages(form)
            ratings.rectification_close(task=task, actor=request.user, **form.cleaned_data)
        elif kind == "report":
            report = AnnualReport.objects.filter(pk=pk, authority_id=_officer(request).authority_id).first()
            form = ReviewForm(request.POST)
            if report is None:
                raise Http404
            if not form.is_valid():
                return _messages(form)
            reports.annual_report_review(report=report, actor=request.user, **form.cleaned_data)
        else:
            raise Http404
    except ReportError as exc:
        return _field_errors(exc)
    except services.CertificateActionError as exc:
        return [exc.message]
    return []


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    on = timezone.localdate()
    errors: list[str] = []
    if request.method == "POST":
        try:
            pk = int(request.POST.get("pk", ""))
        except ValueError as exc:
            raise Http404 from exc
        errors = _act(request, pk, request.POST.get("kind", ""))
        if not errors:
            messages.success(request, _("已办理。"))
            return redirect("aftercare-tasks")
    # one form per row, its fields' ids named after the row, so that every field has its own label
    verification_tasks = [(t, board.colour(t.due_on, on) if t.state == "open" else "",
                           RecordForm(auto_id=f"id_verification{t.pk}_%s"))
                          for t in VerificationTask.objects.filter(authority_id=officer.authority_id)
                          .select_related("application").order_by("state", "due_on")[:200]]
    return render(request, "aftercare/tasks.html", {
        "officer": officer, "today": on, "errors": errors, "roles": officer_roles(request.user),
        "verification_tasks": verification_tasks,
        "cancellations": selectors.cancellation_tasks_for(user=request.user)[:200],
        "rectifications": [(t, board.colour(t.due_on, on) if t.state == "open" else "",
                            CallbackForm(auto_id=f"id_rectification{t.pk}_%s"))
                           for t in RectificationTask.objects.filter(authority_id=officer.authority_id)
                           .select_related("rating__application").order_by("state", "due_on")[:200]],
        "reports": [(r, ReviewForm(auto_id=f"id_report{r.pk}_%s"))
                    for r in AnnualReport.objects.filter(authority_id=officer.authority_id,
                                                         state__in=[ReportState.FILED, ReportState.RECTIFY])
                    .order_by("year", "number")[:200]],
    }, status=400 if errors else 200)


@login_required
def supervisor_board(request: HttpRequest) -> HttpResponse:
    officer = _officer(request)
    if "supervisor" not in officer_roles(request.user):
        raise PermissionDenied
    on = timezone.localdate()
    try:
        year = int(request.GET.get("year", on.year if on.month >= 12 else on.year - 1))
    except ValueError:
        year = on.year - 1
    context = board.board_rows(authority_id=officer.authority_id, on=on)
    context.update({
        "officer": officer, "today": on, "year": year,
        "publication": board.publication_flags(authority_id=officer.authority_id, on=on),
        "decisions": board.decision_publication_flags(authority_id=officer.authority_id, on=on),
        "satisfaction": ratings.satisfaction(authority_ids=supervised_authority_ids(officer=officer), on=on),
        "rates": reports.report_rates(year=year, authority_id=officer.authority_id),
        "missing": reports.reports_missing(year=year, authority_id=officer.authority_id)[:100],
        "start": on - dt.timedelta(days=365),
    })
    return render(request, "aftercare/board.html", context)
