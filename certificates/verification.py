"""Verifying a certificate: online (signature, then the live status in the database) and the
published material offline verifiers use (trust list, per-key status lists)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone, translation

from services.models import Authority

from .constants import KIND_TITLES, CertificateStatus, KeyPurpose, KeyStatus, Kind, Verdict
from .core import statuslist, tokens, trustlist
from .keys import private_key, public_key, publisher_key_init, trusted_keys
from .models import Certificate, SigningKey
from .services import mask_name, mask_passport

STATUS_VERDICT = {
    CertificateStatus.SUSPENDED: Verdict.SUSPENDED,
    CertificateStatus.REVOKED: Verdict.REVOKED,
    CertificateStatus.CANCELLED: Verdict.CANCELLED,
    CertificateStatus.SUPERSEDED: Verdict.SUPERSEDED,
    CertificateStatus.EXPIRED: Verdict.EXPIRED,
}


@dataclass
class VerificationResult:
    verdict: str
    record: dict | None = None  # the certificate's public record (see public_record)
    claims: tokens.TokenClaims | None = None
    kid: bytes | None = None
    signature_valid: bool = False
    certificate_id: int | None = None  # internal: never in a public payload
    reason: str = ""
    checked_at: dt.datetime = field(default_factory=timezone.now)
    record_json: bytes | None = None  # internal: `record` as JSON, held with it (see _public_answer)


def verdict_for(certificate, *, on: dt.date) -> str:
    """From a Certificate or a public record: the live status first, then the dates."""
    status = certificate["status"] if isinstance(certificate, dict) else certificate.status
    valid_to = certificate["valid_to"] if isinstance(certificate, dict) else certificate.valid_to
    valid_from = certificate["valid_from"] if isinstance(certificate, dict) else certificate.valid_from
    if status in STATUS_VERDICT:
        return STATUS_VERDICT[status]
    if on > valid_to:
        return Verdict.EXPIRED
    if on < valid_from:
        return Verdict.NOT_YET_VALID
    return Verdict.VALID


# One single-table lookup by the unique cti, straight to the columns the verdict and the public page
# need: it runs for every scan, so it skips model instances and joins (planning a three-table join
# cost more than executing it). Authority names come from a small per-process map.
_RECORD_SQL = (
    "SELECT id, number, identifier, kind, holder_name, holder_code, facility_address, scope, valid_from, "
    "valid_to, issued_at, status, revision, token, authority_id, details "
    "FROM certificates_certificate WHERE cti = %s"
)
_RECORD_FIELDS = ("id", "number", "identifier", "kind", "holder_name", "holder_code", "facility_address", "scope",
                  "valid_from", "valid_to", "issued_at", "status", "revision", "token", "authority_id", "details")
_AUTHORITY_TTL = 60.0
_authorities: dict = {"names": {}, "loaded": 0.0}


def _authority_names(authority_id: int) -> tuple[str, str]:
    now = time.monotonic()
    names = _authorities["names"]
    if authority_id not in names or now - _authorities["loaded"] > _AUTHORITY_TTL:
        names = {pk: (zh, en) for pk, zh, en in Authority.objects.values_list("pk", "name_zh", "name_en")}
        _authorities.update(names=names, loaded=now)
    return names.get(authority_id, ("", ""))


def record_cache_key(cti_hex: str) -> str:
    return f"tongban:certificate:{cti_hex}"


# What changes in a certificate's row after issuing: the live status (and, with it, the successor).
# It is never taken from a shared cache. A worker keeps the statuses it read from the database in
# memory only under the status version it was handed with the request's rate-limit count (Redis,
# certificates.ratelimit), which every committed status change replaces, and for at most
# TONGBAN_VERIFY_STATUS_SECONDS: so a change is seen by every worker at its next verification, or
# within those seconds when Redis could not be told of it; without Redis every verification reads
# the status with one primary-key lookup.
_LIVE_FIELDS = ("status", "successor")
_STATUS_SQL = "SELECT status FROM certificates_certificate WHERE id = %s"

# The immutable part of recently verified records, per process (a bounded LRU map keyed by cti):
# nothing in it can change after issuing, so it needs no invalidation, and a hit costs no round trip
# to Redis. Below it, the shared cache (TONGBAN_VERIFY_CACHE_SECONDS) spares a new worker the full
# row read.
_LOCAL_RECORDS: OrderedDict[str, dict] = OrderedDict()
_local_lock = threading.Lock()


def _remember(cti_hex: str, immutable: dict) -> None:
    size = settings.TONGBAN_VERIFY_LOCAL_RECORDS
    if not size:
        return
    with _local_lock:
        _LOCAL_RECORDS[cti_hex] = immutable
        _LOCAL_RECORDS.move_to_end(cti_hex)
        while len(_LOCAL_RECORDS) > size:
            _LOCAL_RECORDS.popitem(last=False)


def forget_local_records() -> None:
    with _local_lock:
        _LOCAL_RECORDS.clear()
        _ANSWERS.clear()
    forget_local_statuses()


# The statuses this process read, under one status version: cti → (read at, status, successor).
_statuses: dict = {"version": None, "entries": {}}
_clock = time.monotonic


def forget_local_statuses() -> None:
    with _local_lock:
        _statuses.update(version=None, entries={})


def _held_status(cti_hex: str, version: bytes) -> tuple | None:
    if _statuses["version"] != version:
        return None
    entry = _statuses["entries"].get(cti_hex)
    if entry is None or _clock() - entry[0] >= settings.TONGBAN_VERIFY_STATUS_SECONDS:
        return None
    return entry


def _hold_status(cti_hex: str, version: bytes, read_at: float, status: str, successor: str | None) -> None:
    if not settings.TONGBAN_VERIFY_STATUS_SECONDS:
        return
    with _local_lock:
        if _statuses["version"] != version:  # a new version: everything held before is dropped
            _statuses.update(version=version, entries={})
        entries = _statuses["entries"]
        if len(entries) >= max(settings.TONGBAN_VERIFY_LOCAL_RECORDS, 1):
            entries.clear()
        entries[cti_hex] = (read_at, status, successor)


def _immutable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in _LIVE_FIELDS}


def public_record(cti_hex: str, *, status_version: bytes | None = None) -> dict | None:
    """The record: its immutable part from this process's memory or the shared cache when it was
    seen before; its live status from the database, or from this process's memory while
    `status_version` (read from Redis in this request) is the one it was read under and it is
    younger than TONGBAN_VERIFY_STATUS_SECONDS."""
    immutable = _LOCAL_RECORDS.get(cti_hex)
    read_at = _clock()  # before the database is asked: the age of what it answers
    if immutable is None:
        seconds = settings.TONGBAN_VERIFY_CACHE_SECONDS
        immutable = cache.get(record_cache_key(cti_hex)) if seconds else None
        if immutable is None:
            record = _load_record(cti_hex)
            if record is not None:
                immutable = _immutable(record)
                if seconds:
                    cache.set(record_cache_key(cti_hex), immutable, seconds)
                _remember(cti_hex, immutable)
                if status_version is not None:
                    _hold_status(cti_hex, status_version, read_at, record["status"], record["successor"])
            return record
        immutable = _immutable(immutable)  # an entry written by an older release may carry a status
        _remember(cti_hex, immutable)
    elif status_version is not None:
        held = _held_status(cti_hex, status_version)
        if held is not None:
            return {**immutable, "status": held[1], "successor": held[2]}
    with connection.cursor() as cursor:
        cursor.execute(_STATUS_SQL, [immutable["id"]])
        row = cursor.fetchone()
    if row is None:  # the row is gone (never in practice: certificates are not deleted)
        return None
    successor = _successor(immutable["id"], row[0])
    if status_version is not None:
        _hold_status(cti_hex, status_version, read_at, row[0], successor)
    return {**immutable, "status": row[0], "successor": successor}


def _successor(certificate_id: int, status: str) -> str | None:
    if status != CertificateStatus.SUPERSEDED:
        return None
    return Certificate.objects.filter(predecessor_id=certificate_id).values_list("number", flat=True).first()


def _load_record(cti_hex: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, [cti_hex])
        row = cursor.fetchone()
    if row is None:
        return None
    record = dict(zip(_RECORD_FIELDS, row, strict=True))
    record["token"] = bytes(record["token"])
    if isinstance(record["details"], str):  # SQLite hands JSON back as text
        record["details"] = json.loads(record["details"])
    for name in ("valid_from", "valid_to"):  # SQLite returns text
        if isinstance(record[name], str):
            record[name] = dt.date.fromisoformat(record[name])
    if isinstance(record["issued_at"], str):
        record["issued_at"] = dt.datetime.fromisoformat(record["issued_at"])
    if timezone.is_naive(record["issued_at"]):  # SQLite keeps UTC without an offset
        record["issued_at"] = record["issued_at"].replace(tzinfo=dt.UTC)
    record["authority"], record["authority_en"] = _authority_names(record["authority_id"])
    record["successor"] = _successor(record["id"], record["status"])
    return record


def verify_text(text: str, *, status_version: bytes | None = None) -> VerificationResult:
    """A scanned URL or its digits → the verdict, never an exception. `status_version`: see
    public_record (given by the endpoints that counted the request on Redis)."""
    try:
        digits = tokens.digits_from_url_or_digits(text)
        return verify_cose(tokens.digits_to_token(digits), status_version=status_version)
    except tokens.TokenError as exc:
        return VerificationResult(verdict=Verdict.FORGED, reason=f"malformed: {exc}")


def verify_cose(cose: bytes, *, status_version: bytes | None = None) -> VerificationResult:
    try:
        verified = tokens.verify_token(cose, keys_by_kid=trusted_keys())
    except tokens.UnknownKey:
        return VerificationResult(verdict=Verdict.FORGED, reason="unknown or withdrawn key")
    except tokens.HighS:
        verified = _high_s_on_record(cose)
        if verified is None:
            kid, _claims = _kid(cose)
            return VerificationResult(verdict=Verdict.FORGED, kid=kid, reason="high-S signature (malleated)")
    except tokens.BadSignature:
        kid, _claims = _kid(cose)
        return VerificationResult(verdict=Verdict.FORGED, kid=kid, reason="bad signature")
    except tokens.TokenError as exc:
        return VerificationResult(verdict=Verdict.FORGED, reason=f"malformed: {exc}")
    claims = verified.claims
    record = public_record(claims.cti.hex(), status_version=status_version)
    if record is None:
        return VerificationResult(verdict=Verdict.UNKNOWN, claims=claims, kid=verified.kid, signature_valid=True,
                                  reason="not on record")
    if record["token"] != cose:  # a cti is signed once: other signed bytes under it are a doctored copy
        return VerificationResult(verdict=Verdict.FORGED, kid=verified.kid,
                                  reason="not the token issued under this certificate id")
    view, view_json = _public_answer(record)
    return VerificationResult(verdict=verdict_for(record, on=_today()), record=dict(view), record_json=view_json,
                              claims=claims, kid=verified.kid, signature_valid=True, certificate_id=record["id"])


def _today() -> dt.date:
    """Today where the licences are issued and judged (settings.TIME_ZONE): the date a certificate's
    validity is read against, whatever time zone a request may have activated (none does on the
    verification path)."""
    return dt.datetime.now(timezone.get_default_timezone()).date()


# Public answers, per process: a record's public view and that view as JSON depend only on the
# record, immutable after issuing but for the live status and the successor, and on the language of
# the answer (the status name). Masking, the label's translation and the encoding were 60 µs of an
# answer over HTTP. (signed token, status, successor, language) → (public view, its JSON).
_ANSWERS: dict[tuple, tuple[dict, bytes]] = {}


def _public_answer(record: dict) -> tuple[dict, bytes]:
    key = (record["token"], record["status"], record["successor"], translation.get_language())
    answer = _ANSWERS.get(key)
    if answer is None:
        view = public_view(record)
        answer = (view, json.dumps(view, cls=DjangoJSONEncoder).encode())
        with _local_lock:
            if len(_ANSWERS) >= max(settings.TONGBAN_VERIFY_LOCAL_RECORDS, 1):
                _ANSWERS.clear()
            _ANSWERS[key] = answer
    return answer


def _high_s_on_record(cose: bytes) -> tokens.VerifiedToken | None:
    """A token signed before signatures were normalised to low S is genuine only byte for byte as
    issued (its low-S twin is then the doctored one)."""
    try:
        _kid_bytes, claims = tokens.decode_unverified(cose)
    except tokens.TokenError:
        return None
    record = public_record(claims.cti.hex())
    if record is None or record["token"] != cose:
        return None
    try:
        return tokens.verify_token(cose, keys_by_kid=trusted_keys(), allow_high_s=True)
    except tokens.TokenError:
        return None


def _kid(cose: bytes) -> tuple[bytes | None, None]:
    try:
        kid, _claims = tokens.decode_unverified(cose)
        return kid, None
    except tokens.TokenError:
        return None, None


def public_view(record: dict) -> dict:
    """What anyone may read: people's names and passport numbers masked (Art. 5: privacy)."""
    person = record["kind"] in (Kind.WORK_PERMIT, Kind.RESIDENCE_PERMIT)
    title_zh, title_en = KIND_TITLES[record["kind"]]
    return {  # no internal id: the number and the identifier name the certificate
        "number": record["number"],
        "identifier": record["identifier"],
        "kind": record["kind"],
        "kind_name": title_zh,
        "kind_name_en": title_en,
        "holder": mask_name(record["holder_name"]) if person else record["holder_name"],
        "holder_code": mask_passport(record["holder_code"]) if person else record["holder_code"],
        "facility_address": record["facility_address"],
        "scope": record["scope"],
        "scope_en": (record["details"] or {}).get("scope_en", ""),
        "valid_from": record["valid_from"],
        "valid_to": record["valid_to"],
        "issued_on": timezone.localtime(record["issued_at"]).date(),
        "authority": record["authority"],
        "authority_en": record["authority_en"],
        "status": record["status"],
        "status_name": str(CertificateStatus(record["status"]).label),
        "revision": record["revision"],
        "successor": record["successor"],
    }


def public_fields(certificate: Certificate) -> dict:
    return public_view(public_record(certificate.cti))


def result_payload(result: VerificationResult) -> dict:
    certificate = result.record
    if certificate is None and result.claims is not None:
        claims = result.claims
        certificate = {"number": claims.number, "kind": claims.kind, "holder": claims.holder_name,
                       "valid_from": claims.valid_from, "valid_to": claims.valid_to, "authority": claims.iss,
                       "status": None}
    return {
        "verdict": result.verdict,
        "certificate": certificate,
        "signature": {"kid": result.kid.hex() if result.kid else None, "valid": result.signature_valid},
        "checked_at": result.checked_at,
    }


_ENCODER = DjangoJSONEncoder()


def result_json(result: VerificationResult) -> bytes:
    """`result_payload(result)` as DjangoJSONEncoder writes it, byte for byte; the certificate's part
    is the JSON held with the public view (_public_answer)."""
    if result.record_json is None or result.record is None:
        return _ENCODER.encode(result_payload(result)).encode()
    kid = f'"{result.kid.hex()}"' if result.kid else "null"
    valid = "true" if result.signature_valid else "false"
    return b"".join((
        f'{{"verdict": {_ENCODER.encode(result.verdict)}, "certificate": '.encode(), result.record_json,
        f', "signature": {{"kid": {kid}, "valid": {valid}}}, '
        f'"checked_at": {_ENCODER.encode(_ENCODER.default(result.checked_at))}}}'.encode(),
    ))


# --- published keys and status lists ------------------------------------------------------------

def trust_list_document() -> dict:
    keys = list(SigningKey.objects.filter(purpose=KeyPurpose.DOCUMENT).select_related("authority")
                .order_by("authority__code", "not_before"))
    entries = [
        trustlist.TrustListKey(public_key=public_key(k), authority=k.authority.code, not_before=k.not_before,
                               not_after=k.not_after,
                               status={KeyStatus.ACTIVE: trustlist.ACTIVE, KeyStatus.RETIRED: trustlist.RETIRED,
                                       KeyStatus.COMPROMISED: trustlist.COMPROMISED}[k.status])
        for k in keys
    ]
    changes = [k.created_at for k in keys] + [k.retired_at for k in keys if k.retired_at] + [
        k.compromised_at for k in keys if k.compromised_at]
    latest = max(changes, default=timezone.now())
    return trustlist.build_trust_list(keys=entries, issued_at=latest, version=int(latest.timestamp()))


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def signed_trust_list(document: dict) -> bytes:
    publisher = publisher_key_init()
    return trustlist.sign_trust_list(document, private_key=private_key(publisher),
                                     kid=bytes.fromhex(publisher.kid))


def status_list_bits(key: SigningKey) -> bytearray:
    bits = statuslist.new_bits(statuslist.MIN_SIZE)
    withdrawn = Certificate.objects.filter(signing_key=key).exclude(status=CertificateStatus.VALID)
    for index in withdrawn.values_list("status_index", flat=True):
        statuslist.set_bit(bits, index, size=statuslist.MIN_SIZE)
    return bits


def signed_status_list(key: SigningKey) -> bytes:
    """1 bit per certificate of `key` (set: not valid — suspended, revoked, cancelled, superseded),
    compressed and signed by the key itself."""
    return statuslist.sign_status_list(
        bits=status_list_bits(key), size=statuslist.MIN_SIZE, kid=bytes.fromhex(key.kid),
        private_key=private_key(key), issued_at=int(timezone.now().timestamp()),
        key_kid_covered=bytes.fromhex(key.kid))
