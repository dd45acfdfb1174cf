"""The supervision log: one hash chain per plan and per case review, built like the case log
(licensing.caselog), so a later edit of a draw or a published result is detectable."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.utils import timezone

from licensing.caselog import GENESIS

from .constants import LogVerb
from .models import SupervisionLogEntry


def entry_digest(*, prev_hash: str, subject: str, seq: int, at: dt.datetime, actor_id: int | None,
                 actor_label: str, verb: str, data: dict) -> str:
    payload = {"subject": subject, "seq": seq, "at": at.astimezone(dt.UTC).isoformat(), "actor": actor_id,
               "actor_label": actor_label, "verb": verb, "data": data}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def log_append(*, subject: str, actor, verb: str, data: dict | None = None) -> SupervisionLogEntry:
    """Append one row; the caller holds the subject's row lock (plan or review), so `seq` is serial."""
    if verb not in LogVerb.values:
        raise ValueError(f"{verb!r} is not a supervision-log verb")
    last = SupervisionLogEntry.objects.filter(subject=subject).order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS
    at = timezone.now()
    data = json.loads(json.dumps(data or {}, default=str))
    actor_id = actor.pk if actor is not None else None
    actor_label = (actor.get_full_name() or actor.username) if actor is not None else "system"
    digest = entry_digest(prev_hash=prev_hash, subject=subject, seq=seq, at=at, actor_id=actor_id,
                          actor_label=actor_label, verb=verb, data=data)
    return SupervisionLogEntry.objects.create(subject=subject, seq=seq, at=at, actor_id=actor_id,
                                              actor_label=actor_label, verb=verb, data=data, prev_hash=prev_hash,
                                              hash=digest)


def verify_subject(subject: str) -> tuple[int, str] | None:
    """(seq, problem) of the first bad row of one subject's chain, or None when it is intact."""
    prev_hash, expected = GENESIS, 1
    for entry in SupervisionLogEntry.objects.filter(subject=subject).order_by("seq"):
        if entry.seq != expected:
            return entry.seq, f"sequence gap: expected {expected}"
        if entry.prev_hash != prev_hash:
            return entry.seq, "previous-hash link does not match"
        digest = entry_digest(prev_hash=prev_hash, subject=subject, seq=entry.seq, at=entry.at,
                              actor_id=entry.actor_id, actor_label=entry.actor_label, verb=entry.verb,
                              data=entry.data)
        if digest != entry.hash:
            return entry.seq, "content does not match its hash"
        prev_hash, expected = entry.hash, expected + 1
    return None


def plan_subject(plan_id: int) -> str:
    return f"plan:{plan_id}"


def review_subject(review_id: int) -> str:
    return f"review:{review_id}"
