"""Pages of the officers' queues (selectors.queue_for_officer) by keyset: a page is one range scan
of the queue's partial index from the last row shown — no OFFSET, no COUNT(*) over the actionable
rows — and its rows are built in one pass, the remaining working days of each distinct due date
counted once. Used by GET /api/v1/queue/ and the workbench page."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, QuerySet

from services.calendar import get_calendar

from . import clock
from .constants import State
from .deadlines import decision_limit
from .models import Application, ClockPause

QUEUE_PAGE_SIZE = 50
QUEUE_COUNT_CAP = 1000  # the first page counts the queue up to this many cases, never the whole of it


@dataclass(frozen=True)
class QueuePosition:
    """A row's place in queue order (due date ascending, cases without a due date last, then id)."""

    due: dt.date | None
    pk: int

    @classmethod
    def of(cls, application: Application) -> QueuePosition:
        return cls(application.current_due, application.pk)

    def encode(self, *, reverse: bool = False) -> str:
        text = f"{self.due.isoformat() if self.due else ''}|{self.pk}|{'r' if reverse else ''}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> tuple[QueuePosition, bool]:
        """(position, reverse); ValueError for anything that is not a cursor this queue made."""
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            due, pk, direction = text.split("|")
            position = cls(dt.date.fromisoformat(due) if due else None, int(pk))
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise ValueError("not a queue cursor") from exc
        if position.pk < 1 or direction not in ("", "r"):
            raise ValueError("not a queue cursor")
        return position, direction == "r"


@dataclass
class QueuePage:
    rows: list[Application]
    next: str | None  # cursor of the page after, None on the last page
    previous: str | None  # cursor of the page before, None on the first page


def queue_page(queue: QuerySet[Application], *, cursor: str = "", size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """The page of `queue` a cursor names (the first page without one). ValueError for a bad cursor."""
    queue = queue.select_related("parent__service_type")  # decision_limit of a paused track reads it
    if not cursor:
        rows, more = queue_keyset_page(queue, size=size)
        return QueuePage(rows, _cursor(rows[-1]) if more else None, None)
    position, reverse = QueuePosition.decode(cursor)
    if reverse:
        rows, more = queue_keyset_page(queue, before=position, size=size)
        return QueuePage(rows, _cursor(rows[-1]) if rows else position.encode(),
                         _cursor(rows[0], reverse=True) if more else None)
    rows, more = queue_keyset_page(queue, after=position, size=size)
    return QueuePage(rows, _cursor(rows[-1]) if more else None,
                     _cursor(rows[0], reverse=True) if rows else position.encode(reverse=True))


def _cursor(application: Application, *, reverse: bool = False) -> str:
    return QueuePosition.of(application).encode(reverse=reverse)


def queue_keyset_page(queue: QuerySet[Application], *, after: QueuePosition | None = None,
                      before: QueuePosition | None = None,
                      size: int = QUEUE_PAGE_SIZE) -> tuple[list[Application], bool]:
    """The `size` rows after `after` — or, with `before`, the `size` rows just before it — in queue
    order, and whether more rows lie beyond them in that direction. Each query is a range scan of
    the queue's partial index (authority, due date, id) from the position."""
    if before is not None:
        rows = _backward(queue, before, size + 1)
        return list(reversed(rows[:size])), len(rows) > size
    rows = _forward(queue, after, size + 1)
    return rows[:size], len(rows) > size


def _forward(queue: QuerySet, after: QueuePosition | None, limit: int) -> list[Application]:
    if after is None:
        return list(queue[:limit])
    if after.due is None:
        return list(queue.filter(current_due__isnull=True, pk__gt=after.pk)[:limit])
    # current_due >= due starts the index range; that day's rows up to the position are skipped.
    rows = list(queue.filter(current_due__gte=after.due).exclude(current_due=after.due, pk__lte=after.pk)[:limit])
    if len(rows) < limit:
        rows += list(queue.filter(current_due__isnull=True)[: limit - len(rows)])
    return rows


def _backward(queue: QuerySet, before: QueuePosition, limit: int) -> list[Application]:
    backward = queue.order_by(F("current_due").desc(nulls_first=True), "-pk")
    if before.due is not None:
        return list(backward.filter(current_due__lte=before.due)
                    .exclude(current_due=before.due, pk__gte=before.pk)[:limit])
    rows = list(backward.filter(current_due__isnull=True, pk__lt=before.pk)[:limit])
    if len(rows) < limit:
        rows += list(backward.filter(current_due__isnull=False)[: limit - len(rows)])
    return rows


def queue_count_capped(queue: QuerySet[Application], *, cap: int = QUEUE_COUNT_CAP) -> tuple[int, bool]:
    """(number of cases, exact): reads at most cap + 1 index entries, so the cost is bounded."""
    n = queue.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n <= cap


def queue_remaining_working_days(applications: Sequence[Application], *, on: dt.date) -> dict[int, int | None]:
    """deadlines.remaining_working_days of a page of rows in one pass: each distinct due date
    counted once on the calendar, and the pauses of the paused cases (no due date while the clock
    stands) read in one query."""
    calendar = get_calendar()
    by_due: dict[dt.date, int] = {}
    result: dict[int, int | None] = {}
    paused = []
    for application in applications:
        due = application.current_due
        if due:
            if due not in by_due:
                by_due[due] = calendar.working_days(on, due) if on <= due else -calendar.working_days(due, on)
            result[application.pk] = by_due[due]
        elif application.state == State.PAUSED and application.accepted_on:
            paused.append(application)
        else:
            result[application.pk] = None
    if paused:
        pauses: dict[int, list[clock.Pause]] = defaultdict(list)
        for pk, start, end in (ClockPause.objects.filter(application_id__in=[a.pk for a in paused])
                               .order_by("started_on").values_list("application_id", "started_on", "ended_on")):
            pauses[pk].append(clock.Pause(start, end))
        for application in paused:
            committed_days, _statutory = decision_limit(application)
            result[application.pk] = clock.remaining_working_days(calendar, application.accepted_on, committed_days,
                                                                  pauses[application.pk], today=on)
    return result


def queue_rows(applications: Sequence[Application], *, on: dt.date, user=None) -> list[dict]:
    """The rows of a queue page: the list row of serializers.summary_payload, field for field (a
    test holds them equal), with the remaining working days from queue_remaining_working_days
    instead of one calendar walk — and, for a paused case, one pauses query — per row."""
    from licensing.api.serializers import _deadlines
    from licensing.permissions import sees_internal_record

    remaining = queue_remaining_working_days(applications, on=on)
    rows = []
    for application in applications:
        claimed = application.claimed_by_id and (user is None or sees_internal_record(user, application))
        rows.append({
            "id": application.pk,
            "case_number": application.case_number,
            "service": application.service_type.code,
            "service_name": application.service_type.name_zh,
            "service_name_en": application.service_type.name_en,
            "applicant": application.applicant.name,
            "state": application.state,
            "state_label": str(State(application.state).label),
            "status_code": application.status_code,
            "category": application.category,
            "deadlines": _deadlines(application),
            "current_due": application.current_due,
            "remaining_working_days": remaining[application.pk],
            "warning": clock.warning_colour(on, application.current_due, application.yellow_from),
            "provisional": application.provisional,
            "stage": application.stage or None if application.state == State.IN_REVIEW else None,
            "claimed_by": application.claimed_by.username if claimed else None,
            "issue_error": application.issue_error or None,
            "issue_error_permanent": application.issue_error_permanent,
            "submitted_at": application.submitted_at,
            "parent": application.parent.case_number if application.parent_id else None,
        })
    return rows
