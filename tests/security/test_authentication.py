"""Login lock-out per username AND client address (django-axes), trusted proxies, expiring API tokens
and their revocation on logout."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from services.accounts import client_address
from tests.factories import UserFactory, make_officer

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGIN = "/accounts/login/"
PASSWORD = "pass-word-123"
LOCKED = "登录失败次数过多"
ME = "/api/v1/applications/"  # any endpoint that needs authentication
A, B = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def users(db):
    return UserFactory(username="approver-x"), UserFactory(username="intake-x")


def token_post(username, password, address=A, **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=address, **extra)


def lock(username, address=A, **extra):
    answers = [token_post(username, "wrong", address, **extra).status_code
               for _ in range(settings.LOGIN_THROTTLE_LIMIT)]
    assert answers == [400] * (settings.LOGIN_THROTTLE_LIMIT - 1) + [429]


def test_five_failures_lock_the_user_at_that_address_with_a_message(users):
    lock("approver-x")
    response = token_post("approver-x", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.json()["detail"] and response.json()["code"] == "locked"
    assert not Token.objects.filter(user__username="approver-x").exists()


def test_the_lock_does_not_refuse_another_user_from_the_same_address(users):
    lock("approver-x")
    assert token_post("intake-x", PASSWORD, A).status_code == 200
    assert token_post("intake-x", "wrong", A).status_code == 400  # counted for intake-x alone


def test_the_lock_does_not_refuse_the_same_user_from_another_address(users):
    lock("approver-x", A)
    assert token_post("approver-x", PASSWORD, B).status_code == 200


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(users):
    for _ in range(settings.LOGIN_THROTTLE_LIMIT - 1):
        assert token_post("approver-x", "wrong").status_code == 400
    assert token_post("approver-x", PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username="approver-x").exists()


def test_the_lock_ends_after_the_cool_off_whatever_is_tried_meanwhile(users):
    start = dt.datetime(2026, 10, 8, 9, 0, tzinfo=dt.UTC)  # a make-up workday after the National Day holiday
    with time_machine.travel(start, tick=False):
        lock("approver-x")
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert token_post("approver-x", PASSWORD).status_code == 429
        assert token_post("approver-x", "wrong").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert token_post("approver-x", PASSWORD).status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_lock(users):
    proxy = "10.0.0.2"
    with override_settings(TONGBAN_TRUSTED_PROXIES=["10.0.0.0/24"]):
        lock("approver-x", proxy, HTTP_X_FORWARDED_FOR=A)
        assert token_post("approver-x", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=A).status_code == 429
        assert token_post("approver-x", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=B).status_code == 200
        # A client cannot escape its lock by writing its own X-Forwarded-For in front of the proxy's entry.
        spoofed = token_post("approver-x", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"{B}, {A}")
        assert spoofed.status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(users):
    lock("approver-x", A)
    assert token_post("approver-x", PASSWORD, A, HTTP_X_FORWARDED_FOR=B).status_code == 429


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.7", "", [], "203.0.113.7"),
    ("203.0.113.7", "198.51.100.9", [], "203.0.113.7"),
    ("10.0.0.2", "198.51.100.9", ["10.0.0.0/24"], "198.51.100.9"),
    ("10.0.0.2", "1.1.1.1, 198.51.100.9, 10.0.0.5", ["10.0.0.0/24"], "198.51.100.9"),
    ("10.0.0.2", "garbage, 198.51.100.9", ["10.0.0.0/24"], "198.51.100.9"),
    ("10.0.0.2", "198.51.100.9, garbage", ["10.0.0.0/24"], "10.0.0.2"),
    ("::1", "2001:db8::1", ["::1"], "2001:db8::1"),
])
def test_the_client_address(rf, peer, forwarded, trusted, expected):
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TONGBAN_TRUSTED_PROXIES=trusted):
        assert client_address(request) == expected


def test_the_login_page_says_the_account_is_locked_and_another_user_still_logs_in(users, client):
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        client.post(LOGIN, {"username": "approver-x", "password": "wrong"}, REMOTE_ADDR=A)
    response = client.post(LOGIN, {"username": "approver-x", "password": PASSWORD}, REMOTE_ADDR=A)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(LOGIN, {"username": "intake-x", "password": PASSWORD}, REMOTE_ADDR=A)
    assert response.status_code == 302


def test_the_admin_login_is_locked_too_with_a_message(users, client):
    get_user_model().objects.filter(username="approver-x").update(is_staff=True)
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        client.post("/admin/login/", {"username": "approver-x", "password": "wrong"}, REMOTE_ADDR=A)
    response = client.post("/admin/login/", {"username": "approver-x", "password": PASSWORD}, REMOTE_ADDR=A)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_an_admin_unlocks_a_locked_user_in_the_admin(users, client):
    lock("approver-x")
    attempt = AccessAttempt.objects.get(username="approver-x")
    admin = get_user_model().objects.create_superuser("root-x", "root@example.org", "root-pass-123")
    client.force_login(admin)
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert token_post("approver-x", PASSWORD).status_code == 200


# Tokens -------------------------------------------------------------------------------------------

@pytest.fixture
def officer(catalog):
    return make_officer("officer-x", "yn-kjt", "reviewer").user


def authorised(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_an_officers_token_expires_after_12_hours(officer):
    issued = dt.datetime(2026, 9, 30, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(issued, tick=False):
        body = token_post("officer-x", PASSWORD).json()
        assert dt.datetime.fromisoformat(body["expires_at"]) == issued + dt.timedelta(hours=12)
    with time_machine.travel(issued + dt.timedelta(hours=11, minutes=59), tick=False):
        assert authorised(body["token"]).get(ME).status_code == 200
    with time_machine.travel(issued + dt.timedelta(hours=12), tick=False):
        response = authorised(body["token"]).get(ME)
        assert response.status_code == 401
        assert response.json()["detail"]
        assert not Token.objects.filter(key=body["token"]).exists()
        fresh = token_post("officer-x", PASSWORD).json()["token"]
        assert fresh != body["token"]
        assert authorised(fresh).get(ME).status_code == 200


def test_an_applicants_token_lasts_30_days(users):
    issued = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(issued, tick=False):
        token = token_post("intake-x", PASSWORD).json()["token"]
    with time_machine.travel(issued + dt.timedelta(days=29, hours=23), tick=False):
        assert authorised(token).get("/api/v1/licences/held/").status_code != 401
        assert token_post("intake-x", PASSWORD).json()["token"] == token  # still the same one
    with time_machine.travel(issued + dt.timedelta(days=30), tick=False):
        assert authorised(token).get("/api/v1/licences/held/").status_code == 401


@override_settings(TONGBAN_TOKEN_HOURS_APPLICANT=1)
def test_the_lifetime_is_configurable(users):
    token = token_post("intake-x", PASSWORD).json()["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - dt.timedelta(minutes=61))
    assert authorised(token).get("/api/v1/licences/held/").status_code == 401


def test_api_logout_revokes_the_callers_token(officer):
    token = token_post("officer-x", PASSWORD).json()["token"]
    api = authorised(token)
    assert api.post(LOGOUT).status_code == 204
    assert not Token.objects.filter(key=token).exists()
    assert api.get(ME).status_code == 401
    assert APIClient().post(LOGOUT).status_code == 401


def test_page_logout_revokes_the_users_token(officer, client):
    token = token_post("officer-x", PASSWORD).json()["token"]
    client.force_login(officer)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert authorised(token).get(ME).status_code == 401


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"42", b"null", b"not json", b"{", b"[" * 100000,
                                  b'{"username": ["a"], "password": {"x": 1}}',
                                  b'{"username": "a\\u0000b", "password": "p"}',
                                  b'{"username": "\\ud800", "password": "p"}'])
def test_malformed_bodies_to_the_token_endpoint_are_400(db, body):
    response = APIClient().post(TOKEN, body, content_type="application/json", REMOTE_ADDR=A)
    assert response.status_code == 400, response.content[:200]
    assert response.json()
