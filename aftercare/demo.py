"""The demo's life after the licence (manage.py simulate_aftercare, run by `make run` after the simulated
history): licences near expiry with their reminders, a renewal in review and one deemed granted, an
expired licence with its cancellation task and a published cancellation, commitment checks (one false),
the 2025 annual reports (some missing, reviewed), ratings with a bad review in progress.

Every act goes through the service functions, with the clock moved to the day it happens. Licences are
issued now by the real issuer; the validity of a few is then moved in the database to stage the
scenario (their PDF and QR keep the dates they were signed with; the register and verification read
the database)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from certificates.constants import CertificateStatus, Kind
from certificates.models import Certificate
from certificates.services import certificate_issue
from licensing import workflow
from licensing.constants import FINAL_STATES, CaseVerb, State
from licensing.models import Applicant, Application, CaseLogEntry
from services.constants import MaterialMode
from services.selectors import service_type_current

from . import ratings, reports, services, verification
from .constants import RectificationState, VerificationState
from .identifiers import years_later
from .models import AnnualReport, CancellationTask, Rating, RectificationTask, VerificationTask

TZ = ZoneInfo("Asia/Shanghai")


def _pdf() -> bytes:
    """A small, well-formed PDF (uploads are parsed)."""
    from io import BytesIO

    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Tongban demo material")
    page.save()
    return buffer.getvalue()


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def on_day(day: dt.date, hour: int = 10):
    with time_machine.travel(dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ), tick=False):
        yield


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _lab_data(applicant: Applicant) -> dict:
    return {"unit_name": applicant.name, "credit_code": applicant.credit_code,
            "legal_representative": applicant.legal_representative, "city": applicant.city,
            "facility_address": f"{applicant.address}实验动物楼",
            "scope": [{"environment": "barrier", "species": ["mouse", "rat"]}],
            "contact_name": applicant.contact_name, "contact_phone": applicant.contact_phone}


def _fill(application: Application, on: dt.date) -> None:
    actor = application.applicant.user
    for material in application.service_type.materials.all():
        if material.mode == MaterialMode.COMMITMENT:
            workflow.commitment_sign(application=application, material_code=material.code, actor=actor)
        elif material.mode == MaterialMode.UPLOAD and material.required:
            content = _png() if "png" in material.file_types and "pdf" not in material.file_types else _pdf()
            workflow.material_upload(application=application, material_code=material.code,
                                     uploaded=SimpleUploadedFile(f"{material.code}.bin", content),
                                     document_date=on if material.max_age_days else None, actor=actor)


def file(applicant: Applicant, *, service: str, on: dt.date, licence: str | None = None) -> Application:
    with on_day(on):
        application = workflow.application_create(applicant=applicant, service_type=service_type_current(code=service),
                                                  data=_lab_data(applicant), actor=applicant.user,
                                                  original_licence_number=licence)
        _fill(application, on)
        workflow.application_submit(application=application, actor=applicant.user)
    application.refresh_from_db()
    return application


def _officer(application: Application, role: str):
    """The demo officer of the case's authority (the Kunming bureau's for Kunming applicants)."""
    return _user(("kunming-" if application.authority.code == "km-kjj" else "") + role)


def accept(application: Application, on: dt.date) -> None:
    with on_day(on, 11):
        workflow.application_accept(application=application, actor=_officer(application, "intake"))


def grant_now(applicant: Applicant, *, service: str = "lab-animal-use") -> Certificate:
    """A licence granted today through the whole process and issued by the real issuer."""
    today = timezone.localdate()
    application = file(applicant, service=service, on=today)
    workflow.application_accept(application=application, actor=_officer(application, "intake"))
    workflow.application_recommend(application=application, actor=_officer(application, "reviewer"),
                                   opinion="经审查，符合法定条件。")
    workflow.application_approve(application=application, actor=_officer(application, "approver"),
                                 opinion="准予许可。")
    return certificate_issue(application=application, actor=None) or Certificate.objects.get(application=application)


def restage(certificate: Certificate, *, valid_to: dt.date) -> Certificate:
    """Move a licence's five years so that it ends on `valid_to` (issued, and published, on its first day)."""
    valid_from = years_later(valid_to + dt.timedelta(days=1), -5)
    issued_at = dt.datetime.combine(valid_from, dt.time(10, 0), tzinfo=TZ)
    Certificate.objects.filter(pk=certificate.pk).update(valid_from=valid_from, valid_to=valid_to,
                                                         issued_at=issued_at, published_on=valid_from)
    certificate.refresh_from_db()
    return certificate


REPORT = {
    "animals": [{"species": "mouse", "grade": "spf", "produced": 0, "used": 2400},
                {"species": "rat", "grade": "clean", "produced": 0, "used": 600}],
    "staff": {"total": 12, "trained": 12, "certified": 10, "training_sessions": 3},
    "facility_changes": "无", "equipment_changes": "更换屏障设施空调机组1套",
    "quality_tests": [{"date": "2025-06-18", "item": "环境指标检测", "result": "pass",
                       "laboratory": "省实验动物质检中心"}],
    "incidents": [],
}


OTHERS = 6  # licences of other organisations: 2 expire, 4 owe a 2025 report
DEMO_ORGANISATIONS = [("aftercare-org-1", "云南省动物实验技术服务中心", "12530400MB0E0001"),
                      ("aftercare-org-2", "玉溪市药物安全评价研究所", "12530400MB0E0002"),
                      ("aftercare-org-3", "云南滇中实验动物有限公司", "91530400MA0E0003"),
                      ("aftercare-org-4", "云南省中医药研究院实验中心", "12530400MB0E0004"),
                      ("aftercare-org-5", "玉溪高新生物技术有限公司", "91530400MA0E0005"),
                      ("aftercare-org-6", "云南省疾病模型研究所", "12530400MB0E0006")]


def demo_organisations() -> list[Applicant]:
    """Organisations holding licences: the simulated history's, else a few of our own (Yuxi, so that the
    provincial department decides)."""
    from django.conf import settings

    from licensing.models import ApplicantKind
    from services.demo import demo_user
    from services.validators import credit_code_check_char

    found = list(Applicant.objects.filter(kind=ApplicantKind.ORGANISATION).exclude(user__username="applicant")
                 .exclude(city="昆明市").order_by("pk")[:OTHERS])
    for username, name, seed in DEMO_ORGANISATIONS[len(found):]:
        user = demo_user(username=username, full_name=f"{name}联系人", password=settings.TONGBAN_DEMO_PASSWORD)
        code = seed + "0" + credit_code_check_char(seed + "0")
        found.append(Applicant.objects.update_or_create(user=user, defaults={
            "kind": ApplicantKind.ORGANISATION, "name": name, "credit_code": code, "legal_representative": "李主任",
            "city": "玉溪市", "address": "云南省玉溪市红塔区高新路1号", "contact_name": "王联系",
            "contact_phone": "0877-2000000"})[0])
    return found


@transaction.atomic
def simulate_aftercare(*, out=None) -> dict:
    """Stage the scenarios once; returns what was made (empty when it had been done before)."""
    def say(text):
        if out is not None:
            out.write(text)

    if CaseLogEntry.objects.filter(verb=CaseVerb.DEEM_RENEWED).exists():
        say("simulate_aftercare: already done; nothing to do")
        return {}
    today = timezone.localdate()
    holder = Applicant.objects.get(user__username="applicant")
    made: dict = {}

    # Licences of the demo institute: one ending in 25 days (its window has closed: every reminder was
    # due), one inside its window with a renewal in review, one that ended yesterday with a renewal
    # nobody decided — deemed granted by this morning's sweep.
    near = restage(grant_now(holder), valid_to=today + dt.timedelta(days=25))
    renewing = restage(grant_now(holder, service="lab-animal-production"), valid_to=today + dt.timedelta(days=120))
    lapsing = restage(grant_now(holder), valid_to=today - dt.timedelta(days=1))
    accept(file(holder, service="lab-animal-renewal", on=today - dt.timedelta(days=10), licence=renewing.number),
           today - dt.timedelta(days=9))
    deemed_case = file(holder, service="lab-animal-renewal", on=today - dt.timedelta(days=40), licence=lapsing.number)
    accept(deemed_case, today - dt.timedelta(days=39))
    made["licences"] = [near.number, renewing.number, lapsing.number]

    # Licences of the simulated organisations: two expired unrenewed (one cancellation confirmed and
    # published), and the 2025 annual reports of others.
    others = list(Certificate.objects.filter(kind__in=[Kind.SCXK, Kind.SYXK], status=CertificateStatus.VALID)
                  .exclude(holder_code=holder.credit_code).select_related("application__applicant")
                  .order_by("issued_at", "pk")[:OTHERS])
    for organisation in demo_organisations()[len(others):]:  # too few in the simulated history: grant some now
        others.append(grant_now(organisation))
    expired = [restage(c, valid_to=today - dt.timedelta(days=days)) for c, days in zip(others[:2], (12, 5),
                                                                                       strict=False)]
    reporting = [restage(c, valid_to=years_later(today, 2) + dt.timedelta(days=i * 17))
                 for i, c in enumerate(others[2:OTHERS])]

    from .sweep import aftercare_sweep

    made["sweep"] = aftercare_sweep(on=today)  # reminders, the deemed renewal, the expiries
    if expired:
        task = CancellationTask.objects.filter(certificate=expired[0]).first()
        if task:
            services.cancellation_confirm(task=task, actor=_officer(expired[0].application, "approver"))

    for index, certificate in enumerate(reporting[:3]):  # the fourth is missing
        with on_day(dt.date(2025, 11, 17 + index)):
            reports.annual_report_file(applicant=certificate.application.applicant,
                                       actor=certificate.application.applicant.user, number=certificate.number,
                                       year=2025, data=REPORT)
    for report, result in zip(AnnualReport.objects.filter(year=2025).order_by("number"), ("pass", "pass", "rectify"),
                              strict=False):
        with on_day(dt.date(2025, 12, 5)):
            reports.annual_report_review(report=report, actor=_officer(report.certificate.application, "reviewer"),
                                         result=result,
                                         opinion="报告完整，质控记录齐全。" if result == "pass" else
                                         "质量控制检测频次不足，请补做微生物学检测并报送结果。",
                                         rectify_by=dt.date(2026, 1, 30) if result == "rectify" else None)
    made["reports_2025"] = AnnualReport.objects.filter(year=2025).count()

    # Commitment checks: the tasks the approvals opened; one commitment found false, one confirmed.
    open_tasks = list(VerificationTask.objects.filter(state=VerificationState.OPEN,
                                                      application__certificate__status=CertificateStatus.VALID)
                      .exclude(application__applicant=holder).order_by("due_on", "pk")[:2])
    for task, result in zip(open_tasks, ("false", "confirmed"), strict=False):
        verification.verification_record(
            task=task, actor=_officer(task.application, "reviewer"), result=result,
            findings="现场核查发现环境设施检测报告与承诺内容不符。" if result == "false"
            else "经共享数据核验，承诺属实。")
    made["verification"] = len(open_tasks)

    # 好差评 on closed cases of the simulated organisations: mostly satisfied, one bad review closed with
    # a call-back, one in progress, one overdue.
    closed = list(Application.objects.filter(state__in=FINAL_STATES, parent__isnull=True, rating__isnull=True)
                  .exclude(applicant=holder).filter(Q(closed_at__isnull=False) | Q(state=State.ISSUED))
                  .order_by("pk")[:12])
    scores = [5, 1, 4, 2, 5, 2, 4, 5, 3, 5, 4, 5]
    days_ago = [50, 40, 35, 30, 25, 3, 20, 15, 10, 8, 5, 2]
    for application, score, ago in zip(closed, scores, days_ago, strict=False):
        closed_on = timezone.localdate(application.closed_at) if application.closed_at else today
        with on_day(max(closed_on, today - dt.timedelta(days=ago)), 15):
            ratings.rating_create(application=application, user=application.applicant.user, score=score,
                                  comment={1: "材料被退回两次，说明不清楚。", 2: "等待受理时间较长。"}.get(score, ""))
    first_bad = RectificationTask.objects.filter(state=RectificationState.OPEN).order_by("opened_on").first()
    if first_bad:
        ratings.rectification_close(task=first_bad, actor=_officer(first_bad.rating.application, "reviewer"),
                                    callback_on=today,
                                    outcome="已电话回访，申请人对补正说明的改进表示满意。",
                                    measures="一次性告知清单增加填写示例。")
    made["ratings"] = Rating.objects.count()
    say(f"simulate_aftercare: {made}")
    return made
