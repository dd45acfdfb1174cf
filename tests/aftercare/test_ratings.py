"""好差评: a closed case is rated once by its applicant (409 before it closes and for a second rating,
400 outside 1–5, 404 for another user's case); a bad review opens a rectification due 15 WD after the
rating, closed only with a call-back; the satisfaction figures per service."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from aftercare.models import Rating, RectificationTask
from licensing import workflow
from tests.factories import ApplicantFactory
from tests.licensing.conftest import at

D = dt.date
CLOSED_ON = D(2026, 4, 20)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def closed_case(file_application, applicant):
    def make(on: dt.date = CLOSED_ON):
        case = file_application(on=on - dt.timedelta(days=1))
        with at(on):
            workflow.application_withdraw(application=case, actor=applicant.user, reason="不再需要")
        case.refresh_from_db()
        return case

    return make


def rate(api, case, score, comment=""):
    return api.post(f"/api/v1/applications/{case.pk}/rating/", {"score": score, "comment": comment}, format="json")


def test_the_rating_rules(file_application, closed_case, holder_api):
    open_case = file_application(on=D(2026, 4, 20))
    case = closed_case()
    stranger = api_for(ApplicantFactory().user)
    with at(D(2026, 4, 21)):
        not_closed = rate(holder_api, open_case, 5)
        outside = [rate(holder_api, case, score).status_code for score in (0, 6, "very", None)]
        someone_else = rate(stranger, case, 5)
        first = rate(holder_api, case, 4, "办理很快")
        second = rate(holder_api, case, 5)
    assert not_closed.status_code == 409 and not_closed.json()["code"] == "not_closed"
    assert outside == [400, 400, 400, 400]
    assert someone_else.status_code == 404
    assert first.status_code == 201, first.json()
    assert first.json()["score"] == 4 and first.json()["bad_review"] is False
    assert first.json()["rectification_due_on"] is None
    assert second.status_code == 409 and second.json()["code"] == "already_rated"
    assert Rating.objects.count() == 1 and not RectificationTask.objects.exists()


def test_a_bad_review_opens_a_15_working_day_rectification_over_the_golden_week(closed_case, holder_api, officers):
    # Rated Thursday 2026-09-24: Mid-Autumn (25 Sep) and National Day (1–7 Oct) are off and Saturday 10 Oct
    # is a make-up working day, so the 15th working day after the rating is Thursday 2026-10-22 (counting
    # weekdays alone would give 2026-10-15).
    case = closed_case(on=D(2026, 9, 23))
    with at(D(2026, 9, 24)):
        response = rate(holder_api, case, 2, "材料被退回两次")
    assert response.status_code == 201 and response.json()["bad_review"] is True
    assert response.json()["rectification_due_on"] == "2026-10-22"
    task = RectificationTask.objects.get()
    assert not task.provisional and task.authority_id == case.authority_id
    reviewer = api_for(officers["reviewer"].user)
    url = f"/api/v1/rectification-tasks/{task.pk}/callback/"
    with at(D(2026, 10, 27)):
        listed = reviewer.get("/api/v1/rectification-tasks/").json()
        no_callback = reviewer.post(url, {"outcome": ""}, format="json")
        future = reviewer.post(url, {"callback_on": "2026-10-28", "outcome": "满意"}, format="json")
        outsider = api_for(officers["km_intake"].user).post(url, {"callback_on": "2026-10-27", "outcome": "x"},
                                                            format="json")
        closed = reviewer.post(url, {"callback_on": "2026-10-27", "outcome": "申请人对整改表示满意",
                                     "measures": "一次性告知清单已更新"}, format="json")
        again = reviewer.post(url, {"callback_on": "2026-10-27", "outcome": "x"}, format="json")
    assert listed[0]["overdue"] is True and listed[0]["state"] == "open"
    assert no_callback.status_code == 400 and {"callback_on", "outcome"} <= set(no_callback.json())
    assert future.status_code == 400 and "callback_on" in future.json()
    assert outsider.status_code == 404
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert again.status_code == 409


def test_satisfaction_per_service_for_supervisors(file_application, applicant, holder_api, officers):
    scores = [5, 4, 3, 1]
    for index, score in enumerate(scores):
        case = file_application(on=D(2026, 4, 13) + dt.timedelta(days=index))
        with at(D(2026, 4, 17)):
            workflow.application_withdraw(application=case, actor=applicant.user)
            assert rate(holder_api, case, score).status_code == 201
    supervisor = api_for(officers["supervisor"].user)
    with at(D(2026, 6, 1)):  # the bad review's 15 WD ran out on 2026-05-12
        rows = supervisor.get("/api/v1/metrics/satisfaction/", {"service": "lab-animal-production"}).json()
        later = supervisor.get("/api/v1/metrics/satisfaction/", {"start": "2026-04-18"}).json()
        bad = supervisor.get("/api/v1/metrics/satisfaction/", {"start": "2026-05-01", "end": "2026-04-01"})
        refused = api_for(officers["reviewer"].user).get("/api/v1/metrics/satisfaction/")
    assert rows == [{"service": "lab-animal-production", "ratings": 4, "satisfied_share": 0.5,
                     "bad_reviews_open": 1, "bad_reviews_overdue": 1}]
    assert later == []
    assert bad.status_code == 400 and refused.status_code == 403
