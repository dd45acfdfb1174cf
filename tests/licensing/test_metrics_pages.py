"""The supervisor's dashboard (server-rendered, with SVG charts) and the simulated history: every
figure comes from the workflow's own recording, never from rows the simulation wrote."""

import datetime as dt
import io

import pytest

from django.core.management import call_command

from licensing import workflow
from licensing.constants import State
from licensing.metrics.models import CaseMetrics, LegacyCase
from licensing.metrics.services import case_metrics_recompute, legacy_cases_import
from licensing.metrics.simulation import legacy_cohort_csv, simulate_history
from licensing.models import Application
from services.calendar import get_calendar

from .conftest import at, recommend

D = dt.date


@pytest.fixture
def decided_cases(file_application, officers):
    """Three lab animal cases decided in October 2025 after 11, 14 and 18 working days."""
    for accepted, decided in ((D(2025, 9, 26), D(2025, 10, 17)), (D(2025, 9, 26), D(2025, 10, 22)),
                              (D(2025, 9, 29), D(2025, 10, 30))):
        app = file_application(on=D(2025, 9, 25))
        with at(accepted):
            workflow.application_accept(application=app, actor=officers["intake"].user)
        with at(decided):
            recommend(app, officers["reviewer"])
            workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    return CaseMetrics.objects.all()


def test_dashboard_shows_cards_charts_and_the_board(client, officers, decided_cases):
    client.force_login(officers["supervisor"].user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-service="lab-animal-production"' in html
    for chart in ("chart-distribution", "chart-trend", "chart-on-time", "chart-reduction"):
        assert f'id="{chart}"' in html
    assert html.count('class="bar"') >= 3
    assert "−82.5%" in html or "−" in html  # the reduction against 63 WD is printed as a change
    assert "电子监察" in html and "<script" not in html and "cdn" not in html.lower()


def test_dashboard_filters_by_service_and_period(client, officers, decided_cases):
    client.force_login(officers["supervisor"].user)
    response = client.get("/dashboard/", {"service": "lab-animal-production", "start": "2025-10-20",
                                          "end": "2025-10-31"})
    assert response.status_code == 200
    focus = response.context["focus"]
    assert focus["code"] == "lab-animal-production" and focus["f"]["count"] == 2
    # Decided 22 and 30 Oct: (26 Sep, 22 Oct] = 28–30 Sep, 9–11 Oct (Saturday 11 worked), 13–17, 20–22 Oct
    # = 14 WD; (29 Sep, 30 Oct] = 30 Sep, 9–11 Oct, 13–17, 20–24, 27–30 Oct = 18 WD.
    assert focus["f"]["max"] == 18 and focus["f"]["median"] == 16
    bad = client.get("/dashboard/", {"start": "2025-10-31", "end": "2025-10-01"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_dashboard_is_for_supervisors(client, officers, applicant):
    assert client.get("/dashboard/").status_code == 302  # to the login page
    client.force_login(officers["reviewer"].user)
    assert client.get("/dashboard/").status_code == 403
    client.force_login(applicant.user)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/export/cases.csv").status_code == 403


def test_dashboard_in_english(client, officers, decided_cases):
    client.force_login(officers["supervisor"].user)
    client.cookies["django_language"] = "en"
    html = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Processing times" in html and "Laboratory animal production licence" in html
    assert "办理时效监测" not in html and "个工作日（中位数）" not in html


def test_board_on_the_dashboard_lists_overdue_cases(client, officers, file_application):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    client.force_login(officers["supervisor"].user)
    with at(D(2025, 10, 24)):  # committed due 22 Oct: red
        response = client.get("/dashboard/")
    assert response.context["board_counts"]["red"] == 1
    assert app.case_number in response.content.decode()
    assert response.context["cards"][0]["f"]["backlog"] == 1


@pytest.mark.django_db(transaction=True)
def test_simulated_history_is_recorded_by_the_workflow_itself(catalog, demo_accounts):
    result = simulate_history(start=D(2025, 9, 15), end=D(2025, 10, 17), seed=3, until=D(2025, 12, 31))
    assert sum(result.filings.values()) >= 15 and not result.errors
    assert result.open_cases == 0 and result.last_day < D(2025, 12, 31)  # drained, then stopped
    closed = Application.objects.filter(parent__isnull=True).exclude(state__in=[State.APPROVED])
    assert closed.count() == sum(result.filings.values())
    rows = {r["application_id"]: r for r in CaseMetrics.objects.values()}
    # Every decided or closed case and track has its row, and recomputing changes nothing.
    assert len(rows) == Application.objects.exclude(state__in=[State.DRAFT]).count()
    case_metrics_recompute()
    again = {r["application_id"]: r for r in CaseMetrics.objects.values()}
    for pk, row in rows.items():
        row.pop("computed_at"), again[pk].pop("computed_at")
        assert again[pk] == row
    # Cases were filed on working days only, with the clock moved.
    assert all(get_calendar().is_working_day(d) for d in
               Application.objects.filter(parent__isnull=True).values_list("received_on", flat=True))
    assert Application.objects.filter(state=State.ISSUED).exists()


def test_legacy_cohort_file_is_importable_and_plausible(catalog):
    text = legacy_cohort_csv(seed=7)
    result = legacy_cases_import(text=text, file_name="legacy.csv")
    assert result.rows > 200
    days = sorted(LegacyCase.objects.filter(service_code="lab-animal-production").values_list("working_days",
                                                                                             flat=True))
    assert days[0] >= 38 and days[-1] <= 72 and 50 <= days[len(days) // 2] <= 60
    assert legacy_cohort_csv(seed=7) == text  # reproducible


def test_simulate_history_command_skips_a_database_that_has_cases(file_application, demo_accounts, tmp_path):
    file_application(on=D(2025, 9, 25))
    out = io.StringIO()
    call_command("simulate_history", "--from", "2025-01-01", "--to", "2025-12-31", "--if-empty",
                 "--cohort", str(tmp_path / "c.csv"), stdout=out)
    assert "nothing to do" in out.getvalue() and not (tmp_path / "c.csv").exists()
