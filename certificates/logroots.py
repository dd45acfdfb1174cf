"""The published anchor of the case log: every day, the Merkle root over all case logs' heads
(licensing.caselog describes the tree) signed by the department's publisher key as COSE_Sign1, kept in
the database and served at /.well-known/tongban/log-roots/YYYY-MM-DD.cose with a JSON index.

The signed payload is canonical JSON (sorted keys, no spaces, UTF-8):
  {"format": 1, "tree": "tongban-caselog-merkle-v1", "date": "YYYY-MM-DD", "cutoff": "…Z", "size": n,
   "root": "<64 hex>"}
`cutoff` is when the heads were read; `size` the number of leaves.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from licensing.caselog import TREE, Head, PublishedRoot, RootError, log_heads, merkle_root
from services.tasks import periodic, task

from .constants import KeyPurpose, KeyStatus
from .core.cose import CoseError, parse_sign1, sign1, verify_sign1
from .core.keys import kid_for, public_key_from_jwk
from .core.trustlist import canonical_json
from .keys import private_key, public_key, publisher_key_init
from .models import LogRoot, SigningKey

FORMAT = 1
PUBLISH_INTERVAL_SECONDS = 3600  # hourly; the first run of each day publishes that day's root
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def root_payload(*, on: dt.date, cutoff: dt.datetime, size: int, root: bytes) -> dict:
    return {"format": FORMAT, "tree": TREE, "date": on.isoformat(), "cutoff": _iso(cutoff), "size": size,
            "root": root.hex()}


def log_root_publish(*, on: dt.date | None = None) -> LogRoot:
    """The root for `on` (today, local time): computed, signed and stored once; later calls return it."""
    on = on or timezone.localdate()
    existing = LogRoot.objects.filter(date=on).first()
    if existing:
        return existing
    publisher = publisher_key_init()
    cutoff = timezone.now()
    heads = sorted(log_heads(), key=lambda h: h.case_number)
    root = merkle_root(heads)
    payload = canonical_json(root_payload(on=on, cutoff=cutoff, size=len(heads), root=root))
    cose = sign1(payload=payload, private_key=private_key(publisher), kid=bytes.fromhex(publisher.kid))
    try:
        with transaction.atomic():
            return LogRoot.objects.create(date=on, cutoff=cutoff, root=root.hex(), size=len(heads),
                                          kid=publisher.kid, cose=cose,
                                          leaves=[[h.case_number, h.seq, h.hash] for h in heads])
    except IntegrityError:  # another worker published it first
        return LogRoot.objects.get(date=on)


@task
def publish_log_root() -> None:
    log_root_publish()


periodic(publish_log_root, every=PUBLISH_INTERVAL_SECONDS)


def _publisher_keys(pinned_jwk: dict | None) -> dict[bytes, list]:
    if pinned_jwk is not None:
        try:
            key = public_key_from_jwk(pinned_jwk)
        except (KeyError, TypeError, ValueError) as exc:
            raise RootError(f"the pinned publisher key is not a P-256 JWK: {exc}") from exc
        return {kid_for(key): [key]}
    keys: dict[bytes, list] = {}
    for key in SigningKey.objects.filter(purpose=KeyPurpose.PUBLISHER).exclude(status=KeyStatus.COMPROMISED):
        keys.setdefault(bytes.fromhex(key.kid), []).append(public_key(key))
    return keys


def log_root_read(data: bytes, *, pinned_jwk: dict | None = None) -> PublishedRoot:
    """A published root file, its signature checked (against the pinned key, or the publisher keys on
    record), with the leaves the database keeps for its date if they belong to the same root."""
    try:
        msg = parse_sign1(data)
        verify_sign1(msg, keys_by_kid=_publisher_keys(pinned_jwk))
    except CoseError as exc:
        raise RootError(str(exc)) from exc
    try:
        document = json.loads(msg.payload.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("tree") != TREE:
            raise ValueError("not a case-log root of a known format")
        on = dt.date.fromisoformat(document["date"])
        cutoff = dt.datetime.fromisoformat(document["cutoff"].replace("Z", "+00:00"))
        size, root = document["size"], document["root"]
        if type(size) is not int or size < 0 or not isinstance(root, str) or not _HEX64.fullmatch(root):
            raise ValueError("size or root malformed")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RootError(f"signed, but not a readable root: {exc}") from exc
    stored = LogRoot.objects.filter(date=on, root=root).values_list("leaves", flat=True).first()
    leaves = None
    if isinstance(stored, list):
        try:
            leaves = [Head(str(number), int(seq), str(digest)) for number, seq, digest in stored]
        except (TypeError, ValueError):
            leaves = None
    return PublishedRoot(date=on, cutoff=cutoff, root=root, size=size, leaves=leaves)


def index_document(*, base_url: str = "") -> dict:
    roots = LogRoot.objects.order_by("date").values_list("date", "root", "size", "kid", "cutoff")
    return {
        "format": FORMAT, "tree": TREE,
        "roots": [{"date": on.isoformat(), "root": root, "size": size, "kid": kid, "cutoff": _iso(cutoff),
                   "url": f"{base_url}{on.isoformat()}.cose"} for on, root, size, kid, cutoff in roots],
    }
