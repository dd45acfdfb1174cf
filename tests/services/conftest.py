"""Fixtures for the catalog and calendar tests: a clean cache per test, the official calendar."""

import pytest

from django.core.cache import cache
from django.db import transaction

from services.calendar import calendar_load_bundled, get_calendar, reset_calendar_cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Login failure counters, DRF throttles and the calendar version live in the cache, which
    outlives a test's database transaction; start every test from an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def official_calendar(django_db_setup, django_db_blocker):
    """The calendar exactly as the application builds it from the database after loading the
    bundled official schedules (2004–2026); built once per module, the rows are rolled back.
    Modules using it mark their tests `django_db` so that the test database gets created."""
    with django_db_blocker.unblock(), transaction.atomic():
        calendar_load_bundled()
        reset_calendar_cache()
        built = get_calendar()
        reset_calendar_cache()
        transaction.set_rollback(True)
    return built
