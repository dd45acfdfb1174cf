"""The cross-user, cross-authority matrix: every verb endpoint of `licensing.verbs.registry` and every
document endpoint, called by each role of the case's own authority, by the applicant who filed it, by
another applicant and by officers of two other authorities. Who may not see the case gets 404, who sees
it but may not act gets 403, who may act gets 200. Each call runs on the case in a state where the verb
applies, and is rolled back to a savepoint before the next caller."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.db import transaction
from django.test import Client

from certificates.models import Certificate
from licensing import workflow
from licensing.models import Notice
from licensing.verbs import registry
from tests.factories import ApplicantFactory
from tests.licensing.conftest import at, recommend

D = dt.date
ACT_DAY = D(2025, 9, 29)
OWN = ("intake", "reviewer", "approver", "legal", "supervisor")
OTHER_AUTHORITY = ("km_intake", "crj", "crj_approver", "crj_legal")
CALLERS = ("owner", "other_applicant", *OWN, *OTHER_AUTHORITY)

# Who may take each act, written out from the process (README "Roles"), not read from the registry:
# the test fails when a verb is added to the registry without a line here.
PERMITTED = {
    "accept": {"intake"}, "request-correction": {"intake"}, "refuse-acceptance": {"intake"},
    "claim": {"reviewer", "approver"}, "release": {"reviewer", "approver"},
    "pause": {"reviewer"}, "resume": {"reviewer"}, "recommend": {"reviewer"},
    "send-back": {"approver"}, "extend": {"approver"}, "approve": {"approver"},
    "propose-refusal": {"reviewer"},  # in the handling stage (the approver proposes in the decision stage)
    "confirm-refusal": {"legal"}, "return": {"legal"}, "issue": {"approver"},
    "submit": {"owner"}, "resubmit": {"owner"}, "withdraw": {"owner"},
}


def expected(verb: str, caller: str) -> int:
    if caller == "other_applicant" or caller in OTHER_AUTHORITY:
        return 404  # nobody learns that the case exists
    return 200 if caller in PERMITTED[verb] else 403


def test_the_matrix_covers_every_registered_verb():
    assert {verb.slug for verb in registry} == set(PERMITTED)


@pytest.fixture
def users(officers, applicant):
    people = {name: officers[name].user for name in (*OWN, *OTHER_AUTHORITY)}
    people["owner"] = applicant.user
    people["other_applicant"] = ApplicantFactory().user
    return people


def _first_upload(app):
    return next(m for m in app.service_type.materials.all() if m.mode == "upload" and m.required)


def case_for(verb: str, file_application, officers):
    """A lab animal case (provincial department) in a state where `verb` applies; the request body."""
    if verb == "submit":
        return file_application(on=D(2025, 9, 26), submit=False), {}
    app = file_application(on=D(2025, 9, 26))
    intake, reviewer, approver = (officers[k].user for k in ("intake", "reviewer", "approver"))
    bodies = {
        "accept": {}, "request-correction": {"items": [{"material": _first_upload(app).code, "reason": "不清晰"}]},
        "refuse-acceptance": {"reason": "不属于本机关职权范围"}, "withdraw": {"reason": ""},
        "claim": {}, "release": {}, "pause": {"kind": "expert_review", "expected_days": 5, "reason": "专家评审"},
        "resume": {"result": "专家评审通过"}, "recommend": {"opinion": "建议准予许可"},
        "send-back": {"reason": "请补充审查"}, "extend": {"days": 5, "reason": "情况复杂"},
        "approve": {"opinion": "符合条件"}, "propose-refusal": {"reasons": "不符合条件", "legal_basis": "第九条"},
        "confirm-refusal": {"opinion": "同意"}, "return": {"opinion": "证据不足"}, "issue": {}, "resubmit": {},
    }
    with at(ACT_DAY):
        if verb == "resubmit":
            from django.core.files.uploadedfile import SimpleUploadedFile

            from tests.licensing.conftest import PDF_BYTES

            material = _first_upload(app)
            workflow.application_request_correction(application=app, actor=intake,
                                                    items=[{"material": material.code, "reason": "不清晰"}])
            workflow.material_upload(application=app, material_code=material.code, actor=app.applicant.user,
                                     uploaded=SimpleUploadedFile("new.pdf", PDF_BYTES + b"%new"),
                                     document_date=ACT_DAY if material.max_age_days else None)
        elif verb not in ("accept", "request-correction", "refuse-acceptance", "withdraw"):
            workflow.application_accept(application=app, actor=intake)
            if verb == "resume":
                workflow.application_pause(application=app, actor=reviewer, kind="site_inspection",
                                           expected_days=3, reason="现场核查")
            if verb in ("send-back", "extend", "approve", "issue", "confirm-refusal", "return"):
                recommend(app, officers["reviewer"])
            if verb == "issue":
                workflow.application_approve(application=app, actor=approver, opinion="符合条件")
            if verb in ("confirm-refusal", "return"):
                workflow.application_propose_refusal(application=app, actor=approver, reasons="不符合条件",
                                                     legal_basis="第九条")
    app.refresh_from_db()
    return app, bodies[verb]


@pytest.mark.parametrize("verb", sorted(PERMITTED))
def test_verb_endpoint_by_caller(verb, file_application, officers, users):
    app, body = case_for(verb, file_application, officers)
    got = {}
    for caller in CALLERS:
        with transaction.atomic():
            with at(ACT_DAY):
                if verb == "release" and caller in PERMITTED["release"]:
                    workflow.application_claim(application=app, actor=users[caller])
                elif verb == "release":
                    workflow.application_claim(application=app, actor=users["reviewer"])
                client = APIClient()
                client.force_authenticate(users[caller])
                got[caller] = client.post(f"/api/v1/applications/{app.pk}/{verb}/", body, format="json").status_code
            transaction.set_rollback(True)
    assert got == {caller: expected(verb, caller) for caller in CALLERS}


# --- documents -------------------------------------------------------------------------------------

DOC_EXPECTED_OFFICER_PAGE = {"owner": 404, "other_applicant": 404}


@pytest.fixture
def documents(issued, officers):
    """An issued lab animal case with its notices, materials and certificate: every document URL."""
    app = issued(on=D(2026, 3, 2))
    submission = app.submissions.filter(superseded=False).exclude(file="").first()
    notice = Notice.objects.filter(application=app).first()
    certificate = Certificate.objects.get(application=app)
    return {
        "api-detail": ("api", f"/api/v1/applications/{app.pk}/"),
        "material-file": ("page", f"/applications/{app.pk}/materials/{submission.pk}/"),
        "notice-page": ("page", f"/notices/{notice.pk}/"),
        "notice-pdf-page": ("page", f"/notices/{notice.pk}/?format=pdf"),
        "api-notice": ("api", f"/api/v1/notices/{notice.pk}/"),
        "api-notice-pdf": ("api", f"/api/v1/notices/{notice.pk}/pdf/"),
        "api-certificate-pdf": ("api", f"/api/v1/certificates/{certificate.pk}/pdf/"),
        "certificate-page": ("page", f"/certificates/{certificate.pk}/"),
        "workbench-case": ("page", f"/workbench/cases/{app.pk}/"),
    }


def document_expected(name: str, caller: str) -> int:
    if caller == "other_applicant" or caller in OTHER_AUTHORITY:
        return 404
    if name == "workbench-case" and caller == "owner":
        return 404  # the officers' page of a case; the applicant has the portal
    return 200


DOCUMENTS = ("api-detail", "material-file", "notice-page", "notice-pdf-page", "api-notice", "api-notice-pdf",
             "api-certificate-pdf", "certificate-page", "workbench-case")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_endpoint_by_caller(name, documents, users):
    kind, url = documents[name]
    got = {}
    for caller in CALLERS:
        if kind == "api":
            client = APIClient()
            client.force_authenticate(users[caller])
        else:
            client = Client()
            client.force_login(users[caller])
        got[caller] = client.get(url).status_code
    assert got == {caller: document_expected(name, caller) for caller in CALLERS}


def test_anonymous_callers_get_no_case_and_no_document(documents):
    for kind, url in documents.values():
        status = (APIClient() if kind == "api" else Client()).get(url).status_code
        assert status in (302, 401, 403), url  # the login page, or the API's authentication challenge
        assert status != 200
