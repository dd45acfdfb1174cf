"""Bad JSON is a 400 with a `detail`, never a 500: deep nesting, non-objects, NUL characters, lone
surrogates, numbers out of range — on the anonymous verify endpoint, the token endpoint and an
authenticated JSON endpoint (on PostgreSQL too: the database never sees such a string)."""

import pytest
from rest_framework.test import APIClient

from services.parsers import UnsafeJSON, loads_strict, nesting_depth
from tests.factories import ApplicantFactory

HOSTILE = {
    "deep array": b"[" * 100_000,
    "deep object": b'{"a":' * 50_000,
    "deep but closed": b"[" * 40 + b"]" * 40,
    "NUL in a value": b'{"token": "ab\\u0000cd"}',
    "NUL in a key": b'{"a\\u0000": "x"}',
    "lone high surrogate": b'{"token": "\\ud800"}',
    "lone low surrogate in a key": b'{"\\udc00": 1}',
    "huge integer": b'{"days": ' + b"9" * 5000 + b"}",
    "bigint overflow": b'{"days": 9223372036854775808}',
    "float overflow": b'{"days": 1e999}',
    "NaN": b'{"days": NaN}',
    "not JSON": b"not json",
    "bad UTF-8": b'{"token": "\xff\xfe"}',
    "array": b"[]",
    "string": b'"x"',
    "number": b"42",
    "null": b"null",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("url", ["/api/v1/certificates/verify/", "/api/v1/auth/token/"])
def test_hostile_json_to_anonymous_endpoints_is_a_400(db, url, body):
    response = APIClient().post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_to_an_applicants_endpoint_is_a_400(catalog, body):
    applicant = ApplicantFactory()
    api = APIClient()
    api.force_authenticate(applicant.user)
    response = api.post("/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "detail" in response.json()


def test_a_nul_or_a_lone_surrogate_in_application_data_is_refused_before_the_database(catalog):
    applicant = ApplicantFactory()
    api = APIClient()
    api.force_authenticate(applicant.user)
    for text in ("\\u0000", "\\udfff"):
        body = ('{"service": "lab-animal-use", "data": {"facility_address": "x' + text + '"}}').encode()
        response = api.post("/api/v1/applications/", body, content_type="application/json")
        assert response.status_code == 400
        assert "detail" in response.json()


def test_good_json_is_decoded_as_usual():
    assert loads_strict(b'{"a": ["\\ud83d\\ude00", -9223372036854775807, 1.5, true, null, "[{"]}') == {
        "a": ["😀", -9223372036854775807, 1.5, True, None, "[{"]}


@pytest.mark.parametrize(("text", "depth"), [
    ("{}", 1), ("[[[]]]", 3), ('{"a": "[[[[[["}', 1), (r'{"a\"[[": [1]}', 2), (r'["\\", [[]]]', 3), ("1", 0),
])
def test_nesting_depth_ignores_brackets_inside_strings(text, depth):
    assert nesting_depth(text, limit=100) == depth


def test_the_depth_limit_is_32():
    loads_strict("[" * 32 + "]" * 32)
    with pytest.raises(UnsafeJSON):
        loads_strict("[" * 33 + "]" * 33)
