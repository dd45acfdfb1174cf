"""What every act shares: the row lock, the checked FSM move, saving the stored deadlines and
appending the case-log row."""

from __future__ import annotations

import datetime as dt

from django_fsm import can_proceed, has_transition_perm

from django.utils import timezone
from django.utils.translation import gettext as _

from ..caselog import log_append
from ..constants import FINAL_STATES, State
from ..deadlines import DEADLINE_FIELDS, clock_snapshot, deadlines_recompute, today
from ..metrics.services import case_metrics_record
from ..models import Application
from .errors import Forbidden, NotAllowed

# --- helpers -------------------------------------------------------------------------------------

def locked(application: Application | int) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    return (Application.objects.select_for_update(of=("self",))
            .select_related("service_type", "authority", "applicant__user", "parent")
            .get(pk=pk))


JOINT_FILING_VERBS = {"submit", "withdraw", "follow_tracks"}


def move(application: Application, method_name: str, actor, *, system: bool = False, **kwargs) -> str:
    if application.joint and method_name not in JOINT_FILING_VERBS:
        # A joint filing is decided through its tracks; its own state only follows them.
        raise NotAllowed(_("联办申请由各分项办理，请在分项上操作。"), state=application.state)
    from ..verbs import condition_reason, registry

    method = getattr(application, method_name)
    verb = registry.by_transition(method_name)
    if not can_proceed(method):
        reason = condition_reason(verb, application) if verb else None
        raise NotAllowed(reason or _("当前状态（%(state)s）不允许此操作。") % {"state": State(application.state).label},
                         state=application.state)
    if not system:
        if not has_transition_perm(method, actor):
            raise Forbidden(_("您无权对该办件执行此操作。"), state=application.state)
        conflict = verb.duty_conflict(application, actor) if verb else None
        if conflict:
            raise Forbidden(conflict, state=application.state, code="separation_of_duties")
    before = application.state
    method(**kwargs)
    return before


REVIEW_STATES = (State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW)


def save_state(application: Application, *fields: str) -> None:
    if application.state not in REVIEW_STATES:
        application.stage = ""  # the stage exists only while the case is under review
    application.save(update_fields=sorted({"state", "stage", "updated_at", *fields, *DEADLINE_FIELDS}))


def finish(application: Application, actor, verb: str, before: str, *, reason: str = "",
            data: dict | None = None, fields: tuple[str, ...] = ()) -> Application:
    deadlines_recompute(application)
    save_state(application, *fields)
    if application.state in FINAL_STATES or application.state == State.APPROVED:
        case_metrics_record(application=application)
    log_append(application=application, actor=actor, verb=verb, from_state=before, to_state=application.state,
               reason=reason, data={**(data or {}), "clock": clock_snapshot(application)})
    if application.parent_id:
        from .joint import joint_follow

        joint_follow(parent_id=application.parent_id, actor=actor)
    return application


def fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def officer_check(application: Application, actor, slug: str) -> None:
    """For acts without an FSM transition (claim, release): the registry's role and duty checks."""
    from ..verbs import registry

    verb = registry[slug]
    if not verb.permits(application, actor):
        raise Forbidden(_("您无权对该办件执行此操作。"), state=application.state)
    conflict = verb.duty_conflict(application, actor)
    if conflict:
        raise NotAllowed(conflict, state=application.state)


def mark_decided(application: Application) -> None:
    application.decided_at = timezone.now()
    application.decided_on = today()
