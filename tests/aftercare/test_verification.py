"""Verification of written commitments: a task after every approval that used one, due 40 WD later on
the official calendar; the reviewer's result; a false commitment proposes revocation (the legal
reviewer confirms) and bars the applicant from commitments for a year."""

import datetime as dt

from rest_framework.test import APIClient

from aftercare.models import CreditRecord, VerificationTask
from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.services import certificate_revoke
from licensing import workflow
from licensing.models import Application
from services.constants import MaterialMode
from tests.licensing.conftest import at, fill_materials, lab_data

D = dt.date
# Approved on Thursday 2026-09-24: 40 working days on the official 2026 calendar skip Mid-Autumn (Friday
# 25 September) and National Day (1–7 October), and count Saturday 10 October (a make-up working day).
APPROVED_ON = D(2026, 9, 24)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def approve(application, officers, on):
    from tests.licensing.conftest import recommend

    with at(on):
        workflow.application_accept(application=application, actor=officers["intake"].user)
        recommend(application, officers["reviewer"])
        workflow.application_approve(application=application, actor=officers["approver"].user, opinion="符合条件")
    application.refresh_from_db()
    return application


def issued_on_commitment(file_application, officers, capture, on=APPROVED_ON):
    app = file_application(on=on - dt.timedelta(days=3))
    with capture(execute=True):
        approve(app, officers, on)
    return app


def test_an_approval_on_commitments_opens_a_task_due_in_40_working_days(file_application, officers,
                                                                        django_capture_on_commit_callbacks):
    from services.calendar import get_calendar

    app = issued_on_commitment(file_application, officers, django_capture_on_commit_callbacks)
    task = VerificationTask.objects.get(application=app)
    committed = list(app.service_type.materials.filter(mode=MaterialMode.COMMITMENT).values_list("code", flat=True))
    assert committed and task.materials == sorted(committed)
    calendar = get_calendar()
    assert calendar.working_days(APPROVED_ON, task.due_on) == 40 and calendar.is_working_day(task.due_on)
    assert task.due_on == D(2026, 11, 26) and not task.provisional
    rows = api_for(officers["reviewer"].user).get("/api/v1/verification-tasks/").json()
    assert rows == [{"id": task.pk, "case_number": app.case_number,
                     "certificate_number": Certificate.objects.get(application=app).number,
                     "materials": task.materials, "due_on": "2026-11-26", "state": "open"}]
    assert api_for(officers["km_intake"].user).get("/api/v1/verification-tasks/").json() == []


def test_an_approval_without_commitments_opens_no_task(file_application, applicant, officers,
                                                       django_capture_on_commit_callbacks):
    with at(D(2026, 9, 21)):
        from services.selectors import service_type_current

        app = workflow.application_create(applicant=applicant, service_type=service_type_current(
            code="lab-animal-production"), data=lab_data(), actor=applicant.user)
        fill_materials(app, on=D(2026, 9, 21), commit=False)
        for material in app.service_type.materials.filter(mode=MaterialMode.COMMITMENT):
            from tests.licensing.conftest import pdf_file

            workflow.material_upload(application=app, material_code=material.code, uploaded=pdf_file(),
                                     document_date=D(2026, 9, 21) if material.max_age_days else None,
                                     actor=applicant.user)
        workflow.application_submit(application=app, actor=applicant.user)
    approve(app, officers, APPROVED_ON)
    assert not VerificationTask.objects.exists()


def test_a_confirmed_commitment_closes_the_task(file_application, officers, django_capture_on_commit_callbacks):
    app = issued_on_commitment(file_application, officers, django_capture_on_commit_callbacks)
    task = VerificationTask.objects.get(application=app)
    url = f"/api/v1/verification-tasks/{task.pk}/record/"
    with at(D(2026, 10, 20)):
        wrong_role = api_for(officers["approver"].user).post(url, {"result": "confirmed", "findings": "x"},
                                                             format="json")
        bad = api_for(officers["reviewer"].user).post(url, {"result": "maybe", "findings": ""}, format="json")
        done = api_for(officers["reviewer"].user).post(url, {"result": "confirmed", "findings": "经共享数据核验属实"},
                                                       format="json")
        again = api_for(officers["reviewer"].user).post(url, {"result": "false", "findings": "x"}, format="json")
    assert wrong_role.status_code == 403
    assert bad.status_code == 400 and {"result", "findings"} <= set(bad.json())
    assert done.status_code == 200 and done.json()["state"] == "confirmed"
    assert again.status_code == 409
    assert not CreditRecord.objects.exists()


def test_a_false_commitment_proposes_revocation_and_bars_commitments_for_a_year(
        file_application, applicant, officers, django_capture_on_commit_callbacks):
    app = issued_on_commitment(file_application, officers, django_capture_on_commit_callbacks)
    task = VerificationTask.objects.get(application=app)
    with at(D(2026, 10, 20)):
        response = api_for(officers["reviewer"].user).post(
            f"/api/v1/verification-tasks/{task.pk}/record/",
            {"result": "false", "findings": "现场核查发现设施环境检测报告系伪造"}, format="json")
        payload = api_for(applicant.user).get(f"/api/v1/applications/{app.pk}/").json()
    assert response.status_code == 200 and response.json()["state"] == "false"
    assert payload["certificate"]["revocation_proposed"] is True
    certificate = Certificate.objects.get(application=app)
    assert "伪造" in certificate.revocation_reason and certificate.status == CertificateStatus.VALID
    record = CreditRecord.objects.get()
    assert (record.credit_code, record.starts_on, record.ends_on) == (applicant.credit_code, D(2026, 10, 20),
                                                                     D(2027, 10, 19))
    # The legal reviewer's `revoke` confirms it (another officer than the proposer).
    with at(D(2026, 10, 21)):
        certificate_revoke(certificate=certificate, actor=officers["legal"].user, opinion="同意撤销")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    # While the record runs, commitments are refused naming it, and the checklist asks for the proofs.
    with at(D(2027, 3, 1)):
        draft = workflow.application_create(applicant=applicant, service_type=app.service_type, data=lab_data(),
                                            actor=applicant.user)
        code = app.service_type.materials.filter(mode=MaterialMode.COMMITMENT).first().code
        refused = api_for(applicant.user).post(f"/api/v1/applications/{draft.pk}/commitments/",
                                               {"material": code}, format="json")
        intake_view = api_for(officers["intake"].user).get(f"/api/v1/applications/{app.pk}/").json()
        missing = workflow.missing_items(draft, on=D(2027, 3, 1))
    assert refused.status_code == 400
    assert record.reference in str(refused.json()) and "2027-10-19" in str(refused.json())
    assert intake_view["credit_record"]["reference"] == record.reference
    assert any(item["item"] == f"material.{code}" and item["reason"] == "未上传" for item in missing)
    with at(D(2027, 10, 20)):  # the day after the record ends
        allowed = api_for(applicant.user).post(f"/api/v1/applications/{draft.pk}/commitments/",
                                               {"material": code}, format="json")
    assert allowed.status_code in (200, 201), allowed.json()


def test_a_false_result_before_the_certificate_is_issued_is_refused(file_application, officers):
    app = file_application(on=D(2026, 9, 21))
    approve(app, officers, APPROVED_ON)  # issuing not run: the on-commit callbacks are not executed
    assert Application.objects.get(pk=app.pk).state == "approved"
    task = VerificationTask.objects.get(application=app)
    with at(D(2026, 10, 20)):
        response = api_for(officers["reviewer"].user).post(f"/api/v1/verification-tasks/{task.pk}/record/",
                                                           {"result": "false", "findings": "不实"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_issued"
