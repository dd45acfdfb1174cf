"""The Celery application (`celery -A config worker` / `celery -A config beat`), used when
CELERY_BROKER_URL is set: one generic task runs whatever services.tasks has registered (and a second
one a batch of its outbox jobs), and the beat schedule is the registry's periodic tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from services.tasks import CELERY_BATCH_TASK, CELERY_TASK, deliver, deliver_jobs, periodic_tasks  # noqa: E402

app = Celery("tongban")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Web threads and management commands send through this app too (services.tasks uses current_app).
app.set_default()


def _shadow_name(task, args, kwargs, options) -> str:
    return args[0]


# Logs and monitoring show the registered task's name (services.tasks sends it as `shadow` too).
@app.task(name=CELERY_TASK, acks_late=True, shadow_name=_shadow_name)
def run(name: str, kwargs: dict, job_id: int | None = None) -> None:
    """A registered task: an outbox job (job_id, services.tasks.deliver) or a periodic one from beat."""
    deliver(name, kwargs, job_id)


@app.task(name=CELERY_BATCH_TASK, acks_late=True)
def run_jobs(job_ids: list[int]) -> None:
    """Outbox jobs committed together (services.tasks.dispatch_many), delivered one by one; a message
    delivered twice finds the jobs it ran done."""
    deliver_jobs(job_ids)


def registry_beat_schedule() -> dict:
    """One beat entry per periodic task in the registry; Django's apps must be ready (they register)."""
    return {
        f"periodic:{entry.name}": {"task": CELERY_TASK, "schedule": entry.every, "args": (entry.name, {})}
        for entry in periodic_tasks()
    }


@app.on_after_finalize.connect
def _beat_schedule_from_registry(sender: Celery, **kwargs) -> None:
    # Finalising comes after django.setup() in the worker and beat (Celery's Django fix-up) and in
    # the web process; the setup below only matters to a script that finalises the app first.
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()
    # Entries of a CELERY_BEAT_SCHEDULE setting stay, beside the registry's (the system check
    # tongban.E001 refuses any that names an unknown task).
    sender.conf.beat_schedule = {**registry_beat_schedule(), **sender.conf.beat_schedule}
