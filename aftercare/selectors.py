"""Reads of the after-licence app: officers' task lists and the public announcements."""

from __future__ import annotations

from django.db.models import QuerySet

from licensing.permissions import officer_of

from .constants import CancellationState
from .models import CancellationTask


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
