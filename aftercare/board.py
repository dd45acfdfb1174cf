"""The after-licence side of 电子监察: the authority's verification, rectification and report
rectification deadlines in yellow and red like the case deadlines, and the decisions not published
within 7 working days (国办发〔2018〕118号)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateField, ExpressionWrapper, F, Q

from certificates.models import Certificate
from licensing.constants import State
from licensing.hooks import deadline_colour
from licensing.models import Application
from services.calendar import get_calendar

from .constants import PublicationKind, RectificationState, ReportState, VerificationState
from .models import AnnualReport, DecisionPublication, RectificationTask, VerificationTask

PUBLICATION_DAYS = 7   # working days from the decision to its publication
LOOKBACK_DAYS = 400    # the publication check looks at decisions of about the last year


colour = deadline_colour  # the watched deadlines' colours, as licensing draws them


@dataclass
class PublicationFlag:
    application: Application
    certificate: Certificate | None
    due_on: dt.date
    published_on: dt.date | None


def publication_due(decided_on: dt.date) -> dt.date:
    return get_calendar().add_working_days(decided_on, PUBLICATION_DAYS)


def publication_flags(*, authority_id: int, on: dt.date) -> list[PublicationFlag]:
    """Grants decided (about) the last year whose publication came, or is still missing, later than 7 WD.
    SQL keeps only the candidates (no certificate, unpublished, or published more than 7 calendar days
    after the decision: 7 WD are at least that), so the rows read stay few at any volume."""
    late_enough = ExpressionWrapper(F("decided_on") + dt.timedelta(days=PUBLICATION_DAYS), output_field=DateField())
    decided = (Application.objects.cases().for_authority(authority_id)
               .filter(state__in=[State.APPROVED, State.ISSUED], decided_on__gte=on - dt.timedelta(days=LOOKBACK_DAYS))
               .annotate(published=F("certificate__published_on"), late_enough=late_enough)
               .filter(Q(published__isnull=True, decided_on__lt=on - dt.timedelta(days=PUBLICATION_DAYS))
                       | Q(published__gt=F("late_enough")))
               .select_related("service_type", "applicant").order_by("decided_on", "id"))
    flags = []
    for application in decided:
        due_on = publication_due(application.decided_on)
        published_on = application.published
        if (published_on is None and due_on < on) or (published_on is not None and published_on > due_on):
            flags.append(PublicationFlag(application=application, certificate=None, due_on=due_on,
                                         published_on=published_on))
    return flags


@dataclass
class DecisionFlag:
    kind: str
    number: str
    decided_on: dt.date
    due_on: dt.date
    published_on: dt.date | None

    @property
    def label(self) -> str:
        return str(PublicationKind(self.kind).label)


def decision_publication_flags(*, authority_id: int, on: dt.date) -> list[DecisionFlag]:
    """Revocations, cancellations and expiries of (about) the last year published later than 7 WD after
    the decision, or still unpublished past it."""
    rows = (DecisionPublication.objects
            .filter(authority_id=authority_id, decided_on__gte=on - dt.timedelta(days=LOOKBACK_DAYS))
            .filter(Q(published_on__isnull=True, due_on__lt=on) | Q(published_on__gt=F("due_on")))
            .order_by("due_on", "id").values_list("kind", "certificate__number", "decided_on", "due_on",
                                                  "published_on"))
    return [DecisionFlag(*row) for row in rows]


def board_rows(*, authority_id: int, on: dt.date) -> dict:
    """Open tasks with a deadline, coloured, and the counts per kind and colour."""
    rows = []
    for task in (VerificationTask.objects.filter(authority_id=authority_id, state=VerificationState.OPEN)
                 .select_related("application")):
        rows.append({"kind": "verification", "ref": task.application.case_number, "due_on": task.due_on,
                     "provisional": task.provisional, "colour": colour(task.due_on, on)})
    for task in (RectificationTask.objects.filter(authority_id=authority_id, state=RectificationState.OPEN)
                 .select_related("rating__application")):
        rows.append({"kind": "rectification", "ref": task.rating.application.case_number, "due_on": task.due_on,
                     "provisional": task.provisional, "colour": colour(task.due_on, on)})
    for report in AnnualReport.objects.filter(authority_id=authority_id, state=ReportState.RECTIFY):
        rows.append({"kind": "report_rectification", "ref": f"{report.number} · {report.year}",
                     "due_on": report.rectify_by, "provisional": False, "colour": colour(report.rectify_by, on)})
    rows.sort(key=lambda r: (r["due_on"] or dt.date.max, r["ref"]))
    counts = {kind: {"yellow": 0, "red": 0, "open": 0}
              for kind in ("verification", "rectification", "report_rectification")}
    for row in rows:
        counts[row["kind"]]["open"] += 1
        if row["colour"] in ("yellow", "red"):
            counts[row["kind"]][row["colour"]] += 1
    return {"rows": rows, "counts": counts}
