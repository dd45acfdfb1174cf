"""Reads of the after-licence app: officers' task lists and the public announcements."""

from __future__ import annotations

from django.db.models import QuerySet

from licensing.permissions import officer_of

from .constants import CancellationState
from .models import CancellationTask, VerificationTask


def cancellation_tasks_for(*, user, state: str | None = None) -> QuerySet[CancellationTask]:
    """The cancellation tasks of the officer's authority (none for anyone else), open ones first."""
    officer = officer_of(user)
    if officer is None:
        return CancellationTask.objects.none()
    tasks = (CancellationTask.objects.filter(authority_id=officer.authority_id)
             .select_related("certificate", "confirmed_by").order_by("state", "opened_on", "id"))
    return tasks.filter(state=state) if state else tasks


def cancellation_announcements() -> QuerySet[CancellationTask]:
    """Published cancellation notices (Art. 70), newest first: public."""
    return (CancellationTask.objects.filter(state=CancellationState.DONE)
            .select_related("certificate", "authority").order_by("-published_on", "-id"))


def verification_tasks_for(*, user, state: str | None = None) -> QuerySet[VerificationTask]:
    """The verification tasks of the officer's authority, open ones first by due date."""
    officer = officer_of(user)
    if officer is None:
        return VerificationTask.objects.none()
    tasks = (VerificationTask.objects.filter(authority_id=officer.authority_id)
             .select_related("application__certificate").order_by("state", "due_on", "id"))
    return tasks.filter(state=state) if state else tasks


def case_extension(application, request) -> dict:
    """What the case payload (and the officers' case page) shows from aftercare: the applicant's
    running credit record (intake sees it before accepting) and the case's verification task."""
    from django.utils import timezone

    from .verification import credit_message, credit_record_for

    record = credit_record_for(credit_code=application.applicant.credit_code, on=timezone.localdate())
    task = VerificationTask.objects.filter(application=application).first()
    return {
        "credit_record": None if record is None else {
            "reference": record.reference, "starts_on": record.starts_on, "ends_on": record.ends_on,
            "reason": record.reason, "message": credit_message(record)},
        "verification": None if task is None else {
            "id": task.pk, "materials": task.materials, "due_on": task.due_on, "state": task.state},
    }
