"""Review, the handling stage (承办): claiming a case, pauses for special procedures (Art. 45), the
handling officer's opinion that hands the case to the approver, and the approver sending it back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from services.calendar import get_calendar

from ..caselog import log_append
from ..constants import MAX_PAUSE_DAYS, CaseVerb, NoticeKind, PauseKind, Stage
from ..deadlines import today
from ..models import Application, ClockPause
from ..notices import notice_issue
from .core import finish, locked, move, officer_check
from .errors import Invalid, NotAllowed


@transaction.atomic
def application_claim(*, application: Application, actor) -> Application:
    application = locked(application)
    if application.state not in _registry()["claim"].states:
        raise NotAllowed(_("当前状态不能认领。"), state=application.state)
    officer_check(application, actor, "claim")
    application.claimed_by = actor
    application.claimed_at = timezone.now()
    application.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    log_append(application=application, actor=actor, verb=CaseVerb.CLAIM, from_state=application.state,
               to_state=application.state)
    return application


@transaction.atomic
def application_release(*, application: Application, actor) -> Application:
    application = locked(application)
    officer_check(application, actor, "release")
    if application.claimed_by_id != actor.pk:
        raise NotAllowed(_("您未认领该办件。"), state=application.state)
    application.claimed_by = None
    application.claimed_at = None
    application.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    log_append(application=application, actor=actor, verb=CaseVerb.RELEASE, from_state=application.state,
               to_state=application.state)
    return application


@transaction.atomic
def application_pause(*, application: Application, actor, kind: str, expected_days: int, reason: str) -> Application:
    errors = {}
    if kind not in PauseKind.values:
        errors["kind"] = [_("特别程序类型无效。")]
    if not isinstance(expected_days, int) or not 1 <= expected_days <= MAX_PAUSE_DAYS:
        errors["expected_days"] = [_("预计所需工作日应为1至%(max)d之间的整数。") % {"max": MAX_PAUSE_DAYS}]
    if not reason.strip():
        errors["reason"] = [_("此项为必填项。")]
    if errors:
        raise Invalid(_("特别程序信息有误。"), errors=errors)
    application = locked(application)
    before = move(application, "pause", actor)
    on = today()
    pause = ClockPause.objects.create(application=application, kind=kind, reason=reason, expected_days=expected_days,
                              started_on=on, started_at=timezone.now(), started_by=actor)
    finish(application, actor, "pause", before, reason=reason, data={"kind": kind, "expected_days": expected_days})
    notice_issue(application=application, kind=NoticeKind.PAUSE, pause=pause)
    return application


@transaction.atomic
def application_resume(*, application: Application, actor, result: str) -> Application:
    if not result.strip():
        raise Invalid(_("请填写特别程序的结果。"), errors={"result": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "resume", actor)
    pause = application.pauses.get(ended_on__isnull=True)
    pause.ended_on = today()
    pause.ended_at = timezone.now()
    pause.ended_by = actor
    pause.result = result
    pause.save(update_fields=["ended_on", "ended_at", "ended_by", "result"])
    paused_days = get_calendar().working_days(pause.started_on, pause.ended_on)
    finish(application, actor, "resume", before, reason=result, data={"kind": pause.kind, "paused_days": paused_days})
    notice_issue(application=application, kind=NoticeKind.RESUME, pause=pause)
    return application


def _registry():
    from ..verbs import registry

    return registry


@transaction.atomic
def application_recommend(*, application: Application, actor, opinion: str) -> Application:
    """承办意见: the handling officer's findings and proposal; the case moves to the approver."""
    if not opinion.strip():
        raise Invalid(_("请填写承办意见。"), errors={"opinion": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "recommend", actor)
    application.stage = Stage.DECISION
    application.handling_opinion = opinion
    application.recommended_by = actor
    application.recommended_at = timezone.now()
    return finish(application, actor, CaseVerb.RECOMMEND, before, reason=opinion,
                  fields=("handling_opinion", "recommended_by", "recommended_at"))


@transaction.atomic
def application_send_back(*, application: Application, actor, reason: str) -> Application:
    """The approver returns the case to the handling officer, with the reason."""
    if not reason.strip():
        raise Invalid(_("请说明退回理由。"), errors={"reason": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "send_back", actor)
    application.stage = Stage.HANDLING
    return finish(application, actor, CaseVerb.SEND_BACK, before, reason=reason)
