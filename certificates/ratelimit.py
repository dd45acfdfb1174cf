"""Rate limits for the public verification endpoints: a fixed window per client address (behind a
trusted proxy, the address it forwarded: `services.accounts.client_address`), counted
with one atomic cache increment (DRF's sliding-window throttle re-reads and rewrites the whole
request history on every call, which grows with the allowed rate)."""

from __future__ import annotations

import time

from rest_framework.throttling import BaseThrottle

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from services.accounts import client_address

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def allow(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    key = f"tongban:rl:{scope}:{client_address(request)}:{int(time.time() // window)}"
    try:  # one round trip in the common case: the window's counter exists
        count = cache.incr(key)
    except ValueError:  # first request of the window (add loses only to a concurrent first request)
        count = 1 if cache.add(key, 1, window + 5) else cache.incr(key)
    return count <= limit


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
