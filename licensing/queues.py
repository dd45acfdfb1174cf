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
from .constants import STATUS_CODES, State
from .deadlines import decision_limit
from .models import Application, ClockPause

QUEUE_PAGE_SIZE = 50
QUEUE_COUNT_CAP = 1000  # the first page counts the queue up to this many cases, never the whole of it


@dataclass(frozen=True)
class QueuePosition:
    """A row's place in queue order (due date ascending, cases without a due date last, then id)."""

    due: dt.date | None
    pk: int

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


# The columns a queue row shows, fetched as values: a page builds no model instances.
ROW_FIELDS = [
    "id", "case_number", "service_type__code", "service_type__name_zh", "service_type__name_en", "applicant__name",
    "state", "stage", "category", "acceptance_due", "committed_due", "statutory_due", "issuance_due", "current_due",
    "yellow_from", "provisional", "accepted_on", "claimed_by_id", "claimed_by__username", "issue_error",
    "issue_error_permanent", "submitted_at", "parent_id", "parent__case_number",
]


@dataclass
class QueuePage:
    rows: list[dict]  # ROW_FIELDS of each case, in queue order
    next: str | None  # cursor of the page after, None on the last page
    previous: str | None  # cursor of the page before, None on the first page


def queue_page(queue: QuerySet[Application], *, cursor: str = "", size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """The page of `queue` a cursor names (the first page without one). ValueError for a bad cursor."""
    queue = queue.values(*ROW_FIELDS)
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


def _cursor(row: dict, *, reverse: bool = False) -> str:
    return QueuePosition(row["current_due"], row["id"]).encode(reverse=reverse)


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


def queue_remaining_working_days(rows: Sequence[dict], *, on: dt.date) -> dict[int, int | None]:
    """deadlines.remaining_working_days of a page of rows in one pass: each distinct due date
    counted once on the calendar; the paused cases (no due date while the clock stands) read with
    their service types in one query and their pauses in another."""
    calendar = get_calendar()
    by_due: dict[dt.date, int] = {}
    result: dict[int, int | None] = {}
    paused = []
    for row in rows:
        due = row["current_due"]
        if due:
            if due not in by_due:
                by_due[due] = calendar.working_days(on, due) if on <= due else -calendar.working_days(due, on)
            result[row["id"]] = by_due[due]
        elif row["state"] == State.PAUSED and row["accepted_on"]:
            paused.append(row["id"])
        else:
            result[row["id"]] = None
    if paused:
        pauses: dict[int, list[clock.Pause]] = defaultdict(list)
        for pk, start, end in (ClockPause.objects.filter(application_id__in=paused)
                               .order_by("started_on").values_list("application_id", "started_on", "ended_on")):
            pauses[pk].append(clock.Pause(start, end))
        for application in (Application.objects.filter(pk__in=paused)
                            .select_related("service_type", "parent__service_type")):
            committed_days, _statutory = decision_limit(application)
            result[application.pk] = clock.remaining_working_days(calendar, application.accepted_on, committed_days,
                                                                  pauses[application.pk], today=on)
    return result


def queue_rows(rows: Sequence[dict], *, on: dt.date) -> list[dict]:
    """The rows of a queue page as the queue shows them: the list row of serializers.summary_payload
    field for field (a test holds them equal), built from the fetched values in one pass."""
    remaining = queue_remaining_working_days(rows, on=on)
    return [{
        "id": row["id"],
        "case_number": row["case_number"],
        "service": row["service_type__code"],
        "service_name": row["service_type__name_zh"],
        "service_name_en": row["service_type__name_en"],
        "applicant": row["applicant__name"],
        "state": row["state"],
        "state_label": str(State(row["state"]).label),
        "status_code": STATUS_CODES.get(row["state"]),
        "category": row["category"],
        "deadlines": {name: row[name] for name in ("acceptance_due", "committed_due", "statutory_due",
                                                    "issuance_due")},
        "current_due": row["current_due"],
        "remaining_working_days": remaining[row["id"]],
        "warning": clock.warning_colour(on, row["current_due"], row["yellow_from"]),
        "provisional": row["provisional"],
        "stage": row["stage"] or None if row["state"] == State.IN_REVIEW else None,
        "claimed_by": row["claimed_by__username"] if row["claimed_by_id"] else None,
        "issue_error": row["issue_error"] or None,
        "issue_error_permanent": row["issue_error_permanent"],
        "submitted_at": row["submitted_at"],
        "parent": row["parent__case_number"] if row["parent_id"] else None,
    } for row in rows]
