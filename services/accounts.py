"""Accounts: the client address behind trusted proxies, login lock-out (django-axes, per username AND
address), and API tokens that expire (officers 12 hours, applicants 30 days by default) and are
revoked on logout."""

from __future__ import annotations

import datetime as dt
import ipaddress
from functools import lru_cache

from axes.utils import reset as axes_reset
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _


class LoginLocked(Exception):
    pass


# Client address ---------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address of the client. X-Forwarded-For is believed only when the peer (REMOTE_ADDR) is one of
    TONGBAN_TRUSTED_PROXIES: then the right-most address in it that is not a trusted proxy is the client
    (the left part of the header is whatever the client wrote, so it is never taken on trust)."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    trusted = _networks(tuple(settings.TONGBAN_TRUSTED_PROXIES))
    current = _parse(peer)
    if current is None or not any(current in net for net in trusted):
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a malformed entry: trust nothing left of it
        current = address
        if not any(address in net for net in trusted):
            break
    return str(current)


# Login lock-out (django-axes) ----------------------------------------------------------------------

def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("登录失败次数过多：该账号在此地址已暂时锁定，请%(minutes)d分钟后再试，或联系管理员解锁。") % {
        "minutes": minutes}


def authenticate_throttled(request: HttpRequest, *, username: str, password: str):
    """authenticate() through django-axes: failures are counted per username and client address
    (AXES_LOCKOUT_PARAMETERS); a locked combination raises LoginLocked, even for the right password;
    a success clears that combination's count."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        request.axes_lockout_handled = True
        raise LoginLocked(lockout_message())
    if user is not None:
        # axes resets on the user_logged_in signal, which a token login never sends.
        axes_reset(ip=client_address(request), username=username)
    return user


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page and the token endpoint answer a lock-out themselves (a form
    error, a 429 with a message); any other login (the admin's) gets a plain 429 with the message."""
    if getattr(request, "axes_lockout_handled", False) and original_response is not None:
        return original_response
    return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")


# API tokens ---------------------------------------------------------------------------------------

def token_lifetime(*, user) -> dt.timedelta:
    is_officer = user.is_staff or hasattr(user, "officer")
    hours = settings.TONGBAN_TOKEN_HOURS_OFFICER if is_officer else settings.TONGBAN_TOKEN_HOURS_APPLICANT
    return dt.timedelta(hours=hours)


def token_expires_at(*, token: Token) -> dt.datetime:
    return token.created + token_lifetime(user=token.user)


def token_issue(*, user) -> Token:
    """The user's API token: the current one while it is valid, a new one once it has expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and token_expires_at(token=token) > timezone.now():
            return token
        if token is not None:
            token.delete()
        return Token.objects.create(user=user)


def token_revoke(*, user) -> int:
    """Revoke the user's API token (logout); returns how many were deleted."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication that refuses (and deletes) a token older than its lifetime."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token=token) <= timezone.now():
            token.delete()
            raise AuthenticationFailed(_("令牌已过期，请重新登录获取。"), code="token_expired")
        return user, token
