"""Processing-time figures of one case, and the reduction arithmetic: pure functions over a
WorkingCalendar, no Django, so they can be checked by hand against the official calendar.

Definitions (`working_days(a, b)` counts working days d with a < d <= b, DESIGN.md §3):

- receipt                = `received_on`, the first submission; a correction round restarts the
                           acceptance clock but never moves the receipt.
- receipt→acceptance     = working_days(received_on, accepted_on); 0 for a deemed acceptance as of receipt.
- paused                 = working days inside the pauses (started_on, ended_on], clipped to
                           (accepted_on, decided_on]; reported separately.
- acceptance→decision    = working_days(accepted_on, decided_on) − paused. This is the **headline**:
                           the span the committed and statutory limits govern and the one set
                           against the legacy limit.
- decision→issuance      = working_days(decided_on, issued_on).
- total                  = working_days(received_on, issued_on), or to decided_on without issuance
                           (a refusal); reported beside the headline, never instead of it.
- on time (committed)    = headline <= the committed limit of the case's category, extension not added.
- on time (statutory)    = headline <= the statutory limit + the extension used.

A one-stop joint filing is measured from its tracks: its headline is working_days(received_on,
last track decision) — receipt to last decision, the span compared with the legacy path of the two
permits in series. Its acceptance→decision runs from the first track's acceptance to the last
decision less the working days on which any track's clock stood still (its paused days), and is
what its own committed and statutory limits (those of the joint service, the deadlines the
workflow keeps on the filing) are checked against.

Reduction = 1 − current / baseline (None without a positive baseline)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from licensing.clock import Pause, paused_working_days
from services.workdays import WorkingCalendar


@dataclass(frozen=True)
class CaseDates:
    received_on: dt.date | None
    accepted_on: dt.date | None
    decided_on: dt.date | None
    issued_on: dt.date | None
    pauses: Sequence[Pause] = ()
    committed_limit: int = 0
    statutory_limit: int = 0
    extension_days: int = 0
    closed_on: dt.date | None = None  # the day a case closed without decision (an open pause ends there)


@dataclass(frozen=True)
class CaseFigures:
    receipt_to_acceptance: int | None
    acceptance_to_decision: int | None
    decision_to_issuance: int | None
    receipt_to_issuance: int | None
    paused: int
    headline: int | None
    on_time_committed: bool | None
    on_time_statutory: bool | None


def _span(calendar: WorkingCalendar, start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    return calendar.working_days(start, end)


def case_figures(calendar: WorkingCalendar, dates: CaseDates) -> CaseFigures:
    """The figures of one ordinary case (or one track of a joint filing)."""
    paused = 0
    if dates.accepted_on is not None:
        end = dates.decided_on or dates.closed_on
        if end is not None:
            paused = paused_working_days(calendar, dates.accepted_on, end, dates.pauses, today=end)
    decision = _span(calendar, dates.accepted_on, dates.decided_on)
    headline = decision - paused if decision is not None else None
    end = dates.issued_on or dates.decided_on
    on_time_committed = on_time_statutory = None
    if headline is not None:
        on_time_committed = headline <= dates.committed_limit
        on_time_statutory = headline <= dates.statutory_limit + dates.extension_days
    return CaseFigures(
        receipt_to_acceptance=_span(calendar, dates.received_on, dates.accepted_on),
        acceptance_to_decision=headline,
        decision_to_issuance=_span(calendar, dates.decided_on, dates.issued_on),
        receipt_to_issuance=_span(calendar, dates.received_on, end),
        paused=paused,
        headline=headline,
        on_time_committed=on_time_committed,
        on_time_statutory=on_time_statutory,
    )


def _paused_days_union(calendar: WorkingCalendar, start: dt.date, end: dt.date, tracks: Iterable[CaseDates]) -> int:
    """Working days in (start, end] on which at least one track was paused."""
    days: set[int] = set()
    for track in tracks:
        for pause in track.pauses:
            pause_end = pause.end or track.decided_on or track.closed_on or end
            lo, hi = max(pause.start, start), min(pause_end, end)
            if hi <= lo:
                continue
            first = calendar.nth_working_day_index(lo) + 1
            last = calendar.nth_working_day_index(hi)
            days.update(range(first, last + 1))
    return len(days)


def joint_figures(calendar: WorkingCalendar, *, received_on: dt.date | None, tracks: Sequence[CaseDates],
                  committed_limit: int, statutory_limit: int, extension_days: int = 0) -> CaseFigures:
    """A one-stop joint filing: receipt → last track decision (see the module docstring)."""
    accepted = [t.accepted_on for t in tracks if t.accepted_on]
    decided = [t.decided_on for t in tracks if t.decided_on]
    all_decided = bool(tracks) and len(decided) == len(tracks)
    first_accepted = min(accepted) if accepted else None
    last_decided = max(decided) if all_decided else None
    issued = [t.issued_on for t in tracks if t.issued_on]
    last_issued = max(issued) if issued and len(issued) == len(tracks) else None
    paused = 0
    if first_accepted and last_decided:
        paused = _paused_days_union(calendar, first_accepted, last_decided, tracks)
    decision = _span(calendar, first_accepted, last_decided)
    review = decision - paused if decision is not None else None
    return CaseFigures(
        receipt_to_acceptance=_span(calendar, received_on, first_accepted),
        acceptance_to_decision=review,
        decision_to_issuance=_span(calendar, last_decided, last_issued),
        receipt_to_issuance=_span(calendar, received_on, last_issued or last_decided),
        paused=paused,
        headline=_span(calendar, received_on, last_decided),
        on_time_committed=review <= committed_limit if review is not None else None,
        on_time_statutory=review <= statutory_limit + extension_days if review is not None else None,
    )


def reduction(current: float | None, baseline: float | None) -> float | None:
    """1 − current / baseline; None when either is missing or the baseline is not positive."""
    if current is None or baseline is None or baseline <= 0:
        return None
    return 1 - current / baseline


def percentile_cont(values: Sequence[float], q: float) -> float | None:
    """SQL's percentile_cont: linear interpolation between the order statistics around
    1 + q·(n − 1) (the reference the SQL aggregates are tested against)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lo = math.floor(position)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (position - lo) * (ordered[hi] - ordered[lo])


def histogram_percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """percentile_cont over values given as {value: count}."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = q * (total - 1)
    lo_rank = math.floor(position)  # 0-based ranks of the two order statistics
    hi_rank = min(lo_rank + 1, total - 1)
    lo_value = hi_value = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lo_value is None and seen > lo_rank:
            lo_value = value
        if seen > hi_rank:
            hi_value = value
            break
    return lo_value + (position - lo_rank) * (hi_value - lo_value)
