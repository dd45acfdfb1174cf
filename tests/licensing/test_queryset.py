"""The Application QuerySet's shared filters: what is a filing, what is still undecided, whose it is."""

import datetime as dt

import pytest

from django.utils import timezone

from licensing.constants import State
from licensing.models import Application
from services.models import Authority

pytestmark = pytest.mark.django_db


def test_filings_are_what_applicants_filed_and_cases_what_officers_act_on(file_application):
    lab = file_application(on=dt.date(2025, 9, 26))
    joint = file_application(on=dt.date(2025, 9, 26), service="foreign-talent-one-stop")
    tracks = set(joint.tracks.values_list("pk", flat=True))
    assert len(tracks) == 2
    assert set(Application.objects.filings().values_list("pk", flat=True)) == {lab.pk, joint.pk}
    assert set(Application.objects.cases().values_list("pk", flat=True)) == {lab.pk, *tracks}


def test_undecided_leaves_out_approved_and_closed_cases(file_application):
    waiting, approved, refused = (file_application(on=dt.date(2025, 9, 26)) for _ in range(3))
    Application.objects.filter(pk=approved.pk).update(state=State.APPROVED, decided_at=timezone.now())
    Application.objects.filter(pk=refused.pk).update(state=State.REFUSED, closed_at=timezone.now())
    assert set(Application.objects.undecided().values_list("pk", flat=True)) == {waiting.pk}
    assert set(Application.objects.open().values_list("pk", flat=True)) == {waiting.pk, approved.pk}


def test_in_scope_keeps_the_cases_of_the_given_authorities(file_application):
    lab = file_application(on=dt.date(2025, 9, 26))
    joint = file_application(on=dt.date(2025, 9, 26), service="foreign-talent-one-stop")
    exit_entry = Authority.objects.get(code="yn-crj")
    residence = joint.tracks.get(authority=exit_entry)
    assert set(Application.objects.cases().in_scope([exit_entry.pk]).values_list("pk", flat=True)) == {residence.pk}
    assert lab.pk in set(Application.objects.in_scope(iter([lab.authority_id])).values_list("pk", flat=True))
