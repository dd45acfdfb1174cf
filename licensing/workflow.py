"""Service functions for every act on an application: filing, the approval state machine and the
legal clock. Each runs in one transaction under the application's row lock, moves the state
through django-fsm-2 (permission and conditions checked), recomputes the stored deadlines, appends
one case-log row and creates the notices the law requires."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django_fsm import can_proceed, has_transition_perm

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.tasks import enqueue
from services import selectors as catalog
from services.calendar import get_calendar
from services.catalog.forms import validate_form
from services.catalog.points import work_permit_points
from services.constants import MaterialMode
from services.models import Material, Officer, ServiceType

from . import clock
from .caselog import log_append
from .constants import DECIDED_STATES, FINAL_STATES, NoticeKind, PauseKind, State, SubmissionKind
from .materials import CONTENT_TYPES, check_document_date, check_upload, safe_original_name
from .metrics.services import case_metrics_record
from .models import Applicant, Application, ClockPause, CorrectionNotice, MaterialSubmission, Notification
from .notices import REMEDIES_EN, REMEDIES_ZH, notice_create


class WorkflowError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, errors: dict | None = None, state: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.state = state


class NotAllowed(WorkflowError):
    """The verb is not allowed from the case's current state (or lost a race)."""

    status = 409
    code = "not_allowed_in_state"


class Forbidden(WorkflowError):
    status = 403
    code = "forbidden"


class Invalid(WorkflowError):
    status = 400
    code = "invalid"


def today() -> dt.date:
    return timezone.localdate()


# --- clocks --------------------------------------------------------------------------------------

def _pauses(application: Application) -> list[clock.Pause]:
    return [clock.Pause(p.started_on, p.ended_on) for p in application.pauses.all().order_by("started_on")]


def decision_limit(application: Application) -> tuple[int, int]:
    """(committed, statutory) working days including an approved extension."""
    service_type = application.service_type
    committed = catalog.committed_limit(service_type=service_type, category=application.category)
    return committed + application.extension_days, service_type.statutory_limit + application.extension_days


def deadlines_recompute(application: Application) -> None:
    """Set the stored due dates from the state and the clock intervals (not saved here)."""
    calendar = get_calendar()
    service_type = application.service_type
    state = application.state
    acceptance = committed = statutory = issuance = None
    if state == State.SUBMITTED and application.acceptance_clock_from:
        acceptance = calendar.add_working_days(application.acceptance_clock_from, service_type.acceptance_limit)
    elif state in (State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW) and application.accepted_on:
        pauses = _pauses(application)
        committed_days, statutory_days = decision_limit(application)
        committed = clock.deadline(calendar, application.accepted_on, committed_days, pauses)
        statutory = clock.deadline(calendar, application.accepted_on, statutory_days, pauses)
    elif state == State.APPROVED and application.decided_on:
        issuance = calendar.add_working_days(application.decided_on, service_type.issuance_limit)
    application.acceptance_due = acceptance
    application.committed_due = committed
    application.statutory_due = statutory
    application.issuance_due = issuance
    current = acceptance or committed or issuance
    application.current_due = current
    application.yellow_from = clock.yellow_from(calendar, current, service_type.warning_days) if current else None
    start = application.acceptance_clock_from or application.received_on
    ends = [d for d in (acceptance, statutory, issuance) if d]
    application.provisional = bool(start and ends) and calendar.any_provisional(start, max(ends))
    if state == State.PAUSED and application.accepted_on:
        application.provisional = calendar.any_provisional(application.accepted_on, today())
    application.warned_on = None if current is None else application.warned_on
    application.overdue_notified_on = None if current is None else application.overdue_notified_on


DEADLINE_FIELDS = ["acceptance_due", "committed_due", "statutory_due", "issuance_due", "current_due",
                   "yellow_from", "provisional", "warned_on", "overdue_notified_on"]


def remaining_working_days(application: Application, *, on: dt.date | None = None) -> int | None:
    calendar = get_calendar()
    on = on or today()
    if application.current_due:
        due = application.current_due
        return calendar.working_days(on, due) if on <= due else -calendar.working_days(due, on)
    if application.state == State.PAUSED and application.accepted_on:
        committed_days, _statutory = decision_limit(application)
        return clock.remaining_working_days(calendar, application.accepted_on, committed_days,
                                            _pauses(application), today=on)
    return None


def warning(application: Application, *, on: dt.date | None = None) -> str:
    return clock.warning_colour(on or today(), application.current_due, application.yellow_from)


# --- helpers -------------------------------------------------------------------------------------

def _locked(application: Application | int) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    return (Application.objects.select_for_update(of=("self",))
            .select_related("service_type", "authority", "applicant__user", "parent")
            .get(pk=pk))


JOINT_FILING_VERBS = {"submit", "withdraw", "follow_tracks"}


def _move(application: Application, method_name: str, actor, *, system: bool = False, **kwargs) -> str:
    if application.joint and method_name not in JOINT_FILING_VERBS:
        # A joint filing is decided through its tracks; its own state only follows them.
        raise NotAllowed(_("联办申请由各分项办理，请在分项上操作。"), state=application.state)
    method = getattr(application, method_name)
    if not can_proceed(method):
        raise NotAllowed(
            _("当前状态（%(state)s）不允许此操作。") % {"state": State(application.state).label},
            state=application.state,
        )
    if not system and not has_transition_perm(method, actor):
        raise Forbidden(_("您无权对该办件执行此操作。"), state=application.state)
    before = application.state
    method(**kwargs)
    return before


def _save(application: Application, *fields: str) -> None:
    application.save(update_fields=sorted({"state", "updated_at", *fields, *DEADLINE_FIELDS}))


def _clock_snapshot(application: Application) -> dict:
    return {
        "acceptance_due": application.acceptance_due, "committed_due": application.committed_due,
        "statutory_due": application.statutory_due, "issuance_due": application.issuance_due,
        "provisional": application.provisional,
    }


def _finish(application: Application, actor, verb: str, before: str, *, reason: str = "",
            data: dict | None = None, fields: tuple[str, ...] = ()) -> Application:
    deadlines_recompute(application)
    _save(application, *fields)
    if application.state in FINAL_STATES or application.state == State.APPROVED:
        case_metrics_record(application=application)
    log_append(application=application, actor=actor, verb=verb, from_state=before, to_state=application.state,
               reason=reason, data={**(data or {}), "clock": _clock_snapshot(application)})
    if application.parent_id:
        joint_follow(parent_id=application.parent_id, actor=actor)
    return application


def _fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


# --- filing (applicant) --------------------------------------------------------------------------

def _case_number(pk: int, on: dt.date) -> str:
    return f"TB{on:%Y%m%d}{pk:07d}"


@transaction.atomic
def application_create(*, applicant: Applicant, service_type: ServiceType, data: dict, actor) -> Application:
    errors = validate_form(service_type.code, data, complete=False, today=today())
    if errors:
        raise Invalid(_("申请信息有误。"), errors={"data": errors})
    authority = catalog.authority_for(service_type=service_type, city=data.get("city", applicant.city))
    application = Application.objects.create(
        case_number=f"TMP-{secrets.token_hex(8)}", service_type=service_type, authority=authority,
        applicant=applicant, data=data, joint=bool(service_type.components),
    )
    application.case_number = _case_number(application.pk, today())
    application.save(update_fields=["case_number"])
    log_append(application=application, actor=actor, verb="create", from_state="", to_state=State.DRAFT,
               data={"service": service_type.code, "version": service_type.version})
    return application


@transaction.atomic
def application_update_data(*, application: Application, data: dict, actor) -> Application:
    """Save (part of) the form data: while a draft, or while a correction notice is open."""
    application = _editable_filing(application, actor)
    merged = {**application.data, **data}
    merged = {k: v for k, v in merged.items() if v not in (None, "")}
    errors = validate_form(application.service_type.code, merged, complete=False, today=today())
    if errors:
        raise Invalid(_("申请信息有误。"), errors={"data": errors})
    application.data = merged
    if application.state == State.DRAFT:  # once filed, the competent authority is settled
        application.authority = catalog.authority_for(service_type=application.service_type,
                                                      city=merged.get("city", application.applicant.city))
    application.save(update_fields=["data", "authority", "updated_at"])
    application.tracks.update(data=merged)
    if application.state != State.DRAFT:
        log_append(application=application, actor=actor, verb="correct_data", from_state=application.state,
                   to_state=application.state, data={"fields": sorted(data)})
    return application


def _editable_filing(application: Application, actor) -> Application:
    application = _locked(application.filing if application.parent_id else application)
    if application.applicant.user_id != actor.pk:
        raise Forbidden(_("您无权修改该申请的材料。"))
    if application.state == State.DRAFT:
        return application
    open_tracks = [a for a in [application, *application.tracks.all()] if a.state == State.CORRECTION_REQUESTED]
    if not open_tracks:
        raise NotAllowed(_("已提交的申请只能在补正期间更换材料。"), state=application.state)
    return application


def _material(application: Application, code: str) -> Material:
    material = application.service_type.materials.filter(code=code).first()
    if material is None:
        message = _("该事项没有代码为“%(code)s”的材料。") % {"code": code}
        raise Invalid(_("没有这项材料。"), errors={"material": [message]})
    return material


def _supersede(application: Application, material: Material) -> None:
    MaterialSubmission.objects.filter(application=application, material=material, superseded=False).update(
        superseded=True)


@transaction.atomic
def material_upload(*, application: Application, material_code: str, uploaded, document_date: dt.date | None,
                    actor) -> MaterialSubmission:
    application = _editable_filing(application, actor)
    material = _material(application, material_code)
    if not material.accepts_upload:
        raise Invalid(_("该材料无需上传。"), errors={"material": [
            _("“%(name)s”为%(mode)s，无需上传。") % {"name": material.name_zh, "mode": material.get_mode_display()}]})
    try:
        kind, digest = check_upload(material=material, uploaded=uploaded, document_date=document_date, today=today())
    except ValidationError as exc:
        raise Invalid(_("材料未通过检查。"), errors=exc.message_dict) from exc
    _supersede(application, material)
    submission = MaterialSubmission(
        application=application, material=material, kind=SubmissionKind.UPLOAD, extension=kind,
        original_name=safe_original_name(uploaded.name), content_type=CONTENT_TYPES[kind], size=uploaded.size,
        sha256=digest, document_date=document_date if material.max_age_days else None, submitted_by=actor,
    )
    submission.file.save("upload", uploaded, save=False)
    submission.save()
    return submission


@transaction.atomic
def commitment_sign(*, application: Application, material_code: str, actor) -> MaterialSubmission:
    application = _editable_filing(application, actor)
    material = _material(application, material_code)
    text = material.commitment_texts.order_by("-version").first()
    if material.mode != MaterialMode.COMMITMENT or text is None:
        raise Invalid(_("该材料不适用告知承诺。"), errors={"material": [_("“%(name)s”不能以承诺代替。") % {
            "name": material.name_zh}]})
    _supersede(application, material)
    return MaterialSubmission.objects.create(
        application=application, material=material, kind=SubmissionKind.COMMITMENT, commitment_text=text,
        submitted_by=actor,
    )


def missing_items(application: Application, *, on: dt.date) -> list[dict]:
    """Every item that keeps the filing from being submitted: form fields and materials."""
    problems: list[dict] = []
    errors = validate_form(application.service_type.code, application.data, complete=True, today=on)
    for field, messages in errors.items():
        problems.append({"item": f"data.{field}", "reason": "；".join(messages)})
    current = {s.material_id: s for s in application.submissions.filter(superseded=False)}
    for material in application.service_type.materials.all():
        if not material.accepts_upload:
            continue
        submission = current.get(material.pk)
        if submission is None:
            if material.required:
                reason = _("未上传") if material.mode == MaterialMode.UPLOAD else _("未上传，也未签署承诺书")
                problems.append({"item": f"material.{material.code}", "name": material.name_zh, "reason": reason})
            continue
        if submission.kind == SubmissionKind.UPLOAD and material.max_age_days:
            stale = check_document_date(material=material, document_date=submission.document_date, today=on)
            if stale:
                problems.append({"item": f"material.{material.code}", "name": material.name_zh,
                                 "reason": stale["document_date"][0]})
    return problems


@dataclass
class SubmitResult:
    application: Application
    password: str | None  # shown once; None when the submission had already happened


@transaction.atomic
def application_submit(*, application: Application, actor) -> SubmitResult:
    """Submit a draft. Repeating it returns the same result and creates nothing."""
    application = _locked(application)
    if application.applicant.user_id != actor.pk:
        raise Forbidden(_("您无权提交该申请。"))
    if application.state != State.DRAFT:
        if application.submitted_at is not None:
            return SubmitResult(application=application, password=None)
        raise NotAllowed(_("该申请已不能提交。"), state=application.state)
    on = today()
    problems = missing_items(application, on=on)
    if problems:
        raise Invalid(_("申请尚不完整，不能提交。"), errors={"missing": problems})
    password = f"{secrets.randbelow(10**8):08d}"
    now = timezone.now()
    application.status_password_hash = make_password(password)
    application.submitted_at = now
    application.received_on = on
    application.acceptance_clock_from = on
    if application.service_type.code == "foreign-work-permit":
        _score(application, on)
    before = _move(application, "submit", actor)
    if application.joint:
        deadlines_recompute(application)
        _save(application, "status_password_hash", "submitted_at", "received_on", "acceptance_clock_from")
        log_append(application=application, actor=actor, verb="submit", from_state=before, to_state=application.state)
        _create_tracks(application, actor, now, on)
    else:
        _finish(application, actor, "submit", before,
                fields=("status_password_hash", "submitted_at", "received_on", "acceptance_clock_from",
                        "category", "points"))
    notice_create(
        application=application, kind=NoticeKind.RECEIPT,
        lines_zh=[f"我机关于{on:%Y年%m月%d日}收到你单位提交的“{application.service_type.name_zh}”申请材料（办件编号 "
                  f"{application.case_number}）。",
                  f"我机关将在{application.service_type.acceptance_limit}个工作日内作出受理、一次性告知补正或不予受理的决定；"
                  f"逾期未告知补正的，自收到申请材料之日起即为受理。"],
        lines_en=[f"We received your application '{application.service_type.name_en}' on {on.isoformat()} "
                  f"(case {application.case_number}).",
                  f"Within {application.service_type.acceptance_limit} working days we will accept it, ask once for "
                  "every missing item, or decide not to accept it; without such a notice it counts as accepted as "
                  "of the day of receipt."],
    )
    return SubmitResult(application=application, password=password)


def _score(application: Application, on: dt.date) -> None:
    result = work_permit_points(application.data, on=on)
    application.category = result.category
    application.points = {"total": result.total, **result.breakdown}


TRACK_SUFFIX = {"foreign-work-permit": "WP", "foreign-residence-permit": "RP"}


def _create_tracks(parent: Application, actor, now: dt.datetime, on: dt.date) -> None:
    for component in catalog.service_type_component_versions(service_type=parent.service_type):
        track = Application.objects.create(
            case_number=f"{parent.case_number}-{TRACK_SUFFIX.get(component.code, component.pk)}",
            service_type=component, authority=component.authority, applicant=parent.applicant, parent=parent,
            data=parent.data, submitted_at=now, received_on=on, acceptance_clock_from=on,
        )
        if component.code == "foreign-work-permit":
            _score(track, on)
        before = _move(track, "submit", actor)
        deadlines_recompute(track)
        _save(track, "category", "points")
        log_append(application=track, actor=actor, verb="submit", from_state=before, to_state=track.state,
                   data={"joint_filing": parent.case_number, "clock": _clock_snapshot(track)})


def status_password_check(application: Application, password: str) -> bool:
    return bool(application.status_password_hash) and check_password(password, application.status_password_hash)


# --- intake --------------------------------------------------------------------------------------

@transaction.atomic
def application_accept(*, application: Application, actor, opinion: str = "") -> Application:
    application = _locked(application)
    before = _move(application, "accept", actor)
    return _accepted(application, actor, before, on=today(), deemed=False, reason=opinion)


def _accepted(application: Application, actor, before: str, *, on: dt.date, deemed: bool, reason: str = ""):
    application.accepted_at = timezone.now()
    application.accepted_on = on
    application.deemed_accepted = deemed
    _finish(application, actor, "deem_accepted" if deemed else "accept", before, reason=reason,
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
                  f"受理日期：{on:%Y年%m月%d日}；承诺办结日期：{_fmt(application.committed_due)}；"
                  f"法定办结期限：{_fmt(application.statutory_due)}（专家评审、现场核查等时间不计入）。",
                  f"如有疑问或投诉，请致电 {application.authority.complaint_phone}。"],
        lines_en=[("Your application is accepted by operation of law as of the day of receipt." if deemed else
                   "Your application is complete and is accepted."),
                  f"Accepted on {on.isoformat()}; promised decision by {_fmt(application.committed_due)}; statutory "
                  f"limit {_fmt(application.statutory_due)} (expert review and site inspection time not counted).",
                  f"Questions or complaints: {application.authority.complaint_phone}."],
        facts={"accepted_on": on, "committed_due": application.committed_due,
               "statutory_due": application.statutory_due, "deemed": deemed},
    )
    return application


@transaction.atomic
def application_request_correction(*, application: Application, actor, items: list[dict]) -> Application:
    application = _locked(application)
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
    before = _move(application, "request_correction", actor)
    CorrectionNotice.objects.create(application=application, items=items, issued_at=timezone.now(), issued_by=actor)
    application.correction_rounds += 1
    _finish(application, actor, "request_correction", before, data={"items": items}, fields=("correction_rounds",))
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
    application = _locked(application)
    before = _move(application, "resubmit", actor)
    on = today()
    problems = missing_items(application.filing, on=on)
    if problems:
        raise Invalid(_("申请尚不完整，不能重新提交。"), errors={"missing": problems})
    application.corrections.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    application.acceptance_clock_from = on
    return _finish(application, actor, "resubmit", before, fields=("acceptance_clock_from",))


@transaction.atomic
def application_refuse_acceptance(*, application: Application, actor, reason: str,
                                  competent_authority: str = "") -> Application:
    if not reason.strip():
        raise Invalid(_("请说明不予受理的理由。"), errors={"reason": [_("此项为必填项。")]})
    application = _locked(application)
    before = _move(application, "refuse_acceptance", actor)
    application.non_acceptance_reason = reason
    application.competent_authority = competent_authority
    application.closed_at = timezone.now()
    _finish(application, actor, "refuse_acceptance", before, reason=reason,
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


# --- review --------------------------------------------------------------------------------------

def _officer_check(application: Application, actor, *roles: str) -> None:
    from .permissions import perm_role

    if not perm_role(*roles)(application, actor):
        raise Forbidden(_("您无权对该办件执行此操作。"))


@transaction.atomic
def application_claim(*, application: Application, actor) -> Application:
    application = _locked(application)
    _officer_check(application, actor, "reviewer", "approver")
    if application.state not in (State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW):
        raise NotAllowed(_("当前状态不能认领。"), state=application.state)
    if application.claimed_by_id and application.claimed_by_id != actor.pk:
        raise NotAllowed(_("该办件已由他人认领。"), state=application.state)
    application.claimed_by = actor
    application.claimed_at = timezone.now()
    application.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    log_append(application=application, actor=actor, verb="claim", from_state=application.state,
               to_state=application.state)
    return application


@transaction.atomic
def application_release(*, application: Application, actor) -> Application:
    application = _locked(application)
    _officer_check(application, actor, "reviewer", "approver")
    if application.claimed_by_id != actor.pk:
        raise NotAllowed(_("您未认领该办件。"), state=application.state)
    application.claimed_by = None
    application.claimed_at = None
    application.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    log_append(application=application, actor=actor, verb="release", from_state=application.state,
               to_state=application.state)
    return application


@transaction.atomic
def application_pause(*, application: Application, actor, kind: str, expected_days: int, reason: str) -> Application:
    errors = {}
    if kind not in PauseKind.values:
        errors["kind"] = [_("特别程序类型无效。")]
    if not isinstance(expected_days, int) or not 1 <= expected_days <= 120:
        errors["expected_days"] = [_("预计所需工作日应为1至120之间的整数。")]
    if not reason.strip():
        errors["reason"] = [_("此项为必填项。")]
    if errors:
        raise Invalid(_("特别程序信息有误。"), errors=errors)
    application = _locked(application)
    before = _move(application, "pause", actor)
    on = today()
    ClockPause.objects.create(application=application, kind=kind, reason=reason, expected_days=expected_days,
                              started_on=on, started_at=timezone.now(), started_by=actor)
    _finish(application, actor, "pause", before, reason=reason, data={"kind": kind, "expected_days": expected_days})
    expected_end = get_calendar().add_working_days(on, expected_days)
    label = PauseKind(kind).label
    notice_create(
        application=application, kind=NoticeKind.PAUSE,
        lines_zh=[f"你单位的申请需进行{label}，依照《中华人民共和国行政许可法》第四十五条，所需时间不计入办理期限。",
                  f"自{on:%Y年%m月%d日}起，预计需要{expected_days}个工作日（约至{expected_end:%Y年%m月%d日}）。理由：{reason}"],
        lines_en=[f"Your application needs a special procedure ({PauseKind(kind).name.lower().replace('_', ' ')}); "
                  "by Art. 45 of the Administrative Licensing Law its time is not counted.",
                  f"From {on.isoformat()}, expected to take {expected_days} working days (until about "
                  f"{expected_end.isoformat()}). Reason: {reason}"],
        facts={"kind": kind, "expected_days": expected_days, "expected_end": expected_end},
    )
    return application


@transaction.atomic
def application_resume(*, application: Application, actor, result: str) -> Application:
    if not result.strip():
        raise Invalid(_("请填写特别程序的结果。"), errors={"result": [_("此项为必填项。")]})
    application = _locked(application)
    before = _move(application, "resume", actor)
    pause = application.pauses.get(ended_on__isnull=True)
    pause.ended_on = today()
    pause.ended_at = timezone.now()
    pause.ended_by = actor
    pause.result = result
    pause.save(update_fields=["ended_on", "ended_at", "ended_by", "result"])
    paused_days = get_calendar().working_days(pause.started_on, pause.ended_on)
    _finish(application, actor, "resume", before, reason=result, data={"kind": pause.kind, "paused_days": paused_days})
    notice_create(
        application=application, kind=NoticeKind.RESUME,
        lines_zh=[f"{PauseKind(pause.kind).label}已于{pause.ended_on:%Y年%m月%d日}结束，结果：{result}",
                  f"办理期限恢复计算，承诺办结日期调整为{_fmt(application.committed_due)}，"
                  f"法定办结期限调整为{_fmt(application.statutory_due)}。"],
        lines_en=[f"The special procedure ended on {pause.ended_on.isoformat()}. Result: {result}",
                  f"The clock runs again: promised decision by {_fmt(application.committed_due)}, statutory limit "
                  f"{_fmt(application.statutory_due)}."],
    )
    return application


@transaction.atomic
def application_extend(*, application: Application, actor, days: int, reason: str) -> Application:
    application = _locked(application)
    allowance = application.service_type.extension_limit
    errors = {}
    if not isinstance(days, int) or not 1 <= days <= max(allowance, 1):
        errors["days"] = [_("延长天数应为1至%(max)d个工作日。") % {"max": allowance}]
    if not reason.strip():
        errors["reason"] = [_("延长须说明理由并告知申请人。")]
    if errors:
        raise Invalid(_("延期信息有误。"), errors=errors)
    before = _move(application, "extend", actor)
    application.extension_days = days
    application.extension_reason = reason
    _finish(application, actor, "extend", before, reason=reason, data={"days": days},
            fields=("extension_days", "extension_reason"))
    notice_create(
        application=application, kind=NoticeKind.EXTENSION,
        lines_zh=[f"因{reason}，经本机关负责人批准，审查期限延长{days}个工作日（《中华人民共和国行政许可法》第四十二条）。",
                  f"办结期限调整为{_fmt(application.statutory_due)}。"],
        lines_en=[f"With the head of the authority's approval the time limit is extended by {days} working days "
                  f"(Art. 42). Reason: {reason}", f"New time limit: {_fmt(application.statutory_due)}."],
        facts={"days": days, "statutory_due": application.statutory_due},
    )
    return application


def _decided(application: Application) -> None:
    application.decided_at = timezone.now()
    application.decided_on = today()


@transaction.atomic
def application_approve(*, application: Application, actor, opinion: str) -> Application:
    if not opinion.strip():
        raise Invalid(_("请填写审批意见。"), errors={"opinion": [_("此项为必填项。")]})
    application = _locked(application)
    before = _move(application, "approve", actor)
    application.opinion = opinion
    _decided(application)
    _finish(application, actor, "approve", before, reason=opinion, fields=("opinion", "decided_at", "decided_on"))
    notice_create(
        application=application, kind=NoticeKind.GRANT,
        lines_zh=[f"经审查，你单位申请的“{application.service_type.name_zh}”符合法定条件、标准，依照《中华人民共和国行政许可法》"
                  f"第三十八条，决定准予行政许可。", f"审批意见：{opinion}",
                  f"电子证照将于{_fmt(application.issuance_due)}前颁发，可在网上下载并扫码核验。"],
        lines_en=[f"Your application '{application.service_type.name_en}' meets the legal conditions and is granted "
                  "(Art. 38).", f"Opinion: {opinion}",
                  f"The electronic certificate will be issued by {_fmt(application.issuance_due)}."],
    )
    enqueue("licensing.issuance.issue_after_approval", application_id=application.pk,
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
    application = _locked(application)
    before = _move(application, "propose_refusal", actor)
    application.refusal_reasons = reasons
    application.refusal_legal_basis = legal_basis
    return _finish(application, actor, "propose_refusal", before, reason=reasons, data={"legal_basis": legal_basis},
                   fields=("refusal_reasons", "refusal_legal_basis"))


@transaction.atomic
def application_confirm_refusal(*, application: Application, actor, opinion: str = "") -> Application:
    application = _locked(application)
    before = _move(application, "confirm_refusal", actor)
    _decided(application)
    application.closed_at = application.decided_at
    _finish(application, actor, "confirm_refusal", before, reason=opinion,
            fields=("decided_at", "decided_on", "closed_at"))
    notice_create(
        application=application, kind=NoticeKind.REFUSAL,
        lines_zh=[f"经审查，你单位申请的“{application.service_type.name_zh}”不符合法定条件，决定不予行政许可。",
                  f"理由：{application.refusal_reasons}", f"依据：{application.refusal_legal_basis}", REMEDIES_ZH],
        lines_en=["Your application does not meet the legal conditions and is refused.",
                  f"Reasons: {application.refusal_reasons}", f"Legal basis: {application.refusal_legal_basis}",
                  REMEDIES_EN],
        facts={"reasons": application.refusal_reasons, "legal_basis": application.refusal_legal_basis},
    )
    return application


@transaction.atomic
def application_return(*, application: Application, actor, opinion: str) -> Application:
    if not opinion.strip():
        raise Invalid(_("请说明退回理由。"), errors={"opinion": [_("此项为必填项。")]})
    application = _locked(application)
    before = _move(application, "return_to_review", actor)
    application.refusal_reasons = ""
    application.refusal_legal_basis = ""
    return _finish(application, actor, "return", before, reason=opinion,
                   fields=("refusal_reasons", "refusal_legal_basis"))


@transaction.atomic
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    application = _locked(application)
    if application.parent_id:
        raise NotAllowed(_("联办事项请撤回整个联办申请。"), state=application.state)
    targets = [application, *[_locked(t) for t in application.tracks.all()]] if application.joint else [application]
    if application.joint:
        if application.applicant.user_id != actor.pk:
            raise Forbidden(_("您无权撤回该申请。"))
        if any(t.state in DECIDED_STATES for t in targets[1:]) or application.state in FINAL_STATES:
            raise NotAllowed(_("已作出决定的申请不能撤回。"), state=application.state)
        for track in targets[1:]:
            if track.state not in FINAL_STATES:
                before = _move(track, "withdraw", actor)
                track.closed_at = timezone.now()
                deadlines_recompute(track)
                _save(track, "closed_at")
                log_append(application=track, actor=actor, verb="withdraw", from_state=before, to_state=track.state,
                           reason=reason)
        joint_follow(parent_id=application.pk, actor=actor)
        application.refresh_from_db()
    else:
        before = _move(application, "withdraw", actor)
        application.closed_at = timezone.now()
        _finish(application, actor, "withdraw", before, reason=reason, fields=("closed_at",))
    notice_create(application=application, kind=NoticeKind.WITHDRAWAL,
                  lines_zh=[f"你单位已于{today():%Y年%m月%d日}撤回“{application.service_type.name_zh}”申请，本件办结。"],
                  lines_en=[f"You withdrew the application on {today().isoformat()}; the case is closed."])
    return application


@transaction.atomic
def application_mark_issued(*, application: Application, actor, data: dict | None = None) -> Application:
    """Called by the certificate issuer inside its transaction once the certificate exists."""
    application = _locked(application)
    before = _move(application, "mark_issued", actor, system=True)
    application.issued_at = timezone.now()
    application.issued_on = today()
    application.closed_at = application.issued_at
    application.issue_error = ""
    return _finish(application, actor, "issue", before, data=data,
                   fields=("issued_at", "issued_on", "closed_at", "issue_error"))


@transaction.atomic
def application_record_issue_failure(*, application: Application, reason: str) -> None:
    application = _locked(application)
    application.issue_error = reason[:2000]
    application.save(update_fields=["issue_error", "updated_at"])
    log_append(application=application, actor=None, verb="issue_failed", from_state=application.state,
               to_state=application.state, reason=reason[:2000])


# --- one-stop ------------------------------------------------------------------------------------

def joint_state(states: list[str]) -> str:
    """The joint filing's state from its tracks' states."""
    if not states:
        return State.SUBMITTED
    open_states = [s for s in states if s not in FINAL_STATES and s != State.APPROVED]
    if all(s == State.WITHDRAWN for s in states):
        return State.WITHDRAWN
    if not open_states:
        if all(s == State.ISSUED for s in states):
            return State.ISSUED
        if all(s in (State.APPROVED, State.ISSUED) for s in states):
            return State.APPROVED
        if any(s == State.REFUSED for s in states):
            return State.REFUSED
        if any(s == State.NOT_ACCEPTED for s in states):
            return State.NOT_ACCEPTED
        return State.WITHDRAWN
    if any(s == State.CORRECTION_REQUESTED for s in open_states):
        return State.CORRECTION_REQUESTED
    if all(s == State.SUBMITTED for s in open_states) and all(s == State.SUBMITTED for s in states):
        return State.SUBMITTED
    return State.IN_REVIEW


def joint_follow(*, parent_id: int, actor) -> None:
    parent = _locked(parent_id)
    tracks = list(parent.tracks.all())
    target = joint_state([t.state for t in tracks])
    if target == parent.state:
        return
    before = parent.state
    parent.follow_tracks(target)
    fields = []
    accepted = [t.accepted_on for t in tracks if t.accepted_on]
    if accepted and not parent.accepted_on:
        parent.accepted_on, parent.accepted_at = min(accepted), timezone.now()
        fields += ["accepted_on", "accepted_at"]
    if all(t.decided_on or t.state in FINAL_STATES for t in tracks) and not parent.decided_on:
        decided = [t for t in tracks if t.decided_on]
        if decided:
            last = max(decided, key=lambda t: t.decided_at)
            parent.decided_on, parent.decided_at = last.decided_on, last.decided_at
            fields += ["decided_on", "decided_at"]
    if target in FINAL_STATES:
        parent.closed_at = timezone.now()
        parent.issued_on = max((t.issued_on for t in tracks if t.issued_on), default=None)
        fields += ["closed_at", "issued_on"]
    deadlines_recompute(parent)
    _save(parent, *fields)
    if target in FINAL_STATES or target in DECIDED_STATES:
        case_metrics_record(application=parent)
    log_append(application=parent, actor=actor, verb="tracks", from_state=before, to_state=target,
               data={t.service_type.code: t.state for t in tracks})


# --- the sweep -----------------------------------------------------------------------------------

@dataclass
class SweepResult:
    deemed_accepted: int = 0
    warned: int = 0
    overdue: int = 0


def _deem_one(pk: int, on: dt.date) -> bool:
    with transaction.atomic():
        application = (Application.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("service_type", "authority", "applicant__user", "parent")
                       .filter(pk=pk, state=State.SUBMITTED, acceptance_due__lt=on).first())
        if application is None:
            return False
        before = _move(application, "deem_accepted", None, system=True)
        _accepted(application, None, before, on=application.acceptance_clock_from, deemed=True,
                  reason=_("受理期限届满未作处理，依法视为受理"))
        return True


def _flag_batches(field: str, queryset, on: dt.date, batch: int = 2000):
    """Claim rows for a once-only alert, in batches: rows locked by a concurrent sweep are skipped,
    and the conditional UPDATE touches only rows nobody flagged yet. Yields the claimed ids, inside
    the transaction that flags them (so the alerts commit together with the flags)."""
    while True:
        with transaction.atomic():
            ids = list(queryset.filter(**{f"{field}__isnull": True}).order_by()
                       .select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
            if not ids:
                return
            Application.objects.filter(pk__in=ids).update(**{field: on})
            yield ids


def deadlines_sweep(*, on: dt.date | None = None) -> SweepResult:
    """Deemed acceptances, yellow warnings and overdue flags with their notices. Idempotent; two
    sweeps at once do each thing once (row locks with SKIP LOCKED, conditional updates)."""
    on = on or today()
    result = SweepResult()
    due = Application.objects.filter(state=State.SUBMITTED, acceptance_due__lt=on, joint=False)
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=2000):
        result.deemed_accepted += _deem_one(pk, on)
    running = Application.objects.filter(current_due__isnull=False, joint=False)
    yellow = running.filter(yellow_from__lte=on, current_due__gte=on, warned_on__isnull=True)
    overdue = running.filter(current_due__lt=on, overdue_notified_on__isnull=True)
    for ids in _flag_batches("warned_on", yellow, on):
        result.warned += len(ids)
        _alerts(ids, "yellow")
    for ids in _flag_batches("overdue_notified_on", overdue, on):
        result.overdue += len(ids)
        _alerts(ids, "red")
    return result


def _alerts(ids: list[int], colour: str) -> None:
    """Tell the officer holding each case (or the authority's case officers) and the supervisors."""
    applications = list(Application.objects.filter(pk__in=ids).select_related("service_type")
                        .only("pk", "case_number", "state", "authority_id", "claimed_by_id", "current_due",
                              "service_type__name_zh"))
    officers = list(Officer.objects.filter(authority_id__in={a.authority_id for a in applications})
                    .prefetch_related("roles"))
    label = _("黄牌预警") if colour == "yellow" else _("红牌超期")
    notifications = []
    for application in applications:
        for officer in officers:
            if officer.authority_id != application.authority_id:
                continue
            roles = officer.role_codes()
            holder = (officer.user_id == application.claimed_by_id if application.claimed_by_id
                      else bool(roles & {"reviewer", "approver", "intake"}))
            if holder or "supervisor" in roles:
                notifications.append(Notification(
                    user_id=officer.user_id, application_id=application.pk,
                    subject=f"【{label}】{application.case_number} {_fmt(application.current_due)}",
                    body=f"{application.service_type.name_zh} · {State(application.state).label}"))
    Notification.objects.bulk_create(notifications, batch_size=2000)


def deadlines_sweep_task() -> None:
    deadlines_sweep()


def deadlines_recompute_years(years: set[int]) -> int:
    """After the calendar changed: recompute every open case whose clock may touch those years."""
    changed = 0
    open_cases = Application.objects.exclude(state__in=[*FINAL_STATES, State.DRAFT])
    for pk in open_cases.values_list("pk", flat=True).iterator(chunk_size=2000):
        with transaction.atomic():
            application = _locked(pk)
            before = _clock_snapshot(application)
            deadlines_recompute(application)
            if _clock_snapshot(application) != before:
                _save(application)
                changed += 1
    return changed


def notifications_mark_read(*, user, ids: list[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
