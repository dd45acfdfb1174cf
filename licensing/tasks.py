"""Licensing's tasks: thin, registered wrappers (imports inside, so that registering them imports
nothing else) around the functions that do the work."""

from django.conf import settings

from services.tasks import periodic, task

# Transient issuing failures wait 1 minute or more before their next attempt.
ISSUE_RETRY_INTERVAL_SECONDS = 60


@task
def issue_certificate(*, application_id: int, actor_id: int | None) -> None:
    from .issuance import issue_after_approval

    issue_after_approval(application_id=application_id, actor_id=actor_id)


@task
def send_notification_email(*, notification_id: int) -> None:
    from .notices import send_notification_email as send

    send(notification_id=notification_id)


@task
def sweep_deadlines() -> None:
    from .workflow import deadlines_sweep

    deadlines_sweep()


periodic(sweep_deadlines, every=settings.TONGBAN_SWEEP_INTERVAL_SECONDS)


@task
def retry_issuance() -> None:
    """Issue again the approved cases whose certificate failed for a passing reason."""
    from .issuance import retry_due_issuance

    retry_due_issuance()


periodic(retry_issuance, every=ISSUE_RETRY_INTERVAL_SECONDS)
