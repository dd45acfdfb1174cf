"""The publication records of the decisions that end a licence (revocations, cancellations, expiries),
read from the certificates' status changes: the register shows a revoked or cancelled licence from the
moment of the decision; an expired one is announced when its cancellation is confirmed (Art. 70)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from certificates.constants import CertificateStatus
from certificates.models import CertificateEvent

from .board import publication_due
from .constants import CancellationState, PublicationKind
from .models import CancellationTask, DecisionPublication

LOOKBACK_DAYS = 400    # status changes older than about a year were recorded by earlier sweeps

ENDING_ACTIONS = {"revoke": PublicationKind.REVOCATION, "cancel": PublicationKind.CANCELLATION,
                  "expire": PublicationKind.EXPIRY}


def publications_record(*, on: dt.date) -> dict:
    """Record the publication of every ending decision not recorded yet, and mark the expiries whose
    cancellation notice has been published since. Set-based and idempotent (one row per status change,
    a concurrent sweep's duplicates are ignored)."""
    since = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=LOOKBACK_DAYS), dt.time.min))
    events = (CertificateEvent.objects.filter(action__in=list(ENDING_ACTIONS), at__gte=since)
              # cancelling an expired licence is the expiry's announcement, not a decision of its own
              .exclude(action="cancel", from_status=CertificateStatus.EXPIRED)
              .exclude(pk__in=DecisionPublication.objects.values("event_id"))
              .values_list("pk", "certificate_id", "certificate__authority_id", "action", "at"))
    rows = []
    for pk, certificate_id, authority_id, action, at in events:
        decided_on = timezone.localdate(at)
        kind = ENDING_ACTIONS[action]
        rows.append(DecisionPublication(
            event_id=pk, certificate_id=certificate_id, authority_id=authority_id, kind=kind, decided_on=decided_on,
            due_on=publication_due(decided_on),
            published_on=None if kind == PublicationKind.EXPIRY else decided_on))
    DecisionPublication.objects.bulk_create(rows, ignore_conflicts=True)
    announced = (CancellationTask.objects.filter(certificate_id=OuterRef("certificate_id"),
                                                 state=CancellationState.DONE).values("published_on")[:1])
    marked = (DecisionPublication.objects
              .filter(kind=PublicationKind.EXPIRY, published_on__isnull=True,
                      certificate_id__in=CancellationTask.objects.filter(state=CancellationState.DONE)
                      .values("certificate_id"))
              .update(published_on=Subquery(announced)))
    return {"recorded": len(rows), "announced": marked}
