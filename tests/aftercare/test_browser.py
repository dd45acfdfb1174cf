"""The after-licence pages in a browser, in zh-hans and English, each checked with axe-core: the holder's
licences and a licence's page (renewal window, the annual report form), the rating reached from the
case page's panel, the officers' duties beside the queue and the after-licence rows on 电子监察, the
task list where a reviewer records a verification result, and intake's credit-record panel after it.
The server's clock stands on 2026-11-25 (the report window is open; the check is due the next day)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftercare.models import AnnualReport, CreditRecord, Rating, VerificationTask
from certificates.models import Certificate
from tests.aftercare.test_verification import APPROVED_ON, approve
from tests.licensing.conftest import lab_data
from tests.pages.test_axe import AXE
from tests.supervision.test_browser import SHOTS, check_page, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def case(officers, applicant, file_application, django_capture_on_commit_callbacks):
    """The applicant's case granted on written commitments on 2026-09-24, its licence issued (before the
    browser starts: issuing renders the PDF, which needs this thread's event loop free)."""
    app = file_application(on=APPROVED_ON - dt.timedelta(days=3),
                           data=lab_data(credit_code=applicant.credit_code, unit_name=applicant.name))
    with django_capture_on_commit_callbacks(execute=True):
        return approve(app, officers, APPROVED_ON)


def test_the_after_licence_pages_in_both_languages(case, live_server, browser, officers, applicant):
    assert AXE.exists(), "run `make node-deps` (npm ci) to install axe-core"
    SHOTS.mkdir(parents=True, exist_ok=True)
    certificate = Certificate.objects.get(application=case)
    task = VerificationTask.objects.get(application=case)
    base = live_server.url
    found: dict[str, list] = {}
    with time_machine.travel(TODAY, tick=True):
        for language in ("zh-hans", "en"):
            visit_language(browser, base, language, officers, applicant, case, certificate, found)
        # intake's case page after the false commitment: the credit record panel, in both languages
        for language in ("zh-hans", "en"):
            context, page = open_page(browser, base, language, officers["intake"].user)
            page.goto(f"{base}/workbench/cases/{case.pk}/")
            panel = page.locator("section.case-panel")
            assert panel.count() == 1 and "XY-2026-" in panel.inner_text()
            check_page(page, "intake-case-credit-panel", language, found)
            context.close()
    task.refresh_from_db()
    assert task.state == "false" and CreditRecord.objects.filter(verification=task).exists()
    assert Rating.objects.get(application=case).score == 2
    assert AnnualReport.objects.get(number=certificate.number, year=2026).data["staff"] == {"total": 12, "trained": 10}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def visit_language(browser, base, language, officers, applicant, case, certificate, found) -> None:
    zh = language == "zh-hans"

    def check(page, name):
        check_page(page, name, language, found)

    # the holder
    context, page = open_page(browser, base, language, applicant.user)
    page.goto(f"{base}/licences/")
    assert certificate.number in page.content()
    check(page, "holder-licences")
    page.goto(f"{base}/licences/{certificate.pk}/")
    assert certificate.valid_to.strftime("%Y-%m-%d") in page.content() and page.locator("#id_animals").count() == 1
    check(page, "holder-licence")
    if zh:  # file the report in the window; in English the page offers its correction
        page.fill("#id_animals", "mouse,spf,12000,0")
        page.fill("#id_staff_total", "12")
        page.fill("#id_staff_trained", "10")
        page.fill("#id_facility_changes", "无")
        page.fill("#id_equipment_changes", "无")
        with page.expect_navigation():
            page.locator("form:has(#id_animals) button[type=submit]").click()
        assert page.locator("#id_animals").input_value().startswith("mouse,spf,12000")
        check(page, "holder-licence-report-filed")
    page.goto(f"{base}/applications/{case.pk}/")
    panel = page.locator("section.case-panel")
    assert panel.count() == 1
    check(page, "applicant-case-rating-panel")
    if zh:  # rate from the panel's link: a bad review
        with page.expect_navigation():
            panel.locator(f"a[href='/applications/{case.pk}/rating/']").click()
        page.locator("input[name=score][value='2']").check()
        page.fill("textarea[name=comment]", "窗口答复慢")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        page.goto(f"{base}/applications/{case.pk}/")
        assert "2026-11-25" in page.locator("section.case-panel").inner_text()
    else:
        assert "2026-11-25" in panel.inner_text()
    page.goto(f"{base}/applications/{case.pk}/rating/")
    check(page, "applicant-rating")
    context.close()

    # the officers: intake's duties, the supervisor's boards, the reviewer's task list
    context, page = open_page(browser, base, language, officers["intake"].user)
    page.goto(f"{base}/workbench/")
    duties = page.locator("section[aria-labelledby=duties-title]")
    assert case.case_number in duties.inner_text()
    check(page, "intake-workbench-duties")
    context.close()
    context, page = open_page(browser, base, language, officers["supervisor"].user)
    page.goto(f"{base}/workbench/board/")
    watched = page.locator("section[aria-labelledby=watched-title]")
    if zh:  # due tomorrow: yellow
        assert case.case_number in watched.inner_text() and "2026-11-26" in watched.inner_text()
    check(page, "supervisor-board-watched")
    page.goto(f"{base}/aftercare/board/")
    check(page, "supervisor-aftercare-board")
    context.close()
    context, page = open_page(browser, base, language, officers["reviewer"].user)
    page.goto(f"{base}/aftercare/tasks/")
    check(page, "reviewer-aftercare-tasks")
    if not zh:  # record the check in English: the commitment was false
        form = page.locator("form:has(input[name=kind][value=verification])")
        form.locator("select[name=result]").select_option("false")
        form.locator("textarea[name=findings]").fill("The lease of the site was forged.")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert page.locator("form:has(input[name=kind][value=verification])").count() == 0
        check(page, "reviewer-aftercare-tasks-recorded")
    context.close()
