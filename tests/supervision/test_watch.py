"""Supervision on licensing's pages (the 20-WD publication on 电子监察, each inspector's duties beside the
queue) and the seed sealed at rest until the draw."""

import datetime as dt
import hashlib
import importlib

import pytest

from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing import hooks
from supervision import draw as algorithm
from supervision.models import InspectionPlan
from supervision.sealing import SealError, seal, secret_seed, unseal
from supervision.services import inspection_record, plan_create, plan_draw
from supervision.watch import board_source
from tests.supervision.conftest import DRAW_DAY, at

pytestmark = pytest.mark.django_db

PLAN = {"year": 2026, "title": "2026年抽查", "item": "lab-animal-licence-conditions", "targets_count": 4,
        "groups": 2, "group_size": 3}
INSPECTED_ON = dt.date(2026, 3, 12)   # a Thursday; 20 WD later is 2026-04-10 (Qingming on 6 April)


@pytest.fixture
def plan(officers, inspectors, manual_targets):
    with at(DRAW_DAY):
        created = plan_create(actor=officers["supervisor"].user, **PLAN)
        return plan_draw(plan=created, actor=officers["supervisor"].user)


def _record(inspection, user, on=INSPECTED_ON):
    points = inspection.plan.item.check_points.values_list("code", flat=True)
    with at(on):
        return inspection_record(inspection=inspection, actor=user, inspected_on=on, conclusion="compliant",
                                 findings=[{"item": p, "result": "pass", "note": ""} for p in points])


def _member_record(plan):
    """A record by the second member, which waits for the leader's approval."""
    inspection = plan.inspections.first()
    member = inspection.memberships.order_by("position")[1].inspector
    return _record(inspection, member.officer.user), inspection.leader.officer.user


def test_the_seed_is_sealed_until_the_draw_and_the_commitment_holds(officers, inspectors, manual_targets, settings):
    with at(DRAW_DAY):
        created = plan_create(actor=officers["supervisor"].user, **PLAN)
    stored = InspectionPlan.objects.values("seed", "sealed_seed", "seed_commitment").get(pk=created.pk)
    secret = unseal(stored["sealed_seed"])
    assert stored["seed"] == "" and secret not in stored["sealed_seed"] and len(secret) == 64
    assert stored["seed_commitment"] == hashlib.sha256(secret.encode("ascii")).hexdigest()
    with pytest.raises(SealError):
        unseal(stored["sealed_seed"], key=b"\x01" * 32)
    with at(DRAW_DAY):
        drawn = plan_draw(plan=created, actor=officers["supervisor"].user)
    drawn.refresh_from_db()
    assert drawn.seed == secret and drawn.sealed_seed == ""
    assert algorithm.commitment(drawn.seed) == drawn.seed_commitment


def test_the_migration_seals_the_seeds_of_plans_not_drawn_yet(officers, items):
    from supervision.models import InspectionItem

    old = InspectionPlan.objects.create(authority=officers["supervisor"].authority, year=2026, title="旧计划",
                                        item=InspectionItem.objects.first(), targets_count=1, groups=1, group_size=2,
                                        seed="cd" * 32, seed_commitment=algorithm.commitment("cd" * 32),
                                        created_by=officers["supervisor"].user)
    migration = importlib.import_module("supervision.migrations.0003_sealed_seeds")
    migration.seal_undrawn(django_apps, None)
    old.refresh_from_db()
    assert old.seed == "" and unseal(old.sealed_seed) == "cd" * 32 and secret_seed(old) == "cd" * 32
    migration.unseal_undrawn(django_apps, None)
    old.refresh_from_db()
    assert old.seed == "cd" * 32 and old.sealed_seed == ""


def test_a_sealed_seed_that_was_altered_does_not_open():
    sealed = seal("ab" * 32)
    assert unseal(sealed) == "ab" * 32
    tampered = sealed[:-4] + ("AAAA" if sealed[-4:] != "AAAA" else "BBBB")
    with pytest.raises(SealError):
        unseal(tampered)


def test_an_unpublished_record_turns_yellow_then_red_on_the_board(plan, officers):
    recorded, _leader = _member_record(plan)
    assert recorded.publish_due == dt.date(2026, 4, 10)
    authority = plan.authority_id

    def row(on):
        return [d for d in board_source(authority_id=authority, on=on) if d.kind == "检查结果公开"]

    assert [d.warning for d in row(dt.date(2026, 3, 20))] == ["green"]
    assert [d.warning for d in row(dt.date(2026, 4, 9))] == ["yellow"]
    late = row(dt.date(2026, 4, 13))
    assert [d.warning for d in late] == ["red"] and late[0].due_on == dt.date(2026, 4, 10)
    assert late[0].url == f"/supervision/inspections/{recorded.pk}/"


def test_a_result_published_after_20_wd_stays_red_and_one_in_time_leaves_the_board(plan, officers):
    from supervision.services import inspection_approve

    recorded, leader = _member_record(plan)
    with at(dt.date(2026, 4, 14)):  # two working days late
        inspection_approve(inspection=recorded, actor=leader)
    rows = [d for d in board_source(authority_id=plan.authority_id, on=dt.date(2026, 4, 20))
            if d.kind == "检查结果公开"]
    assert [d.warning for d in rows] == ["red"] and "2 个工作日" in rows[0].detail
    on_time = plan.inspections.exclude(pk=recorded.pk).first()
    _record(on_time, on_time.leader.officer.user)
    assert [d.reference for d in board_source(authority_id=plan.authority_id, on=dt.date(2026, 4, 20))
            if d.kind == "检查结果公开"] == [rows[0].reference]


def test_the_rectification_follow_up_is_on_the_board_with_its_deadline(plan):
    inspection = plan.inspections.first()
    points = inspection.plan.item.check_points.values_list("code", flat=True)
    with at(INSPECTED_ON):
        inspection_record(inspection=inspection, actor=inspection.leader.officer.user, inspected_on=INSPECTED_ON,
                          conclusion="rectify", rectify_by=dt.date(2026, 4, 30),
                          findings=[{"item": p, "result": "fail", "note": "记录不全"} for p in points])
    rows = [d for d in board_source(authority_id=plan.authority_id, on=dt.date(2026, 5, 6)) if d.kind == "整改复查"]
    assert [(d.due_on, d.warning) for d in rows] == [(dt.date(2026, 4, 30), "red")]


def test_the_board_reads_a_fixed_number_of_queries(plan):
    for inspection in plan.inspections.all()[:1]:
        _record(inspection, inspection.memberships.order_by("position")[1].inspector.officer.user)
    with CaptureQueriesContext(connection) as few:
        one = list(board_source(authority_id=plan.authority_id, on=dt.date(2026, 4, 13)))
    for inspection in plan.inspections.filter(status="pending", kind="drawn"):
        _record(inspection, inspection.memberships.order_by("position")[1].inspector.officer.user)
    with CaptureQueriesContext(connection) as more:
        many = list(board_source(authority_id=plan.authority_id, on=dt.date(2026, 4, 13)))
    assert len(many) > len(one) >= 1 and len(more.captured_queries) == len(few.captured_queries)


def test_the_workbench_shows_the_inspectors_duties(client, plan, officers):
    recorded, leader = _member_record(plan)
    duties = hooks.officer_duties(user=leader, on=dt.date(2026, 3, 20))
    assert any(d.kind == "审核检查结果" and d.url.endswith(f"/{recorded.pk}/") for d in duties)
    pending = plan.inspections.exclude(pk=recorded.pk).first()
    member = pending.memberships.order_by("position")[0].inspector.officer.user
    with at(dt.date(2026, 3, 20)):
        client.force_login(member)
        page = client.get("/workbench/").content.decode()
        assert "其他待办" in page and pending.target_name in page and f"/supervision/inspections/{pending.pk}/" in page
        english = client.get("/workbench/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/supervision/inspections/{pending.pk}/" in english
    # the supervisor sees the late record on 电子监察 (only yellow and red rows are listed there)
    client.force_login(officers["supervisor"].user)
    with at(dt.date(2026, 4, 13)):
        board = client.get("/workbench/board/").content.decode()
    assert "检查结果公开" in board and recorded.target_name in board
