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
# the statuses whose register row shows the ending decision's publication date
ENDED_STATUSES = (CertificateStatus.REVOKED, CertificateStatus.CANCELLED, CertificateStatus.EXPIRED)


def _announces_expiry(action: str, from_status: str) -> bool:
    """Cancelling an expired licence is the expiry's announcement, not a decision of its own."""
    return action == "cancel" and from_status == CertificateStatus.EXPIRED


def publication_on_decision(*, certificate, event) -> None:
    """A status-change hook: an officer's revocation or cancellation is published on the register the
    moment it is decided, in the decision's own transaction, rather than at the next sweep. Expiries are
    the sweep's own act and the sweep records them (the same day, see publications_record)."""
    kind = ENDING_ACTIONS.get(event.action)
    if kind is None or kind == PublicationKind.EXPIRY or _announces_expiry(event.action, event.from_status):
        return
    decided_on = timezone.localdate(event.at)
    DecisionPublication.objects.create(event=event, certificate_id=certificate.pk,
                                       authority_id=certificate.authority_id, kind=kind, decided_on=decided_on,
                                       due_on=publication_due(decided_on), published_on=decided_on)


def register_publication_dates(rows) -> dict[int, dict]:
    """A register row extension: {certificate_id: {"status_published_on": date or None}} for the rows of
    revoked, cancelled or expired licences, the latest ending decision's publication date, in one query
    (none when the page has no such row)."""
    ended = [row.pk for row in rows if row.status in ENDED_STATUSES]
    if not ended:
        return {}
    found: dict[int, dict] = {}
    for certificate_id, published_on in (DecisionPublication.objects.filter(certificate_id__in=ended)
                                         .order_by("certificate_id", "-decided_on", "-id")
                                         .values_list("certificate_id", "published_on")):
        found.setdefault(certificate_id, {"status_published_on": published_on})
    return found


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
