"""Intake (Art. 32): accept, the one-time correction notice, resubmission, refusal to accept."""

from __future__ import annotations

import datetime as dt

from django_fsm import can_proceed

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from services.catalog.forms import form_schema

from .. import correction
from ..constants import NoticeKind, Stage
from ..deadlines import today
from ..models import Application, CorrectionNotice
from ..notices import notice_issue
from .core import finish, locked, move
from .errors import Invalid, NotAllowed
from .filing import missing_items

# --- intake --------------------------------------------------------------------------------------

@transaction.atomic
def application_accept(*, application: Application, actor, opinion: str = "") -> Application:
    application = locked(application)
    before = move(application, "accept", actor)
    return _accepted(application, actor, before, on=today(), deemed=False, reason=opinion)


def _accepted(application: Application, actor, before: str, *, on: dt.date, deemed: bool, reason: str = ""):
    application.accepted_at = timezone.now()
    application.accepted_on = on
    application.deemed_accepted = deemed
    application.stage = Stage.HANDLING
    finish(application, actor, "deem_accepted" if deemed else "accept", before, reason=reason,
            fields=("accepted_at", "accepted_on", "deemed_accepted"))
    kind = NoticeKind.DEEMED_ACCEPTANCE if deemed else NoticeKind.ACCEPTANCE
    notice_issue(application=application, kind=kind, on=on)
    return application


@transaction.atomic
def application_request_correction(*, application: Application, actor, items: list[dict]) -> Application:
    if application.parent_id:  # the filing first, as every act on a joint filing locks it
        locked(application.parent_id)
    application = locked(application)
    method = application.request_correction
    if can_proceed(method, check_conditions=False) and not can_proceed(method):
        raise NotAllowed(_("依照《行政许可法》第三十二条，补正只能一次性告知；本件已告知过补正，不能再次告知。"),
                         state=application.state)
    filing = application.filing
    materials = {m.code: m for m in filing.service_type.materials.all()}
    properties = form_schema(filing.service_type.code)["properties"]
    items = _correction_items(application, items, materials=materials, properties=properties)
    before = move(application, "request_correction", actor)
    snapshot = correction.snapshot(items, data=filing.data, current=correction.current_submissions(filing))
    CorrectionNotice.objects.create(application=application, items=items, snapshot=snapshot,
                                    issued_at=timezone.now(), issued_by=actor)
    application.correction_rounds += 1
    finish(application, actor, "request_correction", before, data={"items": items}, fields=("correction_rounds",))
    titles = [correction.titles(i, materials=materials, properties=properties) for i in items]
    notice_issue(application=application, kind=NoticeKind.CORRECTION, items=items, titles=titles)
    return application


def _correction_items(application: Application, items, *, materials: dict, properties: dict) -> list[dict]:
    """The notice's items, checked and normalised: each names a material the applicant hands in
    (for a track: the track's own or a shared one) or the form (or one of its fields), with a reason."""
    errors: dict[str, list[str]] = {}
    clean: list[dict] = []
    if not items:
        errors["items"] = [_("请列出全部需要补正的事项（一次性告知）。")]
    track = application.service_type.code if application.parent_id else None
    for index, item in enumerate(items or []):
        item = item if isinstance(item, dict) else {}
        code, field = item.get("material"), item.get("field") or ""
        reason = str(item.get("reason") or "").strip()
        if not reason:
            errors[f"items.{index}.reason"] = [_("请说明补正理由。")]
        material = materials.get(code)
        if code != correction.DATA and material is None:
            errors[f"items.{index}.material"] = [_("没有这项材料。")]
        elif material is not None and not material.accepts_upload:
            errors[f"items.{index}.material"] = [_("该材料无需申请人提交，不能要求补正。")]
        elif material is not None and track and material.tracks and track not in material.tracks:
            errors[f"items.{index}.material"] = [_("该材料不属于本分项。")]
        if field and code != correction.DATA:
            errors[f"items.{index}.field"] = [_("只有申请信息可以指明字段。")]
        elif field and field not in properties:
            errors[f"items.{index}.field"] = [_("申请表中没有这个字段。")]
        entry = {"material": code, "reason": reason}
        if field:
            entry["field"] = field
        clean.append(entry)
    if errors:
        raise Invalid(_("补正通知有误。"), errors=errors)
    return clean


class CorrectionOutstanding(Invalid):
    """Resubmission before every item of the correction notice has changed."""

    code = "correction_outstanding"


@transaction.atomic
def application_resubmit(*, application: Application, actor) -> Application:
    if application.parent_id:
        locked(application.parent_id)
    application = locked(application)
    before = move(application, "resubmit", actor)
    on = today()
    filing = application.filing
    notice = correction.open_notice(application)
    changed: dict = {}
    if notice is not None:
        current = correction.current_submissions(filing)
        left = correction.notice_outstanding(notice, filing=filing, current=current)
        if left:
            raise CorrectionOutstanding(_("补正通知所列事项尚未全部补正，不能重新提交。"), errors={"outstanding": left})
        changed = correction.changes(notice.items, notice.snapshot or {}, data=filing.data, current=current)
    problems = missing_items(filing, on=on)
    if problems:
        raise Invalid(_("申请尚不完整，不能重新提交。"), errors={"missing": problems})
    application.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    application.acceptance_clock_from = on
    return finish(application, actor, "resubmit", before, data=changed, fields=("acceptance_clock_from",))


@transaction.atomic
def application_refuse_acceptance(*, application: Application, actor, reason: str,
                                  competent_authority: str = "") -> Application:
    if not reason.strip():
        raise Invalid(_("请说明不予受理的理由。"), errors={"reason": [_("此项为必填项。")]})
    application = locked(application)
    before = move(application, "refuse_acceptance", actor)
    application.non_acceptance_reason = reason
    application.competent_authority = competent_authority
    application.closed_at = timezone.now()
    finish(application, actor, "refuse_acceptance", before, reason=reason,
            data={"competent_authority": competent_authority},
            fields=("non_acceptance_reason", "competent_authority", "closed_at"))
    notice_issue(application=application, kind=NoticeKind.NON_ACCEPTANCE)
    return application
