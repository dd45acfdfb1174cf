"""Verification of written commitments (证明事项告知承诺制): the task opened by every approval that used
a commitment, its result, and what a false commitment brings — the revocation proposal (the existing
two-step revocation) and a credit record barring commitments for a period."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from certificates.services import CertificateActionError, certificate_propose_revocation
from licensing.constants import SubmissionKind
from licensing.models import MaterialSubmission
from licensing.permissions import perm_role
from services.calendar import get_calendar

from .constants import DEFAULT_CREDIT_BAR_MONTHS, DEFAULT_VERIFICATION_DAYS, VerificationState
from .models import CreditRecord, ServicePolicy, VerificationTask
from .windows import period_end

FALSE_COMMITMENT_BASIS = ("《中华人民共和国行政许可法》第六十九条第二款；"
                          "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）")


def _policy(service_code: str) -> tuple[int, int]:
    policy = ServicePolicy.objects.filter(service_code=service_code).first()
    if policy is None:
        return DEFAULT_VERIFICATION_DAYS, DEFAULT_CREDIT_BAR_MONTHS
    return policy.verification_days, policy.credit_bar_months


def committed_materials(application) -> list[str]:
    filing = application.filing
    return sorted(set(MaterialSubmission.objects.filter(application=filing, superseded=False,
                                                        kind=SubmissionKind.COMMITMENT)
                      .values_list("material__code", flat=True)))


def verification_open(*, application) -> VerificationTask | None:
    """The approval hook: a case approved on at least one commitment gets its verification task, due a
    configured number of working days after the decision. Idempotent."""
    materials = committed_materials(application)
    if not materials:
        return None
    decided_on = application.decided_on or timezone.localdate()
    days, _months = _policy(application.service_type.code)
    calendar = get_calendar()
    due_on = calendar.add_working_days(decided_on, days)
    task, _created = VerificationTask.objects.get_or_create(application=application, defaults={
        "authority_id": application.authority_id, "materials": materials, "opened_on": decided_on, "due_on": due_on,
        "provisional": calendar.any_provisional(decided_on, due_on)})
    return task


def credit_record_for(*, credit_code: str, on: dt.date) -> CreditRecord | None:
    return (CreditRecord.objects.filter(credit_code=credit_code, starts_on__lte=on, ends_on__gte=on)
            .order_by("-ends_on").first())


def credit_message(record: CreditRecord) -> str:
    return _("因承诺不实，贵单位有失信记录 %(ref)s（%(start)s 至 %(end)s），期间不能以告知承诺代替证明材料，"
             "请上传证明材料。") % {"ref": record.reference, "start": record.starts_on.isoformat(),
                            "end": record.ends_on.isoformat()}


def commitment_bar(*, applicant, on: dt.date) -> str | None:
    """The commitment bar licensing asks at signing and submission (registered in AppConfig.ready)."""
    record = credit_record_for(credit_code=applicant.credit_code, on=on)
    return credit_message(record) if record else None


class VerificationError(CertificateActionError):
    """Same shape as the certificate actions' errors (message, HTTP status, code), with field errors."""

    errors: dict = {}


@transaction.atomic
def verification_record(*, task: VerificationTask, actor, result: str, findings: str, evidence=None
                        ) -> VerificationTask:
    """A reviewer of the authority records the check. `false` proposes the revocation of the certificate
    with the findings as the reason (a legal reviewer confirms it) and records the credit entry."""
    task = (VerificationTask.objects.select_for_update(of=("self",))
            .select_related("application__applicant", "application__service_type").get(pk=task.pk))
    if not perm_role("reviewer")(task, actor):
        raise VerificationError(_("只有本机关的审核人员可以记录核查结果。"), status=403)
    errors = {}
    if result not in (VerificationState.CONFIRMED, VerificationState.FALSE):
        errors["result"] = [_("核查结果应为 confirmed（属实）或 false（不实）。")]
    if not (findings or "").strip():
        errors["findings"] = [_("请填写核查情况。")]
    if errors:
        error = VerificationError(_("核查结果有误。"), status=400, code="invalid")
        error.errors = errors
        raise error
    if task.state != VerificationState.OPEN:
        raise VerificationError(_("该核查任务已记录结果。"), code="already_recorded")
    certificate = Certificate.objects.filter(application=task.application).first()
    if result == VerificationState.FALSE:
        if certificate is None:
            raise VerificationError(_("证照尚未颁发，暂不能记录承诺不实。"), code="not_issued")
        certificate_propose_revocation(certificate=certificate, actor=actor,
                                       reason=_("告知承诺核查：承诺不实。%(f)s") % {"f": findings.strip()},
                                       legal_basis=FALSE_COMMITMENT_BASIS)
        today = timezone.localdate()
        _days, months = _policy(task.application.service_type.code)
        applicant = task.application.applicant
        CreditRecord.objects.create(credit_code=applicant.credit_code, holder_name=applicant.name, verification=task,
                                    starts_on=today, ends_on=period_end(today, months), reason=findings.strip())
    task.state = result
    task.findings = findings.strip()
    task.recorded_by = actor
    task.recorded_at = timezone.now()
    if evidence is not None:
        task.evidence = evidence
    task.save()
    return task
