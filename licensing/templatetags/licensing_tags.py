"""Small helpers for the licensing pages: state and warning tags, countdowns, bilingual names."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from licensing.constants import CaseVerb, NoticeKind, PauseKind, State

register = template.Library()

STATE_CLASSES = {
    State.DRAFT: "tag-grey", State.SUBMITTED: "", State.CORRECTION_REQUESTED: "tag-yellow",
    State.NOT_ACCEPTED: "tag-red", State.IN_REVIEW: "", State.PAUSED: "tag-yellow", State.LEGAL_REVIEW: "",
    State.APPROVED: "tag-green", State.REFUSED: "tag-red", State.ISSUED: "tag-green", State.WITHDRAWN: "tag-grey",
}
WARNINGS = {"green": ("tag-green", _("正常")), "yellow": ("tag-yellow", _("黄牌预警")),
            "red": ("tag-red", _("红牌超期"))}


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def state_class(state: str) -> str:
    return STATE_CLASSES.get(state, "")


@register.filter
def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state or "—"


@register.filter
def verb_label(verb: str) -> str:
    try:
        return str(CaseVerb(verb).label)
    except ValueError:
        return verb


@register.filter
def warning_class(colour: str) -> str:
    return WARNINGS.get(colour, ("", ""))[0]


@register.filter
def warning_label(colour: str) -> str:
    return str(WARNINGS.get(colour, ("", colour))[1])


@register.filter
def pause_label(kind: str) -> str:
    try:
        return str(PauseKind(kind).label)
    except ValueError:
        return kind


@register.filter
def notice_label(kind: str) -> str:
    try:
        return str(NoticeKind(kind).label)
    except ValueError:
        return kind


@register.filter
def countdown(remaining) -> str:
    """剩余 3 个工作日 / 今天到期 / 已超期 2 个工作日."""
    if remaining is None or remaining == "":
        return "—"
    remaining = int(remaining)
    if remaining > 0:
        return ngettext("剩余 %(n)d 个工作日", "剩余 %(n)d 个工作日", remaining) % {"n": remaining}
    if remaining == 0:
        return str(_("今天到期"))
    return ngettext("已超期 %(n)d 个工作日", "已超期 %(n)d 个工作日", -remaining) % {"n": -remaining}


@register.filter
def loc(obj, base: str):
    """The current language's text: `m|loc:"name"` reads name_en in English, else name_zh / name."""
    def get(key):
        if isinstance(obj, dict):
            return obj.get(key)
        return getattr(obj, key, None)

    keys = [f"{base}_en", f"{base}_zh", base] if _english() else [f"{base}_zh", base]
    for key in keys:
        value = get(key)
        if value:
            return value
    return ""


@register.filter
def get(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def short_hash(value: str, n: int = 12) -> str:
    return (value or "")[: int(n)]


@register.filter
def notification_subject(notification) -> str:
    """A notification's subject in the reader's language (both are stored)."""
    from licensing.notices import localised_subject

    return localised_subject(notification)


@register.filter
def notification_body(notification) -> str:
    from licensing.notices import localised_body

    return localised_body(notification)
