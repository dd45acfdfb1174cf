"""What aftercare puts on licensing's pages through its hooks: the authority's after-licence deadlines on
电子监察, each officer's after-licence duties beside the queue, and the case-page panels (the
applicant's credit record for intake, the rating link for the applicant). A fixed number of queries per
call, whatever the number of rows."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from licensing.constants import FINAL_STATES
from licensing.hooks import CasePanel, WatchedDeadline
from licensing.permissions import officer_of, officer_roles

from . import board
from .constants import CancellationState, RectificationState, ReportState, VerificationState
from .models import AnnualReport, CancellationTask, Rating, RectificationTask, VerificationTask

# Who acts on which after-licence duty (the services check the same roles).
VERIFICATION_ROLES = {"intake", "reviewer"}      # reviewers record the check; intake prepares it
RECTIFICATION_ROLES = {"intake"}                 # the front desk calls the applicant back (回访)
REPORT_ROLES = {"reviewer"}                      # reviewers review reports and their rectification
CANCELLATION_ROLES = {"approver"}                # approvers confirm a cancellation and its notice


def _tasks_url() -> str:
    return reverse("aftercare-tasks")


def _verification_rows(authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    tasks = (VerificationTask.objects.filter(authority_id=authority_id, state=VerificationState.OPEN)
             .values_list("application__case_number", "due_on", "provisional", "materials"))
    url = _tasks_url()
    return [WatchedDeadline(kind=_("承诺核查"), reference=number, due_on=due_on, warning=board.colour(due_on, on),
                            url=url, detail=_("承诺事项：%(m)s") % {"m": ", ".join(materials)}, provisional=provisional)
            for number, due_on, provisional, materials in tasks]


def _rectification_rows(authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    tasks = (RectificationTask.objects.filter(authority_id=authority_id, state=RectificationState.OPEN)
             .values_list("rating__application__case_number", "due_on", "provisional", "rating__score"))
    url = _tasks_url()
    return [WatchedDeadline(kind=_("差评整改"), reference=number, due_on=due_on, warning=board.colour(due_on, on),
                            url=url, detail=_("评价 %(s)d 分，整改后须回访") % {"s": score}, provisional=provisional)
            for number, due_on, provisional, score in tasks]


def _report_rows(authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    reports = (AnnualReport.objects.filter(authority_id=authority_id, state=ReportState.RECTIFY)
               .values_list("number", "year", "rectify_by"))
    url = _tasks_url()
    return [WatchedDeadline(kind=_("年度报告整改"), reference=f"{number} · {year}", due_on=rectify_by,
                            warning=board.colour(rectify_by, on), url=url)
            for number, year, rectify_by in reports]


def _cancellation_rows(authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    """An expired licence's cancellation is announced within 7 WD of its expiry (the sweep opens the task)."""
    tasks = (CancellationTask.objects.filter(authority_id=authority_id, state=CancellationState.OPEN)
             .values_list("certificate__number", "opened_on"))
    url = _tasks_url()
    rows = []
    for number, opened_on in tasks:
        due_on = board.publication_due(opened_on)
        rows.append(WatchedDeadline(kind=_("到期注销公告"), reference=number, due_on=due_on,
                                    warning=board.colour(due_on, on), url=url))
    return rows


def _late(published_on: dt.date | None, due_on: dt.date, on: dt.date) -> str:
    calendar = board.get_calendar()
    if published_on is None:
        return _("超过7个工作日仍未公示（逾期 %(n)d 个工作日）") % {"n": calendar.working_days(due_on, on)}
    return _("晚于期限 %(n)d 个工作日公示（%(d)s）") % {"n": calendar.working_days(due_on, published_on),
                                                   "d": published_on.isoformat()}


def board_source(*, authority_id: int, on: dt.date) -> list[WatchedDeadline]:
    """电子监察: the open verification, rectification, report-rectification and cancellation deadlines,
    and the decisions (grants, revocations, cancellations, expiries) not published within 7 WD."""
    rows = (_verification_rows(authority_id, on) + _rectification_rows(authority_id, on)
            + _report_rows(authority_id, on) + _cancellation_rows(authority_id, on))
    for flag in board.publication_flags(authority_id=authority_id, on=on):
        rows.append(WatchedDeadline(kind=_("许可决定公示"), reference=flag.application.case_number,
                                    due_on=flag.due_on, warning="red",
                                    detail=_late(flag.published_on, flag.due_on, on)))
    for flag in board.decision_publication_flags(authority_id=authority_id, on=on):
        rows.append(WatchedDeadline(kind=flag.label, reference=flag.number, due_on=flag.due_on, warning="red",
                                    detail=_late(flag.published_on, flag.due_on, on)))
    return rows


def queue_source(*, user, on: dt.date) -> list[WatchedDeadline]:
    """The after-licence duties this officer's roles act on, in the officer's authority."""
    officer = officer_of(user)
    if officer is None:
        return []
    roles = officer_roles(user)
    rows: list[WatchedDeadline] = []
    if roles & VERIFICATION_ROLES:
        rows += _verification_rows(officer.authority_id, on)
    if roles & RECTIFICATION_ROLES:
        rows += _rectification_rows(officer.authority_id, on)
    if roles & REPORT_ROLES:
        rows += _report_rows(officer.authority_id, on)
    if roles & CANCELLATION_ROLES:
        rows += _cancellation_rows(officer.authority_id, on)
    return rows


def case_panel(*, application, user, audience: str) -> CasePanel | None:
    """Intake sees the applicant's running credit record on the officers' case page; the applicant
    sees the rating link (or the rating given) once the case is closed."""
    if audience == "officer":
        if "intake" not in officer_roles(user):
            return None
        from .selectors import case_extension

        record = case_extension(application, None)["credit_record"]
        if record is None:
            return None
        return CasePanel(title=_("失信记录"), template="aftercare/_credit_panel.html", context={"record": record})
    if audience == "applicant":
        if application.parent_id or application.state not in FINAL_STATES:
            return None
        rating = Rating.objects.filter(application=application).first()
        return CasePanel(title=_("好差评"), template="aftercare/_rating_panel.html",
                         context={"rating": rating, "url": reverse("aftercare-rating", args=[application.pk])})
    return None
