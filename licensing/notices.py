"""Written notices the law requires (stored, numbered, worded by one builder per kind), the applicant's
notifications, and their e-mail copies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.utils import timezone

from services.tasks import enqueue

from . import tasks
from .constants import NoticeKind
from .models import Application, Notice, Notification


@dataclass(frozen=True)
class Wording:
    """What a notice says, in both languages, and the facts it states (kept for the record and the PDF)."""

    lines_zh: list[str]
    lines_en: list[str]
    facts: dict = field(default_factory=dict)


# builder(application, **context) → Wording. One per notice kind; the kind's zh title is its label.
NoticeBuilder = Callable[..., Wording]


@dataclass(frozen=True)
class NoticeDefinition:
    kind: str
    title_en: str
    build: NoticeBuilder


class NoticeBuilderRegistry:
    """Notice kinds and how each is worded. `licensing.wording` registers the Administrative Licensing
    Law's notices; an app that adds a kind to `NoticeKind` registers its builder in `AppConfig.ready()`."""

    def __init__(self) -> None:
        self._definitions: dict[str, NoticeDefinition] = {}

    def register(self, kind: str, *, title_en: str) -> Callable[[NoticeBuilder], NoticeBuilder]:
        def decorate(build: NoticeBuilder) -> NoticeBuilder:
            if kind not in NoticeKind.values:
                raise ValueError(f"{kind!r} is not a NoticeKind")
            if kind in self._definitions:
                raise ValueError(f"notice kind {kind!r} already has a builder")
            self._definitions[kind] = NoticeDefinition(kind=kind, title_en=title_en, build=build)
            return build

        return decorate

    def __getitem__(self, kind: str) -> NoticeDefinition:
        return self._definitions[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._definitions

    def kinds(self) -> list[str]:
        return list(self._definitions)


notice_builders = NoticeBuilderRegistry()


def _number(application: Application, kind: str) -> str:
    count = Notice.objects.filter(application=application, kind=kind).aggregate(n=Count("id"))["n"] + 1
    return f"{application.case_number}-{kind.upper()}-{count}"


def notice_issue(*, application: Application, kind: str, **context) -> Notice:
    """Word the notice of `kind` by its builder, store it and tell the applicant (in the portal, and by
    e-mail after commit)."""
    definition = notice_builders[kind]
    wording = definition.build(application, **context)
    authority = application.authority
    label = NoticeKind(kind).label
    notice = Notice.objects.create(
        application=application,
        kind=kind,
        number=_number(application, kind),
        issued_at=timezone.now(),
        content={
            "title_zh": str(label),
            "title_en": definition.title_en,
            "authority_zh": authority.name_zh,
            "authority_en": authority.name_en,
            "complaint_phone": authority.complaint_phone,
            "applicant": application.applicant.name,
            "case_number": application.case_number,
            "service_zh": application.service_type.name_zh,
            "service_en": application.service_type.name_en,
            "lines_zh": wording.lines_zh,
            "lines_en": wording.lines_en,
            "facts": wording.facts,
        },
    )
    notification = Notification.objects.create(
        user=application.applicant.user,
        application=application,
        notice=notice,
        subject=f"【{authority.name_zh}】{label}：{application.case_number}",
        body="\n".join(wording.lines_zh),
    )
    enqueue(tasks.send_notification_email, notification_id=notification.pk)
    return notice


def send_notification_email(*, notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        return
    link = f"{settings.TONGBAN_SITE_URL}/applications/{notification.application_id}/"
    send_mail(notification.subject, f"{notification.body}\n\n{link}", None, [notification.user.email])


def notifications_mark_read(*, user, ids: list[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
