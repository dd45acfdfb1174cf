"""A committed act is never reported as a failure: the same act repeated by the same user (its answer
was lost after the COMMIT, the request was run again) is answered as the success it was, through the
API and the case page; an Idempotency-Key replays the first answer; anything else is still a 409."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.urls import reverse

from licensing import workflow
from licensing.constants import CaseVerb, State
from services.models import ActReceipt
from tests.factories import make_officer

from .conftest import at, recommend

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 9, 29)
OPINION = {"opinion": "符合法定条件，准予许可。"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def decision_case(file_application, officers):
    app = file_application()
    with at(DAY):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
    app.refresh_from_db()
    return app


def approve_url(app) -> str:
    return f"/api/v1/applications/{app.pk}/approve/"


def test_a_repeated_approval_is_answered_with_the_first_success(decision_case, officers):
    approver = api(officers["approver"].user)
    with at(DAY):
        first = approver.post(approve_url(decision_case), OPINION, format="json")
        again = approver.post(approve_url(decision_case), OPINION, format="json")
    assert first.status_code == 200 and first.json()["state"] == State.APPROVED
    assert again.status_code == 200 and again.json() == first.json()
    assert [e.verb for e in decision_case.log.all()].count(CaseVerb.APPROVE) == 1


def test_a_repeat_with_another_input_by_another_user_or_too_late_is_a_conflict(decision_case, officers):
    approver = api(officers["approver"].user)
    other = api(make_officer("t-approver-2", "yn-kjt", "approver").user)
    with at(DAY):
        assert approver.post(approve_url(decision_case), OPINION, format="json").status_code == 200
        changed = approver.post(approve_url(decision_case), {"opinion": "另一份意见"}, format="json")
        by_other = other.post(approve_url(decision_case), OPINION, format="json")
    with at(DAY, hour=11):  # an hour later: not a lost answer any more
        late = approver.post(approve_url(decision_case), OPINION, format="json")
    for response in (changed, by_other, late):
        assert response.status_code == 409 and response.json()["state"] == State.APPROVED


def test_a_repeat_after_someone_else_acted_is_a_conflict(file_application, officers):
    app = file_application()
    reviewer, approver = api(officers["reviewer"].user), api(officers["approver"].user)
    with at(DAY):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        assert reviewer.post(f"/api/v1/applications/{app.pk}/claim/").status_code == 200
        assert reviewer.post(f"/api/v1/applications/{app.pk}/release/").status_code == 200
        assert approver.post(f"/api/v1/applications/{app.pk}/claim/").status_code == 200
        # The reviewer's release is no longer the case's last act: releasing again is refused.
        assert reviewer.post(f"/api/v1/applications/{app.pk}/release/").status_code == 409


def test_the_system_issuing_the_certificate_meanwhile_leaves_a_repeat_a_repeat(decision_case, officers,
                                                                               django_capture_on_commit_callbacks):
    approver = api(officers["approver"].user)
    with at(DAY):
        with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers the issuing job
            first = approver.post(approve_url(decision_case), OPINION, format="json")
        decision_case.refresh_from_db()
        assert decision_case.state == State.ISSUED, decision_case.issue_error
        again = approver.post(approve_url(decision_case), OPINION, format="json")
    assert first.status_code == 200 and again.status_code == 200
    assert again.json()["state"] == State.ISSUED  # the committed state now


def test_an_idempotency_key_replays_the_first_answer(file_application, officers):
    app = file_application()
    intake, reviewer = api(officers["intake"].user), api(officers["reviewer"].user)
    url = f"/api/v1/applications/{app.pk}/accept/"
    with at(DAY):
        first = intake.post(url, {"opinion": "材料齐全"}, format="json", HTTP_IDEMPOTENCY_KEY="accept-7f2c")
        assert reviewer.post(f"/api/v1/applications/{app.pk}/claim/").status_code == 200
        again = intake.post(url, {"opinion": "材料齐全"}, format="json", HTTP_IDEMPOTENCY_KEY="accept-7f2c")
        other_body = intake.post(url, {"opinion": "另一份意见"}, format="json", HTTP_IDEMPOTENCY_KEY="accept-7f2c")
        too_long = intake.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert first.status_code == 200 and first.json()["claimed_by"] is None
    assert again.status_code == 200 and again.json() == first.json()  # as answered then, not as the case is now
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    assert too_long.status_code == 400 and "idempotency_key" in too_long.json()
    assert [e.verb for e in app.log.all()].count(CaseVerb.ACCEPT) == 1
    receipt = ActReceipt.objects.get(key="accept-7f2c")
    assert (receipt.verb, receipt.subject, receipt.user_id) == ("accept", app.pk, officers["intake"].user.pk)


def test_a_key_is_the_users_own(file_application, officers):
    app = file_application()
    url = f"/api/v1/applications/{app.pk}/claim/"
    with at(DAY):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        assert api(officers["reviewer"].user).post(url, HTTP_IDEMPOTENCY_KEY="same").status_code == 200
        # Another user's key of the same text replays nothing: their claim is refused as it should be.
        assert api(officers["approver"].user).post(url, HTTP_IDEMPOTENCY_KEY="same").status_code == 409


def test_a_refused_act_leaves_no_receipt(decision_case, officers):
    with at(DAY):
        response = api(officers["approver"].user).post(f"/api/v1/applications/{decision_case.pk}/accept/", {},
                                                       format="json", HTTP_IDEMPOTENCY_KEY="wrong-verb")
    assert response.status_code in (403, 409)
    assert not ActReceipt.objects.filter(key="wrong-verb").exists()


def test_the_case_page_reports_a_repeated_approval_as_done(client, decision_case, officers):
    client.force_login(officers["approver"].user)
    url = reverse("workbench-action", args=[decision_case.pk, "approve"])
    with at(DAY):
        first = client.post(url, {"approve-opinion": OPINION["opinion"]}, follow=True)
        assert [str(m) for m in first.context["messages"]] == ["已作出准予许可决定。"]
        response = client.post(url, {"approve-opinion": OPINION["opinion"]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["已作出准予许可决定。"], texts
    decision_case.refresh_from_db()
    assert decision_case.state == State.APPROVED
