"""Issuing that recovers: a reasoned refusal is recorded once for the approver, a passing failure is
retried with backoff until it works (or turns permanent), and the approver, an administrator or the
API issues again by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from certificates import services as certificate_services
from certificates.constants import CertificateStatus
from certificates.core.keys import KeyDecryptionError
from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_set_status
from licensing import issuance, tasks, workflow
from licensing.constants import CaseVerb, State
from licensing.models import Application
from licensing.workflow.issuing import MAX_ATTEMPTS, retry_delay
from services.tasks import periodic_tasks
from tests.factories import UserFactory
from tests.licensing.conftest import lab_data
from tests.licensing.test_original_licence import approve_directly, change_data, grant  # noqa: F401

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
DAY = D(2026, 4, 1)
T0 = dt.datetime(2026, 4, 1, 10, 0, tzinfo=TZ)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def failures(app: Application) -> int:
    return app.log.filter(verb=CaseVerb.ISSUE_FAILED).count()


@pytest.fixture
def approved(file_application, applicant):
    """approved(service=..., original_licence_number=...) → a case put straight into `approved` at T0."""

    def make(*, service: str = "lab-animal-production", data=None, original_licence_number=None) -> Application:
        app = file_application(on=DAY, service=service, data=data or lab_data(credit_code=applicant.credit_code),
                               original_licence_number=original_licence_number)
        with travel(T0):
            approve_directly(app, DAY)
        return Application.objects.get(pk=app.pk)

    return make


@pytest.fixture
def flaky(monkeypatch):
    """flaky(n): the issuer raises OperationalError n times, then issues for real."""

    def make(times: int) -> list:
        calls = []

        def issuer(*, application, actor):
            calls.append(application.pk)
            if len(calls) <= times:
                raise OperationalError("could not connect to server: Connection refused")
            return certificate_issue(application=application, actor=actor)

        monkeypatch.setitem(issuance.issuers, "*", issuer)
        return calls

    return make


def test_a_permanent_refusal_is_logged_once_however_often_issuing_is_tried(approved, applicant, grant):  # noqa: F811
    licence = grant(applicant)
    app = approved(service="lab-animal-change", data=change_data(applicant), original_licence_number=licence.number)
    certificate_set_status(certificate=licence, actor=None, status=CertificateStatus.REVOKED, action="revoke",
                           reason="违法生产")
    with travel(T0):
        for _ in range(3):
            issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    app.refresh_from_db()
    assert app.state == State.APPROVED and app.issue_error_permanent and app.issue_retry_at is None
    assert licence.number in app.issue_error
    assert failures(app) == 1
    row = app.log.get(verb=CaseVerb.ISSUE_FAILED)
    assert row.reason == app.issue_error and row.data["permanent"] is True


def test_the_payload_names_a_permanent_failure_to_the_approver(approved, officers, monkeypatch):
    app = approved()

    def refuse(**kwargs):
        raise certificate_services.IssueError("原许可证持证单位与申请人不一致。")

    monkeypatch.setitem(issuance.issuers, "*", refuse)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    client = APIClient()
    client.force_authenticate(officers["approver"].user)
    body = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert body["issue_error"] == "原许可证持证单位与申请人不一致。" and body["issue_error_permanent"] is True


def test_a_transient_failure_is_retried_with_backoff_and_then_issues(approved, flaky):
    app = approved()
    calls = flaky(2)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    app.refresh_from_db()
    first_retry = app.issue_retry_at
    assert app.state == State.APPROVED and not app.issue_error_permanent and app.issue_attempts == 1
    assert first_retry == T0 + dt.timedelta(minutes=1) and "OperationalError" in app.issue_error
    assert issuance.retry_due_issuance(now=T0 + dt.timedelta(seconds=30)) == 0  # not due yet
    with travel(first_retry):
        assert issuance.retry_due_issuance() == 1
    app.refresh_from_db()
    assert app.issue_attempts == 2 and app.issue_retry_at == first_retry + dt.timedelta(minutes=2)
    assert failures(app) == 0
    with travel(app.issue_retry_at + dt.timedelta(seconds=5)):
        assert issuance.retry_due_issuance() == 1
    app.refresh_from_db()
    assert app.state == State.ISSUED and len(calls) == 3
    assert app.issue_error == "" and app.issue_retry_at is None and failures(app) == 0
    assert Certificate.objects.get(application=app).number == "SCXK(滇)2026-0001"


def test_the_backoff_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_after_the_last_attempt_a_transient_failure_turns_permanent_with_one_row(approved, flaky):
    app = approved()
    flaky(100)
    moment = T0
    with travel(moment):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    for _ in range(MAX_ATTEMPTS + 2):
        app.refresh_from_db()
        if app.issue_retry_at is None:
            break
        moment = app.issue_retry_at
        with travel(moment):
            issuance.retry_due_issuance()
    app.refresh_from_db()
    assert app.issue_attempts == MAX_ATTEMPTS and app.issue_error_permanent and app.issue_retry_at is None
    assert app.issue_error.startswith("发证多次失败：OperationalError")
    assert failures(app) == 1
    assert issuance.retry_due_issuance(now=moment + dt.timedelta(days=1)) == 0


def test_a_case_whose_first_attempt_never_ran_is_picked_up(approved):
    app = approved()  # approved at T0 without any issuing task having run
    assert issuance.retry_due_issuance(now=T0 + dt.timedelta(minutes=5)) == 0
    with travel(T0 + dt.timedelta(minutes=11)):
        assert issuance.retry_due_issuance() == 1
    assert Application.objects.get(pk=app.pk).state == State.ISSUED


def test_a_missing_signing_key_is_a_permanent_failure(approved, monkeypatch):
    app = approved()

    def broken(key):
        raise KeyDecryptionError("cannot decrypt the stored signing key")

    monkeypatch.setattr(certificate_services.keys, "chain", broken)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    app.refresh_from_db()
    assert app.issue_error_permanent and "签名密钥" in app.issue_error and failures(app) == 1
    assert not Certificate.objects.exists()


def test_the_approver_issues_again_and_the_log_names_them(approved, officers, flaky):
    app = approved()
    flaky(1)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
        result = workflow.application_issue_again(application=app, actor=officers["approver"].user)
    assert result.state == State.ISSUED
    issue = result.log.get(verb=CaseVerb.ISSUE)
    assert issue.actor == officers["approver"].user


def test_issuing_again_is_for_the_approver_of_an_approved_case(approved, officers):
    app = approved()
    with travel(T0), pytest.raises(workflow.Forbidden):
        workflow.application_issue_again(application=app, actor=officers["reviewer"].user)
    with travel(T0):
        workflow.application_issue_again(application=app, actor=officers["approver"].user)
    with travel(T0), pytest.raises(workflow.NotAllowed) as raised:
        workflow.application_issue_again(application=app, actor=officers["approver"].user)
    assert raised.value.status == 409 and raised.value.state == State.ISSUED


def test_issuing_again_reports_a_permanent_failure_as_400_and_keeps_it_recorded(approved, officers, monkeypatch):
    app = approved()

    def refuse(**kwargs):
        raise certificate_services.IssueError("找不到原许可证 SCXK(滇)2020-0001（或其已失效）。")

    monkeypatch.setitem(issuance.issuers, "*", refuse)
    with travel(T0), pytest.raises(workflow.Invalid) as raised:
        workflow.application_issue_again(application=app, actor=officers["approver"].user)
    assert raised.value.status == 400 and "SCXK(滇)2020-0001" in raised.value.message
    app.refresh_from_db()
    assert app.issue_error_permanent and failures(app) == 1
    assert app.log.get(verb=CaseVerb.ISSUE_FAILED).actor == officers["approver"].user


def test_issuing_again_reports_a_transient_failure_as_503_and_schedules_a_retry(approved, officers, flaky):
    app = approved()
    flaky(1)
    with travel(T0), pytest.raises(workflow.Unavailable) as raised:
        workflow.application_issue_again(application=app, actor=officers["approver"].user)
    assert raised.value.status == 503 and raised.value.code == "issue_failed"
    app.refresh_from_db()
    assert app.issue_retry_at == T0 + dt.timedelta(minutes=1) and failures(app) == 0


def test_the_issue_endpoint_still_works(approved, officers, flaky):
    app = approved()
    flaky(1)
    reviewer, approver = APIClient(), APIClient()
    reviewer.force_authenticate(officers["reviewer"].user)
    approver.force_authenticate(officers["approver"].user)
    url = f"/api/v1/applications/{app.pk}/issue/"
    with travel(T0):
        assert reviewer.post(url).status_code == 403
        unavailable = approver.post(url)
        issued = approver.post(url)
        again = approver.post(url)
    assert unavailable.status_code == 503 and unavailable.json()["code"] == "issue_failed"
    assert issued.status_code == 200 and issued.json()["state"] == "issued"
    assert issued.json()["certificate"]["number"] == "SCXK(滇)2026-0001"
    assert again.status_code == 200 and again.json()["state"] == "issued"  # a repeat of the same act: its success


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="t-admin", is_staff=True, is_superuser=True))
    return client


def test_the_admin_action_issues_the_selected_cases(approved, admin_client, flaky):
    first, second = approved(), approved()
    flaky(2)
    with travel(T0):
        for app in (first, second):
            issuance.issue_after_approval(application_id=app.pk, actor_id=None)
        response = admin_client.post(reverse("admin:licensing_application_changelist"), {
            "action": "issue_again", "_selected_action": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200
    assert Application.objects.filter(state=State.ISSUED).count() == 2
    issued = Application.objects.get(pk=first.pk).log.get(verb=CaseVerb.ISSUE)
    assert issued.actor.username == "t-admin"
    assert "已颁发" in response.content.decode()


def test_the_admin_change_page_offers_issue_again_and_reports_failures(approved, admin_client, monkeypatch):
    app = approved()

    def refuse(**kwargs):
        raise certificate_services.IssueError("原许可证持证单位与申请人不一致。")

    monkeypatch.setitem(issuance.issuers, "*", refuse)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    change = reverse("admin:licensing_application_change", args=[app.pk])
    page = admin_client.get(change).content.decode()
    action = reverse("admin:licensing_application_issue_again", args=[app.pk])
    assert action in page and "原许可证持证单位与申请人不一致。" in page
    with travel(T0):
        refused = admin_client.post(action, follow=True)
    assert "原许可证持证单位与申请人不一致。" in refused.content.decode()
    monkeypatch.setitem(issuance.issuers, "*", certificate_issue)
    with travel(T0):
        admin_client.post(action)
    assert Application.objects.get(pk=app.pk).state == State.ISSUED
    assert action not in admin_client.get(change).content.decode()


def test_retry_issuance_is_a_periodic_task_every_minute():
    assert (tasks.retry_issuance.task_name, 60.0) in [(p.name, p.every) for p in periodic_tasks()]


def test_the_approvers_case_page_says_whether_the_failure_waits_for_them(approved, officers, monkeypatch, flaky):
    waiting, retrying = approved(), approved()

    def refuse(**kwargs):
        raise certificate_services.IssueError("原许可证持证单位与申请人不一致。")

    monkeypatch.setitem(issuance.issuers, "*", refuse)
    with travel(T0):
        issuance.issue_after_approval(application_id=waiting.pk, actor_id=None)
    flaky(1)
    with travel(T0):
        issuance.issue_after_approval(application_id=retrying.pk, actor_id=None)
    client = Client()
    client.force_login(officers["approver"].user)
    with travel(T0):
        first = client.get(reverse("workbench-case", args=[waiting.pk])).content.decode()
        second = client.get(reverse("workbench-case", args=[retrying.pk])).content.decode()
    assert "原许可证持证单位与申请人不一致。" in first and "须由审批人处理原因后重新发证" in first
    assert "OperationalError" in second and "自动重试" in second


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_retry_runner_skips_a_case_another_runner_holds(approved, flaky):
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    app = approved()
    flaky(1)
    with travel(T0):
        issuance.issue_after_approval(application_id=app.pk, actor_id=None)
    due = Application.objects.get(pk=app.pk).issue_retry_at
    held, release, seen = threading.Event(), threading.Event(), []

    def other_runner():
        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=app.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_runner)
    thread.start()
    try:
        assert held.wait(10)
        seen.append(issuance.retry_due_issuance(now=due))  # does not wait for the lock
    finally:
        release.set()
        thread.join()
    assert seen == [0] and Application.objects.get(pk=app.pk).state == State.APPROVED
    assert issuance.retry_due_issuance(now=due) == 1
    assert Application.objects.get(pk=app.pk).state == State.ISSUED
