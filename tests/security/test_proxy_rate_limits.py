"""Behind the trusted TLS proxy every request comes from the proxy's address: the verification rate limit
and the status query's failure counter count the forwarded client, not the proxy."""

import pytest

from django.core.cache import cache
from django.test import RequestFactory, override_settings

from certificates.ratelimit import allow
from licensing.views import _client_key

PROXY = "10.0.0.2"


def behind_proxy(client: str):
    return RequestFactory().get("/C/1", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(TONGBAN_TRUSTED_PROXIES=[PROXY])
def test_each_forwarded_client_has_its_own_verification_limit():
    assert [allow(behind_proxy("203.0.113.7"), scope="t", limit=3) for _ in range(4)] == [True] * 3 + [False]
    assert allow(behind_proxy("198.51.100.9"), scope="t", limit=3)  # another client is not refused


@override_settings(TONGBAN_TRUSTED_PROXIES=[])
def test_an_untrusted_peer_cannot_escape_its_limit_with_a_forged_header():
    spoofed = [RequestFactory().get("/C/1", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
               for n in range(4)]
    assert [allow(r, scope="t", limit=3) for r in spoofed] == [True] * 3 + [False]


@override_settings(TONGBAN_TRUSTED_PROXIES=[PROXY])
def test_the_status_query_counts_failures_per_forwarded_client():
    assert _client_key(behind_proxy("203.0.113.7")) != _client_key(behind_proxy("198.51.100.9"))
    assert "203.0.113.7" in _client_key(behind_proxy("203.0.113.7"))
