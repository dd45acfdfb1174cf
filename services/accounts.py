"""Login with throttling: after LOGIN_THROTTLE_LIMIT failures for one username or one client
address within LOGIN_THROTTLE_WINDOW seconds, further attempts are refused until the window ends."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _


class LoginLocked(Exception):
    pass


def _keys(request: HttpRequest, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    return [f"tongban:login-fail:user:{digest}", f"tongban:login-fail:addr:{address}"]


def authenticate_throttled(request: HttpRequest, *, username: str, password: str):
    keys = _keys(request, username)
    if any((cache.get(key) or 0) >= settings.LOGIN_THROTTLE_LIMIT for key in keys):
        raise LoginLocked(_("登录失败次数过多，请%(minutes)d分钟后再试。")
                          % {"minutes": settings.LOGIN_THROTTLE_WINDOW // 60})
    user = authenticate(request, username=username, password=password)
    if user is None:
        for key in keys:
            cache.add(key, 0, settings.LOGIN_THROTTLE_WINDOW)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW)
        return None
    cache.delete(keys[0])
    return user
