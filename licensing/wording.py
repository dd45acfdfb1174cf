"""How each notice of the Administrative Licensing Law is worded, in Chinese and English: one builder per
`NoticeKind`, registered with `notices.notice_builders`. The service functions say *that* a notice goes
out and with which facts; what it says is written here once."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from services.calendar import get_calendar

from .constants import NoticeKind, PauseKind
from .models import Application, ClockPause
from .notices import Wording, notice_builders

REMEDIES_ZH = (
    "如不服本决定，可自收到本决定书之日起六十日内依法申请行政复议，或者自收到之日起六个月内依法向人民法院提起行政诉讼。"
)
REMEDIES_EN = (
    "If you disagree with this decision you may apply for administrative reconsideration within 60 days of "
    "receiving it, or bring an administrative lawsuit before a people's court within 6 months."
)


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _zh_day(day: dt.date) -> str:
    return f"{day:%Y年%m月%d日}"


def _in(language: str, label) -> str:
    with translation.override(language):
        return str(label)


@notice_builders.register(NoticeKind.RECEIPT, title_en="Receipt of application")
def receipt(application: Application, *, on: dt.date) -> Wording:
    service = application.service_type
    return Wording(
        lines_zh=[f"我机关于{_zh_day(on)}收到你单位提交的“{service.name_zh}”申请材料"
                  f"（办件编号 {application.case_number}）。",
                  f"我机关将在{service.acceptance_limit}个工作日内作出受理、一次性告知补正或不予受理的决定；"
                  "逾期未告知补正的，自收到申请材料之日起即为受理。"],
        lines_en=[f"We received your application '{service.name_en}' on {on.isoformat()} "
                  f"(case {application.case_number}).",
                  f"Within {service.acceptance_limit} working days we will accept it, ask once for every missing "
                  "item, or decide not to accept it; without such a notice it counts as accepted as of the day of "
                  "receipt."],
    )


def _acceptance(application: Application, *, on: dt.date, deemed: bool) -> Wording:
    if deemed:
        lead_zh = (f"你单位于{_zh_day(application.received_on)}提交的申请，我机关未在法定期限内作出处理，"
                   f"依照《中华人民共和国行政许可法》第三十二条，自收到申请材料之日（{_zh_day(on)}）起即为受理。")
        lead_en = "Your application is accepted by operation of law as of the day of receipt (Art. 32)."
    else:
        lead_zh = f"经审查，你单位提交的“{application.service_type.name_zh}”申请材料齐全、符合法定形式，决定予以受理。"
        lead_en = "Your application is complete and is accepted."
    committed, statutory = _day(application.committed_due), _day(application.statutory_due)
    phone = application.authority.complaint_phone
    return Wording(
        lines_zh=[lead_zh,
                  f"受理日期：{_zh_day(on)}；承诺办结日期：{committed}；法定办结期限：{statutory}"
                  "（专家评审、现场核查等时间不计入）。",
                  f"如有疑问或投诉，请致电 {phone}。"],
        lines_en=[lead_en,
                  f"Accepted on {on.isoformat()}; promised decision by {committed}; statutory limit {statutory} "
                  "(expert review and site inspection time not counted).",
                  f"Questions or complaints: {phone}."],
        facts={"accepted_on": on, "committed_due": application.committed_due,
               "statutory_due": application.statutory_due, "deemed": deemed},
    )


@notice_builders.register(NoticeKind.ACCEPTANCE, title_en="Notice of acceptance")
def acceptance(application: Application, *, on: dt.date) -> Wording:
    return _acceptance(application, on=on, deemed=False)


@notice_builders.register(NoticeKind.DEEMED_ACCEPTANCE, title_en="Notice of acceptance by operation of law")
def deemed_acceptance(application: Application, *, on: dt.date) -> Wording:
    return _acceptance(application, on=on, deemed=True)


@notice_builders.register(NoticeKind.CORRECTION, title_en="One-time notice to complete the application")
def correction(application: Application, *, items: list[dict], titles: list[tuple[str, str]]) -> Wording:
    """`items` as stored on the correction notice; `titles` their (zh, en) names, in the same order."""
    numbered = list(enumerate(zip(items, titles, strict=True), start=1))
    return Wording(
        lines_zh=["经审查，你单位提交的申请材料不齐全或者不符合法定形式，请补正以下全部事项后重新提交：",
                  *(f"{n}. {zh}：{item['reason']}" for n, (item, (zh, _en)) in numbered),
                  "补正材料提交后，受理期限重新计算。"],
        lines_en=["Your application is incomplete. Please complete all of the following and resubmit:",
                  *(f"{n}. {en}: {item['reason']}" for n, (item, (_zh, en)) in numbered),
                  "The acceptance period starts again when you resubmit."],
        facts={"items": items},
    )


@notice_builders.register(NoticeKind.NON_ACCEPTANCE, title_en="Decision not to accept the application")
def non_acceptance(application: Application) -> Wording:
    reason, elsewhere = application.non_acceptance_reason, application.competent_authority
    lines_zh = [f"经审查，你单位提交的“{application.service_type.name_zh}”申请，决定不予受理。理由：{reason}"]
    lines_en = [f"We decided not to accept your application. Reason: {reason}"]
    if elsewhere:
        lines_zh.append(f"该申请事项依法不属于本机关职权范围，请向{elsewhere}申请。")
        lines_en.append(f"The matter is for another authority: please apply to {elsewhere}.")
    return Wording(lines_zh=[*lines_zh, REMEDIES_ZH], lines_en=[*lines_en, REMEDIES_EN], facts={"reason": reason})


@notice_builders.register(NoticeKind.PAUSE, title_en="Notice of a special procedure (clock stopped)")
def pause(application: Application, *, pause: ClockPause) -> Wording:
    expected_end = get_calendar().add_working_days(pause.started_on, pause.expected_days)
    label = PauseKind(pause.kind).label
    return Wording(
        lines_zh=[f"你单位的申请需进行{_in('zh-hans', label)}，"
                  "依照《中华人民共和国行政许可法》第四十五条，所需时间不计入办理期限。",
                  f"自{_zh_day(pause.started_on)}起，预计需要{pause.expected_days}个工作日"
                  f"（约至{_zh_day(expected_end)}）。理由：{pause.reason}"],
        lines_en=[f"Your application needs a special procedure ({_in('en', label).lower()}); by Art. 45 of the "
                  "Administrative Licensing Law its time is not counted.",
                  f"From {pause.started_on.isoformat()}, expected to take {pause.expected_days} working days "
                  f"(until about {expected_end.isoformat()}). Reason: {pause.reason}"],
        facts={"kind": pause.kind, "expected_days": pause.expected_days, "expected_end": expected_end},
    )


@notice_builders.register(NoticeKind.RESUME, title_en="Notice that the special procedure has ended")
def resume(application: Application, *, pause: ClockPause) -> Wording:
    committed, statutory = _day(application.committed_due), _day(application.statutory_due)
    return Wording(
        lines_zh=[f"{_in('zh-hans', PauseKind(pause.kind).label)}已于{_zh_day(pause.ended_on)}结束，"
                  f"结果：{pause.result}",
                  f"办理期限恢复计算，承诺办结日期调整为{committed}，法定办结期限调整为{statutory}。"],
        lines_en=[f"The special procedure ended on {pause.ended_on.isoformat()}. Result: {pause.result}",
                  f"The clock runs again: promised decision by {committed}, statutory limit {statutory}."],
    )


@notice_builders.register(NoticeKind.EXTENSION, title_en="Notice of extension of the time limit")
def extension(application: Application) -> Wording:
    days, reason, due = application.extension_days, application.extension_reason, application.statutory_due
    return Wording(
        lines_zh=[f"因{reason}，经本机关负责人批准，审查期限延长{days}个工作日（《中华人民共和国行政许可法》第四十二条）。",
                  f"办结期限调整为{_day(due)}。"],
        lines_en=[f"With the head of the authority's approval the time limit is extended by {days} working days "
                  f"(Art. 42). Reason: {reason}", f"New time limit: {_day(due)}."],
        facts={"days": days, "statutory_due": due},
    )


@notice_builders.register(NoticeKind.GRANT, title_en="Decision to grant the licence")
def grant(application: Application) -> Wording:
    service, opinion, due = application.service_type, application.opinion, _day(application.issuance_due)
    return Wording(
        lines_zh=[f"经审查，你单位申请的“{service.name_zh}”符合法定条件、标准，依照《中华人民共和国行政许可法》"
                  "第三十八条，决定准予行政许可。", f"审批意见：{opinion}",
                  f"电子证照将于{due}前颁发，可在网上下载并扫码核验。"],
        lines_en=[f"Your application '{service.name_en}' meets the legal conditions and is granted (Art. 38).",
                  f"Opinion: {opinion}", f"The electronic certificate will be issued by {due}."],
    )


@notice_builders.register(NoticeKind.REFUSAL, title_en="Decision to refuse the licence")
def refusal(application: Application) -> Wording:
    reasons, basis = application.refusal_reasons, application.refusal_legal_basis
    return Wording(
        lines_zh=[f"经审查，你单位申请的“{application.service_type.name_zh}”不符合法定条件，决定不予行政许可。",
                  f"理由：{reasons}", f"依据：{basis}", REMEDIES_ZH],
        lines_en=["Your application does not meet the legal conditions and is refused.",
                  f"Reasons: {reasons}", f"Legal basis: {basis}", REMEDIES_EN],
        facts={"reasons": reasons, "legal_basis": basis},
    )


@notice_builders.register(NoticeKind.WITHDRAWAL, title_en="Confirmation of withdrawal")
def withdrawal(application: Application, *, on: dt.date) -> Wording:
    return Wording(
        lines_zh=[f"你单位已于{_zh_day(on)}撤回“{application.service_type.name_zh}”申请，本件办结。"],
        lines_en=[f"You withdrew the application on {on.isoformat()}; the case is closed."],
    )
