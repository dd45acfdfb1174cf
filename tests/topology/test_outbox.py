"""The outbox (services.tasks + services.models.OutboxJob): after-commit work is recorded in the act's
own transaction, delivered once in effect, retried with backoff, failed for good with its reason, and
delivered later when the process died between the commit and the delivery."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import time_machine

from django.db import transaction
from django.utils import timezone

import services.tasks
from licensing import workflow
from licensing.constants import State
from services.models import OutboxJob, OutboxState
from services.tasks import (
    OUTBOX_MAX_ATTEMPTS,
    TaskRegistry,
    deliver,
    enqueue,
    outbox_redispatch,
    retry_delay,
    task,
)
from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_registry(monkeypatch):
    registry = TaskRegistry()
    monkeypatch.setattr(services.tasks, "registry", registry)
    return registry


def later(seconds: float):
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False)


def test_a_job_is_written_with_the_act_and_delivered_after_the_commit(fresh_registry,
                                                                      django_capture_on_commit_callbacks):
    calls = []

    @task
    def send(*, value: int) -> None:
        calls.append(value)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue(send, value=1)
        [job] = OutboxJob.objects.all()
        assert (job.name, job.kwargs, job.state) == (send.task_name, {"value": 1}, OutboxState.PENDING)
        assert calls == []
    job.refresh_from_db()
    assert calls == [1] and job.state == OutboxState.DONE and job.attempts == 1 and job.done_at


def test_a_rolled_back_act_leaves_no_job(fresh_registry, django_capture_on_commit_callbacks):
    @task
    def send() -> None: ...

    with django_capture_on_commit_callbacks(execute=True), contextlib.suppress(RuntimeError), transaction.atomic():
        enqueue(send)
        raise RuntimeError("the act failed")
    assert not OutboxJob.objects.exists()


def test_a_job_left_undelivered_by_a_crash_is_delivered_later_and_only_once(fresh_registry,
                                                                             django_capture_on_commit_callbacks):
    calls = []

    @task
    def send(*, value: int) -> None:
        calls.append(value)

    with django_capture_on_commit_callbacks(execute=False):  # the process dies right after the commit
        enqueue(send, value=2)
    assert outbox_redispatch() == 0 and calls == []  # not due yet: its first delivery may still be running
    with later(31):
        assert outbox_redispatch() == 1
        assert outbox_redispatch() == 0
    job = OutboxJob.objects.get()
    assert calls == [2] and job.state == OutboxState.DONE
    deliver(job.name, job.kwargs, job.pk)  # the original message arrives after all: nothing happens
    assert calls == [2]


def test_a_failing_job_is_retried_with_backoff_then_fails_for_good_with_its_reason(
        fresh_registry, django_capture_on_commit_callbacks, caplog):
    attempts = []

    @task
    def send() -> None:
        attempts.append(1)
        raise ConnectionRefusedError("the mail server is away")

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(send)
    job = OutboxJob.objects.get()
    assert job.state == OutboxState.PENDING and job.attempts == 1
    assert "ConnectionRefusedError: the mail server is away" in job.last_error
    assert job.due_at - timezone.now() == pytest.approx(retry_delay(1), abs=dt.timedelta(seconds=5))
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
    seconds = 0
    for _ in range(OUTBOX_MAX_ATTEMPTS - 1):
        seconds += 3601
        with later(seconds):
            outbox_redispatch()
    job.refresh_from_db()
    assert len(attempts) == OUTBOX_MAX_ATTEMPTS and job.state == OutboxState.FAILED
    assert job.attempts == OUTBOX_MAX_ATTEMPTS and "mail server" in job.last_error
    with later(seconds + 7200):
        assert outbox_redispatch() == 0


def test_a_failing_job_rolls_back_what_it_wrote(fresh_registry, django_capture_on_commit_callbacks):
    from services.models import CalendarYear

    @task
    def half_done() -> None:
        CalendarYear.objects.create(year=2099)
        raise RuntimeError("after the first write")

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(half_done)
    assert not CalendarYear.objects.filter(year=2099).exists()
    assert OutboxJob.objects.get().state == OutboxState.PENDING


def test_an_approval_whose_issuing_was_never_delivered_gets_its_certificate_from_the_outbox(
        file_application, officers, django_capture_on_commit_callbacks):  # noqa: F811
    app = file_application(on=dt.date(2026, 3, 2))
    with at(dt.date(2026, 3, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        with django_capture_on_commit_callbacks(execute=False):  # a crash between commit and delivery
            workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    app.refresh_from_db()
    assert app.state == State.APPROVED
    job = OutboxJob.objects.get(name="licensing.tasks.issue_certificate")
    assert job.kwargs["application_id"] == app.pk and job.state == OutboxState.PENDING
    with later(31):
        outbox_redispatch()
    app.refresh_from_db()
    job.refresh_from_db()
    assert app.state == State.ISSUED and job.state == OutboxState.DONE


def test_the_redispatch_is_a_periodic_task_beat_schedules():
    assert ("services.tasks.outbox_redispatch", 30.0) in [(p.name, p.every) for p in services.tasks.periodic_tasks()]


def test_a_calendar_change_records_the_recomputation_of_its_years_as_a_job(catalog, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    from services import calendar as calendar_module
    from tests.services.test_calendar_schedule import SCHEDULE_2027

    changed: list[set[int]] = []
    monkeypatch.setattr(calendar_module, "calendar_changed_hooks", [changed.append])
    with django_capture_on_commit_callbacks(execute=False):  # the admin's request ends before any delivery
        calendar_module.calendar_load_schedule(text=SCHEDULE_2027)
    job = OutboxJob.objects.filter(name="services.calendar.calendar_changed").latest("pk")
    assert (job.kwargs, job.state) == ({"years": [2027]}, OutboxState.PENDING) and changed == []
    with later(31):
        outbox_redispatch()
    assert {2027} in changed
    job.refresh_from_db()
    assert job.state == OutboxState.DONE
