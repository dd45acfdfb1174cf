"""Written notices the law requires, the applicant's notifications, and their e-mail copies."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.utils import timezone

from services.tasks import enqueue

from . import tasks
from .constants import NoticeKind
from .models import Application, Notice, Notification

REMEDIES_ZH = (
    "如不服本决定，可自收到本决定书之日起六十日内依法申请行政复议，或者自收到之日起六个月内依法向人民法院提起行政诉讼。"
)
REMEDIES_EN = (
    "If you disagree with this decision you may apply for administrative reconsideration within 60 days of "
    "receiving it, or bring an administrative lawsuit before a people's court within 6 months."
)


def _number(application: Application, kind: str) -> str:
    count = Notice.objects.filter(application=application, kind=kind).aggregate(n=Count("id"))["n"] + 1
    return f"{application.case_number}-{kind.upper()}-{count}"


def notice_create(*, application: Application, kind: str, lines_zh: list[str], lines_en: list[str],
                  facts: dict | None = None) -> Notice:
    """Store the notice, tell the applicant (in the portal and by e-mail after commit)."""
    label = NoticeKind(kind).label
    authority = application.authority
    notice = Notice.objects.create(
        application=application,
        kind=kind,
        number=_number(application, kind),
        issued_at=timezone.now(),
        content={
            "title_zh": str(label),
            "title_en": NOTICE_TITLES_EN[kind],
            "authority_zh": authority.name_zh,
            "authority_en": authority.name_en,
            "complaint_phone": authority.complaint_phone,
            "applicant": application.applicant.name,
            "case_number": application.case_number,
            "service_zh": application.service_type.name_zh,
            "service_en": application.service_type.name_en,
            "lines_zh": lines_zh,
            "lines_en": lines_en,
            "facts": facts or {},
        },
    )
    notification = Notification.objects.create(
        user=application.applicant.user,
        application=application,
        notice=notice,
        subject=f"【{authority.name_zh}】{label}：{application.case_number}",
        body="\n".join(lines_zh),
    )
    enqueue(tasks.send_notification_email, notification_id=notification.pk)
    return notice


def send_notification_email(*, notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        return
    link = f"{settings.TONGBAN_SITE_URL}/applications/{notification.application_id}/"
    send_mail(notification.subject, f"{notification.body}\n\n{link}", None, [notification.user.email])


NOTICE_TITLES_EN = {
    NoticeKind.RECEIPT: "Receipt of application",
    NoticeKind.ACCEPTANCE: "Notice of acceptance",
    NoticeKind.DEEMED_ACCEPTANCE: "Notice of acceptance by operation of law",
    NoticeKind.CORRECTION: "One-time notice to complete the application",
    NoticeKind.NON_ACCEPTANCE: "Decision not to accept the application",
    NoticeKind.PAUSE: "Notice of a special procedure (clock stopped)",
    NoticeKind.RESUME: "Notice that the special procedure has ended",
    NoticeKind.EXTENSION: "Notice of extension of the time limit",
    NoticeKind.GRANT: "Decision to grant the licence",
    NoticeKind.REFUSAL: "Decision to refuse the licence",
    NoticeKind.WITHDRAWAL: "Confirmation of withdrawal",
}


def notifications_mark_read(*, user, ids: list[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
