"""The applicant's acts: drafts, materials, commitments, submission (and the tracks of a joint filing)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from services import selectors as catalog
from services.catalog.forms import normalise_data, validate_form
from services.catalog.points import work_permit_points
from services.constants import MaterialMode
from services.models import Material, ServiceType

from .. import correction
from ..caselog import log_append
from ..constants import CaseVerb, NoticeKind, State, SubmissionKind
from ..deadlines import clock_snapshot, deadlines_recompute, today
from ..hooks import commitment_barred
from ..licences import check_original_licence
from ..materials import CONTENT_TYPES, check_document_date, check_upload, safe_original_name
from ..models import Applicant, Application, CorrectionNotice, MaterialSubmission
from ..notices import notice_issue
from .core import finish, locked, move, save_state
from .errors import Forbidden, Invalid, NotAllowed

# --- filing (applicant) --------------------------------------------------------------------------

def _case_number(pk: int, on: dt.date) -> str:
    return f"TB{on:%Y%m%d}{pk:07d}"


@transaction.atomic
def application_create(*, applicant: Applicant, service_type: ServiceType, data: dict, actor,
                       original_licence_number: str | None = None) -> Application:
    data = normalise_data(data)
    errors = validate_form(service_type.code, data, complete=False, today=today())
    if errors:
        raise Invalid(_("申请信息有误。"), errors={"data": errors})
    application = Application(service_type=service_type, applicant=applicant,
                              original_licence_number=(original_licence_number or "").strip())
    licence_errors = check_original_licence(application=application, on=today())
    if licence_errors:
        raise Invalid(_("原许可证有误。"), errors=licence_errors)
    authority = catalog.authority_for(service_type=service_type, city=data.get("city", applicant.city))
    application = Application.objects.create(
        case_number=f"TMP-{secrets.token_hex(8)}", service_type=service_type, authority=authority,
        applicant=applicant, data=data, joint=bool(service_type.components),
        original_licence_number=application.original_licence_number,
    )
    application.case_number = _case_number(application.pk, today())
    application.save(update_fields=["case_number"])
    log_append(application=application, actor=actor, verb="create", from_state="", to_state=State.DRAFT,
               data={"service": service_type.code, "version": service_type.version})
    return application


@transaction.atomic
def application_update_data(*, application: Application, data: dict, actor,
                            original_licence_number: str | None = None) -> Application:
    """Save (part of) the form data: while a draft, or, while a correction notice is open, the
    fields it flags."""
    application = _editable_filing(application, actor)
    notices = _open_notices(application)
    if application.state != State.DRAFT:
        _check_data_open(application, notices, data, original_licence_number)
    before = {**application.data, "original_licence_number": application.original_licence_number}
    if original_licence_number is not None:
        application.original_licence_number = original_licence_number.strip()
        licence_errors = check_original_licence(application=application, on=today())
        if licence_errors:
            raise Invalid(_("原许可证有误。"), errors=licence_errors)
    merged = {**application.data, **normalise_data(data)}
    merged = {k: v for k, v in merged.items() if v not in (None, "")}
    errors = validate_form(application.service_type.code, merged, complete=False, today=today())
    if errors:
        raise Invalid(_("申请信息有误。"), errors={"data": errors})
    application.data = merged
    if application.state == State.DRAFT:  # once filed, the competent authority is settled
        application.authority = catalog.authority_for(service_type=application.service_type,
                                                      city=merged.get("city", application.applicant.city))
    application.save(update_fields=["data", "authority", "original_licence_number", "updated_at"])
    application.tracks.update(data=merged)
    after = {**merged, "original_licence_number": application.original_licence_number}
    changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    if application.state != State.DRAFT and changed:
        _log_correction(application, notices, actor, CaseVerb.CORRECT_DATA, {"fields": changed},
                        lambda opened: any(opened.field_open(k) for k in changed))
    return application


def _open_notices(filing: Application) -> list[CorrectionNotice]:
    """The open correction notices of a filed application (its own, or its tracks' for a joint
    filing), each with its case locked for the case-log row."""
    if filing.state == State.DRAFT:
        return []
    cases = {filing.pk: filing}
    if filing.joint:
        cases = {t.pk: t for t in Application.objects.select_for_update(of=("self",)).select_related("service_type")
                 .filter(parent=filing, state=State.CORRECTION_REQUESTED).order_by("pk")}
    notices = list(CorrectionNotice.objects.filter(application_id__in=list(cases), resolved_at__isnull=True)
                   .order_by("issued_at"))
    for notice in notices:
        notice.application = cases[notice.application_id]
    return notices


def _opened(notices: list[CorrectionNotice]) -> correction.Flags:
    return correction.flags(item for notice in notices for item in notice.items)


def _check_data_open(application: Application, notices: list[CorrectionNotice], data: dict,
                     original_licence_number: str | None) -> None:
    """While a notice is open only what it flags may change (Art. 32: the notice lists every item)."""
    opened = _opened(notices)
    refused = sorted(name for name in data if not opened.field_open(name))
    errors: dict = {}
    if refused:
        errors["data"] = {name: [_("“%(field)s”不在补正通知所列事项之内，不能修改。") % {"field": name}]
                          for name in refused}
    if original_licence_number is not None and not opened.whole_form \
            and original_licence_number.strip() != application.original_licence_number:
        errors["original_licence_number"] = [_("原许可证编号不在补正通知所列事项之内，不能修改。")]
    if errors:
        raise Invalid(_("只能修改补正通知所列的事项。"), errors=errors)


def _check_material_open(application: Application, notices: list[CorrectionNotice], material: Material) -> None:
    if application.state != State.DRAFT and not _opened(notices).material_open(material.code):
        raise Invalid(_("只能更换补正通知所列的材料。"), errors={"material": [
            _("“%(name)s”（%(code)s）不在补正通知所列事项之内，不能更换。") % {"name": material.name_zh,
                                                                 "code": material.code}]})


def _log_correction(filing: Application, notices: list[CorrectionNotice], actor, verb: str, data: dict,
                    answers) -> None:
    """A change during the notice: one row on the filing and one on each track whose notice it answers."""
    cases = [filing] + [n.application for n in notices if n.application_id != filing.pk and answers(
        correction.flags(n.items))]
    for case in cases:
        log_append(application=case, actor=actor, verb=verb, from_state=case.state, to_state=case.state, data=data)


def _editable_filing(application: Application, actor) -> Application:
    application = locked(application.filing if application.parent_id else application)
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
    notices = _open_notices(application)
    _check_material_open(application, notices, material)
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
    if notices:
        _log_correction(application, notices, actor, CaseVerb.CORRECT_MATERIAL,
                        {"material": material.code, "sha256": digest},
                        lambda opened: opened.material_open(material.code))
    return submission


@transaction.atomic
def commitment_sign(*, application: Application, material_code: str, actor) -> MaterialSubmission:
    application = _editable_filing(application, actor)
    material = _material(application, material_code)
    notices = _open_notices(application)
    _check_material_open(application, notices, material)
    text = material.commitment_texts.order_by("-version").first()
    if material.mode != MaterialMode.COMMITMENT or text is None:
        raise Invalid(_("该材料不适用告知承诺。"), errors={"material": [_("“%(name)s”不能以承诺代替。") % {
            "name": material.name_zh}]})
    barred = commitment_barred(applicant=application.applicant, on=today())
    if barred:
        raise Invalid(_("申请人目前不能适用告知承诺。"), errors={"material": [barred]})
    _supersede(application, material)
    submission = MaterialSubmission.objects.create(
        application=application, material=material, kind=SubmissionKind.COMMITMENT, commitment_text=text,
        submitted_by=actor,
    )
    if notices:
        _log_correction(application, notices, actor, CaseVerb.CORRECT_MATERIAL,
                        {"material": material.code, "commitment_version": text.version},
                        lambda opened: opened.material_open(material.code))
    return submission


def missing_items(application: Application, *, on: dt.date) -> list[dict]:
    """Every item that keeps the filing from being submitted: form fields and materials."""
    problems: list[dict] = []
    errors = validate_form(application.service_type.code, application.data, complete=True, today=on)
    for field, messages in errors.items():
        problems.append({"item": f"data.{field}", "reason": "；".join(messages)})
    for messages in check_original_licence(application=application, on=on).values():
        problems.append({"item": "original_licence_number", "reason": "；".join(messages)})
    current = {s.material_id: s for s in application.submissions.filter(superseded=False)}
    barred = commitment_barred(applicant=application.applicant, on=on)
    for material in application.service_type.materials.all():
        if not material.accepts_upload:
            continue
        submission = current.get(material.pk)
        if submission is None:
            if material.required:
                reason = _("未上传") if material.mode == MaterialMode.UPLOAD or barred else _("未上传，也未签署承诺书")
                problems.append({"item": f"material.{material.code}", "name": material.name_zh, "reason": reason})
            continue
        if submission.kind == SubmissionKind.COMMITMENT and barred:
            # While a credit record bars commitments, the checklist asks for the proof itself.
            problems.append({"item": f"material.{material.code}", "name": material.name_zh,
                             "reason": _("请上传证明材料：%(why)s") % {"why": barred}})
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
    application = locked(application)
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
    before = move(application, "submit", actor)
    if application.joint:
        deadlines_recompute(application)
        save_state(application, "status_password_hash", "submitted_at", "received_on", "acceptance_clock_from")
        log_append(application=application, actor=actor, verb="submit", from_state=before, to_state=application.state)
        _create_tracks(application, actor, now, on)
    else:
        finish(application, actor, "submit", before,
                fields=("status_password_hash", "submitted_at", "received_on", "acceptance_clock_from",
                        "category", "points"))
    notice_issue(application=application, kind=NoticeKind.RECEIPT, on=on)
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
        before = move(track, "submit", actor)
        deadlines_recompute(track)
        save_state(track, "category", "points")
        log_append(application=track, actor=actor, verb="submit", from_state=before, to_state=track.state,
                   data={"joint_filing": parent.case_number, "clock": clock_snapshot(track)})


def status_password_check(application: Application, password: str) -> bool:
    return bool(application.status_password_hash) and check_password(password, application.status_password_hash)
