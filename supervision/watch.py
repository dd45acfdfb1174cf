"""What supervision puts on licensing's pages through its hooks: on 电子监察, the inspection results
published later than 20 working days after the inspection or still unpublished past it, and the open
rectification follow-ups; beside each inspector's queue, their own inspections to record and the
records they lead awaiting approval. A fixed number of queries per call."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from licensing.hooks import WatchedDeadline, deadline_colour
from services.calendar import get_calendar

from .constants import InspectionKind, InspectionStatus
from .models import Inspection
from .selectors import inspector_of, publication_late

LOOKBACK_DAYS = 400   # late publications of about the last year stay on the board
colour = deadline_colour


def _url(pk: int) -> str:
    return reverse("supervision-inspection", args=[pk])


def _reference(inspection: Inspection) -> str:
    return f"{inspection.target_name} ({inspection.target_code})"  # ASCII brackets: read in both languages


def _publication_row(inspection: Inspection, on: dt.date) -> WatchedDeadline:
    calendar = get_calendar()
    if inspection.published_on is not None:
        detail = _("晚于期限 %(n)d 个工作日公开（%(d)s）") % {
            "n": calendar.working_days(inspection.publish_due, inspection.published_on),
            "d": inspection.published_on.isoformat()}
        warning = "red"
    else:
        warning = colour(inspection.publish_due, on)
        detail = _("检查日期 %(d)s，尚未公开") % {"d": inspection.inspected_on.isoformat()}
    return WatchedDeadline(kind=_("检查结果公开"), reference=_reference(inspection), due_on=inspection.publish_due,
                           warning=warning, url=_url(inspection.pk), detail=detail)


def _follow_up_row(inspection: Inspection, on: dt.date) -> WatchedDeadline:
    return WatchedDeadline(kind=_("整改复查"), reference=_reference(inspection), due_on=inspection.due_on,
                           warning=colour(inspection.due_on, on), url=_url(inspection.pk))


def board_source(*, authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    """Recorded results not yet published (coloured by the 20-WD limit), results published late, and
    open follow-ups, of the authority's plans."""
    since = on - dt.timedelta(days=LOOKBACK_DAYS)
    rows = (Inspection.objects.filter(plan__authority_id=authority_id)
            .filter(Q(status=InspectionStatus.RECORDED, publish_due__isnull=False)
                    | Q(status=InspectionStatus.PUBLISHED, published_on__gte=since)
                    | Q(kind=InspectionKind.FOLLOW_UP, status=InspectionStatus.PENDING))
            .only("id", "kind", "status", "target_code", "target_name", "due_on", "inspected_on", "publish_due",
                  "published_on").order_by("id"))
    found = []
    for inspection in rows:
        if inspection.status == InspectionStatus.PENDING:
            found.append(_follow_up_row(inspection, on))
        elif inspection.status == InspectionStatus.RECORDED or publication_late(inspection, today=on):
            found.append(_publication_row(inspection, on))
    return found


def queue_source(*, user, on: dt.date) -> list[WatchedDeadline]:
    """The officer's own inspections to record (drawn ones and follow-ups) and, for a group's leader,
    the members' records awaiting approval."""
    inspector = inspector_of(user)
    if inspector is None:
        return []
    rows = (Inspection.objects.filter(memberships__inspector=inspector)
            .filter(Q(status=InspectionStatus.PENDING) | Q(status=InspectionStatus.RECORDED, leader=inspector))
            .only("id", "kind", "status", "target_code", "target_name", "due_on", "inspected_on", "publish_due",
                  "published_on").distinct().order_by("id"))
    found = []
    for inspection in rows:
        if inspection.status == InspectionStatus.RECORDED:
            row = _publication_row(inspection, on)
            found.append(WatchedDeadline(kind=_("审核检查结果"), reference=row.reference, due_on=row.due_on,
                                         warning=row.warning, url=row.url, detail=row.detail))
        elif inspection.kind == InspectionKind.FOLLOW_UP:
            found.append(_follow_up_row(inspection, on))
        else:
            found.append(WatchedDeadline(kind=_("双随机检查"), reference=_reference(inspection), due_on=None,
                                         warning="green", url=_url(inspection.pk),
                                         detail=_("录入检查结果后 20 个工作日内公开")))
    return found
