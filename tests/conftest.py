"""Fixtures shared by the whole suite: the published catalog, the official calendar, accounts."""

import os
import shutil
import tempfile
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request answered in English leaves English
    active in the thread (LocaleMiddleware activates it and nothing deactivates it after the test)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


# --- browser tests (Playwright driving Debian's Chromium) -------------------------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("TONGBAN_SCREENSHOTS", Path(tempfile.gettempdir()) / "tongban-shots"))


@pytest.fixture
def browser(monkeypatch):
    """Chromium from the system (Debian's `chromium`; CHROMIUM overrides the path)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("Chromium is missing: run `make system-deps` (Debian package chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are safe.
    # Set for browser tests only, so no other test (e.g. `check --deploy`) inherits it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
