"""Issuing (Art. 44): the case moves to `issued` once its certificate exists. A failed attempt is
recorded on the case: a reasoned refusal (permanent) waits for the approver, anything else
(transient) is retried with exponential backoff until it works or has failed too often. The
approver — or an administrator — issues again by hand."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import issuance
from ..caselog import log_append
from ..constants import CaseVerb, State
from ..deadlines import today
from ..models import Application
from ..permissions import perm_role
from .core import finish, locked, move
from .errors import Forbidden, Invalid, NotAllowed, Unavailable

# Transient failures are retried after 1, 2, 4 … minutes (at most an hour apart); the attempt that
# fails the MAX_ATTEMPTS-th time makes the failure permanent, for the approver to look at.
RETRY_FIRST_MINUTES = 1
RETRY_MAX_MINUTES = 60
MAX_ATTEMPTS = 8
REASON_LENGTH = 2000


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt (1 → 1 minute, doubling, capped)."""
    return dt.timedelta(minutes=min(RETRY_FIRST_MINUTES * 2 ** max(attempts - 1, 0), RETRY_MAX_MINUTES))


@transaction.atomic
def application_mark_issued(*, application: Application, actor, data: dict | None = None,
                            locked_here: bool = False) -> Application:
    """Called by the certificate issuer inside its transaction once the certificate exists.
    `locked_here`: the issuer took `application` with `locked` in this transaction (its row lock is
    held and the instance is the row as locked), so it is not read and locked a second time."""
    if not locked_here:
        application = locked(application)
    before = move(application, "mark_issued", actor, system=True)
    application.issued_at = timezone.now()
    application.issued_on = today()
    application.closed_at = application.issued_at
    application.issue_error = ""
    application.issue_error_permanent = False
    application.issue_retry_at = None
    return finish(application, actor, CaseVerb.ISSUE, before, data=data,
                  fields=("issued_at", "issued_on", "closed_at", "issue_error", "issue_error_permanent",
                          "issue_retry_at"))


@transaction.atomic
def application_record_issue_failure(*, application: Application, reason: str, permanent: bool,
                                     actor=None) -> Application:
    """Record a failed attempt. A permanent one stops the retries and is logged once (the same
    reason again writes no new row); a transient one schedules the next attempt, unlogged, until
    MAX_ATTEMPTS make it permanent."""
    application = locked(application)
    if application.state != State.APPROVED:
        return application  # issued (or otherwise moved on) meanwhile: nothing failed any more
    reason = reason.strip()[:REASON_LENGTH] or _("未知原因")
    if not permanent:
        application.issue_attempts += 1
        if application.issue_attempts >= MAX_ATTEMPTS:
            permanent = True
            reason = (_("发证多次失败：%(reason)s") % {"reason": reason})[:REASON_LENGTH]
    recorded = application.issue_error_permanent and application.issue_error == reason
    application.issue_error = reason
    application.issue_error_permanent = permanent
    application.issue_retry_at = None if permanent else timezone.now() + retry_delay(application.issue_attempts)
    application.save(update_fields=["issue_error", "issue_error_permanent", "issue_attempts", "issue_retry_at",
                                    "updated_at"])
    if permanent and not recorded:
        log_append(application=application, actor=actor, verb=CaseVerb.ISSUE_FAILED, from_state=application.state,
                   to_state=application.state, reason=reason,
                   data={"permanent": True, "attempts": application.issue_attempts})
    return application


def application_can_issue_again(*, application: Application, user) -> bool:
    """The approvers of the case's authority, and administrators (superusers)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or perm_role("approver")(application, user)


def application_issue_again(*, application: Application, actor) -> Application:
    """Issue an approved case's certificate now (after a failure, or before the next automatic
    retry). A permanent failure raises Invalid (400) and stays recorded; a transient one is recorded
    with its retry scheduled and raises Unavailable (503). Not one transaction: the recorded failure
    must survive the error."""
    application = Application.objects.select_related("service_type", "authority").get(pk=application.pk)
    if not application_can_issue_again(application=application, user=actor):
        raise Forbidden(_("只有本机关的审批人员可以发证。"), state=application.state)
    with transaction.atomic():
        application = locked(application)
        if application.state != State.APPROVED or application.joint:
            raise NotAllowed(_("该办件不在待发证状态。"), state=application.state)
        application.issue_attempts = 0
        application.issue_retry_at = None
        application.save(update_fields=["issue_attempts", "issue_retry_at", "updated_at"])
    outcome = issuance.issue_now(application_id=application.pk, actor=actor)
    application.refresh_from_db()
    if outcome.issued or application.state == State.ISSUED:
        return application
    if outcome.skipped:
        raise NotAllowed(_("该办件不在待发证状态。"), state=application.state)
    if outcome.permanent:
        raise Invalid(_("发证失败：%(reason)s") % {"reason": outcome.reason},
                      errors={"issue_error": [outcome.reason]}, state=application.state, code="issue_refused")
    raise Unavailable(_("发证暂时失败，系统将自动重试：%(reason)s") % {"reason": outcome.reason},
                      state=application.state)
