"""The lean verification path (config/lean.py) answers exactly as the full application does: the same
JSON and page, the same security headers, the same rate limit counter, the same redaction of /C/
paths in the logs; and it serves only the requests it is meant for. Both are called as WSGI
applications, as gunicorn calls them."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re

import pytest

from django.test import override_settings

from certificates import ratelimit
from certificates.core import tokens
from certificates.models import Certificate
from config.lean import lean_route

VERIFY = "/api/v1/certificates/verify/"
# Headers whose value legitimately differs between two answers to the same request.
VARYING = {"Set-Cookie"}
# In a page: the CSRF token of its forms and the time of the check.
VARYING_TEXT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}')


@pytest.fixture
def certificate(issued):
    return Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))


def call(app, method: str, path: str, *, body: bytes = b"", content_type: str = "", headers: dict | None = None,
         address: str = "127.0.0.1"):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver", "REMOTE_ADDR": address, "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)) if body else "", "CONTENT_TYPE": content_type,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer["status"], answer["headers"], content


def post_token(app, text: str, **kwargs):
    return call(app, "POST", VERIFY, body=json.dumps({"token": text}).encode(), content_type="application/json",
                **kwargs)


def digits(certificate) -> str:
    return tokens.token_to_digits(bytes(certificate.token))


def same_json(a: bytes, b: bytes) -> tuple[dict, dict]:
    first, second = json.loads(a), json.loads(b)
    for body in (first, second):
        body.pop("checked_at", None)
    return first, second


def comparable(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k not in VARYING}


def test_the_dispatcher_takes_only_the_json_verify_post_and_the_verification_page():
    def route(method, path, content_type=""):
        return lean_route({"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_TYPE": content_type})

    assert route("POST", VERIFY, "application/json") == "api"
    assert route("POST", VERIFY, "application/json; charset=utf-8") == "api"
    assert route("POST", VERIFY, "multipart/form-data; boundary=x") is None  # the PDF upload: full path
    assert route("GET", VERIFY) is None and route("POST", VERIFY + "x", "application/json") is None
    assert route("GET", "/C/123") == "page" and route("HEAD", "/c/123/") == "page"
    assert route("POST", "/C/123") is None and route("GET", "/C/123/x") is None and route("GET", "/CC/1") is None
    assert route("GET", "/certificates/1/") is None


@pytest.mark.parametrize("text", ["valid", "url", "forged", "garbage", "empty", "long"])
def test_the_verify_api_answers_the_same_json_and_headers_on_both_paths(apps, certificate, text):
    full, lean = apps
    good = digits(certificate)
    text = {"valid": good, "url": f"HTTPS://V.EXAMPLE.GOV.CN/C/{good}", "forged": good[:-3] + "123",
            "garbage": "not a token", "empty": " ", "long": "1" * 5000}[text]
    a, b = post_token(full, text), post_token(lean, text)
    assert a[0] == b[0] and a[0] in (200, 400)
    first, second = same_json(a[2], b[2])
    assert first == second
    assert comparable(a[1]) == comparable(b[1])
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options",
                   "Referrer-Policy", "Cross-Origin-Opener-Policy"):
        assert header in b[1], header
    assert b[1]["Cache-Control"] == "no-store"


def test_a_malformed_json_body_is_the_same_400_on_both_paths(apps):
    full, lean = apps
    a, b = (call(app, "POST", VERIFY, body=b'{"token": ', content_type="application/json") for app in (full, lean))
    assert a[0] == b[0] == 400 and json.loads(a[2]) == json.loads(b[2])
    assert comparable(a[1]) == comparable(b[1])


def test_the_verification_page_is_the_same_page_with_the_same_headers(apps, certificate):
    full, lean = apps
    for language in ("zh-CN,zh;q=0.9", "en-GB,en;q=0.8"):
        a, b = (call(app, "GET", f"/C/{digits(certificate)}", headers={"Accept-Language": language})
                for app in (full, lean))
        assert a[0] == b[0] == 200
        assert VARYING_TEXT.sub(b"", a[2]) == VARYING_TEXT.sub(b"", b[2])
        assert b'data-verdict="valid"' in b[2]
        assert comparable(a[1]) == comparable(b[1])
        assert b[1]["Content-Language"] == ("en" if language.startswith("en") else "zh-hans")
        assert "csrftoken=" in b[1].get("Set-Cookie", "")  # the language switch form can be posted


def test_the_language_chosen_with_the_switch_is_kept_on_the_lean_page(apps, certificate):
    full, lean = apps
    headers = {"Accept-Language": "zh-CN", "Cookie": "django_language=en"}
    a, b = (call(app, "GET", f"/C/{digits(certificate)}", headers=headers) for app in (full, lean))
    assert a[1]["Content-Language"] == b[1]["Content-Language"] == "en"


@override_settings(ALLOWED_HOSTS=["tongban.example.gov.cn"])
def test_a_host_not_allowed_is_refused_on_both_paths(apps, certificate):
    full, lean = apps
    a, b = (post_token(app, digits(certificate)) for app in (full, lean))
    assert a[0] == b[0] == 400
    a, b = (call(app, "GET", f"/C/{digits(certificate)}") for app in (full, lean))
    assert a[0] == b[0] == 400


def test_both_paths_count_against_one_rate_limit(apps, certificate, settings):
    full, lean = apps
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "verify": "4/min"}}
    statuses = [post_token(app, digits(certificate), address="192.0.2.7")[0] for app in (full, lean, full, lean, lean)]
    assert statuses == [200, 200, 200, 200, 429]
    a = post_token(full, digits(certificate), address="192.0.2.7")
    b = post_token(lean, digits(certificate), address="192.0.2.7")
    assert a[0] == b[0] == 429 and json.loads(a[2]) == json.loads(b[2])
    assert post_token(lean, digits(certificate), address="192.0.2.8")[0] == 200  # another client


def test_the_page_limit_is_shared_and_the_token_is_redacted_from_the_log_on_both_paths(apps, certificate, settings):
    full, lean = apps
    settings.TONGBAN_VERIFY_PAGE_LIMIT = 1
    handler = logging.getLogger("django.request").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        assert call(lean, "GET", f"/C/{digits(certificate)}")[0] == 200
        assert call(full, "GET", f"/C/{digits(certificate)}")[0] == 429
        assert call(lean, "GET", f"/C/{digits(certificate)}")[0] == 429
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert logged.count("Too Many Requests: /C/[redacted]") == 2, logged
    assert digits(certificate)[:20] not in logged


def test_a_status_change_is_seen_at_once_on_the_lean_path_whatever_the_caches_hold(apps, certificate, settings):
    """The immutable part of the record is kept in the worker's memory and in the shared cache; the
    status is not: a change that cleared neither is answered on the next request."""
    _full, lean = apps
    settings.TONGBAN_VERIFY_CACHE_SECONDS = 300
    assert json.loads(post_token(lean, digits(certificate))[2])["verdict"] == "valid"
    Certificate.objects.filter(pk=certificate.pk).update(status="suspended")  # no invalidation at all
    assert json.loads(post_token(lean, digits(certificate))[2])["verdict"] == "suspended"
    status, _headers, page = call(lean, "GET", f"/C/{digits(certificate)}")
    assert status == 200 and b'data-verdict="suspended"' in page
    Certificate.objects.filter(pk=certificate.pk).update(status="valid")
    assert json.loads(post_token(lean, digits(certificate))[2])["verdict"] == "valid"


def test_the_pdf_upload_of_the_verify_endpoint_stays_on_the_full_path(apps, monkeypatch):
    full, lean = apps
    boundary = "tongbanboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\nnot a pdf\r\n--{boundary}--\r\n").encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    expected = call(full, "POST", VERIFY, body=body, content_type=content_type)
    lean_requests = []
    for handler in lean.handlers.values():
        monkeypatch.setattr(handler, "get_response", lambda request: lean_requests.append(request))
    answer = call(lean, "POST", VERIFY, body=body, content_type=content_type)
    assert lean_requests == []  # served by the full application
    assert answer[0] == expected[0] == 200
    first, second = same_json(answer[2], expected[2])
    assert first == second and first["verdict"] == "forged"
    assert answer[1]["Content-Type"] == "application/json"


def test_the_rate_limit_costs_one_round_trip_to_redis_and_counts_exactly(redis_cache, monkeypatch):
    from redis.connection import Connection

    sent = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    ratelimit.count("tongban:rl:test:warm-up:1", 60)  # a server's first run of the script loads it
    monkeypatch.setattr(Connection, "send_packed_command", counting)
    counts = [ratelimit.count("tongban:rl:test:192.0.2.9:1", 60) for _ in range(5)]
    assert counts == [(n, b"") for n in (1, 2, 3, 4, 5)]  # no status version published yet
    assert len(sent) == 5  # one send per request, the first of the window included
    key = redis_cache.make_and_validate_key("tongban:rl:test:192.0.2.9:1")
    ttl = redis_cache._cache.get_client(write=False).ttl(key)
    assert 60 <= ttl <= 65  # the window's counter expires after the window
    assert redis_cache.get("tongban:rl:test:192.0.2.9:1") == 5  # the cache API reads the same counter
