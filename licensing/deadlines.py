"""The legal clock as stored on the application: which limit runs in which state, the due dates
kept on the row (so queues sort and filter in SQL), and the figures derived from them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from services import selectors as catalog
from services.calendar import get_calendar

from . import clock
from .constants import State
from .models import Application


def today() -> dt.date:
    return timezone.localdate()


def _pauses(application: Application) -> list[clock.Pause]:
    return [clock.Pause(p.started_on, p.ended_on) for p in application.pauses.all().order_by("started_on")]


def decision_limit(application: Application) -> tuple[int, int]:
    """(committed, statutory) working days including an approved extension."""
    service_type = application.service_type
    committed = catalog.committed_limit(service_type=service_type, category=application.category)
    if application.parent_id:
        # A track keeps the joint filing's promise (7 WD) unless its own limit is shorter (a category A
        # work permit, 5 WD); the statutory limit stays the track's own.
        committed = min(committed, application.parent.service_type.committed_limit)
    return committed + application.extension_days, service_type.statutory_limit + application.extension_days


def deadlines_recompute(application: Application) -> None:
    """Set the stored due dates from the state and the clock intervals (not saved here)."""
    calendar = get_calendar()
    service_type = application.service_type
    state = application.state
    acceptance = committed = statutory = issuance = None
    if state == State.SUBMITTED and application.acceptance_clock_from:
        acceptance = calendar.add_working_days(application.acceptance_clock_from, service_type.acceptance_limit)
    elif state in (State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW) and application.accepted_on:
        pauses = _pauses(application)
        committed_days, statutory_days = decision_limit(application)
        committed = clock.deadline(calendar, application.accepted_on, committed_days, pauses)
        statutory = clock.deadline(calendar, application.accepted_on, statutory_days, pauses)
    elif state == State.APPROVED and application.decided_on:
        issuance = calendar.add_working_days(application.decided_on, service_type.issuance_limit)
    application.acceptance_due = acceptance
    application.committed_due = committed
    application.statutory_due = statutory
    application.issuance_due = issuance
    current = acceptance or committed or issuance
    application.current_due = current
    application.yellow_from = clock.yellow_from(calendar, current, service_type.warning_days) if current else None
    start = application.acceptance_clock_from or application.received_on
    ends = [d for d in (acceptance, statutory, issuance) if d]
    application.provisional = bool(start and ends) and calendar.any_provisional(start, max(ends))
    if state == State.PAUSED and application.accepted_on:
        application.provisional = calendar.any_provisional(application.accepted_on, today())
    application.warned_on = None if current is None else application.warned_on
    application.overdue_notified_on = None if current is None else application.overdue_notified_on


DEADLINE_FIELDS = ["acceptance_due", "committed_due", "statutory_due", "issuance_due", "current_due",
                   "yellow_from", "provisional", "warned_on", "overdue_notified_on"]


def remaining_working_days(application: Application, *, on: dt.date | None = None) -> int | None:
    calendar = get_calendar()
    on = on or today()
    if application.current_due:
        due = application.current_due
        return calendar.working_days(on, due) if on <= due else -calendar.working_days(due, on)
    if application.state == State.PAUSED and application.accepted_on:
        committed_days, _statutory = decision_limit(application)
        return clock.remaining_working_days(calendar, application.accepted_on, committed_days,
                                            _pauses(application), today=on)
    return None


def warning(application: Application, *, on: dt.date | None = None) -> str:
    return clock.warning_colour(on or today(), application.current_due, application.yellow_from)


def clock_snapshot(application: Application) -> dict:
    """The due dates as logged with every act."""
    return {
        "acceptance_due": application.acceptance_due, "committed_due": application.committed_due,
        "statutory_due": application.statutory_due, "issuance_due": application.issuance_due,
        "provisional": application.provisional,
    }


def warning_q(colour: str, on: dt.date) -> Q:
    """The rows whose `clock.warning_colour` on `on` is `colour`, as a filter over the stored dates."""
    if colour == "red":
        return Q(current_due__lt=on)
    if colour == "yellow":
        return Q(current_due__gte=on, yellow_from__lte=on)
    return Q(current_due__isnull=True) | Q(yellow_from__gt=on)
