"""The one-time correction notice (Administrative Licensing Law, Art. 32) enforced: one notice per
case, the applicant changes exactly what it flags, and resubmission waits until every flagged item
has changed. Real dates around the 2025 National Day holiday (1–8 Oct, make-up Sat 11 Oct)."""

import datetime as dt
import hashlib
import types

import pytest
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from licensing import correction, workflow
from licensing.constants import State
from licensing.models import Application, CorrectionNotice

from .conftest import PDF_BYTES, at, pdf_file

D = dt.date
FILED = D(2025, 9, 24)  # Wed
NOTICE = D(2025, 9, 25)  # Thu
FIXED = D(2025, 9, 29)  # Mon, the last working day before the National Day holiday

ITEMS = [
    {"material": "data", "field": "contact_phone", "reason": "电话号码无法接通"},
    {"material": "floor-plan", "reason": "未标明动物流向"},
]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def corrected_pdf(name: str = "floor-plan-v2.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES + b"% corrected\n", content_type="application/pdf")


@pytest.fixture
def noticed(file_application, officers):
    """A lab animal application with an open notice flagging the contact phone and the floor plan."""
    app = file_application(on=FILED)
    with at(NOTICE):
        response = api(officers["intake"].user).post(f"/api/v1/applications/{app.pk}/request-correction/",
                                                     {"items": ITEMS}, format="json")
    assert response.status_code == 200, response.json()
    app.refresh_from_db()
    return app


def log_rows(app, verb: str) -> list:
    return list(app.log.filter(verb=verb).order_by("seq"))


# --- the pure rules ------------------------------------------------------------------------------

def submission(pk: int, sha256: str = "", commitment: int | None = None):
    text = types.SimpleNamespace(version=2) if commitment else None
    return types.SimpleNamespace(pk=pk, sha256=sha256, commitment_text_id=commitment, commitment_text=text,
                                 submitted_at=None)


def test_the_rules_tell_what_changed_and_what_is_outstanding():
    items = [{"material": "data", "field": "city"}, {"material": "plan"}, {"material": "seed"}]
    taken = correction.snapshot(items, data={"city": "玉溪市", "unit_name": "甲"},
                                current={"plan": submission(1, "aa"), "seed": submission(2, commitment=7)})
    assert taken == {"data": {"city": "玉溪市"}, "materials": {
        "plan": {"submission": 1, "sha256": "aa"},
        "seed": {"submission": 2, "commitment": 7, "commitment_version": 2}}}
    now = {"plan": submission(1, "aa"), "seed": submission(2, commitment=7)}
    assert correction.outstanding(items, taken, data={"city": "玉溪市"}, current=now) == [
        {"field": "city"}, {"material": "plan"}, {"material": "seed"}]
    now = {"plan": submission(3, "bb"), "seed": submission(4, "cc")}
    assert correction.outstanding(items, taken, data={"city": "昆明市"}, current=now) == []
    assert correction.changes(items, taken, data={"city": "昆明市"}, current=now) == {
        "fields": ["city"], "materials": [{"material": "plan", "sha256": "bb"}, {"material": "seed", "sha256": "cc"}]}


def test_the_whole_form_is_outstanding_until_any_field_changes():
    items = [{"material": "data"}]
    taken = correction.snapshot(items, data={"a": 1, "b": 2}, current={})
    assert correction.flags(items).field_open("anything")
    assert correction.outstanding(items, taken, data={"a": 1, "b": 2}, current={}) == [{"material": "data"}]
    assert correction.outstanding(items, taken, data={"a": 1}, current={}) == []
    assert correction.changes(items, taken, data={"a": 1}, current={})["fields"] == ["b"]


# --- the notice ----------------------------------------------------------------------------------

def test_the_notice_records_what_it_flags_as_it_stood(noticed):
    notice = CorrectionNotice.objects.get(application=noticed)
    plan = noticed.submissions.get(material__code="floor-plan", superseded=False)
    assert notice.items == ITEMS
    assert notice.snapshot == {"data": {"contact_phone": "0877-2020202"},
                               "materials": {"floor-plan": {"submission": plan.pk, "sha256": plan.sha256}}}
    assert plan.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    text = noticed.notices.get(kind="correction").content
    assert "申请信息（联系电话）：电话号码无法接通" in str(text)
    assert "Application details (Contact phone): 电话号码无法接通" in str(text)


def test_a_commitment_is_recorded_by_its_id(file_application, officers):
    app = file_application(on=FILED)
    with at(NOTICE):
        workflow.application_request_correction(application=app, actor=officers["intake"].user, items=[
            {"material": "seed-stock-origin", "reason": "承诺书未签名"}])
    signed = app.submissions.get(material__code="seed-stock-origin", superseded=False)
    taken = CorrectionNotice.objects.get(application=app).snapshot["materials"]["seed-stock-origin"]
    assert taken == {"submission": signed.pk, "commitment": signed.commitment_text_id,
                     "commitment_version": signed.commitment_text.version}


def test_notice_items_are_checked_against_the_service(file_application, officers):
    app = file_application(on=FILED)
    with at(NOTICE):
        response = api(officers["intake"].user).post(f"/api/v1/applications/{app.pk}/request-correction/", {
            "items": [
                {"material": "no-such-thing", "reason": "x"},
                {"material": "business-licence", "reason": "x"},  # taken from shared data: nothing to hand in
                {"material": "data", "field": "no_such_field", "reason": "x"},
                {"material": "floor-plan", "field": "city", "reason": "x"},
                {"material": "data", "field": "city", "reason": "   "},
            ]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"items.0.material", "items.1.material", "items.2.field", "items.3.field",
                         "items.4.reason"}
    app.refresh_from_db()
    assert app.state == State.SUBMITTED and not app.corrections.exists()


def test_only_one_notice_per_case_a_second_is_409_citing_the_law(noticed, officers):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "0877-3030303"}},
                    format="json")
        owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {"material": "floor-plan",
                                                                      "file": corrected_pdf()})
        assert owner.post(f"/api/v1/applications/{noticed.pk}/resubmit/").status_code == 200
        response = api(officers["intake"].user).post(f"/api/v1/applications/{noticed.pk}/request-correction/",
                                                     {"items": ITEMS}, format="json")
    assert response.status_code == 409
    assert "第三十二条" in response.json()["detail"] and "一次性" in response.json()["detail"]
    assert noticed.corrections.count() == 1


# --- changing what the notice flags --------------------------------------------------------------

def test_patching_a_field_the_notice_does_not_flag_is_refused_and_nothing_is_saved(noticed):
    with at(FIXED):
        response = api(noticed.applicant.user).patch(f"/api/v1/applications/{noticed.pk}/", {"data": {
            "contact_phone": "0877-3030303", "unit_name": "另一个单位"}}, format="json")
    assert response.status_code == 400
    errors = response.json()["data"]
    assert list(errors) == ["unit_name"] and "补正通知" in errors["unit_name"][0]
    noticed.refresh_from_db()
    assert noticed.data["contact_phone"] == "0877-2020202" and noticed.data["unit_name"] == "云南省测试研究所"
    assert not log_rows(noticed, "correct_data")


def test_a_flagged_field_is_validated_saved_and_logged(noticed):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        invalid = owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "call me"}},
                              format="json")
        assert invalid.status_code == 400 and "contact_phone" in invalid.json()["data"]
        response = owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "0877-3030303"}},
                               format="json")
    assert response.status_code == 200
    assert response.json()["open_correction"]["outstanding"] == [{"material": "floor-plan"}]
    noticed.refresh_from_db()
    assert noticed.data["contact_phone"] == "0877-3030303"
    [row] = log_rows(noticed, "correct_data")
    assert row.data == {"fields": ["contact_phone"]} and row.actor == noticed.applicant.user


def test_only_flagged_materials_can_be_uploaded_or_signed(noticed):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        other = owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {
            "material": "staff-qualifications", "file": pdf_file()})
        signed = owner.post(f"/api/v1/applications/{noticed.pk}/commitments/", {"material": "seed-stock-origin"},
                            format="json")
        flagged = owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {
            "material": "floor-plan", "file": corrected_pdf()})
    assert other.status_code == 400 and "staff-qualifications" in other.json()["material"][0]
    assert signed.status_code == 400 and "seed-stock-origin" in signed.json()["material"][0]
    assert flagged.status_code == 201
    [row] = log_rows(noticed, "correct_material")
    assert row.data == {"material": "floor-plan",
                        "sha256": hashlib.sha256(PDF_BYTES + b"% corrected\n").hexdigest()}


def test_a_commitment_only_where_the_material_allows_one(file_application, officers):
    app = file_application(on=FILED)
    with at(NOTICE):
        workflow.application_request_correction(application=app, actor=officers["intake"].user, items=[
            {"material": "seed-stock-origin", "reason": "请重新签署"}, {"material": "floor-plan", "reason": "不清晰"}])
    owner = api(app.applicant.user)
    with at(FIXED):
        refused = owner.post(f"/api/v1/applications/{app.pk}/commitments/", {"material": "floor-plan"},
                             format="json")
        signed = owner.post(f"/api/v1/applications/{app.pk}/commitments/", {"material": "seed-stock-origin"},
                            format="json")
    assert refused.status_code == 400 and signed.status_code == 201
    [row] = log_rows(app, "correct_material")
    assert row.data["material"] == "seed-stock-origin" and row.data["commitment_version"] >= 1


def test_the_whole_form_flagged_opens_every_field(file_application, officers):
    app = file_application(on=FILED)
    with at(NOTICE):
        workflow.application_request_correction(application=app, actor=officers["intake"].user, items=[
            {"material": "data", "reason": "申请表填写有误"}])
    owner = api(app.applicant.user)
    with at(FIXED):
        unchanged = owner.post(f"/api/v1/applications/{app.pk}/resubmit/")
        assert unchanged.status_code == 400 and unchanged.json()["outstanding"] == [{"material": "data"}]
        assert owner.patch(f"/api/v1/applications/{app.pk}/", {"data": {"legal_representative": "钱所长"}},
                           format="json").status_code == 200
        assert owner.post(f"/api/v1/applications/{app.pk}/resubmit/").status_code == 200
    assert app.log.filter(verb="resubmit").get().data["fields"] == ["legal_representative"]


# --- resubmission --------------------------------------------------------------------------------

def test_resubmitting_with_nothing_changed_lists_every_outstanding_item(noticed):
    with at(FIXED):
        response = api(noticed.applicant.user).post(f"/api/v1/applications/{noticed.pk}/resubmit/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "correction_outstanding" and body["detail"]
    assert body["outstanding"] == [{"field": "contact_phone"}, {"material": "floor-plan"}]
    noticed.refresh_from_db()
    assert noticed.state == State.CORRECTION_REQUESTED


def test_re_uploading_is_not_enough_while_a_flagged_field_is_unchanged(noticed):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {"material": "floor-plan",
                                                                      "file": corrected_pdf()})
        response = owner.post(f"/api/v1/applications/{noticed.pk}/resubmit/")
    assert response.status_code == 400 and response.json()["outstanding"] == [{"field": "contact_phone"}]


def test_after_fixing_everything_resubmission_restarts_the_acceptance_clock(noticed):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "0877-3030303"}},
                    format="json")
        owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {"material": "floor-plan",
                                                                      "file": corrected_pdf()})
        response = owner.post(f"/api/v1/applications/{noticed.pk}/resubmit/")
    assert response.status_code == 200, response.json()
    assert response.json()["open_correction"] is None
    noticed.refresh_from_db()
    assert noticed.state == State.SUBMITTED and noticed.acceptance_clock_from == FIXED
    # From Mon 29 Sep 2025: 30 Sep 1; 1–8 Oct off; 9 Oct 2, 10 Oct 3, Sat 11 Oct (make-up) 4, Mon 13 Oct 5.
    assert noticed.acceptance_due == D(2025, 10, 13)
    row = noticed.log.filter(verb="resubmit").get()
    assert row.data["fields"] == ["contact_phone"]
    assert row.data["materials"] == [{"material": "floor-plan",
                                      "sha256": hashlib.sha256(PDF_BYTES + b"% corrected\n").hexdigest()}]
    assert noticed.corrections.get().resolved_at is not None
    with at(D(2025, 10, 13)):
        assert workflow.deadlines_sweep().deemed_accepted == 0
    with at(D(2025, 10, 14)):
        assert workflow.deadlines_sweep().deemed_accepted == 1
    noticed.refresh_from_db()
    assert noticed.state == State.IN_REVIEW


def test_after_resubmission_nothing_can_be_changed_any_more(noticed):
    owner = api(noticed.applicant.user)
    with at(FIXED):
        owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "0877-3030303"}},
                    format="json")
        owner.post(f"/api/v1/applications/{noticed.pk}/materials/", {"material": "floor-plan",
                                                                      "file": corrected_pdf()})
        owner.post(f"/api/v1/applications/{noticed.pk}/resubmit/")
        late = owner.patch(f"/api/v1/applications/{noticed.pk}/", {"data": {"contact_phone": "0877-4040404"}},
                           format="json")
    assert late.status_code == 409


# --- the joint filing ----------------------------------------------------------------------------

def test_a_track_notice_opens_the_joint_filings_data_and_shared_materials(file_application, officers):
    joint = file_application(on=FILED, service="foreign-talent-one-stop")
    residence = joint.tracks.get(service_type__code="foreign-residence-permit")
    crj = api(officers["crj"].user)
    with at(NOTICE):
        wrong_track = crj.post(f"/api/v1/applications/{residence.pk}/request-correction/", {"items": [
            {"material": "degree", "reason": "学位证书未认证"}]}, format="json")
        assert wrong_track.status_code == 400 and "items.0.material" in wrong_track.json()
        response = crj.post(f"/api/v1/applications/{residence.pk}/request-correction/", {"items": [
            {"material": "data", "field": "passport_number", "reason": "护照号码与护照不符"},
            {"material": "passport", "reason": "护照页不清晰"}]}, format="json")
    assert response.status_code == 200, response.json()
    owner = api(joint.applicant.user)
    with at(FIXED):
        refused = owner.patch(f"/api/v1/applications/{joint.pk}/", {"data": {"position": "Engineer"}},
                              format="json")
        assert refused.status_code == 400 and list(refused.json()["data"]) == ["position"]
        assert owner.patch(f"/api/v1/applications/{joint.pk}/", {"data": {"passport_number": "C01X00T48"}},
                           format="json").status_code == 200
        early = owner.post(f"/api/v1/applications/{residence.pk}/resubmit/")
        assert early.status_code == 400 and early.json()["outstanding"] == [{"material": "passport"}]
        assert owner.post(f"/api/v1/applications/{joint.pk}/materials/", {
            "material": "degree", "file": corrected_pdf()}).status_code == 400
        assert owner.post(f"/api/v1/applications/{joint.pk}/materials/", {
            "material": "passport", "file": corrected_pdf("passport.pdf")}).status_code == 201
        done = owner.post(f"/api/v1/applications/{residence.pk}/resubmit/")
    assert done.status_code == 200, done.json()
    joint.refresh_from_db()
    residence.refresh_from_db()
    assert joint.data["passport_number"] == "C01X00T48" and residence.data["passport_number"] == "C01X00T48"
    assert residence.state == State.SUBMITTED and residence.acceptance_due == D(2025, 10, 13)
    assert [r.data for r in log_rows(residence, "correct_data")] == [{"fields": ["passport_number"]}]
    assert [r.data for r in log_rows(joint, "correct_data")] == [{"fields": ["passport_number"]}]
    assert log_rows(residence, "correct_material")[0].data["material"] == "passport"
    assert residence.log.filter(verb="resubmit").get().data["fields"] == ["passport_number"]


# --- the pages -----------------------------------------------------------------------------------

def test_the_officer_flags_single_fields_on_the_case_page(client, officers, file_application):
    app = file_application(on=FILED)
    client.force_login(officers["intake"].user)
    url = reverse("workbench-action", args=[app.pk, "request-correction"])
    with at(NOTICE):
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert 'for="id_request-correction-item_data.contact_phone"' in page and "联系电话" in page
        assert 'id="id_request-correction-item_data"' in page  # the whole form
        response = client.post(url, {
            "request-correction-item_data.contact_phone": "on",
            "request-correction-reason_data.contact_phone": "电话号码无法接通",
            "request-correction-item_floor-plan": "on", "request-correction-reason_floor-plan": "未标明动物流向",
        })
    assert response.status_code == 302
    assert app.corrections.get().items == ITEMS


def test_the_banner_links_each_item_to_its_fix(client, noticed):
    client.force_login(noticed.applicant.user)
    with at(FIXED):
        page = client.get(reverse("application-detail", args=[noticed.pk])).content.decode()
    assert f'href="/applications/{noticed.pk}/details/#id_contact_phone"' in page
    assert f'href="{reverse("application-material", args=[noticed.pk, "floor-plan"])}"' in page
    assert "电话号码无法接通" in page and "未标明动物流向" in page


def test_the_details_page_edits_only_the_flagged_fields(client, noticed):
    client.force_login(noticed.applicant.user)
    url = reverse("application-details", args=[noticed.pk])
    with at(FIXED):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="contact_phone"' in html and 'name="unit_name"' not in html
        assert "云南省测试研究所" in html  # the rest is shown, read-only
        response = client.post(url, {"contact_phone": "0877-3030303", "unit_name": "另一个单位", "next": "case"})
    assert response.status_code == 302
    noticed.refresh_from_db()
    assert noticed.data["contact_phone"] == "0877-3030303" and noticed.data["unit_name"] == "云南省测试研究所"
    assert [r.data for r in log_rows(noticed, "correct_data")] == [{"fields": ["contact_phone"]}]


def test_the_details_page_stays_closed_when_the_notice_flags_only_materials(client, file_application, officers):
    app = file_application(on=FILED)
    with at(NOTICE):
        workflow.application_request_correction(application=app, actor=officers["intake"].user, items=[
            {"material": "floor-plan", "reason": "不清晰"}])
    client.force_login(app.applicant.user)
    with at(FIXED):
        response = client.post(reverse("application-details", args=[app.pk]), {"contact_phone": "0877-3030303"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.data["contact_phone"] == "0877-2020202"


def test_the_material_page_refuses_a_material_the_notice_does_not_flag(client, noticed):
    client.force_login(noticed.applicant.user)
    url = reverse("application-material", args=[noticed.pk, "staff-qualifications"])
    with at(FIXED):
        page = client.get(url).content.decode()
        assert "补正通知未要求更换这项材料" in page and 'name="file"' not in page
        response = client.post(url, {"action": "upload", "file": pdf_file()}, follow=True)
        assert 'name="file"' in client.get(reverse("application-material", args=[noticed.pk, "floor-plan"]))\
            .content.decode()
    assert "补正通知未要求更换这项材料" in response.content.decode()
    assert noticed.submissions.filter(material__code="staff-qualifications").count() == 1


def test_resubmitting_early_shows_what_is_outstanding_with_links(client, noticed):
    client.force_login(noticed.applicant.user)
    with at(FIXED):
        response = client.post(reverse("application-resubmit", args=[noticed.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('class="error-summary"'):html.index("</ul>", html.index('class="error-summary"'))]
    assert f'href="/applications/{noticed.pk}/details/#id_contact_phone"' in summary
    assert reverse("application-material", args=[noticed.pk, "floor-plan"]) in summary
    assert summary.count("<li>") == 2
    assert Application.objects.get(pk=noticed.pk).state == State.CORRECTION_REQUESTED
