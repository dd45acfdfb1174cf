"""Fixtures shared by the whole suite: the published catalog, the official calendar, accounts."""

import pytest

from django.conf import settings

from services.calendar import calendar_load_bundled, reset_calendar_cache
from services.catalog.loader import catalog_load


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Every test builds the calendar (and the trusted keys) from its own database, with an empty
    cache (rate-limit counters, login failures)."""
    from django.core.cache import cache

    from certificates.keys import reset_trusted_keys

    cache.clear()
    reset_calendar_cache()
    reset_trusted_keys()
    yield
    reset_calendar_cache()
    reset_trusted_keys()


@pytest.fixture
def catalog(db):
    """The published catalog and the bundled official calendar (2004–2026)."""
    catalog_load()
    calendar_load_bundled()
    reset_calendar_cache()
    return None


@pytest.fixture
def demo_password():
    return settings.TONGBAN_DEMO_PASSWORD


@pytest.fixture
def demo_accounts(catalog):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    reset_calendar_cache()
