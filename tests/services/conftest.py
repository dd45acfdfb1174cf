"""Fixtures for the catalog and calendar tests: a clean cache per test, the catalog loaded once per
module, and the official calendar."""

import io

import pytest

from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from services.calendar import calendar_load_bundled, get_calendar, reset_calendar_cache
from services.catalog.loader import catalog_load


@pytest.fixture(autouse=True)
def _clean_cache():
    """Login failure counters, DRF throttles and the calendar version live in the cache, which
    outlives a test's database transaction; start every test from an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def _catalog_rows(django_db_setup, django_db_blocker):
    """The catalog and the bundled calendar, loaded once per module inside a transaction that is
    rolled back when the module ends (Django's TestCase.setUpTestData, for pytest functions).
    Each test runs in a savepoint inside it, so what a test writes is still undone after it.
    Not for modules with `transactional_db` tests: they would flush tables under the open transaction."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            catalog_load()
            calendar_load_bundled()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def catalog(_catalog_rows, db):
    """Same data as tests/conftest.py's `catalog` (published catalog, official calendar 2004–2026),
    without reloading it for every test of the module."""
    reset_calendar_cache()


@pytest.fixture(scope="module")
def _demo_rows(_catalog_rows, django_db_blocker):
    """The demo accounts on top of the module's catalog, rolled back with it."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def demo_accounts(_demo_rows, catalog):
    """Same accounts as tests/conftest.py's `demo_accounts` (seed_demo), seeded once per module."""


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
