"""Reads for supervision: the directories on a date, recusal conflicts, the public draw and the
inspectors' task lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Prefetch, Q, QuerySet

from certificates.constants import CertificateStatus
from certificates.models import Certificate
from licensing.models import CaseLogEntry
from licensing.permissions import officer_of, officer_roles
from services.calendar import get_calendar

from .constants import InspectionStatus, ItemStatus
from .draw import ALGORITHM
from .models import (
    DeclaredInterest,
    Inspection,
    InspectionItem,
    InspectionMember,
    InspectionPlan,
    Inspector,
    ManualTarget,
)


def is_supervisor(user) -> bool:
    return officer_of(user) is not None and "supervisor" in officer_roles(user)


def inspector_of(user) -> Inspector | None:
    officer = officer_of(user)
    if officer is None:
        return None
    return Inspector.objects.filter(officer=officer).first()


def published_items() -> QuerySet[InspectionItem]:
    """The current version of every published item, with its check points."""
    return (InspectionItem.objects.filter(status=ItemStatus.PUBLISHED).prefetch_related("check_points")
            .order_by("order", "code"))


def item_payload(item: InspectionItem) -> dict:
    return {"code": item.code, "version": item.version, "name_zh": item.name_zh, "name_en": item.name_en,
            "licence_kinds": item.licence_kinds,
            "check_points": [{"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en}
                             for p in item.check_points.all()]}


@dataclass
class Target:
    credit_code: str
    name: str
    source: str
    licences: list[str] = field(default_factory=list)  # certificate numbers
    granting_applications: list[int] = field(default_factory=list)


def target_directory(*, authority_id: int, kinds: list[str], on: dt.date) -> list[Target]:
    """检查对象名录 on `on`: holders of a valid licence of these kinds issued by the authority (the
    register), plus the entities added by hand; sorted by credit code."""
    targets: dict[str, Target] = {}
    certificates = (Certificate.objects.filter(authority_id=authority_id, kind__in=kinds,
                                               status=CertificateStatus.VALID, valid_from__lte=on,
                                               valid_to__gte=on)
                    .order_by("holder_code", "number", "-revision")
                    .values("holder_code", "holder_name", "number", "application_id"))
    for row in certificates:
        target = targets.setdefault(row["holder_code"], Target(row["holder_code"], row["holder_name"], "register"))
        target.licences.append(row["number"])
        target.granting_applications.append(row["application_id"])
    for manual in ManualTarget.objects.filter(authority_id=authority_id, active=True):
        target = targets.setdefault(manual.credit_code, Target(manual.credit_code, manual.name, "manual"))
        if manual.application_id and manual.application_id not in target.granting_applications:
            target.granting_applications.append(manual.application_id)
    return [targets[code] for code in sorted(targets)]


def eligible_inspectors(*, authority_id: int, on: dt.date) -> list[Inspector]:
    """Inspectors of the authority whose enforcement certificate is valid on `on`."""
    return list(Inspector.objects.select_related("officer__user")
                .filter(active=True, officer__authority_id=authority_id, valid_until__gte=on)
                .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
                .order_by("certificate_number"))


def conflicts(*, inspectors: list[Inspector], targets: list[Target]) -> list[list[str]]:
    """[inspector_id, credit_code] pairs: a declared interest names the target, or the inspector
    acted (any case-log row) on the application that granted the target's current licence."""
    codes = {t.credit_code for t in targets}
    by_id = {i.pk: i for i in inspectors}
    pairs: set[tuple[str, str]] = set()
    for interest in DeclaredInterest.objects.filter(inspector__in=inspectors, credit_code__in=codes):
        pairs.add((by_id[interest.inspector_id].certificate_number, interest.credit_code))
    by_user = {i.officer.user_id: i for i in inspectors}
    holder_of = {app_id: t.credit_code for t in targets for app_id in t.granting_applications}
    if holder_of and by_user:
        acted = (CaseLogEntry.objects.filter(application_id__in=holder_of, actor_id__in=by_user)
                 .values_list("application_id", "actor_id").distinct())
        for application_id, actor_id in acted:
            pairs.add((by_user[actor_id].certificate_number, holder_of[application_id]))
    return [list(pair) for pair in sorted(pairs)]


def plans_for(*, user) -> QuerySet[InspectionPlan]:
    officer = officer_of(user)
    return InspectionPlan.objects.filter(authority_id=officer.authority_id).select_related("item")


def publication_late(inspection: Inspection, *, today: dt.date) -> bool:
    """Published after the 20-WD limit, or still unpublished past it (电子监察)."""
    if inspection.publish_due is None:
        return False
    if inspection.published_on is not None:
        return inspection.published_on > inspection.publish_due
    return today > inspection.publish_due


def publication_days_left(inspection: Inspection, *, today: dt.date) -> int | None:
    if inspection.publish_due is None or inspection.published_on is not None:
        return None
    calendar = get_calendar()
    if today <= inspection.publish_due:
        return calendar.working_days(today, inspection.publish_due)
    return -calendar.working_days(inspection.publish_due, today)


def inspections_with_people() -> QuerySet[Inspection]:
    return (Inspection.objects.select_related("plan__item", "leader")
            .prefetch_related(Prefetch("memberships", queryset=InspectionMember.objects
                                       .select_related("inspector", "substitute_for").order_by("position"))))


def inspections_for(*, user, mine: bool) -> QuerySet[Inspection]:
    """An inspector's tasks (mine), or every inspection of a supervisor's authority."""
    inspections = inspections_with_people().order_by("status", "plan__year", "id")
    inspector = inspector_of(user)
    if mine or not is_supervisor(user):
        if inspector is None:
            return inspections.none()
        return inspections.filter(memberships__inspector=inspector)
    return inspections.filter(plan__authority_id=officer_of(user).authority_id)


def is_member(inspection: Inspection, user) -> bool:
    inspector = inspector_of(user)
    return inspector is not None and any(m.inspector_id == inspector.pk for m in inspection.memberships.all())


def person(inspector: Inspector) -> dict:
    """How a person appears in public: the enforcement certificate number and the surname."""
    return {"id": inspector.certificate_number, "surname": inspector.surname}


def _scope(certificate: Certificate) -> str:
    """The licence's scope as it states it; on English pages, worded in English from the filing's scope."""
    from django.utils.translation import get_language

    from certificates.services import scope_text

    scope = (certificate.application.data or {}).get("scope") if certificate.application_id else None
    if (get_language() or "").startswith("en") and isinstance(scope, list):
        return scope_text(scope, english=True)
    return certificate.scope


def target_context(code: str, *, authority_id: int, exclude: int | None = None) -> dict:
    """The target's licences and past inspections, for the inspector's task."""
    licences = [{"number": c.number, "kind": c.kind, "valid_from": c.valid_from, "valid_to": c.valid_to,
                 "status": c.status, "scope": _scope(c)}
                for c in Certificate.objects.filter(holder_code=code, authority_id=authority_id)
                .select_related("application").exclude(status=CertificateStatus.SUPERSEDED).order_by("-issued_at")]
    past = (Inspection.objects.filter(target_code=code, status=InspectionStatus.PUBLISHED)
            .exclude(pk=exclude).select_related("plan").order_by("-inspected_on"))
    grants = [{"case_number": m.application.case_number, "decided_on": m.application.decided_on}
              for m in ManualTarget.objects.filter(credit_code=code, authority_id=authority_id,
                                                   application__isnull=False).select_related("application")]
    return {"licences": licences, "grants": grants,
            "past_inspections": [{"inspection": p.pk, "year": p.plan.year, "inspected_on": p.inspected_on,
                                  "conclusion": p.conclusion} for p in past],
            "annual_reports": annual_reports(code, authority_id=authority_id)}


def annual_reports(code: str, *, authority_id: int) -> list[dict]:
    """The holder's annual reports where the after-licence app keeps them (read through the
    certificates' reverse relation, so supervision imports nothing above it); [] without it."""
    if not apps.is_installed("aftercare"):
        return []
    rows = (Certificate.objects.filter(holder_code=code, authority_id=authority_id, annual_reports__isnull=False)
            .order_by("-annual_reports__year", "number")
            .values("number", "annual_reports__year", "annual_reports__state", "annual_reports__filed_at"))
    return [{"licence": r["number"], "year": r["annual_reports__year"], "state": r["annual_reports__state"],
             "filed_at": r["annual_reports__filed_at"]} for r in rows]


def public_draw(plan: InspectionPlan) -> dict:
    """The public record of a plan's draw: the commitment from creation, the seed, the frozen inputs
    and the result after the draw, and each result once published. No personal data beyond the
    inspectors' certificate numbers and surnames."""
    draw = plan.draw or {}
    body = {
        "plan": {"id": plan.pk, "year": plan.year, "title": plan.title, "item": plan.item.code,
                 "item_version": plan.item.version, "authority": plan.authority.code,
                 "targets_count": plan.targets_count, "groups": plan.groups, "group_size": plan.group_size,
                 "created_at": plan.created_at.isoformat()},
        "algorithm": ALGORITHM,
        "seed_commitment": plan.seed_commitment,
        "seed": plan.seed if plan.is_drawn else None,
        "drawn_at": plan.drawn_at.isoformat() if plan.drawn_at else None,
        "draw_date": plan.drawn_on.isoformat() if plan.drawn_on else None,
        "targets_input": draw.get("targets_input", []),
        "inspectors_input": draw.get("inspectors_input", []),
        "conflicts": draw.get("conflicts", []),
        "selected_targets": draw.get("selected_targets", []),
        "groups": draw.get("groups", []),
        "reserve": draw.get("reserve", []),
        "assignments": draw.get("assignments", []),
        "inspector_surnames": draw.get("inspector_surnames", {}),
        "target_names": draw.get("target_names", {}),
        "results": [],
    }
    if plan.is_drawn:
        published = plan.inspections.filter(status=InspectionStatus.PUBLISHED).order_by("published_at", "id")
        body["results"] = [{"inspection": i.pk, "target": i.target_code, "kind": i.kind,
                            "inspected_on": i.inspected_on.isoformat(), "conclusion": i.conclusion,
                            "findings": i.findings, "rectify_by": i.rectify_by.isoformat() if i.rectify_by else None,
                            "published_on": i.published_on.isoformat()} for i in published]
    return body
