"""Written notices the law requires (stored, numbered, worded by one builder per kind), the applicant's
notifications, and their e-mail copies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.utils import timezone, translation

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

# A notification is stored in both languages (the recipient chose none, and the portal shows the one the
# reader picks); its e-mail carries both. The English half of the body starts at the mark, the English
# subject after the separator. Rows written before both languages were kept show as they are.
EMAIL_ENGLISH_MARK = "\n\n---- English ----\n\n"
SUBJECT_SEPARATOR = " / "
SUBJECT_LIMIT = 200  # Notification.subject's max_length


def in_both(render: Callable[[], str]) -> tuple[str, str]:
    """`render()` once in Chinese and once in English (it reads gettext and `english()`)."""
    with translation.override("zh-hans"):
        zh = str(render())
    with translation.override("en"):
        en = str(render())
    return zh, en


def english() -> bool:
    return (translation.get_language() or "").startswith("en")


def authority_tag(authority) -> str:
    """The sender in front of a subject: 【机关】 in Chinese, [Authority] in English."""
    return f"[{authority.name_en or authority.name_zh}] " if english() else f"【{authority.name_zh}】"


def bilingual_subject(zh: str, en: str) -> str:
    room = SUBJECT_LIMIT - len(zh) - len(SUBJECT_SEPARATOR)
    return zh if room < 10 else zh + SUBJECT_SEPARATOR + (en if len(en) <= room else en[:room - 1] + "…")


def bilingual_body(zh: str, en: str) -> str:
    return zh + EMAIL_ENGLISH_MARK + en


def localised_subject(notification: Notification) -> str:
    """The subject in the active language (the Chinese one before the separator)."""
    zh, _sep, en = notification.subject.partition(SUBJECT_SEPARATOR)
    return en if english() and en else zh


def localised_body(notification: Notification) -> str:
    zh, _mark, en = notification.body.partition(EMAIL_ENGLISH_MARK)
    return en if english() and en else zh


def notice_notification_text(application: Application, *, kind: str, wording: Wording) -> tuple[str, str]:
    """(subject, body) of the notification that tells the applicant of a notice, in both languages."""
    authority = application.authority
    with translation.override("zh-hans"):
        label = str(NoticeKind(kind).label)
    title_en = notice_builders[kind].title_en
    return (bilingual_subject(f"【{authority.name_zh}】{label}：{application.case_number}",
                              f"[{authority.name_en}] {title_en}: {application.case_number}"),
            bilingual_body("\n".join(wording.lines_zh), "\n".join(wording.lines_en)))


def warning_notification_text(application: Application, *, label, due: str) -> tuple[str, str]:
    """(subject, body) of a yellow or red warning to the officers of a case, in both languages
    (`label` lazy; the case's service_type and state are read)."""
    from .constants import State

    service = application.service_type

    def subject() -> str:
        return f"【{label}】{application.case_number} {due}" if not english() else (
            f"[{label}] {application.case_number} {due}")

    def body() -> str:
        name = service.name_en if english() and service.name_en else service.name_zh
        return f"{name} · {State(application.state).label}"

    (subject_zh, subject_en), (body_zh, body_en) = in_both(subject), in_both(body)
    return bilingual_subject(subject_zh, subject_en), bilingual_body(body_zh, body_en)


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
    subject, body = notice_notification_text(application, kind=kind, wording=wording)
    notification = Notification.objects.create(
        user=application.applicant.user, application=application, notice=notice, subject=subject, body=body)
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
