"""The task seam: side effects registered by object and run after the current transaction commits —
on a Celery worker when a broker is configured, in-process otherwise. Every app may import this."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)

# The one Celery task every registered task travels through (defined in config.celery): the message
# carries the registered name and the keyword arguments.
CELERY_TASK = "tongban.run"


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


def enqueue(func: Callable[..., Any], **kwargs: Any) -> None:
    """Queue the registered task `func(**kwargs)` for after the current transaction commits (at once
    outside one); kwargs must be JSON-serialisable, because that is what travels to the worker."""
    name = registry.name_of(func)
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Arguments of task {name} must be JSON-serialisable: {exc}") from None
    transaction.on_commit(partial(_dispatch, name, kwargs))


def celery_enabled() -> bool:
    return bool(settings.CELERY_BROKER_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def _dispatch(name: str, kwargs: dict[str, Any]) -> None:
    if celery_enabled():
        try:
            _send(name, kwargs)
            return
        except Exception:  # a broker that is down degrades to running here; it never fails the request
            logger.exception("sending task %s to the broker failed; running it in this process", name)
    try:
        run_registered(name, kwargs)
    except Exception:  # the task records its own failure; the request that queued it must not fail
        logger.exception("task %s failed", name)


def _send(name: str, kwargs: dict[str, Any]) -> None:
    # The broker is read from the settings at each dispatch, like the decision to use it; producers
    # are pooled per broker URL by kombu.
    from celery import current_app
    from kombu import pools

    connection = current_app.connection_for_write(settings.CELERY_BROKER_URL)
    with pools.producers[connection].acquire(block=True) as producer:
        current_app.send_task(CELERY_TASK, args=(name, kwargs), producer=producer, ignore_result=True, shadow=name)
