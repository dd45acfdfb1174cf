"""Rate-limit leases (certificates.ratelimit): a client with a high limit takes its slots from the shared
Redis counter a few at a time. Two workers together never allow more than the limit and, taking
requests in turn, allow exactly the limit; most requests cost no round trip; a lease and the status
version read with it are not used after TONGBAN_RATE_LEASE_SECONDS; below the lease threshold every
request is counted on Redis."""

from __future__ import annotations

import pytest
from redis.connection import Connection

from django.test import RequestFactory

from certificates import ratelimit


@pytest.fixture
def sends(redis_cache, monkeypatch):
    """The commands sent to Redis, counted from after the script's first load."""
    ratelimit.count("tongban:rl:test:warm-up:1", 60)
    ratelimit._leases.clear()
    sent = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    yield sent
    ratelimit._leases.clear()


def request(address: str = "192.0.2.7"):
    return RequestFactory().post("/api/v1/certificates/verify/", REMOTE_ADDR=address)


def test_two_workers_taking_requests_in_turn_allow_exactly_the_limit_with_few_round_trips(sends, settings,
                                                                                           monkeypatch):
    settings.TONGBAN_RATE_LEASE_MIN_LIMIT = 100
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_000.0)  # one window for the whole test
    workers = [{}, {}]  # each worker's own leases
    allowed = 0
    for number in range(700):
        monkeypatch.setattr(ratelimit, "_leases", workers[number % 2])
        allowed += ratelimit.admit(request(), scope="test", limit=500, window=60).allowed
        if number == 99:
            assert len(sends) <= 100 / 5, len(sends)  # far from the limit, leases of 7 slots
    assert allowed == 500
    # Leases shrink to one slot for the last 128 (a 64th of what is left), and each refusal is counted.
    assert len(sends) - 200 < 500 / 2, len(sends)


def test_a_lease_is_not_used_after_its_seconds_and_the_next_request_reads_a_new_status_version(
        sends, settings, redis_cache, monkeypatch):
    settings.TONGBAN_RATE_LEASE_MIN_LIMIT = 100
    settings.TONGBAN_RATE_LEASE_SECONDS = 0.25
    now = [1000.0]
    monkeypatch.setattr(ratelimit, "_clock", lambda: now[0])
    first = ratelimit.admit(request(), scope="test", limit=10_000, window=60)
    assert first.allowed and first.status_version == b"" and len(sends) == 1
    version_key = redis_cache.make_and_validate_key(ratelimit.STATUS_VERSION_KEY)
    redis_cache._cache.get_client(write=True).set(version_key, b"v2")  # another worker's status change
    now[0] += 0.2
    leased = ratelimit.admit(request(), scope="test", limit=10_000, window=60)
    assert leased.allowed and leased.status_version == b"" and len(sends) == 2  # the SET above; no count
    now[0] += 0.05
    renewed = ratelimit.admit(request(), scope="test", limit=10_000, window=60)
    assert renewed.allowed and renewed.status_version == b"v2" and len(sends) == 3


def test_below_the_lease_threshold_every_request_is_counted_on_redis(sends, settings, monkeypatch):
    settings.TONGBAN_RATE_LEASE_MIN_LIMIT = 1000
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_000.0)
    answers = [ratelimit.admit(request("192.0.2.8"), scope="test", limit=120, window=60).allowed for _ in range(125)]
    assert answers == [True] * 120 + [False] * 5
    assert len(sends) == 125
