"""The issuance hook: the certificates app registers its issuer here (in AppConfig.ready) so that
licensing never imports certificates. Approval queues `issue_after_approval` after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth import get_user_model

from .constants import State
from .models import Application

logger = logging.getLogger(__name__)

class IssueRefused(Exception):
    """An issuer's reasoned refusal (e.g. the licence to renew is not on record): recorded on the case
    for the approver, logged without a traceback."""


# kind of certificate → callable(*, application, actor) that issues it and calls
# licensing.workflow.application_mark_issued in its own transaction.
issuers: dict[str, Callable] = {}


def register_issuer(kind: str, issuer: Callable) -> None:
    issuers[kind] = issuer


def issuer_for(application: Application) -> Callable | None:
    return issuers.get(application.service_type.certificate_kind) or issuers.get("*")


def issue_after_approval(*, application_id: int, actor_id: int | None) -> None:
    from .workflow import application_mark_issued, application_record_issue_failure

    application = Application.objects.select_related("service_type").get(pk=application_id)
    if application.state != State.APPROVED:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    issuer = issuer_for(application)
    try:
        if issuer is None:
            # Nothing to print (e.g. a cancellation): the grant decision is the delivered document.
            application_mark_issued(application=application, actor=actor, data={"certificate": None})
        else:
            issuer(application=application, actor=actor)
    except IssueRefused as exc:
        logger.warning("certificate of %s not issued: %s", application.case_number, exc)
        application_record_issue_failure(application=application, reason=str(exc))
    except Exception as exc:  # recorded on the case; an approver retries with POST .../issue/
        logger.exception("issuing the certificate of %s failed", application.case_number)
        application_record_issue_failure(application=application, reason=f"{type(exc).__name__}: {exc}")
