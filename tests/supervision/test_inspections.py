"""Inspection tasks: the members' queue, the record, the leader's publication, the 20-WD deadline,
follow-up of a rectification, attachments and permissions."""

import datetime as dt

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile

from supervision.models import Inspection, InspectionPlan
from supervision.selectors import publication_late
from tests.licensing.conftest import PDF_BYTES, PNG_BYTES
from tests.supervision.conftest import DRAW_DAY, at, client_for

pytestmark = pytest.mark.django_db

POINTS = ["facility-environment", "animal-quality", "animal-source", "feed-bedding", "staff-training", "records",
          "welfare-ethics", "biosafety-waste"]


def findings(fail: str | None = None) -> list[dict]:
    return [{"item": p, "result": "fail" if p == fail else "pass", "note": "现场核查" if p == fail else ""}
            for p in POINTS]


@pytest.fixture
def plan(officers, inspectors, manual_targets):
    supervisor = client_for(officers["supervisor"].user)
    with at(DRAW_DAY):
        created = supervisor.post("/api/v1/inspection-plans/", {
            "year": 2026, "title": "2026年抽查", "item": "lab-animal-licence-conditions", "targets_count": 4,
            "groups": 2, "group_size": 3}, format="json").json()
        assert supervisor.post(f"/api/v1/inspection-plans/{created['id']}/draw/").status_code == 200
    return InspectionPlan.objects.get(pk=created["id"])


def _task(plan) -> tuple[Inspection, object, object]:
    """An inspection with its leader's and another member's users."""
    inspection = plan.inspections.first()
    members = [m.inspector for m in inspection.memberships.select_related("inspector__officer__user")]
    other = next(m for m in members if m.pk != inspection.leader_id)
    return inspection, inspection.leader.officer.user, other.officer.user


def test_members_see_their_tasks_with_the_target(plan):
    inspection, leader, member = _task(plan)
    with at(DRAW_DAY):
        body = client_for(member).get("/api/v1/inspections/?mine=1").json()
    assert inspection.pk in [row["id"] for row in body]
    row = next(r for r in body if r["id"] == inspection.pk)
    assert row["target"]["credit_code"] == inspection.target_code
    assert row["leader"]["id"] == inspection.leader.certificate_number
    assert {"licences", "credit_code", "name"} <= set(row["target"]) and "past_inspections" in row
    everyone = {m.inspector.officer.user_id for i in plan.inspections.all() for m in i.memberships.all()}
    others = plan.inspections.exclude(memberships__inspector__officer__user=member)
    assert all(i.pk not in [r["id"] for r in body] for i in others)
    assert member.pk in everyone


def test_the_leaders_record_is_published_at_once_with_its_20_wd_deadline(plan):
    inspection, leader, _member = _task(plan)
    # Inspected on Thursday 2026-09-24: Mid-Autumn (09-25) and National Day (10-01..10-07) are off,
    # Saturday 10-10 is a make-up workday; 20 weekdays would end on 10-22, 20 working days end on 10-29.
    with at(dt.date(2026, 9, 24)):
        response = client_for(leader).post(f"/api/v1/inspections/{inspection.pk}/record/", {
            "inspected_on": "2026-09-24", "findings": findings(), "conclusion": "compliant"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "published" and body["published_on"] == "2026-09-24"
    from services.calendar import get_calendar

    assert body["publish_due"] == get_calendar().add_working_days(dt.date(2026, 9, 24), 20).isoformat()
    assert body["publish_due"] == "2026-10-29"
    public = client_for(None).get(f"/api/v1/public/inspection-draws/{plan.pk}/").json()
    assert [r["inspection"] for r in public["results"]] == [inspection.pk]
    assert public["results"][0]["conclusion"] == "compliant"


def test_a_members_record_waits_for_the_leader_and_is_flagged_after_20_wd(plan):
    inspection, leader, member = _task(plan)
    with at(dt.date(2026, 9, 24)):
        response = client_for(member).post(f"/api/v1/inspections/{inspection.pk}/record/", {
            "inspected_on": "2026-09-24", "findings": findings("records"), "conclusion": "rectify",
            "rectify_by": "2026-11-30"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "recorded"
    assert client_for(None).get(f"/api/v1/public/inspection-draws/{plan.pk}/").json()["results"] == []
    inspection.refresh_from_db()
    assert not publication_late(inspection, today=dt.date(2026, 10, 29))
    assert publication_late(inspection, today=dt.date(2026, 10, 30))
    with at(dt.date(2026, 10, 30)):
        assert client_for(member).post(f"/api/v1/inspections/{inspection.pk}/approve/").status_code == 403
        response = client_for(leader).post(f"/api/v1/inspections/{inspection.pk}/approve/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published" and body["publication_late"] is True
    follow_up = Inspection.objects.get(parent=inspection)
    assert follow_up.kind == "follow_up" and follow_up.due_on == dt.date(2026, 11, 30)


def test_bad_records_are_400_with_field_errors(plan):
    inspection, leader, _ = _task(plan)
    url = f"/api/v1/inspections/{inspection.pk}/record/"
    with at(dt.date(2026, 9, 25)):
        client = client_for(leader)
        response = client.post(url, {"inspected_on": "2026-09-25", "findings": findings("records"),
                                     "conclusion": "compliant"}, format="json")
        assert response.status_code == 400 and "conclusion" in response.json()
        response = client.post(url, {"inspected_on": "2026-09-25", "findings": findings()[:3],
                                     "conclusion": "rectify"}, format="json")
        assert response.status_code == 400 and {"findings", "rectify_by"} <= set(response.json())
        response = client.post(url, {"inspected_on": "2026-09-30", "findings": [{"item": "nope", "result": "maybe"}],
                                     "conclusion": "x"}, format="json")
        assert response.status_code == 400 and {"findings", "conclusion"} <= set(response.json())
        response = client.post(url, {"inspected_on": "2026-09-30", "findings": findings(), "conclusion": "compliant"},
                               format="json")
        assert response.status_code == 400 and "inspected_on" in response.json()
        assert client.post(url, {"inspected_on": "2026-09-25", "findings": findings(),
                                 "conclusion": "compliant"}, format="json").status_code == 201
        again = client.post(url, {"inspected_on": "2026-09-25", "findings": findings(), "conclusion": "compliant"},
                            format="json")
    assert again.status_code == 409


def test_other_staff_get_403_and_applicants_404(plan, officers, applicant):
    inspection, _leader, _member = _task(plan)
    url = f"/api/v1/inspections/{inspection.pk}/record/"
    body = {"inspected_on": "2026-03-10", "findings": findings(), "conclusion": "compliant"}
    members = {m.inspector.officer.user_id for m in inspection.memberships.all()}
    outsider = next(o for o in ("intake", "reviewer", "approver", "legal") if officers[o].user_id not in members)
    with at(DRAW_DAY):
        assert client_for(officers[outsider].user).post(url, body, format="json").status_code == 403
        assert client_for(applicant.user).post(url, body, format="json").status_code == 404
        assert client_for(applicant.user).get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404
        assert client_for(officers["supervisor"].user).get(f"/api/v1/inspections/{inspection.pk}/").status_code == 200
        assert client_for(applicant.user).get("/api/v1/inspections/?mine=1").status_code == 403


def test_attachments_pass_the_material_upload_checks(plan):
    inspection, leader, _ = _task(plan)
    url = f"/api/v1/inspections/{inspection.pk}/attachments/"
    with at(DRAW_DAY):
        client = client_for(leader)
        ok = client.post(url, {"file": SimpleUploadedFile("现场照片.png", PNG_BYTES)}, format="multipart")
        assert ok.status_code == 201, ok.content
        assert ok.json()["attachments"][0]["content_type"] == "image/png"
        pdf = client.post(url, {"file": SimpleUploadedFile("记录.pdf", PDF_BYTES)}, format="multipart")
        assert pdf.status_code == 201
        fake = client.post(url, {"file": SimpleUploadedFile("photo.png", b"MZ\x90\x00not an image")},
                           format="multipart")
    assert fake.status_code == 400 and "file" in fake.json()


def test_a_non_compliant_result_starts_the_licences_suspension_or_revocation_proposal(officers, inspectors,
                                                                                       licence_holder):
    from certificates.models import Certificate

    supervisor = client_for(officers["supervisor"].user)
    with at(DRAW_DAY):
        created = supervisor.post("/api/v1/inspection-plans/", {
            "year": 2026, "title": "专项检查", "item": "lab-animal-licence-conditions", "targets_count": 1,
            "groups": 1, "group_size": 2}, format="json").json()
        supervisor.post(f"/api/v1/inspection-plans/{created['id']}/draw/")
    inspection = Inspection.objects.get(plan_id=created["id"])
    url = f"/api/v1/inspections/{inspection.pk}/sanction/"
    body = {"action": "suspend", "legal_basis": "《实验动物许可证管理办法（试行）》第十八条"}
    with at(dt.date(2026, 3, 12)):
        assert client_for(officers["approver"].user).post(url, body, format="json").status_code == 409
        leader = inspection.leader.officer.user
        response = client_for(leader).post(f"/api/v1/inspections/{inspection.pk}/record/", {
            "inspected_on": "2026-03-12", "findings": findings("animal-quality"), "conclusion": "non_compliant"},
            format="json")
        assert response.status_code == 201 and response.json()["status"] == "published"
        assert client_for(officers["approver"].user).post(url, {"action": "x", "legal_basis": ""},
                                                          format="json").status_code == 400
        member = next(m.inspector.officer.user for m in inspection.memberships.all())
        if member.officer.role_codes().isdisjoint({"approver", "reviewer"}):
            assert client_for(member).post(url, body, format="json").status_code == 403
        response = client_for(officers["approver"].user).post(url, body, format="json")
    assert response.status_code == 200, response.content
    certificate = Certificate.objects.get(holder_code=inspection.target_code)
    assert response.json()["licences"] == [certificate.number]
    assert certificate.status == "suspended" and "animal-quality" in certificate.status_reason
    with at(dt.date(2026, 3, 13)):
        proposal = client_for(officers["reviewer"].user).post(url, {**body, "action": "propose-revocation"},
                                                              format="json")
    assert proposal.status_code == 200
    certificate.refresh_from_db()
    assert certificate.revocation_proposed_by_id == officers["reviewer"].user_id


def test_inspection_items_are_versioned_and_a_plan_keeps_its_version(plan, officers, client):
    from supervision.models import InspectionItem
    from supervision.services import ItemFrozen, inspection_item_new_version, inspection_item_publish

    published = plan.item
    draft = inspection_item_new_version(item=published)
    assert draft.version == published.version + 1 and draft.check_points.count() == len(POINTS)
    with pytest.raises(ItemFrozen):
        inspection_item_new_version(item=published)
    draft.check_points.filter(code="welfare-ethics").delete()
    inspection_item_publish(item=draft)
    published.refresh_from_db()
    assert published.status == "retired"
    codes = [i["code"] for i in client_for(None).get("/api/v1/inspection-items/").json()]
    assert codes.count(published.code) == 1
    item = next(i for i in client_for(None).get("/api/v1/inspection-items/").json() if i["code"] == published.code)
    assert item["version"] == draft.version and "welfare-ethics" not in [p["code"] for p in item["check_points"]]
    # The plan drawn under the earlier version still asks for its eight check points.
    inspection, leader, _ = _task(plan)
    with at(dt.date(2026, 3, 12)):
        response = client_for(leader).post(f"/api/v1/inspections/{inspection.pk}/record/", {
            "inspected_on": "2026-03-12", "findings": findings(), "conclusion": "compliant"}, format="json")
    assert response.status_code == 201
    admin_user = officers["supervisor"].user
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get(f"/admin/supervision/inspectionitem/{published.pk}/change/").status_code == 200
    response = client.post(f"/admin/supervision/inspectionitem/{published.pk}/change/", {"name_zh": "改"})
    assert response.status_code == 403
    assert InspectionItem.objects.get(pk=published.pk).name_zh != "改"


def test_the_task_shows_the_holders_annual_reports_where_they_exist(officers, inspectors, licence_holder):
    from django.apps import apps

    from certificates.models import Certificate

    if not apps.is_installed("aftercare"):
        pytest.skip("no after-licence app")
    certificate = Certificate.objects.get(application=licence_holder)
    apps.get_model("aftercare", "AnnualReport").objects.create(
        certificate=certificate, number=certificate.number, authority=certificate.authority, year=2025, data={},
        filed_by=licence_holder.applicant.user, filed_at=certificate.issued_at)
    supervisor = client_for(officers["supervisor"].user)
    with at(DRAW_DAY):
        created = supervisor.post("/api/v1/inspection-plans/", {
            "year": 2026, "title": "年报", "item": "lab-animal-licence-conditions", "targets_count": 1,
            "groups": 1, "group_size": 2}, format="json").json()
        supervisor.post(f"/api/v1/inspection-plans/{created['id']}/draw/")
        inspection = Inspection.objects.get(plan_id=created["id"])
        body = supervisor.get(f"/api/v1/inspections/{inspection.pk}/").json()
    assert [(r["licence"], r["year"]) for r in body["annual_reports"]] == [(certificate.number, 2025)]
    assert body["target"]["licences"][0]["number"] == certificate.number
