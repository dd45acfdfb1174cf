"""Rate limits for the public verification endpoints: a fixed window per client address (behind a
trusted proxy, the address it forwarded: `services.accounts.client_address`), counted
with one atomic increment, one round trip to Redis (DRF's sliding-window throttle re-reads and
rewrites the whole request history on every call, which grows with the allowed rate).

The same round trip reads the certificate status version (`STATUS_VERSION_KEY`), which
`publish_status_change` replaces after every committed status change: a worker keeps the statuses
it verified in memory while that version holds (certificates.verification), so a verification on a
hot path costs this one round trip and no database query."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass

from rest_framework.throttling import BaseThrottle

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from services.accounts import client_address
from services.cache_errors import UNREACHABLE

logger = logging.getLogger(__name__)

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


# The window's counter raised by the slots taken (given its expiry when this call created it) and the
# status version read: one command, so one round trip, and atomic (Redis runs a script alone).
_COUNT_SCRIPT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2]) or ''}
"""
STATUS_VERSION_KEY = "tongban:certificate-status-version"


@dataclass(frozen=True)
class Admission:
    allowed: bool
    # The status version Redis holds, read in the counting round trip; None when the count was not
    # made on Redis (no Redis, or it is unreachable): then no status may come from memory.
    status_version: bytes | None = None


def _script(redis_cache: RedisCache):
    """The counting script on a client kept with the cache (Django builds a new client object for
    every call, a tenth of a verification's time); it runs by its SHA, loaded on first use."""
    script = redis_cache.__dict__.get("_tongban_count_script")
    if script is None:
        script = redis_cache._cache.get_client(write=True).register_script(_COUNT_SCRIPT)
        redis_cache.__dict__["_tongban_count_script"] = script
    return script


def count(key: str, window: int, slots: int = 1) -> tuple[int, bytes | None]:
    """This window's count for `key` after taking `slots` (this request's and, on Redis, a lease's),
    and the status version (None when not counted on Redis). On Redis one round trip (Django's incr
    asks EXISTS first, and a window's first request needed an ADD besides). Elsewhere (the database
    cache while Redis is away, the per-process cache of development) the cache's atomic incr of one
    slot, whatever `slots` asks."""
    redis_cache = _redis(caches["default"])
    if redis_cache is not None:
        full_key = redis_cache.make_and_validate_key(key)
        version_key = redis_cache.make_and_validate_key(STATUS_VERSION_KEY)
        try:
            number, version = _script(redis_cache)(keys=[full_key, version_key], args=[window + 5, slots])
            return int(number), version
        except UNREACHABLE:
            from .verification import forget_local_statuses

            # A status change committed while Redis is away cannot publish its version: what this
            # worker holds may be older than the database from now on.
            forget_local_statuses()
            _leases.clear()
            # The cache's own call below finds Redis away, switches to the database and says so.
    try:  # one round trip in the common case: the window's counter exists
        return cache.incr(key), None
    except ValueError:  # first request of the window (add loses only to a concurrent first request)
        return (1 if cache.add(key, 1, window + 5) else cache.incr(key)), None


# Leases: a client allowed at least TONGBAN_RATE_LEASE_MIN_LIMIT requests a window (a border post's
# gateway, a partner lab's system) takes its slots from the shared counter a few at a time, so most of
# its requests cost no round trip. A lease is a reservation: the counter holds every slot handed out,
# so all workers together never allow more than the limit; slots a worker leased and did not use are
# lost to the client, at most 1/64 of what was left when it leased them (one slot at a time near the
# limit). A lease, and the status version read with it, is used for TONGBAN_RATE_LEASE_SECONDS at
# most. full key → [slots left, status version, taken at, count after the lease].
_leases: dict[str, list] = {}
_lease_lock = threading.Lock()
_LEASE_SHARE = 64
_LEASE_MAX = 64
_clock = time.monotonic


def _lease_size(limit: int, last_count: int) -> int:
    if limit < settings.TONGBAN_RATE_LEASE_MIN_LIMIT:
        return 1
    return max(1, min(_LEASE_MAX, (limit - last_count) // _LEASE_SHARE))


def admit(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> Admission:
    key = f"tongban:rl:{scope}:{client_address(request)}:{int(time.time() // window)}"
    lease = _leases.get(key)
    if lease is not None and _clock() - lease[2] < settings.TONGBAN_RATE_LEASE_SECONDS:
        with _lease_lock:  # threaded workers: one slot to one request
            if lease[0] > 0:
                lease[0] -= 1
                return Admission(allowed=True, status_version=lease[1])
    slots = _lease_size(limit, lease[3] if lease is not None else 0)
    taken_at = _clock()
    number, version = count(key, window, slots)
    taken = slots if version is not None else 1  # off Redis one slot is counted, and none leased
    granted = min(taken, limit - (number - taken))  # the slots of this call that are within the limit
    if granted <= 0:
        return Admission(allowed=False)
    if taken > 1:
        if len(_leases) > 10_000:  # old windows' leases
            _leases.clear()
        _leases[key] = [granted - 1, version, taken_at, number]
    return Admission(allowed=True, status_version=version)


def allow(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    return admit(request, scope=scope, limit=limit, window=window).allowed


def publish_status_change() -> None:
    """Called after a certificate's status change has committed: a new status version, so every
    worker drops the statuses it holds at its next verification. If Redis is unreachable now, the
    change cannot be announced: the statuses held elsewhere then age out within
    TONGBAN_VERIFY_STATUS_SECONDS (certificates.verification), and a worker that meets the outage
    drops its own at once."""
    from .verification import forget_local_statuses

    forget_local_statuses()
    redis_cache = _redis(caches["default"])
    if redis_cache is None:
        return
    try:
        client = redis_cache._cache.get_client(write=True)
        client.set(redis_cache.make_and_validate_key(STATUS_VERSION_KEY), secrets.token_hex(8))
    except UNREACHABLE as exc:
        logger.warning("certificate status version not published (Redis unreachable: %s); other workers "
                       "see the change within %s s", exc, settings.TONGBAN_VERIFY_STATUS_SECONDS)


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
