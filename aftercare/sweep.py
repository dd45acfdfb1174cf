"""The after-licence part of the daily sweep (registered with licensing's sweep hooks): reminders
first, then deemed renewals of the licences that ended yesterday or before, then the expiry of
those not renewed (a deemed renewal keeps its old licence from expiring before it is superseded)."""

from __future__ import annotations

import datetime as dt

from .reports import report_reminders_send
from .services import certificates_expire, reminders_send, renewals_deem


def aftercare_sweep(*, on: dt.date) -> dict:
    return {
        "reminders": reminders_send(on=on),
        "deemed_renewed": renewals_deem(on=on),
        "expired": certificates_expire(on=on),
        "report_reminders": report_reminders_send(on=on),
    }
