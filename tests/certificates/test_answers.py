"""The public answers a worker holds (certificates.verification._public_answer, result_json): the JSON
the verify API writes is the one DjangoJSONEncoder writes of result_payload, byte for byte, for every
verdict; and what is held follows the live status, the successor and the language of the answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from certificates import verification
from certificates.core import tokens
from certificates.models import Certificate
from certificates.services import certificate_suspend

from .test_lean_path import digits, post_token


@pytest.fixture
def certificate(issued):
    verification.forget_local_records()
    return Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))


def encoded(result) -> bytes:
    return json.dumps(verification.result_payload(result), cls=DjangoJSONEncoder).encode()


def test_the_json_is_the_encoders_own_for_every_verdict(certificate, officers):
    text = digits(certificate)
    tampered = tokens.token_to_digits(bytes(certificate.token)[:-1] + b"\x00")
    for case in (text, text, tampered, "12345", "not a token"):
        result = verification.verify_text(case)
        assert verification.result_json(result) == encoded(result)
    certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改期间")
    result = verification.verify_text(text)
    assert result.verdict == "suspended"
    assert verification.result_json(result) == encoded(result)
    assert json.loads(verification.result_json(result))["certificate"]["status"] == "suspended"


def test_an_unknown_certificate_answers_with_its_signed_claims(certificate):
    text = digits(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(cti="00" * 16)  # no longer on record
    verification.forget_local_records()
    result = verification.verify_text(text)
    assert result.verdict == "unknown" and result.record_json is None
    body = json.loads(verification.result_json(result))
    assert body["certificate"]["number"] == certificate.number
    assert verification.result_json(result) == encoded(result)


def test_the_answer_held_is_per_language_and_is_never_shared_with_the_caller(certificate):
    text = digits(certificate)
    with translation.override("en"):
        english = verification.verify_text(text)
    with translation.override("zh-hans"):
        chinese = verification.verify_text(text)
    assert english.record["status_name"] == "Valid"
    assert chinese.record["status_name"] == "有效"
    assert json.loads(english.record_json)["status_name"] == "Valid"
    chinese.record["holder"] = "changed by a caller"
    with translation.override("zh-hans"):
        again = verification.verify_text(text)
    assert again.record["holder"] == certificate.holder_name
    assert json.loads(again.record_json)["holder"] == certificate.holder_name


def test_the_api_answers_the_new_status_and_the_visitors_language(apps, certificate, officers, redis_cache,
                                                                   django_capture_on_commit_callbacks):
    _full, lean = apps
    status, headers, body = post_token(lean, digits(certificate), headers={"Accept-Language": "en"})
    answer = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert answer["verdict"] == "valid" and answer["certificate"]["status_name"] == "Valid"
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(certificate=certificate, actor=officers["approver"].user, reason="整改期间")
    answer = json.loads(post_token(lean, digits(certificate))[2])
    assert answer["verdict"] == "suspended"
    assert answer["certificate"]["status"] == "suspended" and answer["certificate"]["status_name"] == "暂扣"
