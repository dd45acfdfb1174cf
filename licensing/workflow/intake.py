"""Intake (Art. 32): accept, the one-time correction notice, resubmission, refusal to accept."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..constants import NoticeKind
from ..deadlines import today
from ..models import Application, CorrectionNotice
from ..notices import REMEDIES_EN, REMEDIES_ZH, notice_create
from .core import finish, fmt, locked, move
from .errors import Invalid
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
    finish(application, actor, "deem_accepted" if deemed else "accept", before, reason=reason,
            fields=("accepted_at", "accepted_on", "deemed_accepted"))
    kind = NoticeKind.DEEMED_ACCEPTANCE if deemed else NoticeKind.ACCEPTANCE
    if deemed:
        lead = (f"你单位于{application.received_on:%Y年%m月%d日}提交的申请，我机关未在法定期限内作出处理，"
                f"依照《中华人民共和国行政许可法》第三十二条，自收到申请材料之日（{on:%Y年%m月%d日}）起即为受理。")
    else:
        lead = f"经审查，你单位提交的“{application.service_type.name_zh}”申请材料齐全、符合法定形式，决定予以受理。"
    notice_create(
        application=application, kind=kind,
        lines_zh=[lead,
                  f"受理日期：{on:%Y年%m月%d日}；承诺办结日期：{fmt(application.committed_due)}；"
                  f"法定办结期限：{fmt(application.statutory_due)}（专家评审、现场核查等时间不计入）。",
                  f"如有疑问或投诉，请致电 {application.authority.complaint_phone}。"],
        lines_en=[("Your application is accepted by operation of law as of the day of receipt." if deemed else
                   "Your application is complete and is accepted."),
                  f"Accepted on {on.isoformat()}; promised decision by {fmt(application.committed_due)}; statutory "
                  f"limit {fmt(application.statutory_due)} (expert review and site inspection time not counted).",
                  f"Questions or complaints: {application.authority.complaint_phone}."],
        facts={"accepted_on": on, "committed_due": application.committed_due,
               "statutory_due": application.statutory_due, "deemed": deemed},
    )
    return application


@transaction.atomic
def application_request_correction(*, application: Application, actor, items: list[dict]) -> Application:
    application = locked(application)
    codes = {m.code: m for m in application.filing.service_type.materials.all()}
    errors = {}
    if not items:
        errors["items"] = [_("请列出全部需要补正的事项（一次性告知）。")]
    for index, item in enumerate(items or []):
        if not isinstance(item, dict) or not str(item.get("reason", "")).strip():
            errors[f"items.{index}.reason"] = [_("请说明补正理由。")]
        material = item.get("material") if isinstance(item, dict) else None
        if material not in codes and material != "data":
            errors[f"items.{index}.material"] = [_("没有这项材料。")]
    if errors:
        raise Invalid(_("补正通知有误。"), errors=errors)
    before = move(application, "request_correction", actor)
    CorrectionNotice.objects.create(application=application, items=items, issued_at=timezone.now(), issued_by=actor)
    application.correction_rounds += 1
    finish(application, actor, "request_correction", before, data={"items": items}, fields=("correction_rounds",))
    names = {code: m.name_zh for code, m in codes.items()} | {"data": _("申请信息")}
    names_en = {code: m.name_en for code, m in codes.items()} | {"data": "application details"}
    notice_create(
        application=application, kind=NoticeKind.CORRECTION,
        lines_zh=["经审查，你单位提交的申请材料不齐全或者不符合法定形式，请补正以下全部事项后重新提交："]
        + [f"{n}. {names[i['material']]}：{i['reason']}" for n, i in enumerate(items, start=1)]
        + ["补正材料提交后，受理期限重新计算。"],
        lines_en=["Your application is incomplete. Please complete all of the following and resubmit:"]
        + [f"{n}. {names_en[i['material']]}: {i['reason']}" for n, i in enumerate(items, start=1)]
        + ["The acceptance period starts again when you resubmit."],
        facts={"items": items},
    )
    return application


@transaction.atomic
def application_resubmit(*, application: Application, actor) -> Application:
    application = locked(application)
    before = move(application, "resubmit", actor)
    on = today()
    problems = missing_items(application.filing, on=on)
    if problems:
        raise Invalid(_("申请尚不完整，不能重新提交。"), errors={"missing": problems})
    application.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    application.acceptance_clock_from = on
    return finish(application, actor, "resubmit", before, fields=("acceptance_clock_from",))


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
    lines = [f"经审查，你单位提交的“{application.service_type.name_zh}”申请，决定不予受理。理由：{reason}"]
    lines_en = [f"We decided not to accept your application. Reason: {reason}"]
    if competent_authority:
        lines.append(f"该申请事项依法不属于本机关职权范围，请向{competent_authority}申请。")
        lines_en.append(f"The matter is for another authority: please apply to {competent_authority}.")
    notice_create(application=application, kind=NoticeKind.NON_ACCEPTANCE, lines_zh=[*lines, REMEDIES_ZH],
                  lines_en=[*lines_en, REMEDIES_EN], facts={"reason": reason})
    return application
