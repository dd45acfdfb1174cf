"""Registries that apps building on licensing fill in their AppConfig.ready(), so that licensing imports
none of them: what follows an approval (aftercare opens the verification task of a case decided on
written commitments), what bars an applicant from signing commitments (a credit record), the deadlines
other apps keep that 电子监察 and the officers' queue show beside the case deadlines, and the panels
other apps add to a case page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from services.hooks import register_once

# hook(*, application) → None, called inside the approving transaction (also for a deemed renewal).
ApprovalHook = Callable[..., None]
# bar(*, applicant, on) → the message naming the record that bars commitments on `on`, or None.
CommitmentBar = Callable[..., str | None]



@dataclass(frozen=True)
class WatchedDeadline:
    """A deadline kept outside the case clock (a commitment check, a rectification, a publication),
    coloured like the case deadlines: red when passed, yellow when close, green otherwise."""
    kind: str                      # what kind of duty, already translated ("承诺核查")
    reference: str                 # what it is about: a case, licence or report number
    due_on: dt.date | None
    warning: str                   # "green" | "yellow" | "red"
    url: str = ""                  # where an officer acts on it (empty when there is no page)
    detail: str = ""               # one line more ("已逾期 3 个工作日公开")
    provisional: bool = False      # the due date rests on a provisional calendar year


@dataclass(frozen=True)
class CasePanel:
    """A section another app adds to a case page: `template` is rendered with `context` (plus `panel`)."""
    title: str
    template: str
    context: dict = field(default_factory=dict)


# source(*, authority_id, on) → the authority's open deadlines of that app (电子监察 board).
BoardSource = Callable[..., Iterable[WatchedDeadline]]
# source(*, user, on) → the duties this officer can act on now (shown beside the queue).
QueueSource = Callable[..., Iterable[WatchedDeadline]]
# panel(*, application, user, audience) → a CasePanel or None; audience is "officer" or "applicant".
CasePanelSource = Callable[..., CasePanel | None]

approval_hooks: list[ApprovalHook] = []
commitment_bars: list[CommitmentBar] = []
board_sources: list[BoardSource] = []
queue_sources: list[QueueSource] = []
case_panel_sources: list[CasePanelSource] = []


def register_approval_hook(hook: ApprovalHook) -> ApprovalHook:
    return register_once(approval_hooks, hook)


def register_commitment_bar(bar: CommitmentBar) -> CommitmentBar:
    return register_once(commitment_bars, bar)


def register_board_source(source: BoardSource) -> BoardSource:
    return register_once(board_sources, source)


def register_queue_source(source: QueueSource) -> QueueSource:
    return register_once(queue_sources, source)


def register_case_panel(source: CasePanelSource) -> CasePanelSource:
    return register_once(case_panel_sources, source)


def after_approval(*, application) -> None:
    for hook in list(approval_hooks):
        hook(application=application)


def commitment_barred(*, applicant, on: dt.date) -> str | None:
    """Why `applicant` may not replace proofs by commitments on `on` (None when it may)."""
    for bar in list(commitment_bars):
        message = bar(applicant=applicant, on=on)
        if message:
            return message
    return None


_COLOUR_ORDER = {"red": 0, "yellow": 1, "green": 2}
WARNING_DAYS = 2  # yellow when this many working days or fewer remain, as on the case clocks


def deadline_colour(due_on: dt.date | None, on: dt.date) -> str:
    """A watched deadline's colour on `on`: red once passed, yellow within WARNING_DAYS working days."""
    from services.calendar import get_calendar

    if due_on is None:
        return "green"
    if due_on < on:
        return "red"
    return "yellow" if get_calendar().working_days(on, due_on) <= WARNING_DAYS else "green"


def _ordered(items: Iterable[WatchedDeadline]) -> list[WatchedDeadline]:
    return sorted(items, key=lambda d: (_COLOUR_ORDER.get(d.warning, 3), d.due_on or dt.date.max, d.reference))


def watched_deadlines(*, authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    """Every registered app's open deadlines for the authority, red first, then by due date."""
    return _ordered(d for source in list(board_sources) for d in source(authority_id=authority_id, on=on))


def officer_duties(*, user, on: dt.date) -> list[WatchedDeadline]:
    """The duties outside the case queue this officer can act on now, red first, then by due date."""
    return _ordered(d for source in list(queue_sources) for d in source(user=user, on=on))


def case_panels(*, application, user, audience: str) -> list[CasePanel]:
    """The sections other apps add to this case's page for this audience ("officer" or "applicant")."""
    panels = (source(application=application, user=user, audience=audience) for source in list(case_panel_sources))
    return [panel for panel in panels if panel is not None]


def deadline_counts(deadlines: Iterable[WatchedDeadline]) -> dict[str, int]:
    counts = {"yellow": 0, "red": 0}
    for deadline in deadlines:
        if deadline.warning in counts:
            counts[deadline.warning] += 1
    return counts
