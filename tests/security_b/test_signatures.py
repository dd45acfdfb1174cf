"""Low-S ECDSA only (a malleated copy of a genuine token is forged), the not_yet_valid verdict, and no
internal id in the public verification answer."""

import datetime as dt
import json

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from rest_framework.test import APIClient

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from certificates.core import cose, statuslist, tokens, trustlist
from certificates.core.keys import generate_signing_key, kid_for
from certificates.models import Certificate
from tests.licensing.conftest import at

D = dt.date
N = cose.P256_ORDER


def malleate(token: bytes) -> bytes:
    """The same COSE_Sign1 with s replaced by n − s: a signature that verifies as well, bit for bit the
    same message otherwise."""
    tag = cbor2.loads(token)
    protected, unprotected, payload, signature = tag.value
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    twin = r + (N - s).to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), payload, twin]))


def s_of(token: bytes) -> int:
    return int.from_bytes(cbor2.loads(token).value[3][32:], "big")


def verify(text):
    return APIClient().post("/api/v1/certificates/verify/", {"token": text}, format="json")


@pytest.fixture
def certificate(issued):
    return Certificate.objects.get(application=issued(on=D(2026, 3, 2)))


def test_every_signature_is_made_low_s():
    key = generate_signing_key()
    kid = kid_for(key.public_key())
    # Raw ECDSA gives a high S about half the time: 64 signatures without normalising would all be low
    # with probability 2^-64.
    for i in range(64):
        message = cose.sign1(payload=f"p{i}".encode(), private_key=key, kid=kid)
        assert s_of(message) <= N // 2
    raw = key.sign(b"x", cose._ES256)
    r, s = decode_dss_signature(raw)
    assert cose.low_s(r.to_bytes(32, "big") + s.to_bytes(32, "big"))[32:] == min(s, N - s).to_bytes(32, "big")


def test_a_high_s_twin_verifies_cryptographically_but_is_refused_by_every_reader():
    key = generate_signing_key()
    kid = kid_for(key.public_key())
    genuine = cose.sign1(payload=b"payload", private_key=key, kid=kid)
    twin = malleate(genuine)
    keys = {kid: [key.public_key()]}
    assert cose.verify_sign1(cose.parse_sign1(genuine), keys_by_kid=keys) == 0
    assert cose.verify_sign1(cose.parse_sign1(twin), keys_by_kid=keys, allow_high_s=True) == 0
    with pytest.raises(cose.CoseHighS):
        cose.verify_sign1(cose.parse_sign1(twin), keys_by_kid=keys)
    # The trust list and the status list readers go through the same check.
    document = trustlist.build_trust_list(keys=[], issued_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), version=1)
    signed = trustlist.sign_trust_list(document, private_key=key, kid=kid)
    with pytest.raises(trustlist.TrustListError):
        trustlist.verify_signed_trust_list(malleate(signed), trusted_keys_by_kid=keys)
    status = statuslist.sign_status_list(bits=statuslist.new_bits(statuslist.MIN_SIZE), size=statuslist.MIN_SIZE,
                                         kid=kid, private_key=key, issued_at=1, key_kid_covered=kid)
    statuslist.verify_status_list(status, keys_by_kid=keys)
    with pytest.raises(statuslist.StatusListError):
        statuslist.verify_status_list(malleate(status), keys_by_kid=keys)


def test_the_malleated_copy_of_a_genuine_token_answers_forged(certificate):
    genuine = bytes(certificate.token)
    twin = malleate(genuine)
    assert twin != genuine and s_of(twin) > N // 2
    assert verify(tokens.token_to_digits(genuine)).json()["verdict"] == "valid"
    body = verify(tokens.token_to_digits(twin)).json()
    assert body["verdict"] == "forged"
    assert body["certificate"] is None and body["signature"]["valid"] is False
    page = Client().get(f"/C/{tokens.token_to_digits(twin)}")
    assert page.status_code == 200 and 'data-verdict="forged"' in page.content.decode()


def test_a_token_signed_high_s_before_normalising_still_verifies_and_its_low_s_twin_is_forged(certificate):
    """A certificate issued before low-S signing may carry a high S: the exact bytes on record stay
    genuine; the low-S twin, which verifies too, is the doctored one."""
    legacy = malleate(bytes(certificate.token))  # a high-S token, as ~half of the old ones were
    Certificate.objects.filter(pk=certificate.pk).update(token=legacy)
    assert verify(tokens.token_to_digits(legacy)).json()["verdict"] == "valid"
    assert verify(tokens.token_to_digits(bytes(certificate.token))).json()["verdict"] == "forged"


def test_the_offline_verifier_refuses_the_malleated_token(certificate, tmp_path, capsys):
    call_command("export_trust_list", str(tmp_path))
    twin = tokens.token_to_digits(malleate(bytes(certificate.token)))
    with pytest.raises(CommandError):
        call_command("verify_certificate", twin, "--trust-list", str(tmp_path / "trust-list.json"))
    assert "verdict: forged" in capsys.readouterr().out


# --- not yet valid -------------------------------------------------------------------------------

def test_a_certificate_before_its_valid_from_is_not_yet_valid_on_the_api_the_page_and_offline(
        certificate, tmp_path, capsys):
    text = tokens.token_to_digits(bytes(certificate.token))
    day_before = certificate.valid_from - dt.timedelta(days=1)
    with at(day_before):
        body = verify(text).json()
        page = Client().get(f"/C/{text}").content.decode()
        english = Client(headers={"accept-language": "en"}).get(f"/C/{text}").content.decode()
    assert body["verdict"] == "not_yet_valid"
    assert body["certificate"]["valid_from"] == certificate.valid_from.isoformat()
    assert 'data-verdict="not_yet_valid"' in page and "尚未到有效期起始日" in page
    assert "not valid yet" in english
    with at(certificate.valid_from):
        assert verify(text).json()["verdict"] == "valid"
    call_command("export_trust_list", str(tmp_path))
    with at(day_before), pytest.raises(CommandError, match="not_yet_valid"):
        call_command("verify_certificate", text, "--trust-list", str(tmp_path / "trust-list.json"))
    assert "verdict: not_yet_valid" in capsys.readouterr().out


def test_not_yet_valid_is_in_the_documented_verdicts():
    from certificates.constants import VERDICT_TEXT, Verdict

    schema = Client().get("/api/schema/", {"format": "json"})
    verdicts = json.loads(schema.content)["components"]["schemas"]["VerdictEnum"]["enum"]
    assert "not_yet_valid" in verdicts and Verdict.NOT_YET_VALID in VERDICT_TEXT


# --- no internal id on the public verification API -------------------------------------------------

def test_the_public_verify_answer_carries_no_internal_id(certificate):
    body = verify(tokens.token_to_digits(bytes(certificate.token))).json()
    assert "id" not in body["certificate"]
    documented = {"number", "identifier", "kind", "holder", "holder_code", "facility_address", "scope",
                  "valid_from", "valid_to", "authority", "status"}
    assert documented <= set(body["certificate"])
    rows = APIClient().get("/api/v1/register/").json()["results"]
    assert rows and all("id" not in row for row in rows)
