"""The supervision year of the demo (`manage.py simulate_supervision`), through the real service
functions with the clock moved: a 2025 plan of 14 targets and 4 groups of 3 drawn from the
department's 15 inspectors, inspections recorded and published (at once by a leader, after the
leader's approval, one late, one rectification), and a review of 15 case files decided in 2025.

The simulated history lets a grant decision stand as the delivered document (no e-certificate), so
its licence holders enter the target directory as entries that name their grant decision; recusal is
computed from that case's log as for a certificate's."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import time_machine

from django.contrib.auth import get_user_model
from django.db import transaction

from licensing.constants import State
from licensing.models import Application
from services.calendar import get_calendar
from services.models import Authority

from . import review as reviews
from . import services
from .constants import Conclusion, FindingResult, InspectionStatus
from .models import CaseReview, DeclaredInterest, Inspection, InspectionPlan, Inspector, ManualTarget

TZ = ZoneInfo("Asia/Shanghai")
AUTHORITY = "yn-kjt"
PLAN_TITLE = "2025年度实验动物许可事中事后监管“双随机、一公开”抽查"
ITEM = "lab-animal-licence-conditions"
CREATED_ON, DRAW_ON = dt.date(2025, 11, 24), dt.date(2025, 12, 1)
REVIEW_ON = dt.date(2026, 1, 12)


@dataclass
class SupervisionResult:
    plan: InspectionPlan | None = None
    review: CaseReview | None = None
    created: list[str] = field(default_factory=list)


def _at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=TZ), tick=False)


def _grant_holders(authority: Authority, *, year: int, until: dt.date) -> int:
    """Directory entries for the year's lab animal licence holders without an e-certificate, each
    naming its latest grant decided by `until` (the draw date); returns how many were added."""
    added = 0
    grants = (Application.objects.cases().filter(authority=authority, state__in=[State.ISSUED, State.APPROVED],
                                                 service_type__code__in=["lab-animal-production", "lab-animal-use"],
                                                 decided_on__year=year, decided_on__lte=until,
                                                 certificate__isnull=True)
              .order_by("decided_on", "pk"))
    latest: dict[str, Application] = {}
    for grant in grants:
        code = (grant.data or {}).get("credit_code")
        if code:
            latest[code] = grant
    for code, grant in sorted(latest.items()):
        _target, created = ManualTarget.objects.get_or_create(
            authority=authority, credit_code=code,
            defaults={"name": grant.data.get("unit_name", code), "application": grant,
                      "address": grant.data.get("facility_address", "")[:200],
                      "note": f"{grant.case_number} 准予许可（模拟历史以许可决定书为许可文件）"})
        added += created
    return added


def _findings(points: list[str], rng: random.Random, fail: int = 0) -> list[dict]:
    failing = set(rng.sample(points, fail))
    return [{"item": p, "result": FindingResult.FAIL if p in failing else FindingResult.PASS,
             "note": "现场发现记录不完整，已当场指出" if p in failing else ""} for p in points]


def _user_of(inspector: Inspector):
    return inspector.officer.user


def _declare_interests(authority: Authority, rng: random.Random) -> None:
    """Some inspectors have declared an interest in a holder (a relative works there, a past job)."""
    codes = sorted(ManualTarget.objects.filter(authority=authority).values_list("credit_code", flat=True))
    inspectors = list(Inspector.objects.filter(officer__authority=authority,
                                               officer__user__username__startswith="inspector-")
                      .order_by("certificate_number"))
    for inspector in inspectors[4:]:
        if codes:
            note = rng.choice(["近亲属在该单位任职", "曾在该单位工作"])
            DeclaredInterest.objects.get_or_create(inspector=inspector, credit_code=rng.choice(codes),
                                                   defaults={"note": note})


def simulate_supervision(*, seed: int = 13, targets_count: int = 14, groups: int = 4, group_size: int = 3,
                         review_size: int = 15) -> SupervisionResult:
    rng = random.Random(seed)
    result = SupervisionResult()
    authority = Authority.objects.get(code=AUTHORITY)
    supervisor = get_user_model().objects.get(username="supervisor")
    calendar = get_calendar()
    plan = InspectionPlan.objects.filter(authority=authority, year=2025, title=PLAN_TITLE).first()
    if plan is None:
        with transaction.atomic():
            added = _grant_holders(authority, year=2025, until=DRAW_ON)
            result.created.append(f"{added} licence holders added to the target directory")
            _declare_interests(authority, rng)
            with _at(CREATED_ON):
                plan = services.plan_create(actor=supervisor, year=2025, title=PLAN_TITLE, item=ITEM,
                                            targets_count=targets_count, groups=groups, group_size=group_size)
            with _at(DRAW_ON):
                plan = services.plan_draw(plan=plan, actor=supervisor)
            _inspect(plan, rng=rng, calendar=calendar)
        result.created.append(f"plan {plan.pk} drawn")
    result.plan = plan
    found = CaseReview.objects.filter(authority=authority, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                      sample_size=review_size).first()
    if found is None:
        with transaction.atomic():
            with _at(REVIEW_ON):
                found = reviews.review_create(actor=supervisor, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                              sample_size=review_size)
                found = reviews.review_draw(review=found, actor=supervisor)
            _score(found, rng=rng, supervisor=supervisor)
        result.created.append(f"case review {found.pk} drawn")
    result.review = found
    return result


def _inspect(plan: InspectionPlan, *, rng: random.Random, calendar) -> None:
    """Ten of the fourteen inspections are done in December 2025: most by the leader (published at
    once), some by a member (published on the leader's approval, one of them after 20 WD), one with
    a rectification; the rest are left to do."""
    points = list(plan.item.check_points.values_list("code", flat=True))
    inspections = list(Inspection.objects.filter(plan=plan).select_related("leader__officer__user")
                       .prefetch_related("memberships__inspector__officer__user").order_by("pk"))
    day = calendar.add_working_days(DRAW_ON, 2)
    for index, inspection in enumerate(inspections[:max(1, len(inspections) * 10 // 14)]):
        members = [m.inspector for m in inspection.memberships.all()]
        by_member = index % 3 == 2
        recorder = next(m for m in members if m.pk != inspection.leader_id) if by_member else inspection.leader
        conclusion, fail, rectify_by = Conclusion.COMPLIANT, 0, None
        if index == 4:
            conclusion, fail = Conclusion.RECTIFY, 1
            rectify_by = calendar.add_working_days(day, 15)
        with _at(day, 16):
            services.inspection_record(inspection=inspection, actor=_user_of(recorder), inspected_on=day,
                                       findings=_findings(points, rng, fail), conclusion=conclusion,
                                       rectify_by=rectify_by)
        if by_member:
            # One approval comes late (after the 20-WD limit), the others within a few days.
            wait = 24 if index == 2 else 3
            with _at(calendar.add_working_days(day, wait), 11):
                inspection.refresh_from_db()
                if inspection.status == InspectionStatus.RECORDED:
                    services.inspection_approve(inspection=inspection, actor=_user_of(inspection.leader))
        day = calendar.add_working_days(day, 1)


def _score(found: CaseReview, *, rng: random.Random, supervisor) -> None:
    """The reviewer has scored ten of the fifteen files."""
    for reviewed in found.files.select_related("application").order_by("position")[:10]:
        scores = {"reasons_adequate": rng.randint(17, 25), "materials_consistent": rng.randint(14, 20),
                  "documents_standard": rng.randint(10, 15)}
        with _at(REVIEW_ON + dt.timedelta(days=7)):
            reviews.review_score(review=found, actor=supervisor, case_number=reviewed.application.case_number,
                                 scores=scores, comment="案卷材料齐全，程序合法。" if sum(scores.values()) > 50 else
                                 "说理不够充分，建议加强。")
