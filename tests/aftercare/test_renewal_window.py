"""A renewal names a licence whose window is open: 400 at create (and at submission once the window
has closed) naming the window's dates; the window is configured on the renewal service type."""

import datetime as dt

from aftercare.models import ServicePolicy
from licensing.constants import State
from licensing.models import Application
from tests.licensing.conftest import at, lab_data

D = dt.date
# A licence whose last valid day is 31 August 2031: 6 months before is 28 February (no 31 February).
VALID_TO = D(2031, 8, 31)


def create(api, who, number):
    return api.post("/api/v1/applications/", {
        "service": "lab-animal-renewal", "data": lab_data(credit_code=who.credit_code, unit_name=who.name),
        "original_licence_number": number}, format="json")


def test_outside_the_window_create_is_refused_naming_the_window(licence, holder_api, applicant):
    certificate = licence(valid_to=VALID_TO)
    with at(D(2031, 2, 27)):
        early = create(holder_api, applicant, certificate.number)
    with at(D(2031, 8, 2)):
        late = create(holder_api, applicant, certificate.number)
    for response in (early, late):
        assert response.status_code == 400
        message = response.json()["original_licence_number"][0]
        assert "2031-02-28" in message and "2031-08-01" in message
    assert not Application.objects.filter(service_type__code="lab-animal-renewal").exists()


def test_both_ends_of_the_window_are_inside_it(licence, holder_api, applicant):
    certificate = licence(valid_to=VALID_TO)
    with at(D(2031, 2, 28)):
        first = create(holder_api, applicant, certificate.number)
    with at(D(2031, 8, 1)):
        last = create(holder_api, applicant, certificate.number)
    assert first.status_code == 201, first.json()
    assert last.status_code == 201, last.json()


def test_submission_after_the_window_closed_is_refused(licence, renewal, holder_api):
    certificate = licence(valid_to=VALID_TO)
    draft = renewal(certificate, on=D(2031, 8, 1), submit=False)  # created and completed on the last day
    with at(D(2031, 8, 4)):
        response = holder_api.post(f"/api/v1/applications/{draft.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    reasons = [item["reason"] for item in response.json()["missing"] if item["item"] == "original_licence_number"]
    assert reasons and "2031-02-28" in reasons[0] and "2031-08-01" in reasons[0]
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_the_window_configured_on_the_renewal_service_type_applies(licence, holder_api, applicant):
    ServicePolicy.objects.create(service_code="lab-animal-renewal", renewal_window_months=3, renewal_window_days=60)
    certificate = licence(valid_to=VALID_TO)
    with at(D(2031, 5, 30)):
        early = create(holder_api, applicant, certificate.number)  # would be inside the default window
    with at(D(2031, 6, 1)):
        inside = create(holder_api, applicant, certificate.number)
    assert early.status_code == 400
    assert "2031-05-31" in early.json()["original_licence_number"][0]
    assert "2031-07-02" in early.json()["original_licence_number"][0]
    assert inside.status_code == 201


def test_a_change_is_not_bound_by_the_renewal_window(licence, holder_api, applicant):
    certificate = licence(valid_to=VALID_TO)
    with at(D(2028, 1, 10)):
        response = holder_api.post("/api/v1/applications/", {
            "service": "lab-animal-change",
            "data": lab_data(credit_code=applicant.credit_code, unit_name=applicant.name,
                             change_description="增加屏障环境小鼠饲养范围"),
            "original_licence_number": certificate.number}, format="json")
    assert response.status_code == 201, response.json()
