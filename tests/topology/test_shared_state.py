"""The pieces the topology relies on, in one process: the failover cache (Redis, then the database
cache), the atomic database-cache counter, verification records whose live status never comes from
the cache, the trusted keys' version read from the database, the lost-connection retry, and
seed_demo refusing the production settings."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from django.core.cache import caches
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from certificates import keys as trusted
from certificates.models import Certificate, SigningKey
from certificates.verification import public_record, record_cache_key
from config.cache import FailoverCache
from config.middleware import RetryLostConnection
from tests.certificates.conftest import issued  # noqa: F401
from tests.licensing.conftest import applicant, file_application, officers  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
DB_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fallback": {"BACKEND": "config.cache.AtomicDatabaseCache", "LOCATION": "tongban_cache"},
}


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_cache(db):
    with override_settings(CACHES=DB_CACHES):
        yield caches["fallback"]


@pytest.fixture
def failover(database_cache):
    """A FailoverCache whose Redis is a port nobody listens on."""
    return FailoverCache(f"redis://127.0.0.1:{unused_port()}/0", {"OPTIONS": {"FALLBACK": "fallback",
                                                                              "RETRY_SECONDS": 60}})


def test_the_database_cache_counts_with_incr_and_says_when_a_key_is_missing_or_expired(database_cache):
    with pytest.raises(ValueError):
        database_cache.incr("hits")
    assert database_cache.add("hits", 1, 60)
    assert [database_cache.incr("hits") for _ in range(3)] == [2, 3, 4]
    assert database_cache.incr("hits", 10) == 14 and database_cache.get("hits") == 14
    database_cache.set("old", 5, 60)
    connection.cursor().execute("UPDATE tongban_cache SET expires = %s WHERE cache_key LIKE %s",
                                [dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "%old"])
    with pytest.raises(ValueError):
        database_cache.incr("old")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_cache_counter_is_exact_under_concurrent_workers():
    from concurrent.futures import ThreadPoolExecutor

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the topology's database)")

    from django.db import connections

    with override_settings(CACHES=DB_CACHES):
        cache = caches["fallback"]
        cache.add("concurrent", 0, 60)

        def bump(_):
            try:
                return cache.incr("concurrent")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(8) as pool:
            values = list(pool.map(bump, range(80)))
        assert sorted(values) == list(range(1, 81)) and cache.get("concurrent") == 80


def test_with_redis_unreachable_the_failover_cache_uses_the_database_and_warns_once(failover, database_cache,
                                                                                    caplog):
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert failover.get("missing") is None
        assert failover.add("counter", 1, 60)
        assert failover.incr("counter") == 2
        failover.set("record", {"a": 1}, 60)
        assert failover.get("record") == {"a": 1}
        assert failover.get_or_set("computed", lambda: 7, 60) == 7
        failover.delete("record")
    assert database_cache.get("counter") == 2 and database_cache.get("record") is None
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1 and "Redis cache unreachable" in warnings[0].getMessage()
    assert failover.primary_down


@pytest.mark.django_db
def test_the_failover_cache_uses_redis_when_it_answers(database_cache):
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.fail("these tests need the machine's Redis on 127.0.0.1:6379")
    cache = FailoverCache(url, {"KEY_PREFIX": secrets.token_hex(4), "OPTIONS": {"FALLBACK": "fallback"}})
    cache.set("here", 1, 30)
    assert cache.get("here") == 1 and database_cache.get("here") is None and not cache.primary_down
    cache.delete("here")


@pytest.fixture
def certificate(issued):  # noqa: F811
    return Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))


def verify(certificate):
    from certificates.core import tokens

    return APIClient().post("/api/v1/certificates/verify/",
                            {"token": tokens.token_to_digits(bytes(certificate.token))}, format="json").json()


def test_a_cached_record_left_behind_by_a_failed_invalidation_never_answers_its_old_status(certificate, settings):
    settings.TONGBAN_VERIFY_CACHE_SECONDS = 300
    assert verify(certificate)["verdict"] == "valid"
    from django.core.cache import cache

    cached = cache.get(record_cache_key(certificate.cti))
    assert cached is not None and "status" not in cached  # only what never changes is cached
    # The suspension commits while the cache is unreachable: nothing clears the cached record.
    Certificate.objects.filter(pk=certificate.pk).update(status="suspended")
    cache.set(record_cache_key(certificate.cti), {**cached, "status": "valid"}, 300)  # even an old-style entry
    assert verify(certificate)["verdict"] == "suspended"
    assert public_record(certificate.cti)["status"] == "suspended"


def test_a_key_compromised_in_another_process_is_seen_without_any_cache(certificate):
    assert verify(certificate)["verdict"] == "valid"
    before = trusted.trust_version()
    SigningKey.objects.filter(pk=certificate.signing_key_id).update(status="compromised",
                                                                    compromised_at=dt.datetime.now(dt.UTC))
    assert trusted.trust_version() != before
    trusted._trusted["checked"] -= trusted.TRUST_RECHECK_SECONDS  # this process's next check is due
    assert verify(certificate)["verdict"] == "forged"


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def db_error(message: str, sqlstate: str | None) -> OperationalError:
    """Django's OperationalError wrapping a driver error, as Django raises it."""
    try:
        raise OperationalError(message) from DriverError(message, sqlstate)
    except OperationalError as exc:
        return exc


class LostConnection:
    """A view whose first run loses the database connection (as pg_terminate_backend does)."""

    def __init__(self, sqlstate: str | None) -> None:
        self.runs, self.sqlstate = 0, sqlstate

    def __call__(self, request):
        self.runs += 1
        if self.runs == 1:
            raise db_error("terminating connection due to administrator command", self.sqlstate)
        return HttpResponse(request.body)


@pytest.mark.parametrize("sqlstate", ["57P01", "08006", None])
@pytest.mark.django_db(transaction=True)
def test_a_request_whose_connection_was_lost_is_run_again_with_its_body(sqlstate, caplog, monkeypatch):
    monkeypatch.setattr("config.middleware.RETRY_PAUSE_SECONDS", 0)
    view = LostConnection(sqlstate)
    request = RequestFactory().post("/x/", data=b'{"opinion": "ok"}', content_type="application/json")
    middleware = RetryLostConnection(lambda r: None)
    with caplog.at_level(logging.WARNING, logger="config.middleware"):
        response = middleware.process_view(request, view, (), {})
    assert view.runs == 2 and response.content == b'{"opinion": "ok"}'
    assert "connection lost" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_statement_error_is_not_run_again_nor_a_lost_connection_forever(monkeypatch):
    monkeypatch.setattr("config.middleware.RETRY_PAUSE_SECONDS", 0)
    runs = []

    def deadlock(request):
        runs.append(1)
        raise db_error("deadlock detected", "40P01")

    with pytest.raises(OperationalError):
        RetryLostConnection(lambda r: None).process_view(RequestFactory().get("/x/"), deadlock, (), {})
    assert runs == [1]

    def always_lost(request):
        runs.append(1)
        raise db_error("server closed the connection unexpectedly", None)

    # Run again 0.05 s apart for as long as 0.2 s have not passed since the first failure: 4 more runs.
    monkeypatch.setattr("config.middleware.RETRY_SECONDS", 0.2)
    monkeypatch.setattr("config.middleware.RETRY_PAUSE_SECONDS", 0.05)
    monkeypatch.setattr("config.middleware.RETRY_PAUSE_MAX_SECONDS", 0.05)
    started = time.monotonic()
    with pytest.raises(OperationalError):
        RetryLostConnection(lambda r: None).process_view(RequestFactory().get("/x/"), always_lost, (), {})
    assert 1 + 1 + 3 <= len(runs) <= 1 + 1 + 4
    assert time.monotonic() - started < 0.5


def test_seed_demo_refuses_to_run_under_the_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=secrets.token_urlsafe(40),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", TONGBAN_VAR_DIR=str(tmp_path))
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "refuses to run under production settings" in done.stderr and "createsuperuser" in done.stderr
