"""Reads of applications: lists, the officer's queue, a case with everything it shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language

from .constants import OPEN_STATES, Stage, State, SubmissionKind
from .models import Application, CaseLogEntry, MaterialSubmission
from .permissions import officer_of, officer_roles

# The work each role acts on. Inside `in_review` the stage says whose turn it is: the handling
# officer's (reviewer) or the approver's.
ROLE_WORK = {
    "intake": Q(state=State.SUBMITTED),
    "reviewer": Q(state=State.IN_REVIEW, stage=Stage.HANDLING) | Q(state=State.PAUSED),
    "approver": Q(state=State.IN_REVIEW, stage=Stage.DECISION) | Q(state=State.APPROVED),
    "legal_reviewer": Q(state=State.LEGAL_REVIEW),
}
# The queue's `stage` filter.
STAGES = {
    "intake": Q(state=State.SUBMITTED),
    "correction": Q(state=State.CORRECTION_REQUESTED),
    "review": Q(state=State.IN_REVIEW),
    "handling": Q(state=State.IN_REVIEW, stage=Stage.HANDLING),
    "decision": Q(state=State.IN_REVIEW, stage=Stage.DECISION),
    "paused": Q(state=State.PAUSED),
    "legal_review": Q(state=State.LEGAL_REVIEW),
    "issuance": Q(state=State.APPROVED),
}


def applications_for_user(*, user) -> QuerySet[Application]:
    """An applicant's own filings (tracks live inside their joint filing); an officer's authority's
    cases (for the one-stop service: their agency's tracks)."""
    base = Application.objects.select_related("service_type", "authority", "applicant").order_by("-created_at")
    officer = officer_of(user)
    if officer is not None:
        return base.filter(authority_id=officer.authority_id, joint=False)
    return base.filter(applicant__user=user, parent__isnull=True)


def queue_for_officer(*, user, on: dt.date, stage: str = "", service: str = "", warning: str = "",
                      mine: bool = False) -> QuerySet[Application]:
    """The actionable cases of the officer's authority, overdue first, then nearest due."""
    officer = officer_of(user)
    if officer is None:
        return Application.objects.none()
    roles = officer_roles(user)
    if "supervisor" in roles:
        work = Q(state__in=OPEN_STATES)
    else:
        work = Q(pk__in=[])
        for role in roles:
            work |= ROLE_WORK.get(role, Q(pk__in=[]))
    if stage:
        work &= STAGES.get(stage, Q(pk__in=[]))
    # `work` is open cases only (every ROLE_WORK state is open): no .open() besides it, whose state list
    # the planner would multiply with the role's and so expect a handful of rows and sort them all.
    queryset = (
        Application.objects.cases().for_authority(officer.authority_id).filter(work)
        .select_related("service_type", "applicant", "claimed_by", "parent")
        .defer("data", "points", "parent__data", "parent__points")
        .queue_order()
    )
    if service:
        queryset = queryset.filter(service_type__code=service)
    if warning:
        queryset = queryset.warning(warning, on)
    if mine:
        queryset = queryset.filter(claimed_by=user)
    return queryset


def application_detail(*, pk: int) -> Application:
    return (
        Application.objects.select_related("service_type", "authority", "applicant__user", "parent", "claimed_by",
                                           "recommended_by")
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
        Application.objects.cases().for_authority(authority_id).flagged(on)
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


def uploaded_elsewhere(*, application: Application, material) -> dict[str, str]:
    """SHA-256 → name of every other material of the filing whose current upload is that file."""
    english = (get_language() or "").startswith("en")
    rows = (MaterialSubmission.objects.filter(application=application, superseded=False, kind=SubmissionKind.UPLOAD)
            .exclude(material=material).select_related("material"))
    return {row.sha256: (row.material.name_en if english else row.material.name_zh) for row in rows}
