"""Fixtures for the licence's life after issuing: a lab animal licence issued by the real issuer, with
its validity moved to the dates a test needs, and a renewal filed for it."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_issue
from licensing import workflow
from licensing.constants import State
from licensing.models import Application
from tests.licensing.conftest import applicant, at, file_application, lab_data, officers, recommend  # noqa: F401

GRANTED_ON = dt.date(2026, 3, 2)


@pytest.fixture
def licence(file_application, applicant):  # noqa: F811
    """licence(valid_to=date) → a valid SCXK licence of `applicant` (issued on GRANTED_ON by the real
    issuer), its last valid day set to `valid_to`."""

    def make(*, valid_to: dt.date | None = None, who=None) -> Certificate:
        who = who or applicant
        app = file_application(on=GRANTED_ON, who=who, data=lab_data(credit_code=who.credit_code, unit_name=who.name))
        with at(GRANTED_ON):
            Application.objects.filter(pk=app.pk).update(
                state=State.APPROVED, decided_on=GRANTED_ON, decided_at=timezone.now(), accepted_on=GRANTED_ON)
            certificate = certificate_issue(application=app, actor=None)
        if valid_to is not None:
            Certificate.objects.filter(pk=certificate.pk).update(valid_to=valid_to)
            certificate.refresh_from_db()
        return certificate

    return make


@pytest.fixture
def renewal(file_application, applicant):  # noqa: F811
    """renewal(certificate, on=date, submit=True) → a renewal application naming the licence."""

    def make(certificate: Certificate, *, on: dt.date, submit: bool = True, who=None) -> Application:
        who = who or applicant
        return file_application(on=on, service="lab-animal-renewal", who=who, submit=submit,
                                data=lab_data(credit_code=who.credit_code, unit_name=who.name),
                                original_licence_number=certificate.number)

    return make


@pytest.fixture
def holder_api(applicant):  # noqa: F811
    client = APIClient()
    client.force_authenticate(applicant.user)
    return client


def accept(application: Application, officers: dict, on: dt.date) -> Application:  # noqa: F811
    with at(on):
        workflow.application_accept(application=application, actor=officers["intake"].user)
    application.refresh_from_db()
    return application


def decide_recommended(application: Application, officers: dict, on: dt.date) -> Application:  # noqa: F811
    with at(on):
        recommend(application, officers["reviewer"])
    application.refresh_from_db()
    return application
