"""The three-stage review (承办 → 审核/批准) and separation of duties, on real dates."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.urls import reverse

from licensing import workflow
from licensing.constants import CaseVerb, Stage, State
from tests.factories import make_officer

from .conftest import at, recommend

D = dt.date


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def accepted(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    app.refresh_from_db()
    return app


def test_an_accepted_case_starts_in_the_handling_stage_and_the_payload_says_so(accepted, officers):
    assert accepted.stage == Stage.HANDLING
    body = api(officers["reviewer"].user).get(f"/api/v1/applications/{accepted.pk}/").json()
    assert body["stage"] == "handling"


def test_stage_is_null_outside_in_review(file_application, officers):
    app = file_application(on=D(2025, 9, 25))
    assert api(officers["intake"].user).get(f"/api/v1/applications/{app.pk}/").json()["stage"] is None


def test_approve_in_the_handling_stage_is_409_and_names_the_missing_opinion(accepted, officers):
    with at(D(2025, 9, 29)):
        response = api(officers["approver"].user).post(f"/api/v1/applications/{accepted.pk}/approve/",
                                                      {"opinion": "同意"}, format="json")
    assert response.status_code == 409
    assert response.json()["state"] == State.IN_REVIEW and "承办意见" in response.json()["detail"]


def test_recommend_moves_to_the_decision_stage_with_the_opinion_logged(accepted, officers):
    with at(D(2025, 9, 29)):
        response = api(officers["reviewer"].user).post(f"/api/v1/applications/{accepted.pk}/recommend/",
                                                      {"opinion": "设施符合要求，建议准予许可"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "decision" and body["handling_opinion"]["opinion"] == "设施符合要求，建议准予许可"
    accepted.refresh_from_db()
    row = accepted.log.order_by("-seq").first()
    assert (row.verb, row.reason, row.actor_id) == (CaseVerb.RECOMMEND, "设施符合要求，建议准予许可",
                                                    officers["reviewer"].user.pk)
    # A second opinion in the decision stage is not the reviewer's turn any more.
    with at(D(2025, 9, 29)):
        again = api(officers["reviewer"].user).post(f"/api/v1/applications/{accepted.pk}/recommend/",
                                                   {"opinion": "再次"}, format="json")
    assert again.status_code == 409


def test_recommend_needs_an_opinion_and_is_the_reviewers_act(accepted, officers):
    client = api(officers["reviewer"].user)
    assert client.post(f"/api/v1/applications/{accepted.pk}/recommend/", {}, format="json").status_code == 400
    approver = api(officers["approver"].user)
    assert approver.post(f"/api/v1/applications/{accepted.pk}/recommend/", {"opinion": "x"},
                         format="json").status_code == 403


def test_only_the_officer_who_claimed_the_case_gives_its_opinion(accepted, officers):
    other = make_officer("t-reviewer-2", "yn-kjt", "reviewer")
    workflow.application_claim(application=accepted, actor=officers["reviewer"].user)
    response = api(other.user).post(f"/api/v1/applications/{accepted.pk}/recommend/", {"opinion": "x"},
                                    format="json")
    assert response.status_code == 403 and response.json()["code"] == "separation_of_duties"


def test_send_back_returns_the_case_to_handling_with_the_reason(accepted, officers):
    with at(D(2025, 9, 29)):
        recommend(accepted, officers["reviewer"])
        response = api(officers["approver"].user).post(f"/api/v1/applications/{accepted.pk}/send-back/",
                                                      {"reason": "请补充现场核查记录"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "handling"
    accepted.refresh_from_db()
    assert accepted.log.order_by("-seq").first().verb == CaseVerb.SEND_BACK
    # Sending back from the handling stage is not allowed.
    again = api(officers["approver"].user).post(f"/api/v1/applications/{accepted.pk}/send-back/",
                                               {"reason": "x"}, format="json")
    assert again.status_code == 409


def test_the_officer_who_recommended_cannot_approve(accepted, officers):
    both = make_officer("t-both", "yn-kjt", "reviewer", "approver")
    with at(D(2025, 9, 29)):
        recommend(accepted, both)
        response = api(both.user).post(f"/api/v1/applications/{accepted.pk}/approve/", {"opinion": "同意"},
                                       format="json")
        assert response.status_code == 403 and response.json()["code"] == "separation_of_duties"
        accepted.refresh_from_db()
        assert accepted.state == State.IN_REVIEW
        ok = api(officers["approver"].user).post(f"/api/v1/applications/{accepted.pk}/approve/",
                                                {"opinion": "同意"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] in (State.APPROVED, State.ISSUED)


def test_the_officer_who_proposed_a_refusal_cannot_confirm_it(accepted, officers):
    both = make_officer("t-reviewer-legal", "yn-kjt", "reviewer", "legal_reviewer")
    with at(D(2025, 9, 29)):
        workflow.application_propose_refusal(application=accepted, actor=both.user, reasons="设施不达标",
                                             legal_basis="《实验动物管理条例》")
        response = api(both.user).post(f"/api/v1/applications/{accepted.pk}/confirm-refusal/", {}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "separation_of_duties"
        accepted.refresh_from_db()
        assert accepted.state == State.LEGAL_REVIEW
        ok = api(officers["legal"].user).post(f"/api/v1/applications/{accepted.pk}/confirm-refusal/", {},
                                             format="json")
    assert ok.status_code == 200 and ok.json()["state"] == State.REFUSED


def test_in_the_decision_stage_the_approver_proposes_the_refusal_not_the_reviewer(accepted, officers):
    body = {"reasons": "设施不达标", "legal_basis": "条例"}
    with at(D(2025, 9, 29)):
        recommend(accepted, officers["reviewer"])
        assert api(officers["reviewer"].user).post(f"/api/v1/applications/{accepted.pk}/propose-refusal/", body,
                                                   format="json").status_code == 403
        assert api(officers["approver"].user).post(f"/api/v1/applications/{accepted.pk}/propose-refusal/", body,
                                                   format="json").status_code == 200


def test_a_refusal_returned_by_legal_review_goes_back_to_handling(accepted, officers):
    with at(D(2025, 9, 29)):
        workflow.application_propose_refusal(application=accepted, actor=officers["reviewer"].user,
                                             reasons="不达标", legal_basis="条例")
        workflow.application_return(application=accepted, actor=officers["legal"].user, opinion="依据不足")
    accepted.refresh_from_db()
    assert (accepted.state, accepted.stage, accepted.refusal_proposed_by) == (State.IN_REVIEW, Stage.HANDLING, None)


def test_queues_follow_the_stage(accepted, officers):
    def queue(user) -> set[int]:
        return {row["id"] for row in api(user).get("/api/v1/queue/").json()["results"]}

    assert accepted.pk in queue(officers["reviewer"].user)
    assert accepted.pk not in queue(officers["approver"].user)
    with at(D(2025, 9, 29)):
        recommend(accepted, officers["reviewer"])
    assert accepted.pk not in queue(officers["reviewer"].user)
    assert accepted.pk in queue(officers["approver"].user)
    decision = api(officers["supervisor"].user).get("/api/v1/queue/?stage=decision").json()["results"]
    assert [row["id"] for row in decision] == [accepted.pk]


def test_the_case_page_shows_each_stage_and_says_why_approval_waits(client, accepted, officers):
    client.force_login(officers["approver"].user)
    page = client.get(reverse("workbench-case", args=[accepted.pk])).content.decode()
    assert 'id="unavailable-approve"' in page and "须先由承办人提出承办意见" in page
    with at(D(2025, 9, 29)):
        recommend(accepted, officers["reviewer"], opinion="经现场核查，建议准予")
    page = client.get(reverse("workbench-case", args=[accepted.pk])).content.decode()
    assert "经现场核查，建议准予" in page and officers["reviewer"].user.get_full_name() in page
    assert reverse("workbench-action", args=[accepted.pk, "approve"]) in page


def test_the_recommending_officer_sees_why_they_cannot_approve(client, accepted):
    both = make_officer("t-both-page", "yn-kjt", "reviewer", "approver")
    with at(D(2025, 9, 29)):
        recommend(accepted, both)
    client.force_login(both.user)
    page = client.get(reverse("workbench-case", args=[accepted.pk])).content.decode()
    assert reverse("workbench-action", args=[accepted.pk, "approve"]) not in page
    assert "审批分离" in page


def test_the_residence_track_says_it_waits_for_the_work_permit(client, file_application, officers):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    residence = joint.tracks.get(service_type__code="foreign-residence-permit")
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=residence, actor=officers["crj"].user)
        recommend(residence, officers["crj"])
    client.force_login(officers["crj_approver"].user)
    with at(D(2025, 9, 30)):
        page = client.get(reverse("workbench-case", args=[residence.pk])).content.decode()
    assert reverse("workbench-action", args=[residence.pk, "approve"]) not in page
    assert 'id="unavailable-approve"' in page and "外国人来华工作许可" in page
    with at(D(2025, 9, 30)):
        response = api(officers["crj_approver"].user).post(f"/api/v1/applications/{residence.pk}/approve/",
                                                          {"opinion": "同意"}, format="json")
    assert response.status_code == 409 and "外国人来华工作许可" in response.json()["detail"]
