"""Per-case processing-time figures through the real workflow on the 2025 official calendar
(National Day and Spring Festival, Sunday and Saturday make-up workdays, pauses, an extension, a
deemed acceptance, a correction round); every expected figure was counted by hand."""

import datetime as dt

import pytest

from licensing import issuance, workflow
from licensing.constants import State
from licensing.metrics.figures import CaseDates, case_figures, percentile_cont
from licensing.metrics.models import CaseMetrics
from licensing.metrics.services import case_metrics_recompute
from licensing.workflow import deadlines_sweep
from services.calendar import get_calendar

from .conftest import at, pdf_file, recommend

D = dt.date


@pytest.fixture
def no_issuer():
    """Approval queues issuance after commit; these tests issue by hand on a later day."""
    saved = dict(issuance.issuers)
    issuance.issuers.clear()
    yield
    issuance.issuers.update(saved)


def _approve(app, officers, day):
    with at(day):
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")


def _issue(app, day):
    with at(day):
        workflow.application_mark_issued(application=app, actor=None)


def test_national_day_case_with_a_site_inspection_pause(file_application, officers, no_issuer):
    app = file_application(on=D(2025, 9, 25))  # Thursday
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 9, 29)):
        workflow.application_pause(application=app, actor=officers["reviewer"].user, kind="site_inspection",
                                   expected_days=5, reason="现场核查屏障设施")
    with at(D(2025, 10, 10)):
        workflow.application_resume(application=app, actor=officers["reviewer"].user, result="核查合格")
    _approve(app, officers, D(2025, 10, 17))
    metrics = CaseMetrics.objects.get(application=app)
    assert metrics.outcome == State.APPROVED and metrics.counted and metrics.decision_to_issuance is None
    _issue(app, D(2025, 10, 21))
    metrics.refresh_from_db()
    # Receipt Thu 25 Sep → acceptance Fri 26 Sep: 1 WD.
    assert metrics.receipt_to_acceptance == 1
    # (26 Sep, 17 Oct]: 28 Sep (Sunday make-up) 1, 29, 30 Sep 3; 1–8 Oct off; 9, 10 Oct 5; 11 Oct (Saturday
    # make-up) 6; 13–17 Oct 11. Paused (29 Sep, 10 Oct] = 30 Sep, 9 Oct, 10 Oct = 3. Headline 11 − 3 = 8.
    assert metrics.paused_days == 3
    assert metrics.acceptance_to_decision == 8 and metrics.headline_days == 8
    # Decision Fri 17 Oct → issuance Tue 21 Oct: 20, 21 Oct = 2.
    assert metrics.decision_to_issuance == 2
    # Receipt → issuance (25 Sep, 21 Oct]: 26, 28, 29, 30 Sep, 9, 10, 11, 13–17, 20, 21 Oct = 14.
    assert metrics.receipt_to_issuance == 14
    assert metrics.on_time_committed is True and metrics.on_time_statutory is True
    assert metrics.outcome == State.ISSUED and metrics.counted
    assert (metrics.committed_limit, metrics.statutory_limit) == (14, 20)
    assert metrics.trips == 0 and metrics.correction_rounds == 0 and metrics.extension_days == 0
    # Six uploads of the reduced checklist and two signed commitments.
    assert (metrics.materials_submitted, metrics.commitments_signed) == (6, 2)
    assert metrics.period_on == D(2025, 10, 17) and metrics.authority.code == "yn-kjt"


def test_deemed_acceptance_and_extension_across_spring_festival(file_application, officers, no_issuer):
    app = file_application(on=D(2025, 1, 24))  # Friday before the Spring Festival
    with at(D(2025, 2, 8)):
        assert deadlines_sweep().deemed_accepted == 1  # accepted by law as of the day of receipt
    with at(D(2025, 2, 20)):
        workflow.application_extend(application=app, actor=officers["approver"].user, days=10,
                                    reason="需补充专家论证")
    _approve(app, officers, D(2025, 3, 11))
    metrics = CaseMetrics.objects.get(application=app)
    assert metrics.deemed_accepted and metrics.receipt_to_acceptance == 0
    # (24 Jan, 11 Mar]: 26 Jan (Sunday make-up) 1, 27 Jan 2; 28 Jan–4 Feb off; 5–7 Feb 5; 8 Feb (Saturday
    # make-up) 6; 10–14 Feb 11; 17–21 Feb 16; 24–28 Feb 21; 3–7 Mar 26; 10, 11 Mar 28.
    assert metrics.headline_days == 28 and metrics.paused_days == 0
    # Late against the committed 14 (the extension does not count there), on time against 20 + 10.
    assert metrics.on_time_committed is False and metrics.on_time_statutory is True
    assert metrics.extension_days == 10
    assert metrics.decision_to_issuance is None and metrics.receipt_to_issuance == 28
    assert metrics.outcome == State.APPROVED and metrics.counted


def test_correction_round_keeps_the_receipt_and_restarts_acceptance(file_application, officers, no_issuer):
    app = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_request_correction(application=app, actor=officers["intake"].user,
                                                items=[{"material": "floor-plan", "reason": "未标明动物流向"}])
    with at(D(2025, 10, 20)):
        workflow.material_upload(application=app, material_code="floor-plan", uploaded=pdf_file("plan-v2.pdf"),
                                 document_date=None, actor=app.applicant.user)
        workflow.application_resubmit(application=app, actor=app.applicant.user)
    with at(D(2025, 10, 21)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    _approve(app, officers, D(2025, 11, 4))
    metrics = CaseMetrics.objects.get(application=app)
    assert metrics.received_on == D(2025, 9, 26) and metrics.correction_rounds == 1
    # (26 Sep, 21 Oct]: 28, 29, 30 Sep 3; 9, 10, 11 Oct 6; 13–17 Oct 11; 20, 21 Oct 13.
    assert metrics.receipt_to_acceptance == 13
    # (21 Oct, 4 Nov]: 22–24 Oct 3; 27–31 Oct 8; 3, 4 Nov 10.
    assert metrics.headline_days == 10 and metrics.on_time_committed


def test_refusal_is_counted_with_its_total_to_the_decision(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 10, 13)):
        workflow.application_propose_refusal(application=app, actor=officers["reviewer"].user,
                                             reasons="屏障设施检测不合格", legal_basis="《实验动物管理条例》第八条")
    with at(D(2025, 10, 15)):
        workflow.application_confirm_refusal(application=app, actor=officers["legal"].user, opinion="同意")
    metrics = CaseMetrics.objects.get(application=app)
    # (26 Sep, 15 Oct]: 28, 29, 30 Sep, 9, 10, 11, 13, 14, 15 Oct = 9; total from 25 Sep = 10.
    assert metrics.outcome == State.REFUSED and metrics.counted
    assert metrics.headline_days == 9 and metrics.receipt_to_issuance == 10
    assert metrics.decision_to_issuance is None and metrics.issued_on is None


def test_withdrawn_case_gets_a_row_but_is_not_counted(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 9, 29)):
        workflow.application_withdraw(application=app, actor=app.applicant.user, reason="设施改造")
    metrics = CaseMetrics.objects.get(application=app)
    assert metrics.outcome == State.WITHDRAWN and not metrics.counted
    assert metrics.headline_days is None and metrics.period_on == D(2025, 9, 29)


def test_not_accepted_case_gets_a_row_but_is_not_counted(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_refuse_acceptance(application=app, actor=officers["intake"].user,
                                               reason="不属于本机关职权范围")
    metrics = CaseMetrics.objects.get(application=app)
    assert metrics.outcome == State.NOT_ACCEPTED and not metrics.counted
    assert metrics.receipt_to_acceptance is None


def test_open_cases_have_no_row(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    assert not CaseMetrics.objects.filter(application=app).exists()


def test_one_stop_time_is_receipt_to_last_decision(file_application, officers, no_issuer):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    tracks = {t.service_type.code: t for t in joint.tracks.all()}
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=tracks["foreign-work-permit"], actor=officers["intake"].user)
        workflow.application_accept(application=tracks["foreign-residence-permit"], actor=officers["crj"].user)
    with at(D(2025, 10, 9)):
        recommend(tracks["foreign-work-permit"], officers["reviewer"])
        workflow.application_approve(application=tracks["foreign-work-permit"], actor=officers["approver"].user,
                                     opinion="同意，A类")
    with at(D(2025, 10, 10)):
        recommend(tracks["foreign-residence-permit"], officers["crj"])
        workflow.application_approve(application=tracks["foreign-residence-permit"],
                                     actor=officers["crj_approver"].user, opinion="同意")
    row = CaseMetrics.objects.get(application=joint)
    assert row.joint and row.counted and row.service_code == "foreign-talent-one-stop"
    # (26 Sep, 10 Oct]: 28, 29, 30 Sep, 9, 10 Oct = 5.
    assert row.headline_days == 5 and row.receipt_to_acceptance == 2
    # Work permit category A: (29 Sep, 9 Oct] = 30 Sep, 9 Oct = 2 ≤ 5; residence (29 Sep, 10 Oct] = 3 ≤ 15.
    permit = CaseMetrics.objects.get(application=tracks["foreign-work-permit"])
    residence = CaseMetrics.objects.get(application=tracks["foreign-residence-permit"])
    assert permit.track and permit.headline_days == 2 and permit.committed_limit == 5
    assert residence.headline_days == 3 and residence.authority.code == "yn-crj"
    # The filing's own limits (7 / 20 WD) govern first acceptance → last decision: (29 Sep, 10 Oct] = 3.
    assert row.acceptance_to_decision == 3 and (row.committed_limit, row.statutory_limit) == (7, 20)
    assert row.on_time_committed is True and row.on_time_statutory is True
    # The filing's materials: seven uploads of the one-stop checklist and one commitment.
    assert (row.materials_submitted, row.commitments_signed) == (7, 1)
    assert permit.materials_submitted == 7


def test_recompute_gives_the_same_rows(file_application, officers, no_issuer):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    _approve(app, officers, D(2025, 10, 17))
    before = CaseMetrics.objects.values().get(application=app)
    CaseMetrics.objects.filter(application=app).update(headline_days=99)
    assert case_metrics_recompute() == 1
    after = CaseMetrics.objects.values().get(application=app)
    before.pop("computed_at"), after.pop("computed_at")
    assert after == before


def test_pure_figures_of_a_case_with_two_pauses(catalog):
    calendar = get_calendar()
    from licensing.clock import Pause

    dates = CaseDates(received_on=D(2025, 4, 30), accepted_on=D(2025, 4, 30), decided_on=D(2025, 5, 30),
                      issued_on=D(2025, 6, 3), pauses=[Pause(D(2025, 5, 6), D(2025, 5, 9)),
                                                       Pause(D(2025, 5, 20), D(2025, 5, 21))],
                      committed_limit=14, statutory_limit=20)
    figures = case_figures(calendar, dates)
    # Labour Day 1–5 May off (27 Apr Sunday make-up is before the span). (30 Apr, 30 May]: 6–9 May 4,
    # 12–16 May 9, 19–23 May 14, 26–30 May 19. Paused 7, 8, 9 May and 21 May = 4 → 15.
    # Dragon Boat 31 May–2 Jun off: decision → issuance (30 May, 3 Jun] = 1.
    assert figures.paused == 4 and figures.headline == 15
    assert figures.decision_to_issuance == 1 and figures.receipt_to_issuance == 20
    assert figures.on_time_committed is False and figures.on_time_statutory is True


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([5], 0.5, 5), ([1, 2], 0.5, 1.5), ([3, 1, 2], 0.5, 2), ([1, 2, 3, 4], 0.9, 3.7), ([7, 7, 9, 10], 0.5, 8),
])
def test_percentile_cont_reference(values, q, expected):
    assert percentile_cont(values, q) == pytest.approx(expected)
