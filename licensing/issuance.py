"""The issuance hook: the certificates app registers its issuer here (in AppConfig.ready) so that
licensing never imports certificates. Approval queues the issuing task after commit; a transient
failure is retried by the periodic `retry_due_issuance`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .constants import State
from .models import Application

logger = logging.getLogger(__name__)

# An approved case whose issuing task never ran (a worker lost it, a broker dropped it) is picked up
# by the retry sweep once it has waited this long with nothing recorded.
UNSTARTED_AFTER = dt.timedelta(minutes=10)
RETRY_BATCH = 100


class IssueRefused(Exception):
    """An issuer's reasoned refusal (e.g. the licence to renew is no longer valid): a permanent
    failure, recorded on the case for the approver and not retried; logged without a traceback."""


# kind of certificate → callable(*, application, actor) that issues it and calls
# licensing.workflow.application_mark_issued in its own transaction.
issuers: dict[str, Callable] = {}


def register_issuer(kind: str, issuer: Callable) -> None:
    issuers[kind] = issuer


def issuer_for(application: Application) -> Callable | None:
    return issuers.get(application.service_type.certificate_kind) or issuers.get("*")


@dataclass(frozen=True)
class IssueOutcome:
    issued: bool
    permanent: bool = False
    reason: str = ""
    skipped: bool = False  # not (or no longer) an approved case, or another runner holds it


def issue_now(*, application_id: int, actor, skip_locked: bool = False,
              due_at: dt.datetime | None = None) -> IssueOutcome:
    """Run the issuer for an approved case under its row lock and record a failure: an IssueRefused
    is permanent, any other exception transient (retried later). With `due_at`, only a case whose
    retry is due by then (another runner may have just rescheduled it)."""
    from .workflow import application_mark_issued, application_record_issue_failure

    with transaction.atomic():
        application = (Application.objects.select_for_update(of=("self",), skip_locked=skip_locked)
                       .select_related("service_type").filter(pk=application_id).first())
        if application is None or application.state != State.APPROVED or application.joint:
            return IssueOutcome(issued=False, skipped=True)
        if due_at is not None and (application.issue_error_permanent or (
                application.issue_retry_at is not None and application.issue_retry_at > due_at)):
            return IssueOutcome(issued=False, skipped=True)
        issuer = issuer_for(application)
        try:
            with transaction.atomic():  # a failure rolls back to here; the row lock and the record stay
                if issuer is None:
                    # Nothing to print (e.g. a cancellation): the grant decision is the delivered document.
                    application_mark_issued(application=application, actor=actor, data={"certificate": None})
                else:
                    issuer(application=application, actor=actor)
        except IssueRefused as exc:
            logger.warning("certificate of %s not issued: %s", application.case_number, exc)
            recorded = application_record_issue_failure(application=application, reason=str(exc), permanent=True,
                                                        actor=actor)
        except Exception as exc:  # transient: recorded on the case and retried with backoff
            logger.exception("issuing the certificate of %s failed", application.case_number)
            recorded = application_record_issue_failure(application=application,
                                                        reason=f"{type(exc).__name__}: {exc}", permanent=False,
                                                        actor=actor)
        else:
            return IssueOutcome(issued=True)
    return IssueOutcome(issued=False, permanent=recorded.issue_error_permanent, reason=recorded.issue_error)


def issue_after_approval(*, application_id: int, actor_id: int | None) -> None:
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    issue_now(application_id=application_id, actor=actor)


def retry_due_issuance(*, now: dt.datetime | None = None) -> int:
    """Issue again the approved cases whose retry is due (and those whose first attempt never ran);
    returns how many were attempted. Two runners never take the same case (skip locked rows);
    the issuer is idempotent besides."""
    now = now or timezone.now()
    due = (Application.objects.filter(state=State.APPROVED, joint=False, issue_error_permanent=False)
           .filter(Q(issue_retry_at__lte=now)
                   | Q(issue_retry_at__isnull=True, issue_error="", decided_at__lte=now - UNSTARTED_AFTER))
           .order_by("issue_retry_at", "pk").values_list("pk", flat=True)[:RETRY_BATCH])
    attempted = 0
    for pk in list(due):
        outcome = issue_now(application_id=pk, actor=None, skip_locked=True, due_at=now)
        attempted += not outcome.skipped
    return attempted
