"""The permission matrix: every verb × every role × own or other authority, through the API.
Allowed → 200; a case the caller may see but not act on → 403; a case of another authority or
another applicant → 404 (its existence is not revealed)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from licensing import workflow
from licensing.constants import State
from tests.factories import ApplicantFactory

from .conftest import at, pdf_file, recommend

D = dt.date
ACTORS = ["intake", "reviewer", "approver", "legal", "supervisor", "km_intake", "crj", "owner", "stranger"]
OFFICER_ACTORS = {"intake", "reviewer", "approver", "legal", "supervisor"}

# verb → (state to prepare, body, who may do it)
VERBS = {
    "accept": ("submitted", {}, {"intake"}),
    "request-correction": ("submitted", {"items": [{"material": "floor-plan", "reason": "图纸不清晰"}]}, {"intake"}),
    "refuse-acceptance": ("submitted", {"reason": "不属于本机关职权"}, {"intake"}),
    "claim": ("in_review", {}, {"reviewer", "approver"}),
    "pause": ("in_review", {"kind": "expert_review", "expected_days": 5, "reason": "专家评审"}, {"reviewer"}),
    "resume": ("paused", {"result": "评审通过"}, {"reviewer"}),
    "extend": ("in_review", {"days": 10, "reason": "情况复杂"}, {"approver"}),
    "recommend": ("in_review", {"opinion": "符合条件，建议准予许可"}, {"reviewer"}),
    "send-back": ("decision", {"reason": "请补充现场核查情况"}, {"approver"}),
    "approve": ("decision", {"opinion": "符合条件"}, {"approver"}),
    "propose-refusal": ("in_review", {"reasons": "设施不达标", "legal_basis": "《实验动物管理条例》第六条"},
                        {"reviewer"}),
    "confirm-refusal": ("legal_review", {}, {"legal"}),
    "return": ("legal_review", {"opinion": "依据不充分"}, {"legal"}),
    "resubmit": ("correction_requested", {}, {"owner"}),
    "withdraw": ("submitted", {}, {"owner"}),
}


def prepare(file_application, officers, state: str):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        if state == "correction_requested":
            workflow.application_request_correction(application=app, actor=officers["intake"].user,
                                                    items=[{"material": "floor-plan", "reason": "不清晰"}])
            # answered, so that only the actor decides whether the resubmission goes through
            workflow.material_upload(application=app, material_code="floor-plan", uploaded=pdf_file("plan-v2.pdf"),
                                     document_date=None, actor=app.applicant.user)
        if state in ("in_review", "decision", "paused", "legal_review"):
            workflow.application_accept(application=app, actor=officers["intake"].user)
        if state == "decision":
            recommend(app, officers["reviewer"])
        if state == "paused":
            workflow.application_pause(application=app, actor=officers["reviewer"].user, kind="testing",
                                       expected_days=3, reason="检测")
        if state == "legal_review":
            workflow.application_propose_refusal(application=app, actor=officers["reviewer"].user,
                                                 reasons="不达标", legal_basis="条例第六条")
    app.refresh_from_db()
    assert app.state == ("in_review" if state == "decision" else state)
    return app


@pytest.mark.parametrize("verb", list(VERBS))
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(file_application, officers, applicant, verb, actor):
    state, body, allowed = VERBS[verb]
    app = prepare(file_application, officers, state)
    users = {name: officer.user for name, officer in officers.items()}
    users["owner"] = applicant.user
    users["stranger"] = ApplicantFactory().user
    client = APIClient()
    client.force_authenticate(users[actor])
    with at(D(2025, 9, 29)):
        response = client.post(f"/api/v1/applications/{app.pk}/{verb}/", body, format="json")
    if actor in allowed:
        expected = 200
    elif actor in OFFICER_ACTORS or actor == "owner":
        expected = 403
    else:
        expected = 404
    assert response.status_code == expected, (verb, actor, response.json())
    before = app.state
    app.refresh_from_db()
    if expected != 200:
        assert app.state == before  # nothing changed


def test_verb_not_allowed_from_the_current_state_is_409_with_the_state(file_application, officers):
    app = prepare(file_application, officers, "submitted")
    client = APIClient()
    client.force_authenticate(officers["approver"].user)
    response = client.post(f"/api/v1/applications/{app.pk}/approve/", {"opinion": "同意"}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == State.SUBMITTED


def test_release_only_by_the_officer_who_claimed(file_application, officers):
    app = prepare(file_application, officers, "in_review")
    reviewer, approver = APIClient(), APIClient()
    reviewer.force_authenticate(officers["reviewer"].user)
    approver.force_authenticate(officers["approver"].user)
    assert reviewer.post(f"/api/v1/applications/{app.pk}/claim/").status_code == 200
    assert approver.post(f"/api/v1/applications/{app.pk}/claim/").status_code == 409
    assert approver.post(f"/api/v1/applications/{app.pk}/release/").status_code == 409
    response = reviewer.post(f"/api/v1/applications/{app.pk}/release/")
    assert response.status_code == 200 and response.json()["claimed_by"] is None
    assert [e.verb for e in app.log.all()][-2:] == ["claim", "release"]


def test_kunming_applicants_go_to_the_kunming_bureau(file_application, officers):
    from .conftest import lab_data

    app = file_application(on=D(2025, 9, 25), data=lab_data(city="昆明市"))
    assert app.authority.code == "km-kjj"
    provincial, kunming = APIClient(), APIClient()
    provincial.force_authenticate(officers["intake"].user)
    kunming.force_authenticate(officers["km_intake"].user)
    assert provincial.get(f"/api/v1/applications/{app.pk}/").status_code == 404
    assert kunming.get("/api/v1/queue/").json()["count"] == 1
    assert kunming.post(f"/api/v1/applications/{app.pk}/accept/", {}, format="json").status_code == 200
