"""The after-licence pages: the holder's licences and a licence's page (window, reminders, the annual
report form), the rating page, the officers' task lists with their acts, the supervisor's board — in
Chinese and in English."""

import datetime as dt

import pytest

from django.test import Client

from aftercare.models import AnnualReport, Rating, RectificationTask, VerificationTask
from licensing import workflow
from licensing.workflow import deadlines_sweep
from tests.licensing.conftest import at

D = dt.date


def client_for(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_holder_sees_the_licence_its_window_reminders_and_files_the_report(
        licence, applicant, language, django_capture_on_commit_callbacks):
    certificate = licence(valid_to=D(2027, 5, 20))
    with at(D(2026, 11, 20)), django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(on=D(2026, 11, 20))  # the renewal window opened on 2026-11-20, the report window too
    with at(D(2026, 11, 20)):
        client = client_for(applicant.user, language)
        listing = client.get("/licences/").content.decode()
        page = client.get(f"/licences/{certificate.pk}/").content.decode()
        bad = client.post(f"/licences/{certificate.pk}/", {"animals": "unicorn,spf,1,0", "staff_total": 3,
                                                           "staff_trained": 2, "facility_changes": "无",
                                                           "equipment_changes": "无"})
        good = client.post(f"/licences/{certificate.pk}/", {"animals": "mouse,spf,1200,0", "staff_total": 3,
                                                            "staff_trained": 2, "facility_changes": "无",
                                                            "equipment_changes": "无",
                                                            "quality_tests": "2026-06-01,微生物学检测,pass"})
    assert certificate.number in listing and "2026-11-20" in listing
    assert "2026-11-15" in page and "2025-10-01" in page  # the report window and its period
    assert certificate.number in page and "renewal_window_open" not in page  # listed by subjects, not kinds
    assert bad.status_code == 400
    assert good.status_code == 302
    report = AnnualReport.objects.get()
    assert report.data["animals"] == [{"species": "mouse", "grade": "spf", "produced": 1200, "used": 0}]


def test_the_rating_page(file_application, applicant):
    case = file_application(on=D(2026, 4, 16))
    client = client_for(applicant.user)
    with at(D(2026, 4, 17)):
        before = client.get(f"/applications/{case.pk}/rating/").content.decode()
        workflow.application_withdraw(application=case, actor=applicant.user)
        posted = client.post(f"/applications/{case.pk}/rating/", {"score": "1", "comment": "等待太久"})
        after = client.get(f"/applications/{case.pk}/rating/").content.decode()
    assert "办结" in before and "<form" not in before.split("<main", 1)[1]
    assert posted.status_code == 302
    assert Rating.objects.get().score == 1 and RectificationTask.objects.exists()
    assert "非常不满意" in after


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_officers_task_list_records_a_verification(file_application, officers, language,
                                                       django_capture_on_commit_callbacks):
    from tests.licensing.conftest import recommend

    app = file_application(on=D(2026, 9, 21))
    with at(D(2026, 9, 24)), django_capture_on_commit_callbacks(execute=True):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    task = VerificationTask.objects.get()
    reviewer = client_for(officers["reviewer"].user, language)
    with at(D(2026, 11, 25)):  # one working day before the due date: yellow
        page = reviewer.get("/aftercare/tasks/").content.decode()
        missing = reviewer.post("/aftercare/tasks/", {"kind": "verification", "pk": task.pk, "result": "confirmed"})
        done = reviewer.post("/aftercare/tasks/", {"kind": "verification", "pk": task.pk, "result": "confirmed",
                                                   "findings": "经共享数据核验属实"})
    assert app.case_number in page and "tag-yellow" in page
    assert missing.status_code == 400
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.state == "confirmed"


def test_the_supervisors_board_flags_late_tasks_and_late_publication(file_application, officers,
                                                                     django_capture_on_commit_callbacks):
    from tests.licensing.conftest import recommend

    app = file_application(on=D(2026, 9, 21))
    with at(D(2026, 9, 24)):  # approved, but the certificate never issued (issuing not run)
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    supervisor = client_for(officers["supervisor"].user)
    # 7 WD after Thursday 24 Sep: 28, 29, 30 Sep, 8, 9, 10 (a make-up Saturday) and 12 Oct — Mid-Autumn
    # and National Day are off.
    with at(D(2026, 10, 12)):
        on_time = supervisor.get("/aftercare/board/").content.decode()
    with at(D(2026, 10, 13)):
        late = supervisor.get("/aftercare/board/").content.decode()
    with at(D(2026, 11, 27)):  # the verification task's 40 WD ran out on 2026-11-26
        overdue = supervisor.get("/aftercare/board/").content.decode()
    assert app.case_number not in on_time.split("7个工作日")[1].split("好差评")[0]
    assert app.case_number in late.split("7个工作日")[1].split("好差评")[0]
    assert "tag-red" in overdue and app.case_number in overdue
    assert client_for(officers["reviewer"].user).get("/aftercare/board/").status_code == 403
