"""Annual reports (年度报告) of lab animal licences: the form's JSON Schema, the window per service type,
filing and correcting by the holder, review by the authority, the missing list and the reminders."""

from __future__ import annotations

import datetime as dt

from jsonschema import Draft202012Validator, FormatChecker

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.constants import CertificateStatus, Kind
from certificates.models import Certificate
from licensing.constants import SPECIES
from licensing.models import Notification
from licensing.notices import authority_tag, bilingual_body, bilingual_subject, in_both
from licensing.permissions import perm_role
from services.constants import Matter
from services.models import ServiceType
from services.tasks import enqueue

from . import tasks as aftercare_tasks
from .constants import DEFAULT_REPORT_WINDOW, ReportReminderKind, ReportState
from .models import AnnualReport, ReportReminder, ServicePolicy
from .verification import VerificationError
from .windows import RenewalWindow

LAB_KINDS = (Kind.SCXK, Kind.SYXK)
GRADES = ("conventional", "clean", "spf", "germ_free")  # GB 14922: 普通级、清洁级、SPF级、无菌级
_count = {"type": "integer", "minimum": 0, "maximum": 10_000_000}
_text = {"type": "string", "maxLength": 2000}
_date = {"type": "string", "format": "date"}

REPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "实验动物许可证年度报告",
    "description": "Annual report of a laboratory animal licence, covering 1 October of the previous year to "
                   "30 September of the report year.",
    "type": "object",
    "additionalProperties": False,
    "required": ["animals", "staff", "facility_changes", "equipment_changes", "quality_tests", "incidents"],
    "properties": {
        "animals": {
            "title": "生产或使用的实验动物（按品种和等级）", "type": "array", "maxItems": 100,
            "items": {"type": "object", "additionalProperties": False,
                      "required": ["species", "grade", "produced", "used"],
                      "properties": {"species": {"enum": sorted(SPECIES)}, "grade": {"enum": list(GRADES)},
                                     "produced": _count, "used": _count}},
        },
        "staff": {
            "title": "从业人员及培训", "type": "object", "additionalProperties": False,
            "required": ["total", "trained"],
            "properties": {"total": _count, "trained": _count, "certified": _count, "training_sessions": _count},
        },
        "facility_changes": {"title": "设施变化情况（无变化填“无”）", **_text, "minLength": 1},
        "equipment_changes": {"title": "设备变化情况（无变化填“无”）", **_text, "minLength": 1},
        "quality_tests": {
            "title": "质量控制检测", "type": "array", "maxItems": 200,
            "items": {"type": "object", "additionalProperties": False, "required": ["date", "item", "result"],
                      "properties": {"date": _date, "item": {"type": "string", "minLength": 1, "maxLength": 200},
                                     "result": {"enum": ["pass", "fail"]},
                                     "laboratory": {"type": "string", "maxLength": 200}}},
        },
        "incidents": {
            "title": "安全事故及处置（无则为空列表）", "type": "array", "maxItems": 100,
            "items": {"type": "object", "additionalProperties": False, "required": ["date", "description"],
                      "properties": {"date": _date, "description": {**_text, "minLength": 1}, "measures": _text}},
        },
    },
}


def validate_report(data) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {"data": [_("应为对象。")]}
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(REPORT_SCHEMA, format_checker=FormatChecker()).iter_errors(data):
        parts = ["data", *(str(p) for p in error.absolute_path)]
        if error.validator == "required":
            parts.append(error.message.split("'")[1])
            message = _("此项为必填项。")
        elif error.validator == "additionalProperties":
            message = _("含有表单未定义的字段。")
        elif error.validator == "enum":
            message = _("不是可选的值。")
        elif error.validator == "format":
            message = _("日期格式应为 YYYY-MM-DD。")
        else:
            message = _("数值或格式不符合要求。")
        errors.setdefault(".".join(parts), []).append(message)
    staff = data.get("staff") if isinstance(data.get("staff"), dict) else {}
    if isinstance(staff.get("trained"), int) and isinstance(staff.get("total"), int) and staff["trained"] > staff[
            "total"]:
        errors.setdefault("data.staff.trained", []).append(_("培训人数不能多于从业人员总数。"))
    return errors


# --- the window -----------------------------------------------------------------------------------

def report_service_code(kind: str) -> str | None:
    """The service type that grants licences of `kind` (its annual-report window is configured there)."""
    return (ServiceType.objects.filter(matter=Matter.NEW, certificate_kind=kind).order_by("code")
            .values_list("code", flat=True).first())


def report_window(*, kind: str, year: int) -> RenewalWindow:
    policy = ServicePolicy.objects.filter(service_code=report_service_code(kind)).first()
    (om, od), (cm, cd) = DEFAULT_REPORT_WINDOW
    if policy is not None:
        om, od, cm, cd = (policy.report_opens_month, policy.report_opens_day, policy.report_closes_month,
                          policy.report_closes_day)
    return RenewalWindow(opens=dt.date(year, om, od), closes=dt.date(year, cm, cd))


def report_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


class ReportError(VerificationError):
    """message, HTTP status, code and field errors."""


def _error(message: str, *, status: int = 400, code: str = "invalid", errors: dict | None = None) -> ReportError:
    error = ReportError(message, status=status, code=code)
    error.errors = errors or {}
    return error


def _holder_licence(*, applicant, number: str) -> Certificate | None:
    return (Certificate.objects.filter(number=number, holder_code=applicant.credit_code, kind__in=LAB_KINDS,
                                       status=CertificateStatus.VALID).select_related("authority")
            .order_by("-revision").first())


@transaction.atomic
def annual_report_file(*, applicant, actor, number: str, year: int, data) -> AnnualReport:
    """File the report of `year` for the holder's valid lab animal licence, inside the window."""
    certificate = _holder_licence(applicant=applicant, number=(number or "").strip())
    if certificate is None:
        raise _error(_("许可证有误。"), errors={"certificate": [
            _("许可证 %(n)s 不是贵单位持有的有效实验动物许可证。") % {"n": number}]})
    today = timezone.localdate()
    window = report_window(kind=certificate.kind, year=year)
    if today not in window:
        raise _error(_("不在年度报告报送期内。"), errors={"year": [
            _("%(year)s年度报告的报送期为 %(opens)s 至 %(closes)s。") % {
                "year": year, "opens": window.opens.isoformat(), "closes": window.closes.isoformat()}]})
    errors = validate_report(data)
    if errors:
        raise _error(_("年度报告内容有误。"), errors=errors)
    if AnnualReport.objects.filter(number=certificate.number, year=year).exists():
        raise _error(_("该许可证%(year)s年度的报告已经报送，可在报送期内更正。") % {"year": year}, status=409,
                     code="duplicate")
    try:
        with transaction.atomic():
            return AnnualReport.objects.create(
                certificate=certificate, number=certificate.number, authority=certificate.authority, year=year,
                data=data, filed_by=actor, filed_at=timezone.now())
    except IntegrityError:  # a concurrent second filing
        raise _error(_("该许可证%(year)s年度的报告已经报送，可在报送期内更正。") % {"year": year}, status=409,
                     code="duplicate") from None


@transaction.atomic
def annual_report_correct(*, report: AnnualReport, applicant, data) -> AnnualReport:
    report = AnnualReport.objects.select_for_update().select_related("certificate").get(pk=report.pk)
    if report.certificate.holder_code != applicant.credit_code:
        raise _error(_("无权更正该报告。"), status=404, code="not_found")
    window = report_window(kind=report.certificate.kind, year=report.year)
    if timezone.localdate() > window.closes:
        raise _error(_("报送期已于 %(d)s 结束，不能再更正。") % {"d": window.closes.isoformat()}, status=409,
                     code="window_closed")
    if report.state != ReportState.FILED:
        raise _error(_("报告已审查，不能再更正。"), status=409, code="reviewed")
    errors = validate_report(data)
    if errors:
        raise _error(_("年度报告内容有误。"), errors=errors)
    report.data = data
    report.corrected_at = timezone.now()
    report.save(update_fields=["data", "corrected_at"])
    return report


@transaction.atomic
def annual_report_review(*, report: AnnualReport, actor, result: str, opinion: str,
                         rectify_by: dt.date | None = None) -> AnnualReport:
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if not perm_role("reviewer")(report, actor):
        raise _error(_("只有本机关的审核人员可以审查年度报告。"), status=403, code="forbidden")
    errors = {}
    if result not in (ReportState.PASSED, ReportState.RECTIFY, ReportState.FAILED):
        errors["result"] = [_("审查结果应为 pass、rectify 或 fail。")]
    if not (opinion or "").strip():
        errors["opinion"] = [_("请填写审查意见。")]
    today = timezone.localdate()
    if result == ReportState.RECTIFY and (rectify_by is None or rectify_by <= today):
        errors["rectify_by"] = [_("限期整改须给出今天以后的整改期限。")]
    if errors:
        raise _error(_("审查意见有误。"), errors=errors)
    if report.state not in (ReportState.FILED, ReportState.RECTIFY):
        raise _error(_("该报告已审查完毕。"), status=409, code="reviewed")
    report.state = result
    report.opinion = opinion.strip()
    report.rectify_by = rectify_by if result == ReportState.RECTIFY else None
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save(update_fields=["state", "opinion", "rectify_by", "reviewed_by", "reviewed_at"])
    return report


# --- who must report, who has not ---------------------------------------------------------------------

def licences_due(*, year: int, authority_id: int | None = None):
    """The lab animal licences that owe a report of `year`: issued by 30 September N and still in force
    when the window opens (revoked, cancelled and replaced licences do not report)."""
    _start, end = report_period(year)
    opens = dt.date(year, DEFAULT_REPORT_WINDOW[0][0], DEFAULT_REPORT_WINDOW[0][1])
    licences = (Certificate.objects.filter(kind__in=LAB_KINDS, valid_from__lte=end, valid_to__gte=opens)
                .exclude(status__in=[CertificateStatus.REVOKED, CertificateStatus.CANCELLED,
                                     CertificateStatus.SUPERSEDED]))
    if authority_id is not None:
        licences = licences.filter(authority_id=authority_id)
    return licences


def reports_missing(*, year: int, authority_id: int | None = None):
    filed = AnnualReport.objects.filter(year=year).values("number")
    return licences_due(year=year, authority_id=authority_id).exclude(number__in=filed).order_by("number")


def report_rates(*, year: int, authority_id: int | None = None) -> dict:
    due = licences_due(year=year, authority_id=authority_id).count()
    reports = AnnualReport.objects.filter(year=year)
    if authority_id is not None:
        reports = reports.filter(authority_id=authority_id)
    counts = reports.aggregate(filed=Count("id"), passed=Count("id", filter=Q(state=ReportState.PASSED)),
                               reviewed=Count("id", filter=~Q(state=ReportState.FILED)))
    return {"year": year, "due": due, "filed": counts["filed"], "reviewed": counts["reviewed"],
            "passed": counts["passed"],
            "filing_rate": round(counts["filed"] / due, 4) if due else None,
            "pass_rate": round(counts["passed"] / counts["reviewed"], 4) if counts["reviewed"] else None}


REPORT_REMINDER_TEXT = {
    ReportReminderKind.WINDOW_OPEN: gettext_lazy("%(year)s年度报告报送期已开始：许可证 %(number)s"),
    ReportReminderKind.MISSING: gettext_lazy("%(year)s年度报告逾期未报送：许可证 %(number)s"),
}


def _report_reminder(certificate: Certificate, year: int, kind: str, on: dt.date, body: tuple[str, str]) -> bool:
    """`body` in Chinese and English; the message keeps both (see licensing.notices.SUBJECT_SEPARATOR)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReportReminder.objects.create(certificate=certificate, number=certificate.number, year=year, kind=kind,
                                              sent_on=on)
        except IntegrityError:
            return False
        notification = Notification.objects.create(
            user=certificate.application.applicant.user, application=None, kind=kind,
            certificate_number=certificate.number,
            subject=bilingual_subject(*in_both(lambda: authority_tag(certificate.authority) + str(
                REPORT_REMINDER_TEXT[kind]) % {"year": year, "number": certificate.number})),
            body=bilingual_body(*body))
        enqueue(aftercare_tasks.send_reminder_email, notification_id=notification.pk)
    return True


def report_reminders_send(*, on: dt.date) -> int:
    """When the window of year N opens, every licence that owes a report is told; the day after it
    closes, the holders of those still missing are reminded. Once each."""
    year, sent = on.year, 0
    window = report_window(kind=Kind.SCXK, year=year)
    if window.opens <= on <= window.closes:
        done = set(ReportReminder.objects.filter(year=year, kind=ReportReminderKind.WINDOW_OPEN)
                   .values_list("number", flat=True))
        for certificate in (licences_due(year=year).exclude(number__in=done)
                            .select_related("authority", "application__applicant__user")):
            start, end = report_period(year)
            body = in_both(lambda: _(
                "请于 %(opens)s 至 %(closes)s 在网上报送许可证 %(number)s 的%(year)s年度报告（统计期 %(start)s 至 "
                "%(end)s）：实验动物生产或使用情况、从业人员及培训、设施设备变化、质量控制检测、安全事故。") % {
                "opens": window.opens.isoformat(), "closes": window.closes.isoformat(),
                "number": certificate.number,  # noqa: B023 - rendered at once
                "year": year, "start": start.isoformat(), "end": end.isoformat()})  # noqa: B023
            sent += _report_reminder(certificate, year, ReportReminderKind.WINDOW_OPEN, on, body)
    if on > window.closes:
        done = set(ReportReminder.objects.filter(year=year, kind=ReportReminderKind.MISSING)
                   .values_list("number", flat=True))
        for certificate in (reports_missing(year=year).exclude(number__in=done)
                            .select_related("authority", "application__applicant__user")):
            body = in_both(lambda: _(
                "许可证 %(number)s 的%(year)s年度报告未在报送期（%(opens)s 至 %(closes)s）内报送，"
                "请尽快与发证机关联系补报；逾期未报或报告不实的，年度检查结论为不合格。") % {
                "number": certificate.number, "year": year, "opens": window.opens.isoformat(),  # noqa: B023
                "closes": window.closes.isoformat()})
            sent += _report_reminder(certificate, year, ReportReminderKind.MISSING, on, body)
    return sent
