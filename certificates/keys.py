"""Signing keys of the authorities as stored by Tongban: creation, rotation, compromise, the
key-encryption key, and the public keys verifiers trust (cached per process)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from services.models import Authority

from .constants import KeyPurpose, KeyStatus
from .core import keys as core
from .models import SigningKey

SIGNING_CERT_YEARS = 10  # a licence is valid 5 years; the key must verify for its whole life
TRUST_RECHECK_SECONDS = 10
_lock = threading.Lock()
_trusted: dict = {"version": None, "keys": None, "checked": 0.0}


def kek() -> bytes:
    """The key-encryption key from TONGBAN_KEK; without it, a development key kept outside the
    repository (created on first use, readable only by its owner)."""
    if settings.TONGBAN_KEK:
        return core.load_kek(settings.TONGBAN_KEK)
    path = Path(settings.TONGBAN_DEV_KEK_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(core.generate_kek())
    return core.load_kek(path.read_text().strip())


def _store(*, authority: Authority | None, purpose: str, signing_key, signing_cert, root_key, root_cert,
           not_before: dt.datetime, not_after: dt.datetime) -> SigningKey:
    secret = kek()
    return SigningKey.objects.create(
        authority=authority, purpose=purpose, kid=core.kid_for(signing_key.public_key()).hex(),
        not_before=not_before, not_after=not_after,
        public_key_pem=core.public_key_to_pem(signing_key.public_key()),
        signing_cert_pem=core.certificate_to_pem(signing_cert) if signing_cert else "",
        root_cert_pem=core.certificate_to_pem(root_cert) if root_cert else "",
        encrypted_private_key=core.encrypt_private_key(signing_key, kek=secret),
        encrypted_root_key=core.encrypt_private_key(root_key, kek=secret) if root_key else None,
    )


def _changed() -> None:
    # This process reloads at once; the others see the change in trust_version within 10 seconds.
    transaction.on_commit(reset_trusted_keys)


@transaction.atomic
def authority_key_init(*, authority: Authority) -> SigningKey:
    """The authority's active key, creating its root and first signing certificate if needed."""
    Authority.objects.select_for_update().get(pk=authority.pk)  # one creator at a time
    existing = SigningKey.objects.filter(authority=authority, purpose=KeyPurpose.DOCUMENT,
                                         status=KeyStatus.ACTIVE).first()
    if existing:
        return existing
    now = timezone.now()
    chain = core.create_authority_chain(authority_name=authority.name_zh, authority_code=authority.code,
                                        credit_code=authority.credit_code, not_before=now,
                                        years=SIGNING_CERT_YEARS)
    key = _store(authority=authority, purpose=KeyPurpose.DOCUMENT, signing_key=chain.signing_key,
                 signing_cert=chain.signing_cert, root_key=chain.root_key, root_cert=chain.root_cert,
                 not_before=now, not_after=chain.signing_cert.not_valid_after_utc)
    _changed()
    return key


@transaction.atomic
def publisher_key_init() -> SigningKey:
    """The key that signs the trust list (verifier apps pin its public key)."""
    existing = SigningKey.objects.filter(purpose=KeyPurpose.PUBLISHER, status=KeyStatus.ACTIVE).first()
    if existing:
        return existing
    now = timezone.now()
    private = core.generate_signing_key()
    key = _store(authority=None, purpose=KeyPurpose.PUBLISHER, signing_key=private, signing_cert=None,
                 root_key=None, root_cert=None, not_before=now, not_after=now + dt.timedelta(days=3650))
    _changed()
    return key


def keys_init() -> list[SigningKey]:
    keys = [authority_key_init(authority=a) for a in Authority.objects.order_by("code")]
    keys.append(publisher_key_init())
    return keys


@transaction.atomic
def signing_key_rotate(*, authority: Authority) -> SigningKey:
    """A new signing key under the authority's root. The old key stays published for verification
    (retired) until its last certificate expires."""
    old = (SigningKey.objects.select_for_update()
           .filter(authority=authority, purpose=KeyPurpose.DOCUMENT, status=KeyStatus.ACTIVE).first())
    if old is None:
        return authority_key_init(authority=authority)
    secret = kek()
    root_key = core.decrypt_private_key(bytes(old.encrypted_root_key), kek=secret)
    root_cert = core.certificate_from_pem(old.root_cert_pem)
    now = timezone.now()
    signing_key, signing_cert = core.issue_signing_certificate(
        root_key=root_key, root_cert=root_cert, authority_name=authority.name_zh, authority_code=authority.code,
        credit_code=authority.credit_code, not_before=now, years=SIGNING_CERT_YEARS)
    last_expiry = old.certificates.order_by("-valid_to").values_list("valid_to", flat=True).first()
    old.status = KeyStatus.RETIRED
    old.retired_at = now
    if last_expiry:
        old.not_after = min(old.not_after, dt.datetime.combine(last_expiry, dt.time.max, tzinfo=dt.UTC))
    old.save(update_fields=["status", "retired_at", "not_after"])
    key = _store(authority=authority, purpose=KeyPurpose.DOCUMENT, signing_key=signing_key,
                 signing_cert=signing_cert, root_key=root_key, root_cert=root_cert, not_before=now,
                 not_after=signing_cert.not_valid_after_utc)
    _changed()
    return key


@transaction.atomic
def signing_key_mark_compromised(*, key: SigningKey) -> SigningKey:
    """What the key signed verifies as forged from now on; a new key is started for the authority."""
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    was_active = key.status == KeyStatus.ACTIVE
    key.status = KeyStatus.COMPROMISED
    key.compromised_at = timezone.now()
    key.save(update_fields=["status", "compromised_at"])
    _changed()
    if was_active and key.authority_id:
        return authority_key_init(authority=key.authority)
    return key


def active_key(*, authority: Authority) -> SigningKey:
    return SigningKey.objects.filter(authority=authority, purpose=KeyPurpose.DOCUMENT,
                                     status=KeyStatus.ACTIVE).first() or authority_key_init(authority=authority)


def private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    return core.decrypt_private_key(bytes(key.encrypted_private_key), kek=kek())


def chain(key: SigningKey) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
    return private_key(key), core.certificate_from_pem(key.signing_cert_pem), core.certificate_from_pem(
        key.root_cert_pem)


def public_key(key: SigningKey) -> ec.EllipticCurvePublicKey:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(key.public_key_pem.encode())


def reset_trusted_keys() -> None:
    with _lock:
        _trusted.update({"version": None, "keys": None, "checked": 0.0})


def trust_version() -> tuple:
    """What changes whenever the set of trusted document keys does (a key is created or marked
    compromised), read from the database itself: a version kept in the cache would be lost, or left
    behind, when the cache is unreachable at the moment of the change."""
    return tuple(SigningKey.objects.filter(purpose=KeyPurpose.DOCUMENT).aggregate(
        keys=Count("pk"), compromised=Count("pk", filter=Q(status=KeyStatus.COMPROMISED)),
        last_created=Max("created_at"), last_compromised=Max("compromised_at")).values())


def trusted_keys() -> dict[bytes, list[ec.EllipticCurvePublicKey]]:
    """keys_by_kid of every document key that is not compromised (cached per process; a change made
    by another process is seen within TRUST_RECHECK_SECONDS, one small aggregate query per check)."""
    now = time.monotonic()
    if _trusted["keys"] is not None and now - _trusted["checked"] < TRUST_RECHECK_SECONDS:
        return _trusted["keys"]
    version = trust_version()
    with _lock:
        if _trusted["keys"] is None or version != _trusted["version"]:
            keys: dict[bytes, list] = {}
            for key in SigningKey.objects.filter(purpose=KeyPurpose.DOCUMENT).exclude(status=KeyStatus.COMPROMISED):
                keys.setdefault(bytes.fromhex(key.kid), []).append(public_key(key))
            _trusted.update({"keys": keys, "version": version})
        _trusted["checked"] = now
        return _trusted["keys"]
