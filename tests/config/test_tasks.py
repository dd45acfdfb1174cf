"""The task seam: tasks registered by object, dispatched after commit (in-process or to the broker),
failures logged not raised, and a schedule that can only name registered tasks."""

import base64
import contextlib
import logging
import socket
import time
from types import SimpleNamespace

import pytest

from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

import services.tasks
from config.celery import app as celery_app
from config.celery import registry_beat_schedule
from config.celery import run as celery_run
from licensing import tasks as licensing_tasks
from services.checks import task_schedule_errors
from services.tasks import (
    CELERY_TASK,
    TaskRegistry,
    enqueue,
    get_task,
    periodic,
    periodic_tasks,
    registered_tasks,
    run_registered,
    task,
)


@pytest.fixture
def fresh_registry(monkeypatch):
    """An empty registry in place of the project's, so test tasks leave no trace. The Celery app is
    finalised first: finalising builds its beat schedule, which must come from the project's registry."""
    celery_app.finalize()
    registry = TaskRegistry()
    monkeypatch.setattr(services.tasks, "registry", registry)
    return registry


def test_task_registers_the_function_under_its_module_and_qualname_and_returns_it(fresh_registry):
    def deliver(*, n: int) -> int:
        return n * 2

    assert task(deliver) is deliver
    name = f"{__name__}.test_task_registers_the_function_under_its_module_and_qualname_and_returns_it.<locals>.deliver"
    assert deliver.task_name == name
    assert fresh_registry.names() == [name] and fresh_registry.get(name) is deliver
    assert run_registered(name, {"n": 21}) == 42


def test_the_registry_refuses_a_second_task_under_the_same_name(fresh_registry):
    def deliver() -> None: ...

    task(deliver)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        task(deliver)

    def deliver() -> None: ...  # noqa: F811 - another function object, the same name

    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        task(deliver)


def test_a_periodic_task_must_be_registered_declared_once_and_have_a_positive_interval(fresh_registry):
    def sweep() -> None: ...

    with pytest.raises(TypeError, match="not a registered task"):
        periodic(sweep, every=60)
    task(sweep)
    with pytest.raises(ImproperlyConfigured, match="positive interval"):
        periodic(sweep, every=0)
    assert periodic(sweep, every=60) is sweep
    with pytest.raises(ImproperlyConfigured, match="periodic twice"):
        periodic(sweep, every=30)
    assert [(p.name, p.every) for p in fresh_registry.periodic()] == [(sweep.task_name, 60.0)]


def test_unknown_names_are_a_lookup_error():
    with pytest.raises(LookupError, match="licensing.tasks.nope"):
        get_task("licensing.tasks.nope")
    with pytest.raises(LookupError):
        run_registered("licensing.issuance.issue_after_approval", {})  # a function, not a registered task


def test_enqueue_refuses_a_function_that_is_not_a_registered_task(fresh_registry):
    from licensing.issuance import issue_after_approval

    with pytest.raises(TypeError, match="not a registered task"):
        enqueue(issue_after_approval, application_id=1, actor_id=None)
    with pytest.raises(TypeError, match="not a registered task"):
        enqueue("licensing.tasks.issue_certificate", application_id=1, actor_id=None)

    def impostor() -> None: ...

    impostor.task_name = "licensing.tasks.sweep_deadlines"  # a name alone does not make a task
    with pytest.raises(TypeError, match="not a registered task"):
        enqueue(impostor)


def test_enqueue_refuses_arguments_that_cannot_travel_as_json(fresh_registry):
    import datetime as dt

    @task
    def deliver(**kwargs) -> None: ...

    with pytest.raises(TypeError, match="JSON-serialisable"):
        enqueue(deliver, day=dt.date(2026, 3, 2))


def test_a_task_runs_in_process_only_after_the_transaction_commits(
        db, fresh_registry, django_capture_on_commit_callbacks):
    calls = []

    @task
    def deliver(*, value: int) -> None:
        calls.append(value)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue(deliver, value=1)
            assert calls == []
        assert calls == []  # the test's own transaction is still open
    assert calls == [1] and len(callbacks) == 1


def test_a_task_queued_in_a_rolled_back_transaction_never_runs(
        db, fresh_registry, django_capture_on_commit_callbacks):
    calls = []

    @task
    def deliver(*, value: int) -> None:
        calls.append(value)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, contextlib.suppress(RuntimeError), \
            transaction.atomic():
        enqueue(deliver, value=2)
        raise RuntimeError("the act failed")
    assert callbacks == [] and calls == []


def test_an_exception_in_a_task_is_logged_and_the_request_goes_on(
        db, fresh_registry, django_capture_on_commit_callbacks, caplog):
    @task
    def explode() -> None:
        raise ValueError("the mail server is away")

    with caplog.at_level(logging.ERROR, logger="services.tasks"), django_capture_on_commit_callbacks(execute=True):
        enqueue(explode)
    [record] = [r for r in caplog.records if r.name == "services.tasks"]
    assert explode.task_name in record.getMessage() and "failed" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is ValueError


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/15", CELERY_TASK_ALWAYS_EAGER=False)
def test_with_a_broker_the_registered_name_and_the_kwargs_go_to_celery(
        db, fresh_registry, django_capture_on_commit_callbacks, monkeypatch):
    sent, ran = [], []
    monkeypatch.setattr(services.tasks, "_send", lambda name, kwargs, job_id: sent.append((name, kwargs)))

    @task
    def deliver(*, notification_id: int) -> None:
        ran.append(notification_id)

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(deliver, notification_id=7)
        assert sent == []
    assert sent == [(deliver.task_name, {"notification_id": 7})] and ran == []


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/15", CELERY_TASK_ALWAYS_EAGER=True)
def test_eager_settings_run_in_process_even_with_a_broker(db, fresh_registry, django_capture_on_commit_callbacks,
                                                          monkeypatch):
    monkeypatch.setattr(services.tasks, "_send", lambda name, kwargs, job_id: pytest.fail("sent to the broker"))
    ran = []

    @task
    def deliver() -> None:
        ran.append(True)

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(deliver)
    assert ran == [True]


def test_a_broker_that_is_down_degrades_to_running_in_process(
        db, fresh_registry, django_capture_on_commit_callbacks, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ran = []

    @task
    def deliver() -> None:
        ran.append(True)

    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0", CELERY_TASK_ALWAYS_EAGER=False), \
            caplog.at_level(logging.ERROR, logger="services.tasks"), django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        enqueue(deliver)
    assert ran == [True] and time.monotonic() - started < 5  # a short publish retry, then here
    assert any("broker failed" in r.getMessage() for r in caplog.records)


def test_the_generic_celery_task_runs_the_registered_task(fresh_registry):
    calls = []

    @task
    def deliver(*, n: int) -> None:
        calls.append(n)

    celery_run.apply(args=(deliver.task_name, {"n": 3})).get()
    assert calls == [3]
    assert celery_app.tasks[CELERY_TASK].acks_late


def test_licensing_tasks_are_thin_wrappers_around_the_functions_that_do_the_work(monkeypatch):
    from licensing import issuance, notices, workflow

    calls = []
    monkeypatch.setattr(issuance, "issue_after_approval", lambda **kw: calls.append(("issue", kw)))
    monkeypatch.setattr(notices, "send_notification_email", lambda **kw: calls.append(("mail", kw)))
    monkeypatch.setattr(workflow, "deadlines_sweep", lambda **kw: calls.append(("sweep", kw)))
    run_registered("licensing.tasks.issue_certificate", {"application_id": 5, "actor_id": None})
    run_registered("licensing.tasks.send_notification_email", {"notification_id": 6})
    run_registered("licensing.tasks.sweep_deadlines", {})
    assert calls == [("issue", {"application_id": 5, "actor_id": None}), ("mail", {"notification_id": 6}),
                     ("sweep", {})]
    assert {licensing_tasks.issue_certificate.task_name, licensing_tasks.send_notification_email.task_name,
            licensing_tasks.sweep_deadlines.task_name} <= set(registered_tasks())


def test_the_deadline_sweep_is_periodic_at_the_configured_interval(settings):
    assert ("licensing.tasks.sweep_deadlines", settings.TONGBAN_SWEEP_INTERVAL_SECONDS) in [
        (p.name, p.every) for p in periodic_tasks()]


def test_every_periodic_task_and_every_beat_entry_resolves_to_a_registered_task():
    for entry in periodic_tasks():
        assert get_task(entry.name).task_name == entry.name
    schedule = celery_app.conf.beat_schedule
    assert registry_beat_schedule().items() <= schedule.items()
    for key, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, key
        if entry["task"] == CELERY_TASK:
            name, kwargs = entry["args"]
            assert callable(get_task(name)) and kwargs == {}
    assert {entry["args"][0] for entry in schedule.values() if entry["task"] == CELERY_TASK} == {
        p.name for p in periodic_tasks()}


def test_the_system_check_passes_with_the_project_schedule():
    assert task_schedule_errors() == []


BOGUS = {"sweep-old-path": {"task": CELERY_TASK, "schedule": 900,
                            "args": ("licensing.services.deadlines_sweep_task", {})}}


def test_the_system_check_fails_start_up_on_a_bogus_beat_setting():
    with override_settings(CELERY_BEAT_SCHEDULE=BOGUS):
        [error] = task_schedule_errors()
        assert isinstance(error, Error) and error.id == "tongban.E001"
        assert "licensing.services.deadlines_sweep_task" in error.msg and "sweep-old-path" in error.msg
        with pytest.raises(SystemCheckError, match="tongban.E001"):
            call_command("check")


def test_the_system_check_reports_a_bogus_entry_in_the_celery_beat_schedule(monkeypatch):
    monkeypatch.setitem(celery_app.conf.beat_schedule, "sweep", {"task": "licensing.services.deadlines_sweep_task",
                                                                 "schedule": 900})
    monkeypatch.setitem(celery_app.conf.beat_schedule, "direct", {"task": "licensing.tasks.sweep_deadlines",
                                                                  "schedule": 900})
    errors = task_schedule_errors()
    assert [e.id for e in errors] == ["tongban.E001", "tongban.E001"]
    assert "not a known task" in errors[0].msg and "as a Celery task" in errors[1].msg


def test_the_system_check_reports_a_periodic_task_missing_from_the_beat_schedule():
    registry = TaskRegistry()

    def report() -> None: ...

    registry.register(report)
    registry.schedule(report, every=60)
    app = SimpleNamespace(tasks={CELERY_TASK: object()}, conf=SimpleNamespace(beat_schedule={}))
    [error] = task_schedule_errors(tasks=registry, app=app)
    assert error.id == "tongban.E001" and "missing from the Celery beat schedule" in error.msg


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
def test_the_system_check_wants_the_generic_celery_tasks_when_a_broker_is_set():
    app = SimpleNamespace(tasks={}, conf=SimpleNamespace(beat_schedule={}))
    errors = task_schedule_errors(tasks=TaskRegistry(), app=app)
    assert [e.id for e in errors] == ["tongban.E002", "tongban.E002"]
    assert "'tongban.run'" in errors[0].msg and "'tongban.run_jobs'" in errors[1].msg
    app = SimpleNamespace(tasks={"tongban.run": object()}, conf=SimpleNamespace(beat_schedule={}))
    [error] = task_schedule_errors(tasks=TaskRegistry(), app=app)
    assert "'tongban.run_jobs'" in error.msg


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/15", CELERY_TASK_ALWAYS_EAGER=False)
def test_many_jobs_committed_together_go_to_the_broker_through_one_producer_in_batches(
        db, fresh_registry, django_capture_on_commit_callbacks, monkeypatch):
    import json

    import redis

    from licensing.workflow import sweep
    from services.models import OutboxJob

    monkeypatch.setattr(sweep, "task_registry", fresh_registry)
    queue = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    queue.delete("celery")
    acquired = []
    producer = services.tasks._producer

    def counting():
        acquired.append(True)
        return producer()

    monkeypatch.setattr(services.tasks, "_producer", counting)

    @task
    def deliver(*, n: int) -> None:
        pytest.fail("run here although the broker took it")

    monkeypatch.setattr(services.tasks, "OUTBOX_BATCH", 10)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sweep.enqueue_many(deliver, [{"n": n} for n in range(25)])
        assert queue.llen("celery") == 3 and acquired == [True]  # 10 + 10 + 5 job ids
        messages = [json.loads(raw) for raw in queue.lrange("celery", 0, -1)]
        assert {m["headers"]["task"] for m in messages} == {"tongban.run_jobs"}
        batches = [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]
        sent = sorted(job for batch in batches for job in batch)
        assert sent == sorted(OutboxJob.objects.values_list("pk", flat=True))
        assert sorted(map(len, batches)) == [5, 10, 10]
    finally:
        queue.delete("celery")


def test_a_batch_message_delivers_its_pending_jobs_once(db, fresh_registry, monkeypatch):
    from config.celery import run_jobs
    from services.models import OutboxJob, OutboxState

    ran = []

    @task
    def deliver(*, n: int) -> None:
        if n == 2:
            raise RuntimeError("the mail server said no")
        ran.append(n)

    name = fresh_registry.name_of(deliver)
    jobs = [OutboxJob.objects.create(name=name, kwargs={"n": n}, due_at=timezone.now()) for n in range(4)]
    OutboxJob.objects.filter(pk=jobs[3].pk).update(state=OutboxState.DONE)  # already delivered
    run_jobs([job.pk for job in jobs])
    assert ran == [0, 1]
    states = dict(OutboxJob.objects.values_list("pk", "state"))
    assert [states[job.pk] for job in jobs] == [OutboxState.DONE, OutboxState.DONE, OutboxState.PENDING,
                                                OutboxState.DONE]
    assert OutboxJob.objects.get(pk=jobs[2].pk).last_error == "RuntimeError: the mail server said no"
    run_jobs([job.pk for job in jobs])  # the message again (a worker lost before its ack)
    assert ran == [0, 1]


def test_many_jobs_whose_broker_is_down_are_each_delivered_here(
        db, fresh_registry, django_capture_on_commit_callbacks, caplog, monkeypatch):
    from licensing.workflow import sweep
    from services.models import OutboxJob, OutboxState

    monkeypatch.setattr(sweep, "task_registry", fresh_registry)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ran = []

    @task
    def deliver(*, n: int) -> None:
        ran.append(n)

    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0", CELERY_TASK_ALWAYS_EAGER=False), \
            caplog.at_level(logging.ERROR, logger="services.tasks"), django_capture_on_commit_callbacks(execute=True):
        sweep.enqueue_many(deliver, [{"n": n} for n in range(3)])
    assert sorted(ran) == [0, 1, 2]
    assert set(OutboxJob.objects.values_list("state", flat=True)) == {OutboxState.DONE}
    assert any("broker failed" in r.getMessage() for r in caplog.records)
