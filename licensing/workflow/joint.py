"""The one-stop joint filing: its state follows its tracks."""

from __future__ import annotations

from django.utils import timezone

from ..caselog import log_append
from ..constants import DECIDED_STATES, FINAL_STATES, State
from ..deadlines import deadlines_recompute
from ..metrics.services import case_metrics_record
from .core import locked, save_state

# --- one-stop ------------------------------------------------------------------------------------

def joint_state(states: list[str]) -> str:
    """The joint filing's state from its tracks' states."""
    if not states:
        return State.SUBMITTED
    open_states = [s for s in states if s not in FINAL_STATES and s != State.APPROVED]
    if all(s == State.WITHDRAWN for s in states):
        return State.WITHDRAWN
    if not open_states:
        if all(s == State.ISSUED for s in states):
            return State.ISSUED
        if all(s in (State.APPROVED, State.ISSUED) for s in states):
            return State.APPROVED
        if any(s == State.REFUSED for s in states):
            return State.REFUSED
        if any(s == State.NOT_ACCEPTED for s in states):
            return State.NOT_ACCEPTED
        return State.WITHDRAWN
    if any(s == State.CORRECTION_REQUESTED for s in open_states):
        return State.CORRECTION_REQUESTED
    if all(s == State.SUBMITTED for s in open_states) and all(s == State.SUBMITTED for s in states):
        return State.SUBMITTED
    return State.IN_REVIEW


def joint_follow(*, parent_id: int, actor) -> None:
    parent = locked(parent_id)
    tracks = list(parent.tracks.all())
    target = joint_state([t.state for t in tracks])
    if target == parent.state:
        return
    before = parent.state
    parent.follow_tracks(target)
    fields = []
    accepted = [t.accepted_on for t in tracks if t.accepted_on]
    if accepted and not parent.accepted_on:
        parent.accepted_on, parent.accepted_at = min(accepted), timezone.now()
        fields += ["accepted_on", "accepted_at"]
    if all(t.decided_on or t.state in FINAL_STATES for t in tracks) and not parent.decided_on:
        decided = [t for t in tracks if t.decided_on]
        if decided:
            last = max(decided, key=lambda t: t.decided_at)
            parent.decided_on, parent.decided_at = last.decided_on, last.decided_at
            fields += ["decided_on", "decided_at"]
    if target in FINAL_STATES:
        parent.closed_at = timezone.now()
        parent.issued_on = max((t.issued_on for t in tracks if t.issued_on), default=None)
        fields += ["closed_at", "issued_on"]
    deadlines_recompute(parent)
    save_state(parent, *fields)
    if target in FINAL_STATES or target in DECIDED_STATES:
        case_metrics_record(application=parent)
    log_append(application=parent, actor=actor, verb="tracks", from_state=before, to_state=target,
               data={t.service_type.code: t.state for t in tracks})
