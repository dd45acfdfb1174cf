"""好差评 (国办发〔2019〕51号): the applicant rates a closed case once; a bad review (1 or 2) opens a
rectification for the authority due in 15 working days, closed only with a recorded call-back; the
satisfaction figures per service."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.constants import FINAL_STATES
from licensing.models import Application
from licensing.permissions import officer_of
from services.calendar import get_calendar

from .constants import BAD_SCORES, RECTIFICATION_DAYS, SATISFIED_SCORES, RectificationState
from .models import Rating, RectificationTask
from .reports import ReportError, _error  # noqa: F401  (ReportError: what callers catch)


def rateable_for(*, user, pk: int) -> Application | None:
    """The applicant's own case (a filing, not a track); None for anyone else's (→ 404)."""
    return (Application.objects.select_related("service_type", "authority")
            .filter(pk=pk, applicant__user=user, parent__isnull=True).first())


@transaction.atomic
def rating_create(*, application: Application, user, score, comment: str = "") -> Rating:
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise _error(_("评价有误。"), errors={"score": [_("评价应为1至5：5 非常满意，4 满意，3 基本满意，2 不满意，"
                                                       "1 非常不满意。")]})
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.state not in FINAL_STATES:
        raise _error(_("办件办结（已发证、不予许可、不予受理或撤回）后才能评价。"), status=409, code="not_closed")
    if Rating.objects.filter(application=application).exists():
        raise _error(_("该办件已评价，每件只能评价一次。"), status=409, code="already_rated")
    now = timezone.now()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(application=application, authority_id=application.authority_id,
                                           service_code=application.service_type.code, user=user, score=score,
                                           comment=(comment or "").strip(), rated_on=today, rated_at=now)
    except IntegrityError:
        raise _error(_("该办件已评价，每件只能评价一次。"), status=409, code="already_rated") from None
    if score in BAD_SCORES:
        calendar = get_calendar()
        due_on = calendar.add_working_days(today, RECTIFICATION_DAYS)
        RectificationTask.objects.create(rating=rating, authority_id=application.authority_id, opened_on=today,
                                         due_on=due_on, provisional=calendar.any_provisional(today, due_on))
    return rating


@transaction.atomic
def rectification_close(*, task: RectificationTask, actor, callback_on: dt.date, outcome: str,
                        measures: str = "") -> RectificationTask:
    """Close a bad review's rectification with the call-back to the applicant (回访): its date and outcome."""
    task = RectificationTask.objects.select_for_update().get(pk=task.pk)
    officer = officer_of(actor)
    if officer is None or officer.authority_id != task.authority_id:
        raise _error(_("您无权处理该整改。"), status=403, code="forbidden")
    errors = {}
    today = timezone.localdate()
    if callback_on is None or callback_on > today or callback_on < task.opened_on:
        errors["callback_on"] = [_("回访日期应在评价之后、不晚于今天。")]
    if not (outcome or "").strip():
        errors["outcome"] = [_("请填写回访结果。")]
    if errors:
        raise _error(_("回访记录有误。"), errors=errors)
    if task.state != RectificationState.OPEN:
        raise _error(_("该整改已回访办结。"), status=409, code="closed")
    task.state = RectificationState.CLOSED
    task.callback_on = callback_on
    task.callback_outcome = outcome.strip()
    task.measures = (measures or "").strip()
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.save()
    return task


def satisfaction(*, authority_ids, service: str = "", start: dt.date | None = None, end: dt.date | None = None,
                 on: dt.date | None = None) -> list[dict]:
    """Per service: ratings in [start, end] (rating dates), the share of 4–5, bad reviews still open
    (overdue included) and those overdue on `on`."""
    on = on or timezone.localdate()
    ratings = Rating.objects.filter(authority_id__in=list(authority_ids))
    if service:
        ratings = ratings.filter(service_code=service)
    if start:
        ratings = ratings.filter(rated_on__gte=start)
    if end:
        ratings = ratings.filter(rated_on__lte=end)
    open_q = Q(rectification__state=RectificationState.OPEN)
    rows = (ratings.values("service_code").order_by("service_code").annotate(
        ratings=Count("id"), satisfied=Count("id", filter=Q(score__in=SATISFIED_SCORES)),
        bad_open=Count("id", filter=open_q),
        bad_overdue=Count("id", filter=open_q & Q(rectification__due_on__lt=on))))
    return [{"service": row["service_code"], "ratings": row["ratings"],
             "satisfied_share": round(row["satisfied"] / row["ratings"], 4) if row["ratings"] else None,
             "bad_reviews_open": row["bad_open"], "bad_reviews_overdue": row["bad_overdue"]} for row in rows]
