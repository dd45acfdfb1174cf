"""Writes of the licence's life after issuing: renewal reminders (once per licence), deemed renewal
(Art. 50), expiry and the cancellation (注销) task with its public announcement (Art. 70). Each runs
in its own transaction under row locks, so concurrent sweeps do each thing once."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.constants import CertificateStatus, Kind
from certificates.models import Certificate
from certificates.services import CertificateActionError, certificate_set_status
from licensing import tasks as licensing_tasks
from licensing.constants import CaseVerb, NoticeKind, State
from licensing.hooks import after_approval
from licensing.models import Application, ClockPause, Notification
from licensing.notices import authority_tag, bilingual_body, bilingual_subject, in_both, notice_issue
from licensing.permissions import perm_role
from licensing.workflow.core import finish, locked, mark_decided, move
from services.constants import Matter
from services.tasks import enqueue

from . import tasks as aftercare_tasks
from .constants import CancellationState, PublicationKind, ReminderKind
from .models import CancellationTask, DecisionPublication, LicenceReminder
from .renewal import renewal_service_code, window_for, window_settings
from .windows import reminder_dates, renewal_window

logger = logging.getLogger(__name__)

LAB_KINDS = (Kind.SCXK, Kind.SYXK)
# A renewal the authority holds when the old licence expires is deemed granted: filed and not yet
# decided. A case waiting for the applicant's correction (Art. 32) is not an application the
# authority failed to decide, and is not deemed.
DEEMABLE_STATES = (State.SUBMITTED, State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW)
# A renewal in these states keeps the old licence from being expired: it is about to be issued.
RENEWAL_PENDING_ISSUE = (State.APPROVED,)
# A filed renewal (not withdrawn, refused or not accepted) needs no reminder any more.
RENEWAL_FILED_STATES = (State.SUBMITTED, State.CORRECTION_REQUESTED, State.IN_REVIEW, State.PAUSED,
                        State.LEGAL_REVIEW, State.APPROVED, State.ISSUED)
ART_70 = "《中华人民共和国行政许可法》第七十条第（一）项"
MAX_WINDOW_DAYS = 25 * 31  # the longest configurable window (24 months) with room to spare


def _renewals(states) -> Q:
    return Q(service_type__matter=Matter.RENEWAL, joint=False, state__in=states)


def renewal_numbers(states) -> set[str]:
    return set(Application.objects.filter(_renewals(states)).exclude(original_licence_number="")
               .values_list("original_licence_number", flat=True))


# --- reminders -----------------------------------------------------------------------------------

REMINDER_TEXT = {
    ReminderKind.WINDOW_OPEN: gettext_lazy("许可证 %(number)s 的延续申请期已开始"),
    ReminderKind.THREE_MONTHS: gettext_lazy("许可证 %(number)s 将于3个月后到期"),
    ReminderKind.ONE_MONTH: gettext_lazy("许可证 %(number)s 将于1个月后到期"),
}


def _reminder_body(certificate: Certificate, opens: dt.date, closes: dt.date) -> str:
    return _("%(holder)s：您持有的%(kind)s %(number)s 有效期至 %(valid_to)s。需要继续从事相关活动的，"
             "请在延续申请期 %(opens)s 至 %(closes)s 内在网上提交延续申请（事项“实验动物许可证延续”）；"
             "逾期未申请的，许可证到期后失效并依法注销。") % {
        "holder": certificate.holder_name, "kind": certificate.get_kind_display(), "number": certificate.number,
        "valid_to": certificate.valid_to.isoformat(), "opens": opens.isoformat(), "closes": closes.isoformat()}


def reminder_send(*, certificate: Certificate, kind: str, due_on: dt.date, on: dt.date) -> bool:
    """Send one reminder unless it was sent already for this licence's validity period (the unique
    constraint decides between concurrent sweeps). True when this call sent it."""
    window = window_for(kind=certificate.kind, valid_to=certificate.valid_to)
    with transaction.atomic():
        try:
            with transaction.atomic():
                reminder = LicenceReminder.objects.create(
                    certificate=certificate, number=certificate.number, valid_to=certificate.valid_to, kind=kind,
                    due_on=due_on, sent_on=on)
        except IntegrityError:
            return False
        user = certificate.application.applicant.user
        notification = Notification.objects.create(
            user=user, application=None, kind=kind, certificate_number=certificate.number,
            subject=bilingual_subject(*in_both(lambda: authority_tag(certificate.authority) + str(
                REMINDER_TEXT[kind]) % {"number": certificate.number})),
            body=bilingual_body(*in_both(lambda: _reminder_body(certificate, window.opens, window.closes))))
        reminder.notification = notification
        reminder.save(update_fields=["notification"])
        enqueue(aftercare_tasks.send_reminder_email, notification_id=notification.pk)
    return True


def reminders_send(*, on: dt.date) -> int:
    """Every reminder whose date has come (or passed unsent) for valid lab animal licences not yet
    being renewed; returns how many this call sent."""
    candidates = (Certificate.objects.filter(kind__in=LAB_KINDS, status=CertificateStatus.VALID, valid_to__gte=on,
                                             valid_to__lte=on + dt.timedelta(days=MAX_WINDOW_DAYS))
                  .select_related("authority", "application__applicant__user"))
    renewing = renewal_numbers(RENEWAL_FILED_STATES)
    settings = {kind: window_settings(renewal_service_code(kind)) for kind in LAB_KINDS}  # one query per kind
    sent = set(LicenceReminder.objects.filter(valid_to__gte=on).values_list("number", "valid_to", "kind"))
    count = 0
    for certificate in candidates.iterator(chunk_size=500):
        if certificate.number in renewing:
            continue
        months, days = settings[certificate.kind]
        window = renewal_window(certificate.valid_to, months=months, days=days)
        if on < window.opens:
            continue
        for kind, due_on in reminder_dates(certificate.valid_to, window=window).items():
            if due_on <= on and (certificate.number, certificate.valid_to, kind) not in sent:
                count += reminder_send(certificate=certificate, kind=kind, due_on=due_on, on=on)
    return count


# --- deemed renewal (Art. 50) ----------------------------------------------------------------------

def _predecessor(number: str) -> Certificate | None:
    return (Certificate.objects.filter(number=number, status=CertificateStatus.VALID)
            .order_by("-revision").first())


def renewal_deem(*, application_id: int, on: dt.date) -> bool:
    """Grant one undecided renewal by operation of law on the first day after the old licence ended:
    the system's act `deem_renewed`, then the certificate is issued as after an approval."""
    with transaction.atomic():
        candidate = (Application.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(pk=application_id, state__in=DEEMABLE_STATES).first())
        if candidate is None:
            return False
        application = locked(candidate)
        old = _predecessor(application.original_licence_number)
        if old is None or old.valid_to >= on:
            return False
        now = timezone.now()
        ClockPause.objects.filter(application=application, ended_on__isnull=True).update(
            ended_on=on, ended_at=now, result=_("原许可证有效期届满，依法视为准予延续"))
        before = move(application, "deem_renewed", None, system=True)
        mark_decided(application)
        application.decided_on = on
        application.opinion = _("行政机关未在原许可证有效期届满前作出是否准予延续的决定，"
                                "依照《中华人民共和国行政许可法》第五十条第二款，视为准予延续。")
        finish(application, None, CaseVerb.DEEM_RENEWED, before, reason=application.opinion,
               data={"licence": old.number, "old_valid_to": old.valid_to.isoformat()},
               fields=("opinion", "decided_at", "decided_on"))
        after_approval(application=application)
        notice_issue(application=application, kind=NoticeKind.DEEMED_RENEWAL, number=old.number,
                     old_valid_to=old.valid_to, on=on)
        enqueue(licensing_tasks.issue_certificate, application_id=application.pk, actor_id=None)
    return True


def renewals_deem(*, on: dt.date) -> int:
    pending = (Application.objects.filter(_renewals(DEEMABLE_STATES)).exclude(original_licence_number="")
               .values_list("pk", "original_licence_number"))
    numbers = {number for _pk, number in pending}
    expired = set(Certificate.objects.filter(number__in=numbers, status=CertificateStatus.VALID, valid_to__lt=on)
                  .values_list("number", flat=True))
    return sum(renewal_deem(application_id=pk, on=on) for pk, number in pending if number in expired)


# --- expiry and cancellation (Art. 70) -------------------------------------------------------------

def certificate_expire(*, certificate_id: int, on: dt.date) -> bool:
    """A valid certificate past its last day becomes `expired`; its authority gets the cancellation task."""
    with transaction.atomic():
        certificate = (Certificate.objects.select_for_update(skip_locked=True)
                       .filter(pk=certificate_id, status=CertificateStatus.VALID, valid_to__lt=on).first())
        if certificate is None:
            return False
        certificate_set_status(certificate=certificate, actor=None, status=CertificateStatus.EXPIRED, action="expire",
                               reason=_("有效期至 %(d)s 届满，未延续") % {"d": certificate.valid_to.isoformat()},
                               legal_basis=ART_70)
        CancellationTask.objects.get_or_create(certificate=certificate,
                                               defaults={"authority_id": certificate.authority_id, "opened_on": on})
    return True


def certificates_expire(*, on: dt.date) -> int:
    about_to_renew = renewal_numbers(RENEWAL_PENDING_ISSUE)
    due = (Certificate.objects.filter(status=CertificateStatus.VALID, valid_to__lt=on)
           .exclude(number__in=about_to_renew).values_list("pk", flat=True))
    return sum(certificate_expire(certificate_id=pk, on=on) for pk in list(due))


@transaction.atomic
def cancellation_confirm(*, task: CancellationTask, actor) -> CancellationTask:
    """An approver of the issuing authority cancels the expired licence and publishes the announcement."""
    task = CancellationTask.objects.select_for_update().select_related("certificate__authority").get(pk=task.pk)
    if not perm_role("approver")(task, actor):
        raise CertificateActionError(_("您无权对该证照执行此操作。"), status=403)
    if task.state != CancellationState.OPEN:
        raise CertificateActionError(_("该注销任务已办结。"), code="already_done")
    certificate = task.certificate
    today = timezone.localdate()
    certificate_set_status(certificate=certificate, actor=actor, status=CertificateStatus.CANCELLED, action="cancel",
                           reason=_("有效期届满未延续，依法注销"), legal_basis=ART_70)
    notice = notice_issue(application=certificate.application, kind=NoticeKind.CANCELLATION,
                          certificate=certificate, on=today)
    task.state = CancellationState.DONE
    task.confirmed_by = actor
    task.confirmed_at = timezone.now()
    task.notice = notice
    task.announcement = "".join(notice.content["lines_zh"])
    task.announcement_en = " ".join(notice.content["lines_en"])
    task.published_on = today
    task.save(update_fields=["state", "confirmed_by", "confirmed_at", "notice", "announcement", "announcement_en",
                             "published_on"])
    # the expiry's publication record (opened by the sweep that expired the licence) is published now
    DecisionPublication.objects.filter(certificate=certificate, kind=PublicationKind.EXPIRY,
                                       published_on__isnull=True).update(published_on=today)
    return task
