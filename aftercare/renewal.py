"""The renewal window of a licence (Art. 50) as configured on the renewal service type, and the
check licensing asks at create, update and submission of a renewal (registered in AppConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from services.constants import Matter
from services.models import ServiceType

from .constants import DEFAULT_RENEWAL_DAYS, DEFAULT_RENEWAL_MONTHS
from .models import ServicePolicy
from .windows import RenewalWindow, renewal_window


def window_settings(service_code: str | None) -> tuple[int, int]:
    """(months, days) of the renewal window configured for this renewal service type."""
    policy = ServicePolicy.objects.filter(service_code=service_code).first() if service_code else None
    if policy is None:
        return DEFAULT_RENEWAL_MONTHS, DEFAULT_RENEWAL_DAYS
    return policy.renewal_window_months, policy.renewal_window_days


def renewal_service_code(kind: str) -> str | None:
    """The renewal service type that renews licences of `kind` (its own kind first, then one that
    renews any lab animal licence)."""
    codes = dict(ServiceType.objects.filter(matter=Matter.RENEWAL, certificate_kind__in=[kind, ""])
                 .order_by("code").values_list("certificate_kind", "code"))
    return codes.get(kind) or codes.get("")


def window_for(*, kind: str, valid_to: dt.date, service_code: str | None = None) -> RenewalWindow:
    months, days = window_settings(service_code or renewal_service_code(kind))
    return renewal_window(valid_to, months=months, days=days)


def renewal_window_check(*, service_type, licence, on: dt.date) -> list[str]:
    """A renewal names a licence whose window is open on `on`; otherwise the message names the window."""
    if service_type.matter != Matter.RENEWAL:
        return []
    window = window_for(kind=licence.kind, valid_to=licence.valid_to, service_code=service_type.code)
    if on in window:
        return []
    return [_("许可证 %(number)s 的延续申请期为 %(opens)s 至 %(closes)s（含首尾两日，有效期至 %(valid_to)s），"
              "%(on)s 不在申请期内。") % {"number": licence.number, "opens": window.opens.isoformat(),
                                     "closes": window.closes.isoformat(), "valid_to": licence.valid_to.isoformat(),
                                     "on": on.isoformat()}]
