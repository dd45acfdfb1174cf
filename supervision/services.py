"""Writes of the supervision app: plans and their draw, inspection records and their publication,
attachments. Each act runs in one transaction under the plan's row lock and appends one row to the
plan's hash chain (supervision.log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.services import CertificateActionError, certificate_propose_revocation, certificate_suspend
from licensing.materials import CONTENT_TYPES, check_upload, safe_original_name
from licensing.permissions import officer_of
from licensing.workflow import Forbidden, Invalid, NotAllowed, WorkflowError
from services.calendar import get_calendar

from . import draw as algorithm
from . import sealing, selectors
from .constants import (
    MIN_GROUP_SIZE,
    PUBLICATION_LIMIT_WD,
    Conclusion,
    FindingResult,
    InspectionKind,
    InspectionStatus,
    ItemStatus,
    LogVerb,
)
from .log import log_append, plan_subject
from .models import (
    CheckPoint,
    Inspection,
    InspectionAttachment,
    InspectionItem,
    InspectionMember,
    InspectionPlan,
    Inspector,
)


class NotFound(WorkflowError):
    """Not there for this caller: applicants and strangers never learn that an inspection exists."""

    status = 404
    code = "not_found"


def _require_supervisor(actor) -> None:
    if not selectors.is_supervisor(actor):
        raise Forbidden(_("只有监察人员可以组织抽查和评查。"))


def plan_create(*, actor, year: int, title: str, item: str, targets_count: int, groups: int,
                group_size: int) -> InspectionPlan:
    """A new plan with a secret seed; only its commitment is published until the draw."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    item_row = (InspectionItem.objects.filter(code=item, status=ItemStatus.PUBLISHED).order_by("-version").first())
    if item_row is None:
        errors["item"] = [_("没有这个已发布的检查事项。")]
    if group_size < MIN_GROUP_SIZE:
        errors["group_size"] = [_("每个检查组至少 %(n)d 名检查人员。") % {"n": MIN_GROUP_SIZE}]
    if groups < 1:
        errors["groups"] = [_("至少一个检查组。")]
    if targets_count < 1:
        errors["targets_count"] = [_("至少抽取一个检查对象。")]
    if errors:
        raise Invalid(_("抽查计划填写有误。"), errors=errors)
    seed = algorithm.new_seed()
    with transaction.atomic():
        plan = InspectionPlan.objects.create(
            authority_id=officer_of(actor).authority_id, year=year, title=title, item=item_row,
            targets_count=targets_count, groups=groups, group_size=group_size, sealed_seed=sealing.seal(seed),
            seed_commitment=algorithm.commitment(seed), created_by=actor)
        log_append(subject=plan_subject(plan.pk), actor=actor, verb=LogVerb.PLAN_CREATE,
                   data={"seed_commitment": plan.seed_commitment, "item": item_row.code,
                         "item_version": item_row.version, "year": year, "targets_count": targets_count,
                         "groups": groups, "group_size": group_size})
    return plan


def _publish_due(day: dt.date) -> dt.date:
    return get_calendar().add_working_days(day, PUBLICATION_LIMIT_WD)


@transaction.atomic
def plan_draw(*, plan: InspectionPlan, actor) -> InspectionPlan:
    """Freeze the inputs (directory of targets, eligible inspectors, conflicts) on today's date, run
    tongban-draw-v1, create one inspection task per staffed assignment, reveal the seed."""
    _require_supervisor(actor)
    plan = InspectionPlan.objects.select_for_update().select_related("item", "authority").get(pk=plan.pk)
    if officer_of(actor).authority_id != plan.authority_id:
        raise Forbidden(_("只能抽取本机关的抽查计划。"))
    if plan.is_drawn:
        raise NotAllowed(_("该计划已经抽取，不能重新抽取。"), code="already_drawn")
    today = timezone.localdate()
    targets = selectors.target_directory(authority_id=plan.authority_id, kinds=plan.item.licence_kinds, on=today)
    inspectors = selectors.eligible_inspectors(authority_id=plan.authority_id, on=today)
    pairs = selectors.conflicts(inspectors=inspectors, targets=targets)
    targets_input = [t.credit_code for t in targets]
    inspectors_input = sorted(i.certificate_number for i in inspectors)
    seed_hex = sealing.secret_seed(plan)
    try:
        result = algorithm.draw(seed_hex=seed_hex, targets=targets_input, inspectors=inspectors_input,
                                conflicts=pairs, targets_count=plan.targets_count, groups=plan.groups,
                                group_size=plan.group_size)
    except algorithm.DrawInputError as exc:
        message = {
            "inspectors": _("有效执法证的检查人员只有 %(n)d 名，不足以组成 %(g)d 个 %(s)d 人检查组。")
            % {"n": len(inspectors_input), "g": plan.groups, "s": plan.group_size},
            "targets": _("检查对象名录只有 %(n)d 个对象，少于计划抽取的 %(c)d 个。")
            % {"n": len(targets_input), "c": plan.targets_count},
        }.get(exc.field, str(exc))
        raise NotAllowed(message, code=f"not_enough_{exc.field}") from exc
    by_number = {i.certificate_number: i for i in inspectors}
    names = {t.credit_code: t.name for t in targets}
    assignments = []
    for assignment in result.assignments:
        inspection_id = None
        if assignment.group is not None:
            inspection = Inspection.objects.create(
                plan=plan, target_code=assignment.target, target_name=names[assignment.target],
                group=assignment.group, leader=by_number[assignment.members[0]])
            substituted = {s["in"]: s["out"] for s in assignment.substitutions}
            InspectionMember.objects.bulk_create(
                InspectionMember(inspection=inspection, inspector=by_number[number], position=position,
                                 substitute_for=by_number[substituted[number]] if number in substituted else None)
                for position, number in enumerate(assignment.members))
            inspection_id = inspection.pk
        assignments.append({"target": assignment.target, "group": assignment.group, "inspection": inspection_id,
                            "substitutions": assignment.substitutions})
    now = timezone.now()
    plan.draw = {
        "targets_input": targets_input, "inspectors_input": inspectors_input, "conflicts": pairs,
        "selected_targets": result.selected_targets, "groups": result.groups, "reserve": result.reserve,
        "assignments": assignments,
        "inspector_surnames": {i.certificate_number: i.surname for i in inspectors},
        "target_names": {code: names[code] for code in result.selected_targets},
    }
    plan.drawn_at, plan.drawn_on, plan.drawn_by = now, today, actor
    plan.seed, plan.sealed_seed = seed_hex, ""  # revealed: the published record holds it from now on
    plan.save(update_fields=["draw", "drawn_at", "drawn_on", "drawn_by", "seed", "sealed_seed"])
    log_append(subject=plan_subject(plan.pk), actor=actor, verb=LogVerb.DRAW,
               data={"seed": plan.seed, "draw_date": today.isoformat(), **plan.draw})
    return plan


@dataclass
class Finding:
    item: str
    result: str
    note: str = ""


def _require_member(inspection: Inspection, actor) -> Inspector:
    if officer_of(actor) is None:
        raise NotFound(_("未找到。"))
    inspector = selectors.inspector_of(actor)
    if inspector is None or not inspection.memberships.filter(inspector=inspector).exists():
        raise Forbidden(_("只有本检查组的检查人员可以办理该检查。"))
    return inspector


def _check_findings(inspection: Inspection, findings: list[dict]) -> dict[str, list[str]]:
    codes = set(inspection.plan.item.check_points.values_list("code", flat=True))
    errors = []
    seen = set()
    for index, finding in enumerate(findings):
        if finding["item"] not in codes:
            errors.append(_("第%(n)d项：检查要点“%(code)s”不属于本次检查事项。")
                          % {"n": index + 1, "code": finding["item"]})
        elif finding["item"] in seen:
            errors.append(_("第%(n)d项：检查要点“%(code)s”重复。") % {"n": index + 1, "code": finding["item"]})
        seen.add(finding["item"])
    missing = sorted(codes - seen)
    if missing:
        errors.append(_("以下检查要点没有结果：%(codes)s") % {"codes": _("、").join(missing)})
    return {"findings": errors} if errors else {}


@transaction.atomic
def inspection_record(*, inspection: Inspection, actor, inspected_on: dt.date, findings: list[dict],
                      conclusion: str, rectify_by: dt.date | None = None) -> Inspection:
    """A member records the inspection; the leader's record is published at once, another
    member's waits for the leader's approval. A rectification opens a follow-up task."""
    plan = InspectionPlan.objects.select_for_update().get(pk=inspection.plan_id)
    inspection = selectors.inspections_with_people().select_for_update(of=("self",)).get(pk=inspection.pk)
    inspector = _require_member(inspection, actor)
    if inspection.status != InspectionStatus.PENDING:
        raise NotAllowed(_("该检查已经录入结果。"), state=inspection.status)
    today = timezone.localdate()
    errors = _check_findings(inspection, findings)
    if inspected_on > today:
        errors["inspected_on"] = [_("检查日期不能晚于今天。")]
    elif plan.drawn_on and inspected_on < plan.drawn_on:
        errors["inspected_on"] = [_("检查日期不能早于抽取日期。")]
    fails = [f for f in findings if f["result"] == FindingResult.FAIL]
    if conclusion == Conclusion.COMPLIANT and fails:
        errors["conclusion"] = [_("有不符合的检查要点，结论不能为“未发现问题”。")]
    if conclusion == Conclusion.RECTIFY:
        if rectify_by is None:
            errors["rectify_by"] = [_("责令整改须写明整改期限。")]
        elif rectify_by <= inspected_on:
            errors["rectify_by"] = [_("整改期限须晚于检查日期。")]
    elif rectify_by is not None:
        errors["rectify_by"] = [_("只有责令整改才有整改期限。")]
    if errors:
        raise Invalid(_("检查结果填写有误。"), errors=errors)
    now = timezone.now()
    inspection.inspected_on = inspected_on
    inspection.findings = [{"item": f["item"], "result": f["result"], "note": f.get("note", "")} for f in findings]
    inspection.conclusion = conclusion
    inspection.rectify_by = rectify_by
    inspection.recorded_by, inspection.recorded_at = actor, now
    inspection.publish_due = _publish_due(inspected_on)
    inspection.status = InspectionStatus.RECORDED
    if inspection.leader_id == inspector.pk:
        _publish(inspection, actor=actor, now=now)
    inspection.save()
    log_append(subject=plan_subject(plan.pk), actor=actor, verb=LogVerb.RECORD,
               data={"inspection": inspection.pk, "target": inspection.target_code,
                     "inspected_on": inspected_on.isoformat(), "conclusion": conclusion,
                     "findings": inspection.findings, "rectify_by": rectify_by.isoformat() if rectify_by else None})
    if inspection.status == InspectionStatus.PUBLISHED:
        _log_publish(inspection, actor)
    if conclusion == Conclusion.RECTIFY:
        follow_up = Inspection.objects.create(
            plan=plan, kind=InspectionKind.FOLLOW_UP, parent=inspection, target_code=inspection.target_code,
            target_name=inspection.target_name, group=inspection.group, leader=inspection.leader, due_on=rectify_by)
        InspectionMember.objects.bulk_create(
            InspectionMember(inspection=follow_up, inspector_id=m.inspector_id, position=m.position,
                             substitute_for_id=m.substitute_for_id) for m in inspection.memberships.all())
    return inspection


def _publish(inspection: Inspection, *, actor, now) -> None:
    inspection.status = InspectionStatus.PUBLISHED
    inspection.approved_by = actor
    inspection.published_at = now
    inspection.published_on = timezone.localdate(now)


def _log_publish(inspection: Inspection, actor) -> None:
    log_append(subject=plan_subject(inspection.plan_id), actor=actor, verb=LogVerb.PUBLISH,
               data={"inspection": inspection.pk, "published_on": inspection.published_on.isoformat(),
                     "publish_due": inspection.publish_due.isoformat()})


@transaction.atomic
def inspection_approve(*, inspection: Inspection, actor) -> Inspection:
    """The leader approves another member's record, which publishes it."""
    InspectionPlan.objects.select_for_update().get(pk=inspection.plan_id)
    inspection = selectors.inspections_with_people().select_for_update(of=("self",)).get(pk=inspection.pk)
    inspector = _require_member(inspection, actor)
    if inspection.leader_id != inspector.pk:
        raise Forbidden(_("只有检查组组长可以审核公开检查结果。"))
    if inspection.status != InspectionStatus.RECORDED:
        raise NotAllowed(_("该检查没有待审核的结果。"), state=inspection.status)
    _publish(inspection, actor=actor, now=timezone.now())
    inspection.save(update_fields=["status", "approved_by", "published_at", "published_on"])
    _log_publish(inspection, actor)
    return inspection


ATTACHMENT_TYPES = ["pdf", "jpeg", "png"]


@dataclass(frozen=True)
class AttachmentRules:
    """The material rules an inspection photo or document is checked against (licensing.materials)."""

    file_types: tuple = tuple(ATTACHMENT_TYPES)
    max_size_mb: int = 20
    max_age_days: int | None = None


@transaction.atomic
def inspection_attach(*, inspection: Inspection, actor, uploaded) -> InspectionAttachment:
    inspection = selectors.inspections_with_people().get(pk=inspection.pk)
    _require_member(inspection, actor)
    try:
        kind, digest = check_upload(material=AttachmentRules(), uploaded=uploaded, document_date=None,
                                    today=timezone.localdate())
    except ValidationError as exc:
        raise Invalid(_("附件不符合要求。"), errors=exc.message_dict) from exc
    attachment = InspectionAttachment(inspection=inspection, extension=kind, size=uploaded.size, sha256=digest,
                                      original_name=safe_original_name(uploaded.name),
                                      content_type=CONTENT_TYPES[kind], uploaded_by=actor)
    attachment.file.save(f"upload.{kind}", uploaded, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def inspection_start_sanction(*, inspection: Inspection, actor, action: str, legal_basis: str) -> list[str]:
    """A non-compliant finding starts the licence's suspension (暂扣) or revocation proposal (提请撤销)
    through the certificates app's own acts, which check the officer's role and the licence's status.
    Returns the numbers of the licences acted on."""
    inspection = Inspection.objects.select_related("plan__item").get(pk=inspection.pk)
    if inspection.conclusion != Conclusion.NON_COMPLIANT or inspection.status != InspectionStatus.PUBLISHED:
        raise NotAllowed(_("只有已公开、结论为“不符合许可条件”的检查可以据此提请暂扣或撤销许可证。"),
                         state=inspection.status, code="not_non_compliant")
    if action not in ("suspend", "propose-revocation"):
        raise Invalid(_("可选：suspend（暂扣）或 propose-revocation（提请撤销）。"),
                      errors={"action": [_("可选值：suspend, propose-revocation")]})
    if not legal_basis.strip():
        raise Invalid(_("请填写法律依据。"), errors={"legal_basis": [_("此项为必填项。")]})
    certificates = list(Certificate.objects.filter(
        holder_code=inspection.target_code, authority_id=inspection.plan.authority_id,
        status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED]))
    if not certificates:
        raise NotAllowed(_("该检查对象没有有效的电子许可证。"), code="no_licence")
    failed = [f["item"] for f in inspection.findings if f["result"] == FindingResult.FAIL]
    reason = (_("双随机抽查（%(year)s年，检查任务%(id)s，%(day)s）结论为不符合许可条件；不符合的检查要点：%(points)s")
              % {"year": inspection.plan.year, "id": inspection.pk, "day": inspection.inspected_on.isoformat(),
                 "points": "、".join(failed) or "—"})
    done = []
    for certificate in certificates:
        try:
            if action == "suspend":
                certificate_suspend(certificate=certificate, actor=actor, reason=reason, legal_basis=legal_basis)
            else:
                certificate_propose_revocation(certificate=certificate, actor=actor, reason=reason,
                                               legal_basis=legal_basis)
        except CertificateActionError as exc:
            error = WorkflowError(exc.message, code=exc.code)
            error.status = exc.status
            raise error from exc
        done.append(certificate.number)
    return done


class ItemFrozen(ValidationError):
    """A published inspection item is not edited: draft a new version."""


@transaction.atomic
def inspection_item_new_version(*, item: InspectionItem) -> InspectionItem:
    """Copy an item with its check points into a new draft version; plans keep the version they name."""
    if InspectionItem.objects.filter(code=item.code, status=ItemStatus.DRAFT).exists():
        raise ItemFrozen(_("已有未发布的草稿版本，请先编辑或发布它。"))
    latest = InspectionItem.objects.filter(code=item.code).order_by("-version").first()
    points = list(item.check_points.all())
    draft = InspectionItem.objects.create(
        code=item.code, version=latest.version + 1, status=ItemStatus.DRAFT, name_zh=item.name_zh,
        name_en=item.name_en, licence_kinds=item.licence_kinds, legal_basis=item.legal_basis, order=item.order)
    CheckPoint.objects.bulk_create(CheckPoint(item=draft, code=p.code, name_zh=p.name_zh, name_en=p.name_en,
                                              order=p.order) for p in points)
    return draft


@transaction.atomic
def inspection_item_publish(*, item: InspectionItem) -> InspectionItem:
    """Publish a draft (it needs check points) and retire the version it replaces."""
    item = InspectionItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.DRAFT:
        raise ItemFrozen(_("该版本已发布，不能再次发布。"))
    if not item.check_points.exists():
        raise ItemFrozen(_("检查事项至少要有一个检查要点。"))
    InspectionItem.objects.filter(code=item.code, status=ItemStatus.PUBLISHED).update(status=ItemStatus.RETIRED)
    item.status = ItemStatus.PUBLISHED
    item.save(update_fields=["status"])
    return item
