"""The after-licence side of 电子监察: the authority's verification, rectification and report
rectification deadlines in yellow and red like the case deadlines, and the decisions not published
within 7 working days (国办发〔2018〕118号)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from certificates.models import Certificate
from licensing.constants import State
from licensing.models import Application
from services.calendar import get_calendar

from .constants import RectificationState, ReportState, VerificationState
from .models import AnnualReport, RectificationTask, VerificationTask

PUBLICATION_DAYS = 7   # working days from the decision to its publication
WARNING_DAYS = 2       # yellow when this many working days or fewer remain (as the case clocks)
LOOKBACK_DAYS = 400    # the publication check looks at decisions of about the last year


def colour(due_on: dt.date | None, on: dt.date) -> str:
    if due_on is None:
        return "green"
    if due_on < on:
        return "red"
    return "yellow" if get_calendar().working_days(on, due_on) <= WARNING_DAYS else "green"


@dataclass
class PublicationFlag:
    application: Application
    certificate: Certificate | None
    due_on: dt.date
    published_on: dt.date | None


def publication_due(decided_on: dt.date) -> dt.date:
    return get_calendar().add_working_days(decided_on, PUBLICATION_DAYS)


def publication_flags(*, authority_id: int, on: dt.date) -> list[PublicationFlag]:
    """Grants decided (about) the last year whose publication came, or is still missing, later than 7 WD."""
    decided = (Application.objects.cases().for_authority(authority_id)
               .filter(state__in=[State.APPROVED, State.ISSUED], decided_on__gte=on - dt.timedelta(days=LOOKBACK_DAYS))
               .select_related("service_type", "applicant").order_by("decided_on", "id"))
    published = dict(Certificate.objects.filter(application__in=decided).values_list("application_id", "published_on"))
    flags = []
    for application in decided:
        due_on = publication_due(application.decided_on)
        published_on = published.get(application.pk)
        if (published_on is None and due_on < on) or (published_on is not None and published_on > due_on):
            flags.append(PublicationFlag(application=application, certificate=None, due_on=due_on,
                                         published_on=published_on))
    return flags


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
