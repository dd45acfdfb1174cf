"""The append-only, hash-chained case log, anchored twice: the application row keeps the log's head
(last sequence number and hash, written in the act's transaction), and a daily Merkle root over every
case's head is signed and published outside the database (the certificates app signs and serves it).

The published tree (`tongban-caselog-merkle-v1`):
  leaf  = SHA-256(0x00 || UTF-8(case_number ":" seq ":" head))  seq in decimal, head as 64 lower-case hex
  node  = SHA-256(0x01 || left || right)
  leaves are sorted by case number (code point order, which is UTF-8 byte order); at every level an
  odd last node is promoted unchanged; the root of one leaf is that leaf; of no leaf, SHA-256("").
Only cases with at least one row are leaves; the head is the case's head when the root is computed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import OuterRef, Subquery
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
    entry = CaseLogEntry.objects.create(
        application=application, seq=seq, at=at, actor_id=actor_id, actor_label=actor_label, verb=verb,
        from_state=from_state, to_state=to_state, reason=reason, data=data, prev_hash=prev_hash, hash=digest,
    )
    # The head moves with the row, in the caller's transaction: every act goes through here.
    Application.objects.filter(pk=application.pk).update(log_seq=seq, log_head=digest)
    application.log_seq, application.log_head = seq, digest
    return entry



def log_append_many(rows: list[tuple[Application, dict]], *, save_heads: bool = True) -> list[CaseLogEntry]:
    """Append one row to each of many cases in one pass: `rows` are (application, keyword arguments of
    `log_append` other than `application`), one per case. The caller holds every case's row lock. The
    heads are read in one query, the rows hashed here and inserted together; the heads are written on
    the applications in one statement (or left to the caller's own update of those rows when
    `save_heads` is False: the instances carry them)."""
    if not rows:
        return []
    ids = [application.pk for application, _kwargs in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("log_append_many appends one row per case")
    last_seq = CaseLogEntry.objects.filter(application_id=OuterRef("application_id")).order_by("-seq").values("seq")[:1]
    heads = {app_id: (seq, digest) for app_id, seq, digest in
             CaseLogEntry.objects.filter(application_id__in=ids, seq=Subquery(last_seq))
             .values_list("application_id", "seq", "hash")}
    at = timezone.now()
    entries = []
    for application, kwargs in rows:
        verb = kwargs["verb"]
        if verb not in CaseVerb.values:
            raise ValueError(f"{verb!r} is not a case-log verb (licensing.constants.CaseVerb)")
        last_seq_no, prev_hash = heads.get(application.pk, (0, GENESIS))
        seq = last_seq_no + 1
        actor = kwargs.get("actor")
        data = json.loads(json.dumps(kwargs.get("data") or {}, default=str))
        actor_id = actor.pk if actor is not None else None
        actor_label = actor.get_full_name() or actor.username if actor is not None else SYSTEM_ACTOR
        reason = kwargs.get("reason", "")
        digest = entry_digest(prev_hash=prev_hash, application_id=application.pk, seq=seq, at=at, actor_id=actor_id,
                              actor_label=actor_label, verb=verb, from_state=kwargs["from_state"],
                              to_state=kwargs["to_state"], reason=reason, data=data)
        entries.append(CaseLogEntry(application_id=application.pk, seq=seq, at=at, actor_id=actor_id,
                                    actor_label=actor_label, verb=verb, from_state=kwargs["from_state"],
                                    to_state=kwargs["to_state"], reason=reason, data=data, prev_hash=prev_hash,
                                    hash=digest))
        application.log_seq, application.log_head = seq, digest
    CaseLogEntry.objects.bulk_create(entries, batch_size=2000)
    if save_heads:
        Application.objects.bulk_update([application for application, _kwargs in rows], ["log_seq", "log_head"],
                                        batch_size=2000)
    return entries


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


def _case_problems(*, seq: int, head: str, state: str, entries: list) -> list[tuple[int, str]]:
    """What is wrong with one case: its chain, its head against the row's head, its state."""
    if not entries:
        return [(0, f"no case log: the case records head #{seq} but has no row" if seq
                 else "no case log: the case has no row at all")]
    problems = []
    chain = verify_chain(entries)
    if chain:
        problems.append(chain)
    last = entries[-1]
    if last.seq < seq:
        problems.append((last.seq + 1, f"rows removed from the end: the log ends at row #{last.seq} "
                                       f"but the case's head is row #{seq}"))
    elif last.seq > seq:
        problems.append((seq + 1, f"rows after the case's head #{seq}: added behind its back"))
    elif last.hash != head:
        problems.append((last.seq, "the last row does not match the head recorded on the case"))
    if last.to_state != state:
        problems.append((last.seq, f"state {state!r} on the case, but its last row records {last.to_state!r}: "
                                   "changed without a log row"))
    return problems


def verify_case_log(*, application_ids=None, chunk: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Check every case: its chain, its head (a removed tail, an added row, a deleted log) and that its
    state is the one its last row records. Returns (rows checked, breaks in case order)."""
    cases = Application.objects.order_by("pk")
    rows = CaseLogEntry.objects.order_by("application_id", "seq")
    if application_ids is not None:
        cases = cases.filter(pk__in=application_ids)
        rows = rows.filter(application_id__in=application_ids)
    heads = {pk: (number, seq, head, state) for pk, number, seq, head, state
             in cases.values_list("pk", "case_number", "log_seq", "log_head", "state").iterator(chunk_size=chunk)}
    breaks: list[ChainBreak] = []
    checked = 0
    seen: set[int] = set()
    current: list[CaseLogEntry] = []

    def flush() -> None:
        if not current:
            return
        app_id = current[0].application_id
        seen.add(app_id)
        if app_id not in heads:  # rows of a case that is gone: the PROTECT key was bypassed
            breaks.append(ChainBreak(app_id, f"#{app_id}", current[0].seq, "rows of a case that no longer exists"))
            return
        number, seq, head, state = heads[app_id]
        breaks.extend(ChainBreak(app_id, number, at_seq, problem)
                      for at_seq, problem in _case_problems(seq=seq, head=head, state=state, entries=current))

    for entry in rows.iterator(chunk_size=chunk):
        checked += 1
        if current and entry.application_id != current[0].application_id:
            flush()
            current = []
        current.append(entry)
    flush()
    for app_id in heads.keys() - seen:
        number, seq, head, state = heads[app_id]
        breaks.extend(ChainBreak(app_id, number, at_seq, problem)
                      for at_seq, problem in _case_problems(seq=seq, head=head, state=state, entries=[]))
    breaks.sort(key=lambda b: (b.application_id, b.seq))
    return checked, breaks


# --- the published anchor: a Merkle root over every case's head ---------------------------------------

TREE = "tongban-caselog-merkle-v1"
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"


@dataclass(frozen=True)
class Head:
    case_number: str
    seq: int
    hash: str


def merkle_leaf(head: Head) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + f"{head.case_number}:{head.seq}:{head.hash}".encode()).digest()


def merkle_root(heads: Iterable[Head]) -> bytes:
    """The root of the tree described in the module docstring (the heads are sorted here)."""
    level = [merkle_leaf(h) for h in sorted(heads, key=lambda h: h.case_number)]
    if not level:
        return hashlib.sha256(b"").digest()
    while len(level) > 1:
        paired = [hashlib.sha256(NODE_PREFIX + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def log_heads() -> list[Head]:
    """Every case's head as recorded on its row, now (one statement, so one consistent snapshot)."""
    return [Head(number, seq, head) for number, seq, head in
            Application.objects.filter(log_seq__gt=0).values_list("case_number", "log_seq", "log_head")]


def log_heads_at(cutoff: dt.datetime) -> list[Head]:
    """The heads the rows give for `cutoff` (the last row of each case written by then): how a root is
    recomputed when the published leaves are not at hand."""
    heads: dict[int, tuple[int, str]] = {}
    for app_id, seq, digest in (CaseLogEntry.objects.filter(at__lte=cutoff).order_by("application_id", "seq")
                                .values_list("application_id", "seq", "hash").iterator(chunk_size=5000)):
        heads[app_id] = (seq, digest)
    numbers = dict(Application.objects.filter(pk__in=list(heads)).values_list("pk", "case_number"))
    return [Head(numbers.get(app_id, f"#{app_id}"), seq, digest) for app_id, (seq, digest) in heads.items()]


@dataclass(frozen=True)
class PublishedRoot:
    """A root whose signature checked out (the reader registered by the certificates app checks it), and
    the leaves the database keeps for it, if any (trusted only once they reproduce the root)."""

    date: dt.date
    cutoff: dt.datetime
    root: str  # hex
    size: int
    leaves: list[Head] | None = None


class RootError(Exception):
    """A published root file is not genuine or not readable."""


RootReader = Callable[..., PublishedRoot]


class RootReaders:
    """One callable `reader(data: bytes, *, pinned_jwk: dict | None) -> PublishedRoot` (raising RootError),
    registered by the app that signs the roots (certificates, in AppConfig.ready)."""

    def __init__(self) -> None:
        self._reader: RootReader | None = None

    def register(self, reader: RootReader) -> RootReader:
        if self._reader is not None and self._reader is not reader:
            raise ImproperlyConfigured("A case-log root reader is registered already.")
        self._reader = reader
        return reader

    def read(self, data: bytes, *, pinned_jwk: dict | None = None) -> PublishedRoot:
        if self._reader is None:
            raise ImproperlyConfigured("No case-log root reader is registered (the certificates app does it).")
        return self._reader(data, pinned_jwk=pinned_jwk)


root_readers = RootReaders()


@dataclass
class RootMismatch:
    date: dt.date
    case_number: str
    seq: int
    problem: str


def verify_against_root(published: PublishedRoot) -> list[RootMismatch]:
    """Does the database still hold the heads the published root anchors? With the leaves (when they
    reproduce the signed root), each anchored row is checked and a mismatch names its case; without
    them, the root is recomputed from the rows written by the cut-off."""
    leaves = published.leaves
    if leaves is not None and merkle_root(leaves).hex() == published.root and len(leaves) == published.size:
        numbers = {h.case_number for h in leaves}
        cases = dict(Application.objects.filter(case_number__in=numbers).values_list("case_number", "pk"))
        wanted = {(cases[h.case_number], h.seq) for h in leaves if h.case_number in cases}
        stored = {}
        for app_id, seq, digest in CaseLogEntry.objects.filter(application_id__in=list(cases.values())).values_list(
                "application_id", "seq", "hash").iterator(chunk_size=5000):
            if (app_id, seq) in wanted:
                stored[(app_id, seq)] = digest
        problems = []
        for head in sorted(leaves, key=lambda h: h.case_number):
            if head.case_number not in cases:
                problems.append(RootMismatch(published.date, head.case_number, head.seq,
                                             "the case anchored by the published root is missing"))
                continue
            digest = stored.get((cases[head.case_number], head.seq))
            if digest is None:
                problems.append(RootMismatch(published.date, head.case_number, head.seq,
                                             f"row #{head.seq} anchored by the published root is missing"))
            elif digest != head.hash:
                problems.append(RootMismatch(published.date, head.case_number, head.seq,
                                             f"row #{head.seq} differs from the hash the published root anchors: "
                                             "the chain was rewritten"))
        return problems
    recomputed = merkle_root(log_heads_at(published.cutoff))
    if recomputed.hex() == published.root:
        return []
    return [RootMismatch(published.date, "", 0, "the database does not reproduce the published root "
                                                "(the log was rewritten before its cut-off)")]
