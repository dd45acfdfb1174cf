"""Celery application, used only when CELERY_BROKER_URL is set (see config.tasks)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("tongban")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "sweep-deadlines": {"task": "config.tasks.run_task", "schedule": 15 * 60,
                        "args": ("licensing.services.deadlines_sweep_task", {})},
}


@app.task(name="config.tasks.run_task", acks_late=True)
def run_task(path: str, kwargs: dict) -> None:
    from config.tasks import run_now

    run_now(path, kwargs)
