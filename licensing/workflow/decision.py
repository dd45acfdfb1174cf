"""Decision (批准): extension (Art. 42), grant, refusal through legal review, withdrawal, issuing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from services.tasks import enqueue

from .. import tasks
from ..caselog import log_append
from ..constants import DECIDED_STATES, FINAL_STATES, NoticeKind, Stage
from ..deadlines import deadlines_recompute, today
from ..hooks import after_approval
from ..models import Application
from ..notices import notice_issue
from .core import finish, locked, mark_decided, move, save_state
from .errors import Forbidden, Invalid, NotAllowed
from .joint import joint_follow


@transaction.atomic
def application_extend(*, application: Application, actor, days: int, reason: str) -> Application:
    application = locked(application)
    allowance = application.service_type.extension_limit
    errors = {}
    if not isinstance(days, int) or not 1 <= days <= max(allowance, 1):
        errors["days"] = [_("延长天数应为1至%(max)d个工作日。") % {"max": allowance}]
    if not reason.strip():
        errors["reason"] = [_("延长须说明理由并告知申请人。")]
    if errors:
        raise Invalid(_("延期信息有误。"), errors=errors)
    before = move(application, "extend", actor)
    application.extension_days = days
    application.extension_reason = reason
    finish(application, actor, "extend", before, reason=reason, data={"days": days},
            fields=("extension_days", "extension_reason"))
    notice_issue(application=application, kind=NoticeKind.EXTENSION)
    return application



@transaction.atomic
def application_approve(*, application: Application, actor, opinion: str) -> Application:
    if not opinion.strip():
        raise Invalid(_("请填写审批意见。"), errors={"opinion": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "approve", actor)
    application.opinion = opinion
    mark_decided(application)
    finish(application, actor, "approve", before, reason=opinion, fields=("opinion", "decided_at", "decided_on"))
    after_approval(application=application)
    notice_issue(application=application, kind=NoticeKind.GRANT)
    enqueue(tasks.issue_certificate, application_id=application.pk,
            actor_id=actor.pk if actor else None)
    return application


@transaction.atomic
def application_propose_refusal(*, application: Application, actor, reasons: str, legal_basis: str) -> Application:
    errors = {}
    if not reasons.strip():
        errors["reasons"] = [_("此项为必填项。")]
    if not legal_basis.strip():
        errors["legal_basis"] = [_("此项为必填项。")]
    if errors:
        raise Invalid(_("不予许可须说明理由和依据。"), errors=errors)
    application = locked(application)
    before = move(application, "propose_refusal", actor)
    application.refusal_reasons = reasons
    application.refusal_legal_basis = legal_basis
    application.refusal_proposed_by = actor
    return finish(application, actor, "propose_refusal", before, reason=reasons, data={"legal_basis": legal_basis},
                  fields=("refusal_reasons", "refusal_legal_basis", "refusal_proposed_by"))


@transaction.atomic
def application_confirm_refusal(*, application: Application, actor, opinion: str = "") -> Application:
    application = locked(application)
    before = move(application, "confirm_refusal", actor)
    mark_decided(application)
    application.closed_at = application.decided_at
    finish(application, actor, "confirm_refusal", before, reason=opinion,
            fields=("decided_at", "decided_on", "closed_at"))
    notice_issue(application=application, kind=NoticeKind.REFUSAL)
    return application


@transaction.atomic
def application_return(*, application: Application, actor, opinion: str) -> Application:
    if not opinion.strip():
        raise Invalid(_("请说明退回理由。"), errors={"opinion": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "return_to_review", actor)
    application.refusal_reasons = ""
    application.refusal_legal_basis = ""
    application.refusal_proposed_by = None
    application.stage = Stage.HANDLING  # the handling officer examines the case again
    return finish(application, actor, "return", before, reason=opinion,
                  fields=("refusal_reasons", "refusal_legal_basis", "refusal_proposed_by"))


@transaction.atomic
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    application = locked(application)
    if application.parent_id:
        raise NotAllowed(_("联办事项请撤回整个联办申请。"), state=application.state)
    targets = [application, *[locked(t) for t in application.tracks.all()]] if application.joint else [application]
    if application.joint:
        if application.applicant.user_id != actor.pk:
            raise Forbidden(_("您无权撤回该申请。"))
        if any(t.state in DECIDED_STATES for t in targets[1:]) or application.state in FINAL_STATES:
            raise NotAllowed(_("已作出决定的申请不能撤回。"), state=application.state)
        for track in targets[1:]:
            if track.state not in FINAL_STATES:
                before = move(track, "withdraw", actor)
                track.closed_at = timezone.now()
                deadlines_recompute(track)
                save_state(track, "closed_at")
                log_append(application=track, actor=actor, verb="withdraw", from_state=before, to_state=track.state,
                           reason=reason)
        joint_follow(parent_id=application.pk, actor=actor)
        application.refresh_from_db()
    else:
        before = move(application, "withdraw", actor)
        application.closed_at = timezone.now()
        finish(application, actor, "withdraw", before, reason=reason, fields=("closed_at",))
    notice_issue(application=application, kind=NoticeKind.WITHDRAWAL, on=today())
    return application
