"""Filing: form validation, upload checks from the bytes, commitments, complete-before-submit,
idempotent submit, the public status query."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile

from licensing.models import Application, CaseLogEntry, MaterialSubmission, Notice

from .conftest import JPEG_BYTES, PDF_BYTES, at, lab_data, person_data

D = dt.date


@pytest.fixture
def client_for(applicant):
    client = APIClient()
    client.force_authenticate(applicant.user)
    return client


def create(client, service="lab-animal-production", data=None):
    response = client.post("/api/v1/applications/", {"service": service, "data": data or lab_data()}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def upload(client, app_id, material, content, name="file.pdf", document_date=None):
    body = {"material": material, "file": SimpleUploadedFile(name, content)}
    if document_date:
        body["document_date"] = document_date
    return client.post(f"/api/v1/applications/{app_id}/materials/", body, format="multipart")


def test_create_returns_a_draft_with_a_case_number_and_the_form_schema_is_published(client_for):
    with at(D(2025, 9, 26)):
        response = client_for.post("/api/v1/applications/", {"service": "lab-animal-use", "data": {}}, format="json")
    body = response.json()
    assert response.status_code == 201 and body["state"] == "draft" and body["case_number"].startswith("TB20250926")
    form = APIClient().get("/api/v1/services/lab-animal-use/").json()["form"]
    assert set(form["required"]) >= {"unit_name", "credit_code", "scope", "facility_address"}
    assert form["properties"]["scope"]["items"]["properties"]["environment"]["enum"] == [
        "conventional", "barrier", "isolation"]


def test_bad_data_is_a_400_with_field_errors_and_nothing_saved(client_for):
    app_id = create(client_for, data={"unit_name": "所"})
    bad = {"credit_code": "12530400MB0D123400", "scope": [{"environment": "outdoor", "species": []}]}
    response = client_for.patch(f"/api/v1/applications/{app_id}/", {"data": bad}, format="json")
    assert response.status_code == 400
    errors = response.json()["data"]
    assert "credit_code" in errors and "scope.0.environment" in errors and "scope.0.species" in errors
    assert Application.objects.get(pk=app_id).data == {"unit_name": "所"}


def test_wrong_bytes_under_a_pdf_name_are_refused(client_for):
    app_id = create(client_for)
    response = upload(client_for, app_id, "floor-plan", b"MZ\x90\x00 this is an executable", name="plan.pdf")
    assert response.status_code == 400
    assert "file" in response.json()
    assert not MaterialSubmission.objects.filter(application_id=app_id).exists()


def test_a_jpeg_is_accepted_where_images_are_allowed_but_not_for_a_pdf_only_material(client_for):
    app_id = create(client_for)
    assert upload(client_for, app_id, "floor-plan", JPEG_BYTES, name="plan.jpg").status_code == 201
    assert upload(client_for, app_id, "application-form", JPEG_BYTES, name="form.pdf").status_code == 400


def test_oversize_file_is_refused_with_the_limit(client_for):
    app_id = create(client_for)
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    response = upload(client_for, app_id, "floor-plan", big)
    assert response.status_code == 400 and "10 MB" in response.json()["file"][0]


def test_too_old_test_report_is_refused_with_the_reason(client_for):
    app_id = create(client_for)
    with at(D(2025, 9, 26)):
        old = upload(client_for, app_id, "environment-report", PDF_BYTES, document_date="2025-06-01")
        missing_date = upload(client_for, app_id, "environment-report", PDF_BYTES)
        fresh = upload(client_for, app_id, "environment-report", PDF_BYTES, document_date="2025-07-01")
    assert old.status_code == 400 and "117" in old.json()["document_date"][0]
    assert missing_date.status_code == 400 and "document_date" in missing_date.json()
    assert fresh.status_code == 201


def test_path_like_file_names_are_reduced_to_their_last_part_and_not_used_for_storage(client_for):
    app_id = create(client_for)
    response = upload(client_for, app_id, "floor-plan", PDF_BYTES, name="../../etc/passwd.pdf")
    assert response.status_code == 201
    submission = MaterialSubmission.objects.get(application_id=app_id)
    assert submission.original_name == "passwd.pdf"
    assert submission.file.name.startswith(f"materials/{app_id}/") and ".." not in submission.file.name
    import hashlib

    assert submission.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


def test_shared_data_material_is_never_asked_for(client_for):
    app_id = create(client_for)
    response = upload(client_for, app_id, "business-licence", PDF_BYTES)
    assert response.status_code == 400
    missing = client_for.post(f"/api/v1/applications/{app_id}/submit/").json()["missing"]
    items = {m["item"] for m in missing}
    assert "material.business-licence" not in items and "material.paper-copies" not in items
    assert "material.floor-plan" in items and "material.seed-stock-origin" in items


def test_commitment_replaces_the_proof_and_is_stored_with_signer_and_text_version(client_for, applicant):
    app_id = create(client_for)
    response = client_for.post(f"/api/v1/applications/{app_id}/commitments/", {"material": "seed-stock-origin"})
    assert response.status_code == 201
    submission = MaterialSubmission.objects.get(application_id=app_id, material__code="seed-stock-origin")
    assert submission.submitted_by == applicant.user and submission.commitment_text.version == 1
    refused = client_for.post(f"/api/v1/applications/{app_id}/commitments/", {"material": "floor-plan"})
    assert refused.status_code == 400


def test_submit_lists_every_missing_item_then_is_idempotent(file_application):
    app = file_application(on=D(2025, 9, 26), submit=False)
    client = APIClient()
    client.force_authenticate(app.applicant.user)
    removed = ["floor-plan", "feed-bedding-origin"]
    MaterialSubmission.objects.filter(application=app, material__code__in=removed).delete()
    with at(D(2025, 9, 26)):
        response = client.post(f"/api/v1/applications/{app.pk}/submit/")
    assert response.status_code == 400
    assert {m["item"] for m in response.json()["missing"]} == {"material.floor-plan", "material.feed-bedding-origin"}
    with at(D(2025, 9, 26)):
        client.post(f"/api/v1/applications/{app.pk}/materials/",
                    {"material": "floor-plan", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}, format="multipart")
        client.post(f"/api/v1/applications/{app.pk}/commitments/", {"material": "feed-bedding-origin"})
        first = client.post(f"/api/v1/applications/{app.pk}/submit/")
        log_rows, notices = CaseLogEntry.objects.count(), Notice.objects.count()
        second = client.post(f"/api/v1/applications/{app.pk}/submit/")
    assert first.status_code == second.status_code == 200
    assert first.json()["state"] == second.json()["state"] == "submitted"
    assert first.json()["case_number"] == second.json()["case_number"]
    assert CaseLogEntry.objects.count() == log_rows and Notice.objects.count() == notices
    assert "status_password" in first.json() and "status_password" not in second.json()


def test_public_status_query_needs_the_password_and_shows_no_personal_data(file_application):
    app = file_application(on=D(2025, 9, 26), submit=False)
    client = APIClient()
    client.force_authenticate(app.applicant.user)
    with at(D(2025, 9, 26)):
        password = client.post(f"/api/v1/applications/{app.pk}/submit/").json()["status_password"]
    anonymous = APIClient()
    wrong = anonymous.get("/api/v1/status/", {"case_number": app.case_number, "password": "00000000"})
    assert wrong.status_code == 404
    missing = anonymous.get("/api/v1/status/", {"case_number": app.case_number})
    assert missing.status_code == 400 and "password" in missing.json()
    right = anonymous.get("/api/v1/status/", {"case_number": app.case_number, "password": password})
    assert right.status_code == 200
    body = right.json()
    assert body["state"] == "submitted" and body["status_code"] == 1 and body["received_on"] == "2025-09-26"
    text = str(body)
    assert app.applicant.name not in text and app.data["credit_code"] not in text


def test_applicants_list_only_their_own_and_officers_their_authoritys(file_application, officers, applicant):
    from tests.factories import ApplicantFactory

    mine = file_application(on=D(2025, 9, 26))
    other = ApplicantFactory()
    file_application(on=D(2025, 9, 26), who=other)
    client = APIClient()
    client.force_authenticate(applicant.user)
    assert [a["id"] for a in client.get("/api/v1/applications/").json()["results"]] == [mine.pk]
    officer = APIClient()
    officer.force_authenticate(officers["crj"].user)
    assert officer.get("/api/v1/applications/").json()["count"] == 0


def test_passport_must_be_valid_for_six_more_months(file_application):
    from licensing import workflow

    # Saved while it had 6 months left (2026-04-01 on 2025-09-26); submitted once it no longer has.
    app = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop", submit=False,
                           data=person_data(passport_expiry="2026-04-01"))
    with at(D(2025, 10, 15)), pytest.raises(workflow.Invalid) as excinfo:
        workflow.application_submit(application=app, actor=app.applicant.user)
    assert any(m["item"] == "data.passport_expiry" for m in excinfo.value.errors["missing"])
