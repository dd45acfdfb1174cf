"""Failed outbox jobs are visible and can be delivered again: the admin's list and its "retry now"
action, `manage.py outbox_dispatch` for setups without celery beat, and a case's failed side
effects on its API payload for the officers."""

import io

import pytest
from rest_framework.test import APIClient

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

import services.tasks
from licensing import tasks as licensing_tasks
from licensing.models import Notification
from services.models import OutboxJob, OutboxState
from services.tasks import OUTBOX_MAX_ATTEMPTS, TaskRegistry, outbox_retry, task
from tests.licensing.conftest import applicant, file_application, officers  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky(monkeypatch):
    """A registered task that fails while `broken` holds, and records its calls."""
    registry = TaskRegistry()
    monkeypatch.setattr(services.tasks, "registry", registry)
    state = {"broken": True, "calls": []}

    @task
    def deliver_parcel(*, parcel: int) -> None:
        state["calls"].append(parcel)
        if state["broken"]:
            raise ConnectionError("the post office is closed")

    state["task"] = deliver_parcel
    return state


def failed_job(name: str, **kwargs) -> OutboxJob:
    return OutboxJob.objects.create(name=name, kwargs=kwargs, state=OutboxState.FAILED, attempts=OUTBOX_MAX_ATTEMPTS,
                                    due_at=timezone.now(), last_error="ConnectionError: the post office is closed")


def test_the_admin_lists_failed_jobs_and_retries_them_now(admin_client, flaky):
    failed = failed_job(flaky["task"].task_name, parcel=7)
    done = OutboxJob.objects.create(name=flaky["task"].task_name, kwargs={"parcel": 8}, state=OutboxState.DONE,
                                    attempts=1, due_at=timezone.now())
    url = reverse("admin:services_outboxjob_changelist")
    page = admin_client.get(url, {"state__exact": "failed"}).content.decode()
    assert "deliver_parcel" in page and "the post office is closed" in page
    assert f"/{done.pk}/change/" not in page  # filtered out
    flaky["broken"] = False
    response = admin_client.post(url, {"action": "retry_now", "_selected_action": [failed.pk, done.pk]}, follow=True)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.state == OutboxState.DONE and failed.last_error == "" and failed.attempts == OUTBOX_MAX_ATTEMPTS + 1
    assert flaky["calls"] == [7]  # the done job is not run again
    assert "完成 2 项" in " ".join(str(m) for m in response.context["messages"])


def test_a_retry_that_fails_again_stays_failed_with_the_new_reason(flaky):
    job = failed_job(flaky["task"].task_name, parcel=9)
    assert outbox_retry(job_ids=[job.pk]) == {"pending": 0, "done": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == OutboxState.FAILED and "closed" in job.last_error and flaky["calls"] == [9]


def test_outbox_dispatch_delivers_the_due_jobs_without_beat(flaky):
    flaky["broken"] = False
    due = OutboxJob.objects.create(name=flaky["task"].task_name, kwargs={"parcel": 1}, due_at=timezone.now())
    not_yet = OutboxJob.objects.create(name=flaky["task"].task_name, kwargs={"parcel": 2},
                                       due_at=timezone.now() + timezone.timedelta(minutes=5))
    out = io.StringIO()
    call_command("outbox_dispatch", stdout=out)
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert (due.state, not_yet.state) == (OutboxState.DONE, OutboxState.PENDING) and flaky["calls"] == [1]
    assert "delivered: 1; pending: 1; failed for good: 0" in out.getvalue()
    with pytest.raises(CommandError, match="--every"):
        call_command("outbox_dispatch", every=0)


def test_a_cases_failed_side_effects_are_on_its_payload_for_officers(file_application, officers, applicant):  # noqa: F811
    app = file_application()
    notification = Notification.objects.create(user=applicant.user, application=app, subject="受理通知")
    failed_job(licensing_tasks.issue_certificate.task_name, application_id=app.pk, actor_id=None)
    failed_job(licensing_tasks.send_notification_email.task_name, notification_id=notification.pk)
    failed_job(licensing_tasks.issue_certificate.task_name, application_id=app.pk + 1000, actor_id=None)  # another
    officer, owner = APIClient(), APIClient()
    officer.force_authenticate(officers["intake"].user)
    owner.force_authenticate(applicant.user)
    jobs = officer.get(f"/api/v1/applications/{app.pk}/").json()["failed_jobs"]
    assert sorted(j["task"] for j in jobs) == ["issue_certificate", "send_notification_email"]
    assert all(j["error"] == "ConnectionError: the post office is closed" for j in jobs)
    assert owner.get(f"/api/v1/applications/{app.pk}/").json()["failed_jobs"] == []


def test_a_cases_failed_side_effects_are_on_the_officers_case_page(client, file_application, officers):  # noqa: F811
    app = file_application()
    failed_job(licensing_tasks.issue_certificate.task_name, application_id=app.pk, actor_id=None)
    client.force_login(officers["intake"].user)
    page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
    assert 'id="failed-jobs"' in page and "the post office is closed" in page
    assert f"尝试 {OUTBOX_MAX_ATTEMPTS} 次" in page
    client.force_login(app.applicant.user)
    assert "the post office is closed" not in client.get(reverse("application-detail", args=[app.pk])).content.decode()
