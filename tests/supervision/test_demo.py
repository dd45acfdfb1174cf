"""The demo: seed_demo's 15 inspectors and simulate_supervision's year (idempotent, recomputable)."""

import datetime as dt
import json

import pytest

from django.core.management import call_command

from licensing import workflow
from supervision.models import CaseReview, InspectionPlan, Inspector
from supervision.selectors import public_draw
from supervision.simulation import simulate_supervision
from tests.factories import ApplicantFactory, credit_code
from tests.licensing.conftest import at, fill_materials, lab_data, recommend

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_15_inspectors_at_the_provincial_department(demo_accounts):
    inspectors = Inspector.objects.select_related("officer__user", "officer__authority")
    assert inspectors.count() == 15
    usernames = {i.officer.user.username for i in inspectors}
    assert {"intake", "reviewer", "approver", "legal"} <= usernames
    assert {f"inspector-{n:02d}" for n in range(1, 12)} <= usernames
    assert {i.officer.authority.code for i in inspectors} == {"yn-kjt"}
    assert all(i.valid_from <= dt.date(2024, 1, 1) and i.valid_until >= dt.date(2030, 12, 31) for i in inspectors)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - again: nothing doubles
    assert Inspector.objects.count() == 15


def test_simulate_supervision_draws_inspects_and_reviews_once(demo_accounts, tmp_path):
    from services.models import Officer

    officers = {o.user.username: o for o in Officer.objects.select_related("user")}
    for n in range(4):
        who = ApplicantFactory()
        day = dt.date(2025, 3, 3) + dt.timedelta(days=7 * n)
        with at(day):
            application = workflow.application_create(
                applicant=who, service_type=workflow_service(), actor=who.user,
                data=lab_data(credit_code=credit_code(f"12530400MB0D{n:04d}0"), unit_name=f"模拟研究所{n}"))
            fill_materials(application, on=day)
            workflow.application_submit(application=application, actor=who.user)
            workflow.application_accept(application=application, actor=officers["intake"].user)
            recommend(application, officers["reviewer"])
            workflow.application_approve(application=application, actor=officers["approver"].user, opinion="符合条件")
    result = simulate_supervision(targets_count=4, groups=2, group_size=3, review_size=3)
    plan = result.plan
    assert len(plan.draw["selected_targets"]) == 4 and len(plan.draw["inspectors_input"]) == 15
    assert plan.inspections.filter(status="published").exists()
    assert result.review.sample and len(result.review.sample) == 3
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(public_draw(plan), ensure_ascii=False), encoding="utf-8")
    call_command("verify_draw", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    again = simulate_supervision(targets_count=4, groups=2, group_size=3, review_size=3)
    assert again.created == [] and InspectionPlan.objects.count() == 1 and CaseReview.objects.count() == 1


def workflow_service():
    from services.selectors import service_type_current

    return service_type_current(code="lab-animal-production")
