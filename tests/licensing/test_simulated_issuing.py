"""The demo's simulated history issues real certificates and leaves no case stuck at issuing; its
changes, renewals and cancellations name licences the simulated organisations really hold."""

import datetime as dt

import pytest

from certificates.models import Certificate
from licensing.constants import State
from licensing.metrics.simulation import simulate_history
from licensing.models import Application

D = dt.date


@pytest.mark.django_db(transaction=True)
def test_a_simulated_history_with_certificates_leaves_no_case_stuck_at_issuing(catalog, demo_accounts):
    result = simulate_history(start=D(2026, 2, 2), end=D(2026, 4, 30), seed=11, until=D(2026, 7, 31),
                              with_certificates=True)
    assert not result.errors and result.open_cases == 0
    assert not Application.objects.filter(state=State.APPROVED, joint=False).exists()
    assert not Application.objects.exclude(issue_error="").exists()
    assert Certificate.objects.exists()
    named = Application.objects.exclude(original_licence_number="")
    assert named.exists()  # some simulated organisations came back to change a licence they were granted
    for application in named:
        licence = Certificate.objects.filter(number=application.original_licence_number).order_by("revision").first()
        assert licence is not None and licence.holder_code == application.applicant.credit_code
    assert not Application.objects.filter(service_type__code__in=["lab-animal-change", "lab-animal-renewal",
                                                                  "lab-animal-cancel"], original_licence_number="")
