"""Rate limits for the public verification endpoints: a fixed window per client address (behind a
trusted proxy, the address it forwarded: `services.accounts.client_address`), counted
with one atomic increment, one round trip to Redis (DRF's sliding-window throttle re-reads and
rewrites the whole request history on every call, which grows with the allowed rate)."""

from __future__ import annotations

import time

from rest_framework.throttling import BaseThrottle

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from services.accounts import client_address
from services.cache_errors import UNREACHABLE

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def _redis(backend) -> RedisCache | None:
    """The Redis cache behind `backend` when counting there is possible right now: the backend itself,
    or the primary of a FailoverCache that is not standing in for it (config.cache)."""
    if isinstance(backend, RedisCache):
        return backend
    primary = getattr(backend, "_primary", None)
    if isinstance(primary, RedisCache) and not backend.primary_down:
        return primary
    return None


# The window's counter incremented, and given its expiry when this request created it: one command,
# so one round trip, and atomic (Redis runs a script alone).
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def count(key: str, window: int) -> int:
    """This window's count for `key`, this request included. On Redis one round trip (Django's incr
    asks EXISTS first, and a window's first request needed an ADD besides). Elsewhere (the database
    cache while Redis is away, the per-process cache of development) the cache's atomic incr."""
    redis_cache = _redis(caches["default"])
    if redis_cache is not None:
        full_key = redis_cache.make_and_validate_key(key)
        try:
            client = redis_cache._cache.get_client(full_key, write=True)
            return int(client.eval(_COUNT_SCRIPT, 1, full_key, window + 5))
        except UNREACHABLE:
            pass  # the cache's own call below finds Redis away, switches to the database and says so
    try:  # one round trip in the common case: the window's counter exists
        return cache.incr(key)
    except ValueError:  # first request of the window (add loses only to a concurrent first request)
        return 1 if cache.add(key, 1, window + 5) else cache.incr(key)


def allow(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    return count(f"tongban:rl:{scope}:{client_address(request)}:{int(time.time() // window)}", window) <= limit


def parse_rate(rate: str) -> tuple[int, int]:
    """"120/min" → (120, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


class FixedWindowThrottle(BaseThrottle):
    """A DRF throttle over `allow`; the rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]."""

    scope = "verify"

    def allow_request(self, request, view) -> bool:
        limit, window = parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope])
        self._window = window
        return allow(request, scope=f"api-{self.scope}", limit=limit, window=window)

    def wait(self) -> float:
        window = getattr(self, "_window", 60)
        return window - time.time() % window
