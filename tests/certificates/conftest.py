"""Fixtures: an approved lab animal case issued through the real workflow; the machine's Redis as the
default cache."""

import datetime as dt

import pytest

from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings

from certificates.core.keys import generate_signing_key, kid_for
from certificates.verification import forget_local_records
from config.lean import LeanDispatch
from licensing import workflow
from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401


@pytest.fixture
def issued(file_application, officers, django_capture_on_commit_callbacks):  # noqa: F811
    """issued(on=date, service=...) → (application, certificate) after accept + approve."""

    def make(*, on: dt.date = dt.date(2026, 3, 2), service: str = "lab-animal-production", data=None, who=None,
             original_licence_number=None):
        app = file_application(on=on, service=service, data=data, who=who,
                               original_licence_number=original_licence_number)
        targets = list(app.tracks.all()) or [app]
        with at(on):
            for target in sorted(targets, key=lambda t: t.service_type.code != "foreign-work-permit"):
                intake = officers["crj"] if target.authority.code == "yn-crj" else officers["intake"]
                approver = officers["crj_approver"] if target.authority.code == "yn-crj" else officers["approver"]
                reviewer = officers["crj"] if target.authority.code == "yn-crj" else officers["reviewer"]
                workflow.application_accept(application=target, actor=intake.user)
                recommend(target, reviewer)
                with django_capture_on_commit_callbacks(execute=True):
                    workflow.application_approve(application=target, actor=approver.user, opinion="符合条件")
        app.refresh_from_db()
        return app

    return make


@pytest.fixture
def redis_cache():
    """The machine's Redis as the default cache (database 13, emptied)."""
    caches_setting = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                  "LOCATION": "redis://127.0.0.1:6379/13"}}
    with override_settings(CACHES=caches_setting):
        cache = caches["default"]
        try:
            cache.clear()
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"this test needs the machine's Redis on 127.0.0.1:6379 ({exc})")
        yield cache
        cache.clear()


@pytest.fixture
def apps(db):
    """(full, lean): the WSGI application without and with the lean dispatcher. As Django's test client
    does, the per-request connection recycling is off (it would close the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    caches["default"].clear()
    forget_local_records()
    try:
        full = get_wsgi_application()
        yield full, LeanDispatch(full)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# A document signing key for the token tests (one per test module).
@pytest.fixture(scope="module")
def key():
    return generate_signing_key()


@pytest.fixture(scope="module")
def kid(key):
    return kid_for(key.public_key())


@pytest.fixture(scope="module")
def keys_by_kid(key, kid):
    return {kid: [key.public_key()]}
