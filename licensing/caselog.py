"""The append-only, hash-chained case log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.utils import timezone

from .constants import SYSTEM_ACTOR, CaseVerb
from .models import Application, CaseLogEntry

GENESIS = "0" * 64


def entry_digest(*, prev_hash: str, application_id: int, seq: int, at: dt.datetime, actor_id: int | None,
                 actor_label: str, verb: str, from_state: str, to_state: str, reason: str, data: dict) -> str:
    payload = {
        "application": application_id, "seq": seq, "at": at.astimezone(dt.UTC).isoformat(),
        "actor": actor_id, "actor_label": actor_label, "verb": verb, "from": from_state, "to": to_state,
        "reason": reason, "data": data,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def log_append(*, application: Application, actor, verb: str, from_state: str, to_state: str,
               reason: str = "", data: dict | None = None) -> CaseLogEntry:
    """Append one row; the caller holds the application's row lock, so `seq` is serial."""
    if verb not in CaseVerb.values:
        raise ValueError(f"{verb!r} is not a case-log verb (licensing.constants.CaseVerb)")
    last = CaseLogEntry.objects.filter(application=application).order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS
    at = timezone.now()
    data = json.loads(json.dumps(data or {}, default=str))  # what is hashed is what is stored
    actor_id = actor.pk if actor is not None else None
    actor_label = actor.get_full_name() or actor.username if actor is not None else SYSTEM_ACTOR
    digest = entry_digest(prev_hash=prev_hash, application_id=application.pk, seq=seq, at=at, actor_id=actor_id,
                          actor_label=actor_label, verb=verb, from_state=from_state, to_state=to_state,
                          reason=reason, data=data)
    return CaseLogEntry.objects.create(
        application=application, seq=seq, at=at, actor_id=actor_id, actor_label=actor_label, verb=verb,
        from_state=from_state, to_state=to_state, reason=reason, data=data, prev_hash=prev_hash, hash=digest,
    )


@dataclass
class ChainBreak:
    application_id: int
    case_number: str
    seq: int
    problem: str


def verify_chain(entries) -> tuple[int, str] | None:
    """Check one application's entries in seq order; return (seq, problem) of the first bad row."""
    prev_hash, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            return entry.seq, f"sequence gap: expected {expected_seq}"
        if entry.prev_hash != prev_hash:
            return entry.seq, "previous-hash link does not match"
        digest = entry_digest(prev_hash=prev_hash, application_id=entry.application_id, seq=entry.seq,
                              at=entry.at, actor_id=entry.actor_id, actor_label=entry.actor_label, verb=entry.verb,
                              from_state=entry.from_state, to_state=entry.to_state, reason=entry.reason,
                              data=entry.data)
        if digest != entry.hash:
            return entry.seq, "content does not match its hash"
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None


def verify_case_log(*, application_ids=None, chunk: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Walk every application's chain; returns (rows checked, breaks: first bad row per case)."""
    rows = CaseLogEntry.objects.order_by("application_id", "seq")
    if application_ids is not None:
        rows = rows.filter(application_id__in=application_ids)
    breaks: list[ChainBreak] = []
    checked = 0
    current: list[CaseLogEntry] = []
    numbers = {}

    def flush() -> None:
        if current:
            problem = verify_chain(current)
            if problem:
                app_id = current[0].application_id
                if app_id not in numbers:
                    numbers[app_id] = Application.objects.values_list("case_number", flat=True).get(pk=app_id)
                breaks.append(ChainBreak(app_id, numbers[app_id], problem[0], problem[1]))

    for entry in rows.iterator(chunk_size=chunk):
        checked += 1
        if current and entry.application_id != current[0].application_id:
            flush()
            current = []
        current.append(entry)
    flush()
    return checked, breaks
