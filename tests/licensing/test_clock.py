"""The legal clock on real dates (2025 Spring Festival and National Day, make-up workdays
included); every expected date below was counted by hand on the State Council's 2025 schedule."""

import datetime as dt

import pytest

from licensing import clock, workflow
from licensing.constants import State
from licensing.workflow import deadlines_sweep
from services.calendar import calendar_load_schedule, get_calendar

from .conftest import at, pdf_file, recommend

D = dt.date


@pytest.fixture
def cal(catalog):
    return get_calendar()


def test_acceptance_due_counts_the_sunday_make_up_day_and_skips_spring_festival(file_application):
    # Fri 24 Jan 2025: Sun 26 Jan (make-up) 1, Mon 27 2, 28 Jan–4 Feb off, 5/6/7 Feb → 3/4/5.
    app = file_application(on=D(2025, 1, 24))
    assert app.acceptance_due == D(2025, 2, 7)
    assert app.current_due == D(2025, 2, 7)


def test_unanswered_application_is_deemed_accepted_as_of_the_day_of_receipt(file_application):
    app = file_application(on=D(2025, 1, 24))
    with at(D(2025, 2, 7)):
        assert deadlines_sweep().deemed_accepted == 0  # the last day of the 5 is still the authority's
    with at(D(2025, 2, 8)):
        result = deadlines_sweep()
    app.refresh_from_db()
    assert result.deemed_accepted == 1
    assert app.state == State.IN_REVIEW and app.deemed_accepted
    assert app.accepted_on == D(2025, 1, 24)
    # 14 WD from 24 Jan: 26,27 Jan; 5,6,7,8(Sat make-up),10,11,12,13,14,17,18,19 Feb.
    assert app.committed_due == D(2025, 2, 19)
    assert app.statutory_due == D(2025, 2, 27)
    entry = app.log.order_by("-seq").first()
    assert entry.verb == "deem_accepted" and entry.actor_id is None and entry.actor_label == "system"
    assert app.notices.filter(kind="deemed_acceptance").count() == 1


def test_sweep_is_idempotent(file_application):
    file_application(on=D(2025, 1, 24))
    with at(D(2025, 2, 10)):
        first = deadlines_sweep()
        second = deadlines_sweep()
    assert first.deemed_accepted == 1 and second.deemed_accepted == 0


def test_correction_notice_stops_the_acceptance_clock_and_resubmission_restarts_it(file_application, officers):
    app = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_request_correction(application=app, actor=officers["intake"].user,
                                                items=[{"material": "floor-plan", "reason": "未标明动物流向"}])
    app.refresh_from_db()
    assert app.state == State.CORRECTION_REQUESTED and app.acceptance_due is None
    with at(D(2025, 10, 20)):
        assert deadlines_sweep().deemed_accepted == 0
        workflow.material_upload(application=app, material_code="floor-plan", uploaded=pdf_file("plan-v2.pdf"),
                                 document_date=None, actor=app.applicant.user)
        workflow.application_resubmit(application=app, actor=app.applicant.user)
    app.refresh_from_db()
    # Mon 20 Oct 2025 + 5 WD = Mon 27 Oct.
    assert app.acceptance_clock_from == D(2025, 10, 20) and app.acceptance_due == D(2025, 10, 27)
    assert app.correction_rounds == 1


def test_decision_clock_across_national_day_with_make_up_days(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    app.refresh_from_db()
    # From Fri 26 Sep: 28 Sep (Sun make-up) 1, 29, 30; 1–8 Oct off; 9, 10, 11 (Sat make-up) 6; 13…22 Oct → 14.
    assert app.committed_due == D(2025, 10, 22)
    assert app.statutory_due == D(2025, 10, 30)
    assert app.acceptance_due is None and app.issuance_due is None


def test_pause_stops_the_clock_and_resume_moves_the_due_dates(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 9, 29)):
        workflow.application_pause(application=app, actor=officers["reviewer"].user, kind="site_inspection",
                                   expected_days=5, reason="现场核查屏障设施")
    app.refresh_from_db()
    assert app.state == State.PAUSED
    assert app.committed_due is None and app.statutory_due is None  # no due date while paused
    with at(D(2025, 10, 9)):
        # Clock ran 28 Sep and 29 Sep; 30 Sep and 9 Oct are paused: 14 − 2 = 12 left.
        assert workflow.remaining_working_days(app) == 12
    with at(D(2025, 10, 10)):
        workflow.application_resume(application=app, actor=officers["reviewer"].user, result="核查合格")
    app.refresh_from_db()
    # Paused (29 Sep, 10 Oct] = 30 Sep, 9 Oct, 10 Oct: 3 WD; 22 Oct + 3 WD = 27 Oct; 30 Oct + 3 = 4 Nov.
    assert app.committed_due == D(2025, 10, 27)
    assert app.statutory_due == D(2025, 11, 4)
    assert app.notices.filter(kind="pause").count() == 1
    pause_notice = app.notices.get(kind="pause")
    assert pause_notice.content["facts"]["expected_days"] == 5


def test_extension_adds_its_days_once_and_needs_a_reason(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 10, 20)):
        with pytest.raises(workflow.Invalid):
            workflow.application_extend(application=app, actor=officers["approver"].user, days=11, reason="x")
        with pytest.raises(workflow.Invalid):
            workflow.application_extend(application=app, actor=officers["approver"].user, days=5, reason=" ")
        workflow.application_extend(application=app, actor=officers["approver"].user, days=10,
                                    reason="需补充专家论证")
        with pytest.raises(workflow.NotAllowed):
            workflow.application_extend(application=app, actor=officers["approver"].user, days=1, reason="再延")
    app.refresh_from_db()
    # 30 Oct (20th) + 10 WD: 31 Oct, 3–7 Nov, 10–13 Nov → 13 Nov; committed 22 Oct + 10 → 5 Nov.
    assert app.statutory_due == D(2025, 11, 13)
    assert app.committed_due == D(2025, 11, 5)
    assert app.extension_days == 10


def test_issuance_due_is_ten_working_days_after_approval(file_application, officers, settings):
    from licensing import issuance

    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    saved = dict(issuance.issuers)
    issuance.issuers.clear()
    issuance.issuers["*"] = lambda **kw: (_ for _ in ()).throw(RuntimeError("printer offline"))
    try:
        with at(D(2025, 9, 30)):
            recommend(app, officers["reviewer"])
            workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    finally:
        issuance.issuers.clear()
        issuance.issuers.update(saved)
    app.refresh_from_db()
    # 30 Sep + 10 WD: 9, 10, 11 (Sat make-up), 13–17, 20, 21 Oct.
    assert app.issuance_due == D(2025, 10, 21)
    assert app.decided_on == D(2025, 9, 30)


@pytest.mark.parametrize(
    ("today", "colour"),
    [(D(2025, 10, 17), "green"), (D(2025, 10, 20), "yellow"), (D(2025, 10, 22), "yellow"), (D(2025, 10, 23), "red")],
)
def test_warning_colour_turns_yellow_two_working_days_before_and_red_after(file_application, officers, today,
                                                                           colour):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    app.refresh_from_db()
    assert app.committed_due == D(2025, 10, 22)
    assert workflow.warning(app, on=today) == colour


def test_deadline_in_a_year_without_official_schedule_is_provisional_until_entered(
    file_application, officers, django_capture_on_commit_callbacks
):
    app = file_application(on=D(2026, 12, 14))
    with at(D(2026, 12, 15)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    app.refresh_from_db()
    assert app.provisional is True
    by_rule = app.statutory_due
    # By rule 1 Jan 2027 is the only holiday in the span; 15 Dec + 20 WD = 13 Jan 2027.
    assert by_rule == D(2027, 1, 13)
    schedule = "year 2027\nholiday 2027-01-01..2027-01-03 元旦\nworkday 2027-01-09 调休上班\n"
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load_schedule(text=schedule)
    app.refresh_from_db()
    assert app.provisional is False
    # Saturday 9 Jan 2027 is now a working day: the due date comes one working day earlier.
    assert app.statutory_due == D(2027, 1, 12)


def test_pure_deadline_with_two_pauses_matches_day_by_day_count(cal):
    start = D(2025, 1, 20)
    pauses = [clock.Pause(D(2025, 1, 22), D(2025, 2, 6)), clock.Pause(D(2025, 2, 12), D(2025, 2, 14))]
    due = clock.deadline(cal, start, 14, pauses)
    # Count by walking day by day: a working day counts unless it lies inside a pause.
    day, counted = start, 0
    while counted < 14:
        day += dt.timedelta(days=1)
        paused = any(p.start < day <= p.end for p in pauses)
        if cal.is_working_day(day) and not paused:
            counted += 1
    assert due == day
    assert clock.deadline(cal, start, 14, [clock.Pause(D(2025, 1, 22), None)]) is None


def test_yellow_and_overdue_cases_alert_their_officers_once(file_application, officers):
    from licensing.models import Notification

    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_claim(application=app, actor=officers["reviewer"].user)
    with at(D(2025, 10, 20)):
        first = deadlines_sweep()
        again = deadlines_sweep()
    assert (first.warned, again.warned) == (1, 0)
    alerted = set(Notification.objects.filter(subject__contains="黄牌").values_list("user__username", flat=True))
    assert alerted == {"t-reviewer", "t-supervisor"}  # the officer holding it, and supervision
    with at(D(2025, 10, 23)):
        late = deadlines_sweep()
        late_again = deadlines_sweep()
    assert (late.overdue, late_again.overdue) == (1, 0)
    assert Notification.objects.filter(subject__contains="红牌", application=app).count() == 2
