"""At the end of its validity an unrenewed licence becomes `expired` (verification and register say
so) and its authority gets a cancellation task; confirming it cancels the licence and publishes the
notice (Art. 70). A renewal still undecided at expiry is deemed granted (Art. 50) by the first sweep
after the last valid day, as the system's act, with no gap and no overlap."""

import datetime as dt

from rest_framework.test import APIClient

from aftercare.constants import CancellationState
from aftercare.models import CancellationTask
from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.verification import public_record, verdict_for
from licensing.constants import State
from licensing.models import CaseLogEntry, Notice, Notification
from licensing.workflow import deadlines_sweep
from tests.aftercare.conftest import accept
from tests.licensing.conftest import at

D = dt.date


def sweep(on: dt.date, capture) -> dict:
    with at(on, hour=0), capture(execute=True):
        return deadlines_sweep(on=on).hooks["aftercare"]


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_unrenewed_licence_expires_the_day_after_its_last_valid_day(licence, officers,
                                                                      django_capture_on_commit_callbacks):
    certificate = licence(valid_to=D(2031, 8, 31))
    assert sweep(D(2031, 8, 31), django_capture_on_commit_callbacks)["expired"] == 0
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert sweep(D(2031, 9, 1), django_capture_on_commit_callbacks)["expired"] == 1
    assert sweep(D(2031, 9, 2), django_capture_on_commit_callbacks)["expired"] == 0  # once
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.EXPIRED
    assert certificate.events.filter(action="expire").count() == 1
    # Verification answers `expired` from the live status, even on a day inside the old validity.
    assert verdict_for(public_record(certificate.cti), on=D(2031, 8, 1)) == "expired"
    with at(D(2031, 9, 2)):
        register = APIClient().get("/api/v1/register/", {"q": certificate.number}).json()["results"]
    assert [row["status"] for row in register] == ["expired"]
    task = CancellationTask.objects.get(certificate=certificate)
    assert (task.state, task.opened_on, task.authority_id) == (CancellationState.OPEN, D(2031, 9, 1),
                                                               certificate.authority_id)
    listed = api_for(officers["approver"].user).get("/api/v1/cancellation-tasks/").json()["results"]
    assert [row["certificate_number"] for row in listed] == [certificate.number]
    assert api_for(officers["km_intake"].user).get("/api/v1/cancellation-tasks/").json()["results"] == []


def test_confirming_the_cancellation_publishes_the_notice_on_the_register(licence, officers,
                                                                          django_capture_on_commit_callbacks):
    certificate = licence(valid_to=D(2031, 8, 31))
    sweep(D(2031, 9, 1), django_capture_on_commit_callbacks)
    task = CancellationTask.objects.get(certificate=certificate)
    url = f"/api/v1/cancellation-tasks/{task.pk}/confirm/"
    with at(D(2031, 9, 3)):
        refused = api_for(officers["reviewer"].user).post(url)
        outsider = api_for(officers["km_intake"].user).post(url)
        done = api_for(officers["approver"].user).post(url)
        again = api_for(officers["approver"].user).post(url)
        public = APIClient().get("/api/v1/register/cancellations/").json()["results"]
    assert refused.status_code == 403
    assert outsider.status_code == 404
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "done" and done.json()["published_on"] == "2031-09-03"
    assert again.status_code == 409
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.CANCELLED
    assert [row["certificate_number"] for row in public] == [certificate.number]
    assert "第七十条" in public[0]["announcement"] and certificate.holder_name in public[0]["announcement"]
    assert "Art. 70" in public[0]["announcement_en"]
    task.refresh_from_db()
    assert task.notice.kind == "cancellation" and task.notice.application_id == certificate.application_id
    assert Notification.objects.filter(notice=task.notice, user=certificate.application.applicant.user).exists()


def test_an_undecided_renewal_is_deemed_granted_across_a_year_without_an_official_calendar(
        licence, renewal, officers, django_capture_on_commit_callbacks):
    # The last valid day is New Year's Eve 2031; neither 2031 nor 2032 has an official schedule in the
    # bundled calendar, so the renewal's clocks are provisional.
    old = licence(valid_to=D(2031, 12, 31))
    case = accept(renewal(old, on=D(2031, 11, 20)), officers, D(2031, 11, 21))
    assert case.state == State.IN_REVIEW and case.provisional
    assert sweep(D(2031, 12, 31), django_capture_on_commit_callbacks)["deemed_renewed"] == 0
    outcome = sweep(D(2032, 1, 1), django_capture_on_commit_callbacks)  # a holiday: the sweep runs anyway
    assert outcome["deemed_renewed"] == 1 and outcome["expired"] == 0
    case.refresh_from_db()
    assert case.state == State.ISSUED and case.decided_on == D(2032, 1, 1)
    act = CaseLogEntry.objects.filter(application=case, verb="deem_renewed").get()
    assert act.actor_id is None and act.actor_label == "system"
    assert (act.from_state, act.to_state) == (State.IN_REVIEW, State.APPROVED)
    assert act.data["licence"] == old.number and act.data["clock"]["provisional"] is True
    new = Certificate.objects.get(application=case)
    assert (new.valid_from, new.valid_to) == (D(2032, 1, 1), D(2036, 12, 31))  # no gap, no overlap
    assert new.predecessor_id == old.pk
    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED
    assert not CancellationTask.objects.exists()
    notice = Notice.objects.get(application=case, kind="deemed_renewal")
    assert "第五十条" in "".join(notice.content["lines_zh"]) and "2032年01月01日" in notice.content["lines_zh"][1]
    assert "Art. 50" in notice.content["lines_en"][0]
    assert Notification.objects.filter(notice=notice, user=case.applicant.user).exists()
    assert sweep(D(2032, 1, 2), django_capture_on_commit_callbacks) == {
        "reminders": 0, "deemed_renewed": 0, "expired": 0, "report_reminders": 0}


def test_a_renewal_decided_in_time_starts_the_day_after_the_old_licence_ends(
        licence, renewal, officers, django_capture_on_commit_callbacks):
    from licensing import workflow
    from tests.licensing.conftest import recommend

    old = licence(valid_to=D(2031, 8, 31))
    case = accept(renewal(old, on=D(2031, 7, 1)), officers, D(2031, 7, 2))
    with at(D(2031, 7, 10)), django_capture_on_commit_callbacks(execute=True):
        recommend(case, officers["reviewer"])
        workflow.application_approve(application=case, actor=officers["approver"].user, opinion="符合条件")
    new = Certificate.objects.get(application=case)
    assert (new.valid_from, new.valid_to) == (D(2031, 9, 1), D(2036, 8, 31))
    assert sweep(D(2031, 9, 1), django_capture_on_commit_callbacks)["deemed_renewed"] == 0


def test_a_renewal_waiting_for_the_applicants_correction_is_not_deemed(licence, renewal, officers,
                                                                       django_capture_on_commit_callbacks):
    from licensing import workflow

    old = licence(valid_to=D(2031, 8, 31))
    case = renewal(old, on=D(2031, 7, 1))
    with at(D(2031, 7, 2)):
        workflow.application_request_correction(
            application=case, actor=officers["intake"].user,
            items=[{"material": "data", "field": "facility_address", "reason": "地址不完整"}])
    outcome = sweep(D(2031, 9, 1), django_capture_on_commit_callbacks)
    assert outcome["deemed_renewed"] == 0 and outcome["expired"] == 1
    case.refresh_from_db()
    assert case.state == State.CORRECTION_REQUESTED
