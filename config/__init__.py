"""Settings and wiring. The Celery app is created with the package, so that every process (web,
management commands, worker, beat) sends tasks through it."""

from .celery import app as celery_app

__all__ = ["celery_app"]
