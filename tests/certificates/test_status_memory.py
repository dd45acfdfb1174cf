"""Statuses a worker holds in memory (certificates.verification, certificates.ratelimit). With Redis as
the cache, the rate-limit count hands each request the status version, so a hot certificate is
answered with that one round trip and no database query; every committed status change publishes a
new version and is answered at the next verification, by this worker and every other; a change whose
version could not be published is answered within TONGBAN_VERIFY_STATUS_SECONDS; and a worker that
finds Redis unreachable stops answering from memory."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from certificates import ratelimit, verification
from certificates.models import Certificate
from certificates.services import certificate_suspend

from .test_lean_path import call, digits, post_token


@pytest.fixture
def certificate(issued, redis_cache):
    return Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))


def verdict(lean, certificate) -> str:
    return json.loads(post_token(lean, digits(certificate))[2])["verdict"]


def published_version(redis_cache) -> bytes | None:
    key = redis_cache.make_and_validate_key(ratelimit.STATUS_VERSION_KEY)
    return redis_cache._cache.get_client(write=False).get(key)


def another_worker_publishes(redis_cache) -> None:
    """What publish_status_change does in another process: a new version in Redis, nothing here."""
    key = redis_cache.make_and_validate_key(ratelimit.STATUS_VERSION_KEY)
    redis_cache._cache.get_client(write=True).set(key, b"from-another-worker")


def test_a_certificate_verified_again_costs_no_database_query(apps, certificate, django_assert_num_queries):
    _full, lean = apps
    assert verdict(lean, certificate) == "valid"
    with django_assert_num_queries(0):
        assert verdict(lean, certificate) == "valid"
    with django_assert_num_queries(0):
        status, _headers, page = call(lean, "GET", f"/C/{digits(certificate)}")
    assert status == 200 and b'data-verdict="valid"' in page


def test_a_status_change_is_answered_at_once_here_and_after_another_workers_announcement(
        apps, certificate, redis_cache, officers, django_capture_on_commit_callbacks):
    _full, lean = apps
    assert verdict(lean, certificate) == "valid"
    before = published_version(redis_cache)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改期间")
    assert published_version(redis_cache) not in (None, before)  # the change is announced to every worker
    assert verdict(lean, certificate) == "suspended"

    # Another worker's change: the database row changes, this worker learns of it only through Redis.
    Certificate.objects.filter(pk=certificate.pk).update(status="valid")
    assert verdict(lean, certificate) == "suspended"  # held under the version it was read under
    another_worker_publishes(redis_cache)
    assert verdict(lean, certificate) == "valid"


def test_a_change_that_was_never_announced_is_answered_within_the_status_seconds(apps, certificate, settings,
                                                                                   monkeypatch):
    _full, lean = apps
    settings.TONGBAN_VERIFY_STATUS_SECONDS = 2
    assert verdict(lean, certificate) == "valid"
    Certificate.objects.filter(pk=certificate.pk).update(status="suspended")  # Redis was away at the change
    now = verification._clock()
    monkeypatch.setattr(verification, "_clock", lambda: now + 1.9)
    assert verdict(lean, certificate) == "valid"
    monkeypatch.setattr(verification, "_clock", lambda: now + 2.0)
    assert verdict(lean, certificate) == "suspended"


def test_a_worker_that_finds_redis_unreachable_answers_from_the_database_from_then_on(apps, certificate,
                                                                                        monkeypatch):
    _full, lean = apps
    assert verdict(lean, certificate) == "valid"
    # The suspension commits while Redis is away: its version is never published.
    Certificate.objects.filter(pk=certificate.pk).update(status="suspended")

    def unreachable(redis_cache):
        def call(**kwargs):
            raise RedisConnectionError("Connection refused")
        return call

    script = ratelimit._script
    monkeypatch.setattr(ratelimit, "_script", unreachable)
    assert verdict(lean, certificate) == "suspended"  # not counted on Redis: the status from the database
    monkeypatch.setattr(ratelimit, "_script", script)
    # Redis is back with the version it had before the change: nothing held from before is answered.
    assert verdict(lean, certificate) == "suspended"


def test_without_redis_every_verification_reads_the_status(apps, issued, django_assert_num_queries):
    _full, lean = apps
    certificate = Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))
    assert verdict(lean, certificate) == "valid"
    with django_assert_num_queries(1):  # the primary-key lookup of the live status
        assert verdict(lean, certificate) == "valid"
