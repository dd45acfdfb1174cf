"""The periodic sweep: deemed acceptances, yellow warnings and overdue alerts; recomputation
after a calendar change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from services.models import Officer

from ..constants import State
from ..deadlines import clock_snapshot, deadlines_recompute, today
from ..models import Application, Notification
from .core import fmt, locked, move, save_state
from .intake import _accepted

# --- the sweep -----------------------------------------------------------------------------------

@dataclass
class SweepResult:
    deemed_accepted: int = 0
    warned: int = 0
    overdue: int = 0
    # What the registered sweep hooks did, by hook name (e.g. {"aftercare": {"expired": 2, ...}}).
    hooks: dict = field(default_factory=dict)


# The daily acts of other apps on the same clock (aftercare: renewal reminders, deemed renewals,
# expiries), registered in their AppConfig.ready() so that licensing imports none of them:
# `hook(*, on) -> dict` of counts. Each hook is idempotent and safe under concurrent sweeps.
SweepHook = Callable[..., dict]
sweep_hooks: dict[str, SweepHook] = {}


def register_sweep_hook(name: str, hook: SweepHook) -> SweepHook:
    if name in sweep_hooks:
        raise ImproperlyConfigured(f"Sweep hook {name!r} is registered twice.")
    sweep_hooks[name] = hook
    return hook


def _deem_one(pk: int, on: dt.date) -> bool:
    with transaction.atomic():
        application = (Application.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("service_type", "authority", "applicant__user", "parent")
                       .filter(pk=pk, state=State.SUBMITTED, acceptance_due__lt=on).first())
        if application is None:
            return False
        before = move(application, "deem_accepted", None, system=True)
        _accepted(application, None, before, on=application.acceptance_clock_from, deemed=True,
                  reason=_("受理期限届满未作处理，依法视为受理"))
        return True


def _flag_batches(field: str, queryset, on: dt.date, batch: int = 2000):
    """Claim rows for a once-only alert, in batches: rows locked by a concurrent sweep are skipped,
    and the conditional UPDATE touches only rows nobody flagged yet. Yields the claimed ids, inside
    the transaction that flags them (so the alerts commit together with the flags)."""
    while True:
        with transaction.atomic():
            ids = list(queryset.filter(**{f"{field}__isnull": True}).order_by()
                       .select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
            if not ids:
                return
            Application.objects.filter(pk__in=ids).update(**{field: on})
            yield ids


def deadlines_sweep(*, on: dt.date | None = None) -> SweepResult:
    """Deemed acceptances, yellow warnings and overdue flags with their notices. Idempotent; two
    sweeps at once do each thing once (row locks with SKIP LOCKED, conditional updates)."""
    on = on or today()
    result = SweepResult()
    due = Application.objects.cases().filter(state=State.SUBMITTED, acceptance_due__lt=on)
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=2000):
        result.deemed_accepted += _deem_one(pk, on)
    running = Application.objects.cases().filter(current_due__isnull=False)
    yellow = running.filter(yellow_from__lte=on, current_due__gte=on, warned_on__isnull=True)
    overdue = running.filter(current_due__lt=on, overdue_notified_on__isnull=True)
    for ids in _flag_batches("warned_on", yellow, on):
        result.warned += len(ids)
        _alerts(ids, "yellow")
    for ids in _flag_batches("overdue_notified_on", overdue, on):
        result.overdue += len(ids)
        _alerts(ids, "red")
    for name, hook in list(sweep_hooks.items()):
        result.hooks[name] = hook(on=on)
    return result


def _alerts(ids: list[int], colour: str) -> None:
    """Tell the officer holding each case (or the authority's case officers) and the supervisors."""
    applications = list(Application.objects.filter(pk__in=ids).select_related("service_type")
                        .only("pk", "case_number", "state", "authority_id", "claimed_by_id", "current_due",
                              "service_type__name_zh"))
    officers = list(Officer.objects.filter(authority_id__in={a.authority_id for a in applications})
                    .prefetch_related("roles"))
    label = _("黄牌预警") if colour == "yellow" else _("红牌超期")
    notifications = []
    for application in applications:
        for officer in officers:
            if officer.authority_id != application.authority_id:
                continue
            roles = officer.role_codes()
            holder = (officer.user_id == application.claimed_by_id if application.claimed_by_id
                      else bool(roles & {"reviewer", "approver", "intake"}))
            if holder or "supervisor" in roles:
                notifications.append(Notification(
                    user_id=officer.user_id, application_id=application.pk,
                    subject=f"【{label}】{application.case_number} {fmt(application.current_due)}",
                    body=f"{application.service_type.name_zh} · {State(application.state).label}"))
    Notification.objects.bulk_create(notifications, batch_size=2000)


def deadlines_sweep_task() -> None:
    deadlines_sweep()


def deadlines_recompute_years(years: set[int]) -> int:
    """After the calendar changed: recompute every open case whose clock may touch those years."""
    changed = 0
    open_cases = Application.objects.open()
    for pk in open_cases.values_list("pk", flat=True).iterator(chunk_size=2000):
        with transaction.atomic():
            application = locked(pk)
            before = clock_snapshot(application)
            deadlines_recompute(application)
            if clock_snapshot(application) != before:
                save_state(application)
                changed += 1
    return changed
