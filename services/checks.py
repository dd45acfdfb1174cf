"""System checks: the task schedule names only registered tasks, and a configured broker has the
Celery task that carries them — found at start-up, not when beat first fires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .tasks import CELERY_BATCH_TASK, CELERY_TASK, TaskRegistry, registry


def _entry_errors(source: str, key: str, entry: Any, *, tasks: TaskRegistry, celery_tasks: Any) -> list[Error]:
    task_name = entry.get("task") if isinstance(entry, Mapping) else None
    if task_name == CELERY_TASK:
        args = entry.get("args") or ()
        name = args[0] if args else (entry.get("kwargs") or {}).get("name")
        if name in tasks:
            return []
        return [Error(f"{source} entry {key!r} runs {name!r}, which is not a registered task.",
                      hint="Register the function with services.tasks.task and declare it with "
                           "services.tasks.periodic instead of naming it.",
                      id="tongban.E001")]
    if task_name in tasks:
        # A registered task travels through the generic Celery task, not under its own name.
        return [Error(f"{source} entry {key!r} names the task {task_name!r} as a Celery task.",
                      hint=f"Use {{'task': {CELERY_TASK!r}, 'args': ({task_name!r}, {{}})}} "
                           "or services.tasks.periodic.",
                      id="tongban.E001")]
    if celery_tasks is not None and task_name in celery_tasks:
        return []  # one of Celery's own tasks (e.g. celery.backend_cleanup)
    return [Error(f"{source} entry {key!r} names {task_name!r}, which is not a known task.",
                  hint="Declare periodic tasks with services.tasks.periodic.", id="tongban.E001")]


def task_schedule_errors(*, tasks: TaskRegistry = registry, app: Any = None) -> list[Error]:
    """Errors in the periodic tasks of `tasks`, the Celery app's beat schedule and the
    CELERY_BEAT_SCHEDULE setting. `app` defaults to Celery's current app (config.celery)."""
    if app is None:
        from celery import current_app as app
    errors = [
        Error(f"The periodic task {entry.name!r} is not a registered task.", id="tongban.E001")
        for entry in tasks.periodic() if entry.name not in tasks
    ]
    celery_tasks = app.tasks  # finalises the app, which builds its beat schedule from the registry
    for name in (CELERY_TASK, CELERY_BATCH_TASK) if settings.CELERY_BROKER_URL else ():
        if name not in celery_tasks:
            errors.append(Error(f"CELERY_BROKER_URL is set but the Celery app has no task {name!r}.",
                                hint="The Celery app is config.celery, imported by the config package.",
                                id="tongban.E002"))
    schedules = [("The Celery beat schedule", app.conf.beat_schedule or {}),
                 ("The CELERY_BEAT_SCHEDULE setting", getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {})]
    for source, schedule in schedules:
        for key, entry in schedule.items():
            errors += _entry_errors(source, key, entry, tasks=tasks, celery_tasks=celery_tasks)
    periodic_names = {entry.name for entry in tasks.periodic()}
    scheduled = {entry["args"][0] for entry in (app.conf.beat_schedule or {}).values()
                 if isinstance(entry, Mapping) and entry.get("task") == CELERY_TASK and entry.get("args")}
    errors += [Error(f"The periodic task {name!r} is missing from the Celery beat schedule.", id="tongban.E001")
               for name in sorted(periodic_names - scheduled)]
    return errors


@register("tongban")
def task_schedule_check(app_configs, **kwargs) -> list[Error]:
    return task_schedule_errors()
