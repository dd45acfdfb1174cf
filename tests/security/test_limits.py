"""Bounded work per request: bodies over the limit are refused from their Content-Length before they
are read, chunked bodies are read through a cap, NUL characters in the address are a 400, and unknown
API addresses answer JSON."""

import io

import pytest
from rest_framework.test import APIClient

from django.test import override_settings

from config.requestguard import CappedChunkedBody
from tests.factories import ApplicantFactory

LIMIT = 12 * 1024 * 1024


class Unreadable(io.RawIOBase):
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_default_limit_is_12_mb(settings):
    assert settings.TONGBAN_MAX_REQUEST_BYTES == LIMIT


@pytest.mark.parametrize("url", ["/api/v1/certificates/verify/", "/api/v1/applications/1/materials/",
                                 "/accounts/login/"])
def test_a_200_mb_body_is_refused_with_413_before_a_byte_is_read(db, client, url):
    response = client.post(url, data=b"", content_type="multipart/form-data; boundary=x",
                           CONTENT_LENGTH=str(200 * 1024 * 1024), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    assert "MB" in response.content.decode()


def test_the_413_of_the_api_is_json(db, client):
    response = client.post("/api/v1/auth/token/", data=b"", content_type="application/json",
                           CONTENT_LENGTH=str(LIMIT + 1), **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_body_at_the_limit_is_read(db, client):
    with override_settings(TONGBAN_MAX_REQUEST_BYTES=100):
        assert client.post("/api/v1/auth/token/", data=b"x" * 101, content_type="application/json").status_code == 413
        assert client.post("/api/v1/auth/token/", data=b"x" * 100, content_type="application/json").status_code == 400


def test_a_json_body_over_the_data_limit_is_a_413_not_a_500(catalog):
    api = APIClient()
    api.force_authenticate(ApplicantFactory().user)
    body = b'{"service": "lab-animal-use", "data": {"x": "' + b"a" * (3 * 1024 * 1024) + b'"}}'
    response = api.post("/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/register/?q=%00", "/api/v1/status/?case_number=a%00b&password=x",
                                 "/register/?q=%00"])
def test_a_nul_character_in_the_query_string_is_a_400(db, client, url):
    assert client.get(url).status_code == 400


def test_an_unknown_api_address_answers_json_404(db, client):
    response = client.get("/api/v1/applications/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert client.get("/no-such-page/").status_code == 404


def _run(app, environ):
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    body = b"".join(app(environ, start_response))
    return answer["status"], body


def _inner(seen):
    def app(environ, start_response):
        seen["length"] = environ.get("CONTENT_LENGTH")
        seen["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b"ok"]
    return app


@override_settings(TONGBAN_MAX_REQUEST_BYTES=1000)
def test_a_chunked_body_over_the_cap_is_refused_after_reading_only_the_cap():
    seen = {}
    source = io.BytesIO(b"x" * 50_000)
    status, _body = _run(CappedChunkedBody(_inner(seen)),
                         {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": source, "REQUEST_METHOD": "POST"})
    assert status.startswith("413")
    assert source.tell() == 1001  # read no further than the cap
    assert seen == {}


@override_settings(TONGBAN_MAX_REQUEST_BYTES=1000)
def test_a_chunked_body_within_the_cap_is_passed_on_with_its_length():
    seen = {}
    status, _body = _run(CappedChunkedBody(_inner(seen)),
                         {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"y" * 999),
                          "REQUEST_METHOD": "POST"})
    assert status.startswith("200")
    assert seen == {"length": "999", "body": b"y" * 999}


def test_the_production_wsgi_application_caps_chunked_bodies():
    import config.wsgi

    assert isinstance(config.wsgi.application, CappedChunkedBody)
