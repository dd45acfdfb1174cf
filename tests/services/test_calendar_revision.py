"""The calendar's revision is read from the database: a change committed by another process reaches
this one within RECHECK_SECONDS, also when the cache was unreachable at the moment of the change."""

import datetime as dt

import pytest

from django.db import transaction

from services import calendar as cal
from services.models import CalendarDay, CalendarRevision

pytestmark = pytest.mark.django_db

NATIONAL_DAY_WEEK = dt.date(2025, 10, 6)  # a Monday off for National Day


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    ticking = Clock()
    monkeypatch.setattr(cal.time, "monotonic", ticking)
    return ticking


class Unreachable:
    def __getattr__(self, name):
        raise ConnectionError("the cache is down")


def test_another_process_change_is_seen_within_the_recheck_interval(catalog, clock, monkeypatch):
    monkeypatch.setattr("django.core.cache.cache", Unreachable())  # nothing here may need the cache
    assert not cal.get_calendar().is_working_day(NATIONAL_DAY_WEEK)
    # Another worker turns the day into a working day and raises the revision in its transaction
    # (its own on-commit hook does not run here: this process only sees the database).
    with transaction.atomic():
        CalendarDay.objects.filter(date=NATIONAL_DAY_WEEK).update(is_workday=True)
        before = cal.calendar_revision()
        CalendarRevision.objects.get_or_create(pk=1)
        CalendarRevision.objects.filter(pk=1).update(revision=before + 1)
    clock.now += cal.RECHECK_SECONDS - 1
    assert not cal.get_calendar().is_working_day(NATIONAL_DAY_WEEK)  # not checked yet
    clock.now += 2
    assert cal.get_calendar().is_working_day(NATIONAL_DAY_WEEK)
    assert cal.RECHECK_SECONDS <= 10


def test_a_change_raises_the_revision_in_its_own_transaction(catalog, clock):
    cal.get_calendar()
    before = cal.calendar_revision()
    with transaction.atomic():
        sid = transaction.savepoint()
        cal.invalidate_calendar({2025})
        assert cal.calendar_revision() == before + 1
        transaction.savepoint_rollback(sid)  # a rolled-back change leaves the revision as it was
    assert cal.calendar_revision() == before
    cal.invalidate_calendar({2025})
    cal.invalidate_calendar({2026})
    assert cal.calendar_revision() == before + 2
