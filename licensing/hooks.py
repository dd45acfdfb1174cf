"""Registries that apps building on licensing fill in their AppConfig.ready(), so that licensing imports
none of them: what follows an approval (aftercare opens the verification task of a case decided on
written commitments) and what bars an applicant from signing commitments (a credit record)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# hook(*, application) → None, called inside the approving transaction (also for a deemed renewal).
ApprovalHook = Callable[..., None]
# bar(*, applicant, on) → the message naming the record that bars commitments on `on`, or None.
CommitmentBar = Callable[..., str | None]

approval_hooks: list[ApprovalHook] = []
commitment_bars: list[CommitmentBar] = []


def _register(registry: list, hook: Callable) -> Callable:
    if hook in registry:
        raise ImproperlyConfigured(f"{hook!r} is registered twice.")
    registry.append(hook)
    return hook


def register_approval_hook(hook: ApprovalHook) -> ApprovalHook:
    return _register(approval_hooks, hook)


def register_commitment_bar(bar: CommitmentBar) -> CommitmentBar:
    return _register(commitment_bars, bar)


def after_approval(*, application) -> None:
    for hook in list(approval_hooks):
        hook(application=application)


def commitment_barred(*, applicant, on: dt.date) -> str | None:
    """Why `applicant` may not replace proofs by commitments on `on` (None when it may)."""
    for bar in list(commitment_bars):
        message = bar(applicant=applicant, on=on)
        if message:
            return message
    return None
