"""`manage.py simulate_aftercare` stages the demo's after-licence scenarios through the service
functions, once."""

import io

from django.core.management import call_command

from aftercare.models import AnnualReport, CancellationTask, CreditRecord, Rating, RectificationTask
from certificates.constants import CertificateStatus
from certificates.models import Certificate
from licensing.models import CaseLogEntry, Notification


def test_the_demo_is_staged_once(demo_accounts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("simulate_aftercare", stdout=io.StringIO())
    again = io.StringIO()
    call_command("simulate_aftercare", stdout=again)
    assert "nothing to do" in again.getvalue()
    assert CaseLogEntry.objects.filter(verb="deem_renewed").count() == 1
    assert Certificate.objects.filter(status=CertificateStatus.SUPERSEDED).count() == 1
    assert Certificate.objects.filter(status=CertificateStatus.EXPIRED).count() == 1  # and one cancelled
    assert CancellationTask.objects.filter(state="done").count() == 1
    assert Notification.objects.filter(user__username="applicant", kind__startswith="renewal_").count() == 3
    assert AnnualReport.objects.filter(year=2025).count() == 3
    assert set(AnnualReport.objects.values_list("state", flat=True)) == {"pass", "rectify"}
    assert CreditRecord.objects.count() == 1
    assert Rating.objects.filter(score__lte=2).count() == RectificationTask.objects.count() >= 2
    assert RectificationTask.objects.filter(state="open").exists()
