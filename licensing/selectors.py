"""Reads of applications: lists, the officer's queue, a case with everything it shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Prefetch, Q, QuerySet

from .constants import State
from .models import Application, CaseLogEntry, MaterialSubmission
from .permissions import officer_of, officer_roles

# The states each role acts on (its actionable work).
ROLE_STATES = {
    "intake": {State.SUBMITTED},
    "reviewer": {State.IN_REVIEW, State.PAUSED},
    "approver": {State.IN_REVIEW, State.APPROVED},
    "legal_reviewer": {State.LEGAL_REVIEW},
    "supervisor": set(),
}
STAGES = {
    "intake": {State.SUBMITTED},
    "correction": {State.CORRECTION_REQUESTED},
    "review": {State.IN_REVIEW},
    "paused": {State.PAUSED},
    "legal_review": {State.LEGAL_REVIEW},
    "issuance": {State.APPROVED},
}


def applications_for_user(*, user) -> QuerySet[Application]:
    """An applicant's own filings (tracks live inside their joint filing); an officer's authority's
    cases (for the one-stop service: their agency's tracks)."""
    base = Application.objects.select_related("service_type", "authority", "applicant").order_by("-created_at")
    officer = officer_of(user)
    if officer is not None:
        return base.filter(authority_id=officer.authority_id, joint=False)
    return base.filter(applicant__user=user, parent__isnull=True)


def warning_filter(colour: str, on: dt.date) -> Q:
    if colour == "red":
        return Q(current_due__lt=on)
    if colour == "yellow":
        return Q(current_due__gte=on, yellow_from__lte=on)
    return Q(current_due__isnull=True) | Q(yellow_from__gt=on)


def queue_for_officer(*, user, on: dt.date, stage: str = "", service: str = "", warning: str = "",
                      mine: bool = False) -> QuerySet[Application]:
    """The actionable cases of the officer's authority, overdue first, then nearest due."""
    officer = officer_of(user)
    if officer is None:
        return Application.objects.none()
    roles = officer_roles(user)
    states = set().union(*(ROLE_STATES.get(role, set()) for role in roles)) if roles else set()
    if "supervisor" in roles:
        states |= set().union(*STAGES.values())
    if stage:
        states &= STAGES.get(stage, set())
    queryset = (
        Application.objects.filter(authority_id=officer.authority_id, joint=False, state__in=states)
        .select_related("service_type", "applicant", "claimed_by", "parent")
        .defer("data", "points", "parent__data", "parent__points")
        .order_by(F("current_due").asc(nulls_last=True), "id")
    )
    if service:
        queryset = queryset.filter(service_type__code=service)
    if warning:
        queryset = queryset.filter(warning_filter(warning, on))
    if mine:
        queryset = queryset.filter(claimed_by=user)
    return queryset


def application_detail(*, pk: int) -> Application:
    return (
        Application.objects.select_related("service_type", "authority", "applicant__user", "parent", "claimed_by")
        .prefetch_related(
            "service_type__materials",
            Prefetch("log", queryset=CaseLogEntry.objects.order_by("seq")),
            Prefetch("submissions", queryset=MaterialSubmission.objects.filter(superseded=False)
                     .select_related("material", "commitment_text", "submitted_by")),
            "pauses", "corrections", "notices",
            Prefetch("tracks", queryset=Application.objects.select_related("service_type", "authority")),
        )
        .get(pk=pk)
    )


def supervision_board(*, authority_id: int, on: dt.date) -> QuerySet[Application]:
    """Yellow and red cases of an authority (电子监察)."""
    return (
        Application.objects.filter(authority_id=authority_id, joint=False, current_due__isnull=False)
        .filter(warning_filter("red", on) | warning_filter("yellow", on))
        .select_related("service_type", "applicant", "claimed_by")
        .order_by("current_due", "id")
    )


def notifications_for(*, user):
    from .models import Notification

    return (Notification.objects.filter(user=user)
            .select_related("application", "notice").order_by("-created_at", "-id"))


def unread_notifications(*, user) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
