"""The task seam: side effects registered by object, recorded in the current transaction (an outbox
job, services.models.OutboxJob) and delivered after it commits — on a Celery worker when a broker is
configured, in-process otherwise; a job that was not delivered (a crash, a lost connection, a broker
that dropped it) is delivered again by the periodic `outbox_redispatch`, and a failing one is retried
with backoff. Every app may import this."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The one Celery task every registered task travels through (defined in config.celery): the message
# carries the registered name and the keyword arguments.
CELERY_TASK = "tongban.run"
# Many jobs committed together (a sweep's notices) travel in messages of up to OUTBOX_BATCH job ids
# (config.celery runs them with `deliver_jobs`): building and sending one Celery message costs the
# sender a millisecond or two, which for a sweep's thousand e-mails was a tenth of the sweep.
CELERY_BATCH_TASK = "tongban.run_jobs"


@dataclass(frozen=True)
class Periodic:
    name: str
    every: float  # seconds


class TaskRegistry:
    """Task functions by name (`module.qualname`), and which of them run periodically."""

    def __init__(self) -> None:
        self._tasks: dict[str, Callable[..., Any]] = {}
        self._periodic: dict[str, Periodic] = {}

    def register(self, func: Callable[..., Any]) -> Callable[..., Any]:
        name = f"{func.__module__}.{func.__qualname__}"
        if name in self._tasks:
            raise ImproperlyConfigured(f"Task {name} is registered twice.")
        self._tasks[name] = func
        func.task_name = name
        return func

    def name_of(self, func: Callable[..., Any]) -> str:
        name = getattr(func, "task_name", None)
        if name is None or self._tasks.get(name) is not func:
            raise TypeError(f"{func!r} is not a registered task: decorate it with services.tasks.task.")
        return name

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._tasks[name]
        except KeyError:
            raise LookupError(f"No task is registered as {name!r}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def names(self) -> list[str]:
        return sorted(self._tasks)

    def schedule(self, func: Callable[..., Any], *, every: float) -> Periodic:
        name = self.name_of(func)
        if name in self._periodic:
            raise ImproperlyConfigured(f"Task {name} is declared periodic twice.")
        if not every > 0:
            raise ImproperlyConfigured(f"Task {name} needs a positive interval, not {every!r}.")
        self._periodic[name] = Periodic(name=name, every=float(every))
        return self._periodic[name]

    def periodic(self) -> list[Periodic]:
        return sorted(self._periodic.values(), key=lambda p: p.name)


registry = TaskRegistry()


def task(func: Callable[..., Any]) -> Callable[..., Any]:
    """Register `func` as a task (under `module.qualname`, also set as `func.task_name`); returns it
    unchanged, so it can still be called directly. Tasks may run twice (a worker lost mid-task gets the
    message again), so they must be idempotent."""
    return registry.register(func)


def periodic(func: Callable[..., Any], *, every: float) -> Callable[..., Any]:
    """Declare the registered task `func` to run every `every` seconds (scheduled by `celery beat`)."""
    registry.schedule(func, every=every)
    return func


def periodic_tasks() -> list[Periodic]:
    return registry.periodic()


def registered_tasks() -> list[str]:
    return registry.names()


def get_task(name: str) -> Callable[..., Any]:
    return registry.get(name)


def run_registered(name: str, kwargs: dict[str, Any]) -> Any:
    """Run the task registered as `name` here and now (what the Celery worker does with a message)."""
    return registry.get(name)(**kwargs)


# A job not delivered this long after its commit is delivered again by `outbox_redispatch` (which runs
# every OUTBOX_REDISPATCH_SECONDS); a failing one waits retry_delay(attempts), then fails for good.
OUTBOX_GRACE = dt.timedelta(seconds=30)
OUTBOX_REDISPATCH_SECONDS = 30
OUTBOX_MAX_ATTEMPTS = 8
OUTBOX_BATCH = 100


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def enqueue(func: Callable[..., Any], **kwargs: Any) -> None:
    """Record the registered task `func(**kwargs)` as an outbox job in the current transaction and
    deliver it after the commit (at once outside a transaction); kwargs must be JSON-serialisable,
    because that is what is stored and travels to the worker. A rolled-back act leaves no job."""
    from .models import OutboxJob

    name = registry.name_of(func)
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Arguments of task {name} must be JSON-serialisable: {exc}") from None
    job = OutboxJob.objects.create(name=name, kwargs=kwargs, due_at=timezone.now() + OUTBOX_GRACE)
    transaction.on_commit(partial(_dispatch, name, kwargs, job.pk))


def celery_enabled() -> bool:
    return bool(settings.CELERY_BROKER_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def _dispatch(name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None:
    if celery_enabled():
        try:
            _send(name, kwargs, job_id)
            return
        except Exception:  # a broker that is down degrades to running here; it never fails the request
            logger.exception("sending task %s to the broker failed; running it in this process", name)
    try:
        deliver(name, kwargs, job_id)
    except Exception:  # the job stays pending and is delivered again; the request must not fail
        logger.exception("task %s failed", name)


def dispatch_many(name: str, jobs: list[tuple[dict[str, Any], int]]) -> None:
    """`_dispatch` for many committed jobs of one task, (kwargs, job id) each: sent to the broker
    through one producer, taken from the pool once, as messages of up to OUTBOX_BATCH job ids for a
    worker to deliver one by one (`deliver_jobs`; a lone job goes as itself). A lost message costs
    nothing: its jobs are still pending in the outbox, and `outbox_redispatch` delivers them. If the
    broker fails, the rest are dispatched one by one, each as `_dispatch` does (the broker tried
    again, else run here)."""
    sent = 0
    if celery_enabled():
        try:
            with _producer() as producer:
                if len(jobs) == 1:
                    _send(name, *jobs[0], producer=producer)
                    sent = 1
                for start in range(sent, len(jobs), OUTBOX_BATCH):
                    chunk = [job_id for _kwargs, job_id in jobs[start:start + OUTBOX_BATCH]]
                    _send_batch(chunk, producer=producer)
                    sent += len(chunk)
        except Exception:  # a broker that is down degrades as in _dispatch
            logger.exception("sending %s tasks %s to the broker failed after %s", len(jobs), name, sent)
    for kwargs, job_id in jobs[sent:]:
        _dispatch(name, kwargs, job_id)


def deliver_jobs(job_ids: list[int]) -> int:
    """Deliver the outbox jobs `job_ids` that are still pending, each as `deliver` does (under its own
    row lock, in its own transaction; a failing one is recorded for its retry): what a worker does
    with a batch message of `dispatch_many`. Returns how many were run."""
    from .models import OutboxJob, OutboxState

    pending = list(OutboxJob.objects.filter(pk__in=job_ids, state=OutboxState.PENDING).order_by("pk")
                   .values_list("pk", "name", "kwargs"))
    for pk, name, kwargs in pending:
        try:
            deliver(name, kwargs, pk)
        except Exception:  # a lost connection while recording: still pending, delivered again later
            logger.exception("delivering task %s (job %s) failed", name, pk)
    return len(pending)


def deliver(name: str, kwargs: dict[str, Any], job_id: int | None) -> None:
    """Run an outbox job once in effect: under its row lock (a second runner skips it), in one
    transaction with the job marked done — so a crash before the commit leaves it pending, and a
    job already done is not run again. A task that raises is rolled back and retried later.
    Without a job (a periodic task), or when this database's row of that id is another job (the
    message was sent against another database), run it from the message."""
    from .models import OutboxJob, OutboxState

    if job_id is None or OutboxJob.objects.filter(pk=job_id).values_list("name", "kwargs").first() != (
            name, kwargs):
        run_registered(name, kwargs)
        return
    with transaction.atomic():
        job = OutboxJob.objects.select_for_update(skip_locked=True).filter(
            pk=job_id, state=OutboxState.PENDING).first()
        if job is None:  # done, failed for good, or being delivered by another runner
            return
        job.attempts += 1
        try:
            with transaction.atomic():
                run_registered(job.name, job.kwargs)
        except Exception as exc:
            permanent = job.attempts >= OUTBOX_MAX_ATTEMPTS
            job.state = OutboxState.FAILED if permanent else OutboxState.PENDING
            job.due_at = timezone.now() + retry_delay(job.attempts)
            job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            job.save(update_fields=["state", "attempts", "due_at", "last_error"])
            logger.exception("task %s failed (attempt %s, %s)", job.name, job.attempts,
                             "permanently" if permanent else f"again after {job.due_at:%H:%M:%S}")
            return
        job.state, job.done_at, job.last_error = OutboxState.DONE, timezone.now(), ""
        job.save(update_fields=["state", "attempts", "done_at", "last_error"])


def outbox_redispatch() -> int:
    """Deliver here the pending jobs that are due: never delivered after their commit (a crash, a lost
    message) or waiting for their next attempt. Returns how many were run."""
    from .models import OutboxJob, OutboxState

    due = list(OutboxJob.objects.filter(state=OutboxState.PENDING, due_at__lte=timezone.now())
               .order_by("due_at").values_list("pk", "name", "kwargs")[:OUTBOX_BATCH])
    for pk, name, kwargs in due:
        try:
            deliver(name, kwargs, pk)
        except Exception:  # a lost connection while recording: still pending, next round
            logger.exception("redelivering task %s (job %s) failed", name, pk)
    return len(due)


def outbox_retry(*, job_ids: list[int]) -> dict[str, int]:
    """Deliver the chosen jobs now, here (the administrator's "retry now"): a failed job gets one more
    attempt (it fails again at once if that attempt fails), a pending one is delivered before it is
    due, a done one is left alone. Returns how many are done, still pending and failed afterwards."""
    from .models import OutboxJob, OutboxState

    OutboxJob.objects.filter(pk__in=job_ids, state=OutboxState.FAILED).update(state=OutboxState.PENDING)
    for pk, name, kwargs in OutboxJob.objects.filter(pk__in=job_ids, state=OutboxState.PENDING).values_list(
            "pk", "name", "kwargs"):
        try:
            deliver(name, kwargs, pk)
        except Exception:  # recorded on the job where possible; the others are still pending
            logger.exception("retrying task %s (job %s) failed", name, pk)
    counts = dict.fromkeys(OutboxState.values, 0)
    for state in OutboxJob.objects.filter(pk__in=job_ids).values_list("state", flat=True):
        counts[state] += 1
    return counts


def failed_jobs(*, name: str, key: str, values: list[Any]) -> list[dict[str, Any]]:
    """The permanently failed jobs of task `name` whose argument `key` is one of `values` (the jobs that
    belong to one object, e.g. a case's issuing and notices), newest first, with their last error."""
    from .models import OutboxJob, OutboxState

    if not values:
        return []
    rows = (OutboxJob.objects.filter(name=name, state=OutboxState.FAILED, **{f"kwargs__{key}__in": values})
            .order_by("-created_at").values("pk", "name", "attempts", "last_error", "created_at"))
    return [{"job": row["pk"], "task": row["name"].rsplit(".", 1)[-1], "attempts": row["attempts"],
             "error": row["last_error"], "created_at": row["created_at"]} for row in rows]


def _producer():
    # The broker is read from the settings at each dispatch, like the decision to use it; producers
    # are pooled per broker URL by kombu.
    from celery import current_app
    from kombu import pools

    connection = current_app.connection_for_write(settings.CELERY_BROKER_URL)
    return pools.producers[connection].acquire(block=True)


def _send(name: str, kwargs: dict[str, Any], job_id: int | None = None, *, producer=None) -> None:
    from celery import current_app

    if producer is None:
        with _producer() as producer:
            _send(name, kwargs, job_id, producer=producer)
        return
    current_app.send_task(CELERY_TASK, args=(name, kwargs, job_id), producer=producer, ignore_result=True,
                          shadow=name)


def _send_batch(job_ids: list[int], *, producer) -> None:
    from celery import current_app

    current_app.send_task(CELERY_BATCH_TASK, args=(job_ids,), producer=producer, ignore_result=True)


registry.register(outbox_redispatch)
registry.schedule(outbox_redispatch, every=OUTBOX_REDISPATCH_SECONDS)
