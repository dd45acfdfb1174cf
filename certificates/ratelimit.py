"""A small fixed-window rate limit per client address, shared through the cache."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def allow(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    address = request.META.get("REMOTE_ADDR", "")
    key = f"tongban:rl:{scope}:{address}:{int(time.time() // window)}"
    cache.add(key, 0, window + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window + 5)
        count = 1
    return count <= limit
