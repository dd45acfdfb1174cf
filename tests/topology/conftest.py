"""The session's production topology (tests/topology/deploy.py), shared by every topology test."""

from __future__ import annotations

import time

import pytest

from .deploy import TopologyUnavailable, started


@pytest.fixture(scope="session")
def topology(tmp_path_factory):
    try:
        with started(tmp_path_factory.mktemp("topology")) as running:
            yield running
    except TopologyUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def topology_without_redis_cache(tmp_path_factory):
    """The same recipe without REDIS_URL: the workers share Django's database cache (test_without_redis)."""
    try:
        with started(tmp_path_factory.mktemp("topology-dbcache"), redis_cache=False) as running:
            yield running
    except TopologyUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def redis_restarted(topology):
    """Whatever a test does to Redis, the next one finds it running (and the workers using it again
    after their back-off)."""
    yield
    if not topology.redis.running:
        topology.start_redis()
        time.sleep(6)
