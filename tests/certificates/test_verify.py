"""Verification online (page and API, live status), offline (trust list and status lists, no
database), tampering, rotation and compromised keys, the public register."""

import datetime as dt
import json
import random

import pytest
from rest_framework.test import APIClient

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from certificates import keys
from certificates.core import tokens
from certificates.models import Certificate, SigningKey
from certificates.services import certificate_propose_revocation, certificate_revoke, certificate_suspend
from tests.licensing.conftest import at

D = dt.date


@pytest.fixture
def certificate(issued):
    app = issued(on=D(2026, 3, 2))
    return Certificate.objects.get(application=app)


def digits(certificate) -> str:
    return tokens.token_to_digits(bytes(certificate.token))


def verify(text):
    return APIClient().post("/api/v1/certificates/verify/", {"token": text}, format="json")


def test_the_verification_page_says_valid_then_revoked_after_legal_review(certificate, officers):
    page = Client().get(f"/C/{digits(certificate)}")
    assert page.status_code == 200 and 'data-verdict="valid"' in page.content.decode()
    assert "SCXK(滇)2026-0001" in page.content.decode()
    certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user,
                                   reason="以欺骗手段取得许可", legal_basis="《中华人民共和国行政许可法》第六十九条")
    certificate_revoke(certificate=certificate, actor=officers["legal"].user, opinion="同意撤销")
    page = Client().get(f"/c/{digits(certificate)}")
    assert 'data-verdict="revoked"' in page.content.decode()


def test_api_verdicts_for_url_digits_and_status_changes(certificate, officers):
    url = tokens.qr_url(host="verify.example.gov.cn", cose=bytes(certificate.token))
    body = verify(url).json()
    assert body["verdict"] == "valid" and body["signature"]["valid"] is True
    assert body["certificate"]["number"] == "SCXK(滇)2026-0001" and body["certificate"]["kind"] == "SCXK"
    assert body["signature"]["kid"] == certificate.signing_key.kid
    certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改期间")
    assert verify(digits(certificate)).json()["verdict"] == "suspended"
    with at(D(2031, 3, 2)):
        certificate.refresh_from_db()
        certificate.status = "valid"
        certificate.save(update_fields=["status"])
        assert verify(digits(certificate)).json()["verdict"] == "expired"


def test_revocation_needs_a_proposal_and_the_legal_reviewer(certificate, officers):
    from certificates.services import CertificateActionError

    with pytest.raises(CertificateActionError):
        certificate_revoke(certificate=certificate, actor=officers["legal"].user)
    with pytest.raises(CertificateActionError):
        certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason="x",
                                       legal_basis="")
    certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason="x",
                                   legal_basis="第六十九条")
    with pytest.raises(CertificateActionError):
        certificate_revoke(certificate=certificate, actor=officers["approver"].user)


@pytest.mark.parametrize("text", ["", "abc", "0123", "1" * 5000, "9" * 1_000_000, "HTTPS://X/C/12a"])
def test_garbage_is_a_clean_forged_or_400_never_a_500(certificate, text):
    response = verify(text)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["verdict"] == "forged"
    page = Client().get("/C/" + (text or "0"))
    assert page.status_code in (200, 404) and (page.status_code == 404 or "forged" in page.content.decode())


def test_truncated_and_bit_flipped_tokens_are_forged(certificate):
    cose = bytes(certificate.token)
    rng = random.Random(3)
    from certificates.verification import verify_text

    for _ in range(500):
        flipped = bytearray(cose)
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        assert verify_text(tokens.token_to_digits(bytes(flipped))).verdict == "forged"
    assert verify(tokens.token_to_digits(cose[:-5])).json()["verdict"] == "forged"


def test_rotated_key_still_verifies_old_certificates_and_new_ones_use_the_new_key(certificate, issued):
    old_kid = certificate.signing_key.kid
    with at(D(2026, 3, 3)):
        keys.signing_key_rotate(authority=certificate.authority)
    keys.reset_trusted_keys()
    assert verify(digits(certificate)).json()["verdict"] == "valid"
    newer = Certificate.objects.get(application=issued(on=D(2026, 3, 4)))
    assert newer.signing_key.kid != old_kid
    assert verify(digits(newer)).json()["verdict"] == "valid"
    trust = Client().get("/.well-known/tongban/trust-list.json").json()
    statuses = {k["status"] for k in trust["keys"] if k["authority"] == "yn-kjt"}
    assert statuses == {"active", "retired"}


def test_a_compromised_key_makes_what_it_signed_verify_as_forged(certificate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        keys.signing_key_mark_compromised(key=certificate.signing_key)
    assert verify(digits(certificate)).json()["verdict"] == "forged"
    assert SigningKey.objects.filter(authority=certificate.authority, status="active").exists()


def test_trust_list_has_etag_and_304(certificate):
    client = Client()
    first = client.get("/.well-known/tongban/trust-list.json")
    assert first.status_code == 200 and first["ETag"] and "max-age" in first["Cache-Control"]
    document = first.json()
    assert {"kid", "alg", "jwk", "authority", "not_before", "not_after", "status"} <= set(document["keys"][0])
    again = client.get("/.well-known/tongban/trust-list.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get("/.well-known/tongban/trust-list.cose").status_code == 200


def test_offline_command_agrees_and_learns_revocation_from_the_status_list(certificate, officers, tmp_path,
                                                                         capsys):
    call_command("export_trust_list", str(tmp_path))
    trust = tmp_path / "trust-list.json"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf.read())
    call_command("verify_certificate", str(pdf), "--trust-list", str(trust))
    out = capsys.readouterr().out
    assert "verdict: valid" in out and "offline cannot know" in out
    certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改")
    call_command("export_trust_list", str(tmp_path))
    status = tmp_path / f"status-{certificate.signing_key.kid}.cose"
    with pytest.raises(CommandError):
        call_command("verify_certificate", digits(certificate), "--trust-list", str(trust), "--status-list",
                     str(status))
    assert "verdict: revoked" in capsys.readouterr().out
    publisher = tmp_path / "publisher.json"
    publisher.write_text(json.dumps(Client().get("/.well-known/tongban/publisher-key.json").json()))
    with pytest.raises(CommandError):
        call_command("verify_certificate", digits(certificate)[:-3] + "123", "--trust-list",
                     str(tmp_path / "trust-list.cose"), "--publisher-key", str(publisher))
    assert "verdict: forged" in capsys.readouterr().out


def test_uploaded_pdf_is_checked_by_its_qr_and_its_signature(certificate):
    pdf = certificate.pdf.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = APIClient().post("/api/v1/certificates/verify/", {"file": SimpleUploadedFile("c.pdf", pdf)},
                          format="multipart").json()
    assert ok["verdict"] == "valid" and ok["pdf_signature"]["valid"] and ok["consistent"]
    tampered = bytearray(pdf)
    tampered[len(pdf) // 4] ^= 0x20
    bad = APIClient().post("/api/v1/certificates/verify/", {"file": SimpleUploadedFile("c.pdf", bytes(tampered))},
                           format="multipart").json()
    assert bad["verdict"] == "forged"


def test_public_register_lists_lab_licences_not_work_permits(certificate, issued):
    issued(on=D(2026, 3, 2), service="foreign-talent-one-stop")
    rows = APIClient().get("/api/v1/register/").json()["results"]
    assert [r["number"] for r in rows] == ["SCXK(滇)2026-0001"]
    assert APIClient().get("/api/v1/register/", {"q": "不存在"}).json()["count"] == 0
    page = Client().get("/register/")
    assert page.status_code == 200 and "SCXK(滇)2026-0001" in page.content.decode()


def test_work_permit_verification_masks_the_persons_data(issued):
    app = issued(on=D(2026, 3, 2), service="foreign-talent-one-stop")
    permit = Certificate.objects.get(application__parent=app, kind="work_permit")
    body = verify(digits(permit)).json()
    assert body["verdict"] == "valid"
    assert body["certificate"]["holder"] == "A*** S******"
    assert "C01X00T47" not in json.dumps(body) and body["certificate"]["holder_code"].endswith("47")


def test_renewal_issues_a_new_version_and_the_old_one_reads_superseded(issued, applicant):
    from tests.licensing.conftest import lab_data

    first = issued(on=D(2026, 3, 2), data=lab_data(credit_code=applicant.credit_code))
    certificate = Certificate.objects.get(application=first)
    # Filed inside the renewal window (2030-09-01 to 2031-01-30 for a licence valid to 2031-03-01).
    renewal = issued(on=D(2030, 10, 8), service="lab-animal-renewal", data=lab_data(credit_code=applicant.credit_code),
                     original_licence_number=certificate.number)
    new = Certificate.objects.get(application=renewal)
    certificate.refresh_from_db()
    assert certificate.status == "superseded" and new.predecessor == certificate
    assert new.valid_from == D(2031, 3, 2) and new.valid_to == D(2036, 3, 1)
    assert verify(digits(certificate)).json()["verdict"] == "superseded"
    # The renewed licence runs on from the old one's expiry: before that day it is not valid yet.
    assert verify(digits(new)).json()["verdict"] == "not_yet_valid"
    with at(new.valid_from):
        assert verify(digits(new)).json()["verdict"] == "valid"


def test_cached_records_are_cleared_by_a_status_change(certificate, officers, settings,
                                                        django_capture_on_commit_callbacks):
    settings.TONGBAN_VERIFY_CACHE_SECONDS = 300
    assert verify(digits(certificate)).json()["verdict"] == "valid"  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改期间")
    assert verify(digits(certificate)).json()["verdict"] == "suspended"
