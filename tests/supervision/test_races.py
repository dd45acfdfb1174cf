"""Two supervisors drawing one plan, two members recording one inspection, at the same moment:
exactly one wins (real threads, PostgreSQL row locks)."""

import datetime as dt
import threading

import pytest

from django.db import connection, connections

from licensing.workflow import WorkflowError
from supervision import services
from supervision.models import Inspection, InspectionPlan, SupervisionLogEntry
from tests.factories import make_officer
from tests.supervision.conftest import DRAW_DAY, at

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]

POINTS = ["facility-environment", "animal-quality", "animal-source", "feed-bedding", "staff-training", "records",
          "welfare-ethics", "biosafety-waste"]


def run_together(*calls, day=DRAW_DAY):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            with at(day):
                call()
            outcomes[index] = "ok"
        except WorkflowError as exc:
            outcomes[index] = exc.status
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def plan(officers, inspectors, manual_targets):
    with at(DRAW_DAY):
        return services.plan_create(actor=officers["supervisor"].user, year=2026, title="并发",
                                    item="lab-animal-licence-conditions", targets_count=3, groups=2, group_size=3)


def test_two_draws_at_once_one_wins_the_other_gets_409(plan, officers):
    second = make_officer("t-supervisor-2", "yn-kjt", "supervisor")
    outcomes = run_together(
        lambda: services.plan_draw(plan=InspectionPlan.objects.get(pk=plan.pk), actor=officers["supervisor"].user),
        lambda: services.plan_draw(plan=InspectionPlan.objects.get(pk=plan.pk), actor=second.user),
    )
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert Inspection.objects.filter(plan=plan).count() == 3
    assert list(SupervisionLogEntry.objects.filter(subject=f"plan:{plan.pk}").values_list("verb", flat=True)) == \
        ["plan_create", "draw"]


def test_two_members_recording_one_inspection_at_once_one_wins(plan, officers):
    with at(DRAW_DAY):
        services.plan_draw(plan=plan, actor=officers["supervisor"].user)
    inspection = Inspection.objects.filter(plan=plan).first()
    users = [m.inspector.officer.user for m in inspection.memberships.select_related("inspector__officer__user")]
    body = {"inspected_on": dt.date(2026, 3, 11), "conclusion": "compliant",
            "findings": [{"item": p, "result": "pass", "note": ""} for p in POINTS]}
    outcomes = run_together(
        *[lambda u=u: services.inspection_record(inspection=Inspection.objects.get(pk=inspection.pk), actor=u, **body)
          for u in users[:2]], day=dt.date(2026, 3, 11))
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert SupervisionLogEntry.objects.filter(subject=f"plan:{plan.pk}", verb="record").count() == 1
