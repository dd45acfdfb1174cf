"""The supervisor's dashboard in a real browser (Playwright + Debian Chromium against the live
server): log in, see the headline cards and the SVG charts, switch to English. Screenshots go to
the screenshot folder (tests.conftest.SHOTS)."""

import datetime as dt

import pytest

from licensing import issuance, workflow
from licensing.metrics.services import legacy_cases_import
from licensing.metrics.simulation import legacy_cohort_csv
from tests.conftest import SHOTS

from .conftest import at, recommend

pytestmark = pytest.mark.browser

D = dt.date
PASSWORD = "pass-word-123"  # tests.factories.UserFactory


@pytest.fixture
def history(file_application, officers, monkeypatch):
    """Lab animal cases decided over three months and the legacy cohort. (The certificates are not
    issued here: signing runs an event loop, and Playwright's already runs in this thread.)"""
    monkeypatch.setattr(issuance, "issuers", {})
    plans = [(D(2025, 9, 1), D(2025, 9, 2), D(2025, 9, 12)), (D(2025, 9, 3), D(2025, 9, 4), D(2025, 9, 19)),
             (D(2025, 9, 25), D(2025, 9, 26), D(2025, 10, 17)), (D(2025, 9, 25), D(2025, 9, 26), D(2025, 10, 22)),
             (D(2025, 10, 27), D(2025, 10, 28), D(2025, 11, 7)), (D(2025, 10, 27), D(2025, 10, 29), D(2025, 11, 19))]
    for received, accepted, decided in plans:
        app = file_application(on=received)
        with at(accepted):
            workflow.application_accept(application=app, actor=officers["intake"].user)
        with at(decided):
            recommend(app, officers["reviewer"])
            workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    legacy_cases_import(text=legacy_cohort_csv(seed=7), file_name="legacy_cohort_2022.csv")


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/dashboard/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button").last.click()


def test_supervisor_dashboard_shows_its_charts(live_server, page, officers, history):
    base = live_server.url
    login(page, base, officers["supervisor"].user.username)
    assert page.url.endswith("/dashboard/")
    card = page.locator('[data-service="lab-animal-production"]')
    assert card.is_visible()
    assert "63" in card.inner_text() and "−" in card.inner_text()
    for chart in ("#chart-reduction", "#chart-distribution", "#chart-trend", "#chart-on-time"):
        svg = page.locator(f"svg{chart}")
        svg.scroll_into_view_if_needed()
        assert svg.is_visible(), chart
        box = svg.bounding_box()
        assert box["width"] > 500 and box["height"] > 150, (chart, box)
    assert page.locator("#chart-distribution rect.bar").count() >= 4
    assert page.locator("#chart-distribution line.limit").count() >= 2  # committed and statutory
    assert page.locator("#chart-trend rect.bar").count() == 3  # September, October, November
    page.screenshot(path=str(SHOTS / "metrics-01-dashboard-zh.png"), full_page=True)

    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Processing times"
    assert page.locator("svg#chart-distribution").is_visible()
    assert "Committed limit 14 WD" in page.locator("svg#chart-distribution").inner_html()
    page.screenshot(path=str(SHOTS / "metrics-02-dashboard-en.png"), full_page=True)

    page.select_option("#id_service", "lab-animal-production")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert "service=lab-animal-production" in page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_other_officers_cannot_open_the_dashboard(live_server, page, officers):
    login(page, live_server.url, officers["reviewer"].user.username)
    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
