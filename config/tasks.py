"""The task seam: side effects run after the current transaction commits, in-process by default,
on a Celery worker (broker from CELERY_BROKER_URL, e.g. Redis) when one is configured."""

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def run_now(path: str, kwargs: dict[str, Any]) -> Any:
    module_name, _, func_name = path.rpartition(".")
    func = getattr(import_module(module_name), func_name)
    return func(**kwargs)


def _dispatch(path: str, kwargs: dict[str, Any]) -> None:
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        from config.celery import run_task

        run_task.delay(path, kwargs)
        return
    try:
        run_now(path, kwargs)
    except Exception:  # the task records its own failure; the request that queued it must not fail
        logger.exception("task %s failed", path)


def enqueue(path: str, **kwargs: Any) -> None:
    """Queue `path(**kwargs)` (a dotted function path, JSON-serialisable kwargs) after commit."""
    transaction.on_commit(lambda: _dispatch(path, kwargs))
