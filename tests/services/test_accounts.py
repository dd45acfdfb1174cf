"""Accounts: API tokens, login throttling (API and login page), and the demo accounts."""

import io
import itertools
import re
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from licensing.models import Applicant
from services.constants import Role
from services.models import Officer, StaffRole
from services.validators import is_valid_credit_code
from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"
PASSWORD = "pass-word-123"  # tests.factories.UserFactory
LOCKED = "登录失败次数过多"  # services.accounts.lockout_message


class WhoAmI(APIView):
    """A view with the project's default authentication and permission classes."""

    def get(self, request):
        return Response({"username": request.user.username})


@pytest.fixture
def user(db):
    return UserFactory(username="li.lei")


@pytest.fixture
def api():
    return APIClient()


def _fail(api, username, times):
    """Wrong passwords; the one that reaches the limit is answered with the lock-out (429)."""
    for attempt in range(1, times + 1):
        expected = 429 if attempt >= settings.LOGIN_THROTTLE_LIMIT else 400
        assert api.post(TOKEN, {"username": username, "password": "wrong"}, format="json").status_code == expected


def test_a_token_is_issued_for_a_username_and_password(user, api):
    response = api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert response.json()["token"] == token.key
    assert set(response.json()) == {"token", "expires_at"}


def test_asking_twice_gives_the_same_token(user, api):
    first = api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json").json()
    second = api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json").json()
    assert first["token"] == second["token"]


def test_the_token_authenticates_api_requests(user, api):
    token = api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json").json()["token"]
    factory = APIRequestFactory()
    authorised = WhoAmI.as_view()(factory.get("/whoami/", HTTP_AUTHORIZATION=f"Token {token}"))
    assert authorised.status_code == 200
    assert authorised.data == {"username": "li.lei"}
    assert WhoAmI.as_view()(factory.get("/whoami/")).status_code == 401
    assert WhoAmI.as_view()(factory.get("/whoami/", HTTP_AUTHORIZATION="Token 0000")).status_code == 401


def test_a_wrong_password_is_a_400_without_saying_which_part_was_wrong(user, api):
    response = api.post(TOKEN, {"username": "li.lei", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert response.json()["non_field_errors"][0]
    assert not Token.objects.filter(user=user).exists()


def test_missing_credentials_are_field_errors(db, api):
    response = api.post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_after_the_failure_limit_the_api_refuses_even_the_right_password(user, api):
    _fail(api, "li.lei", settings.LOGIN_THROTTLE_LIMIT)
    response = api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert LOCKED in response.json()["detail"]
    assert not Token.objects.filter(user=user).exists()


def test_failures_below_the_limit_do_not_lock_the_account(user, api):
    _fail(api, "li.lei", settings.LOGIN_THROTTLE_LIMIT - 1)
    assert api.post(TOKEN, {"username": "li.lei", "password": PASSWORD}, format="json").status_code == 200


def test_the_login_page_logs_in(user, client):
    assert client.get(LOGIN).status_code == 200
    response = client.post(LOGIN, {"username": "li.lei", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_login_page_shows_an_error_for_a_wrong_password(user, client):
    response = client.post(LOGIN, {"username": "li.lei", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_after_the_failure_limit_the_login_page_refuses_the_right_password(user, client):
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        client.post(LOGIN, {"username": "li.lei", "password": "wrong"}, REMOTE_ADDR="127.0.0.1")
    response = client.post(LOGIN, {"username": "li.lei", "password": PASSWORD})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any(LOCKED in error for error in errors)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_the_api_also_lock_the_login_page(user, api, client):
    _fail(api, "li.lei", settings.LOGIN_THROTTLE_LIMIT)
    response = client.post(LOGIN, {"username": "li.lei", "password": PASSWORD})
    assert any(LOCKED in error for error in response.context["form"].non_field_errors())


# Demo accounts --------------------------------------------------------------------------------

OFFICERS = {
    # username: (authority, roles)
    "intake": ("yn-kjt", {"intake"}),
    "reviewer": ("yn-kjt", {"reviewer"}),
    "approver": ("yn-kjt", {"approver"}),
    "legal": ("yn-kjt", {"legal_reviewer"}),
    "supervisor": ("yn-kjt", {"supervisor"}),
    "exit-entry": ("yn-crj", {"intake", "reviewer"}),
    "exit-entry-approver": ("yn-crj", {"approver"}),
    "exit-entry-legal": ("yn-crj", {"legal_reviewer"}),
    "kunming-intake": ("km-kjj", {"intake"}),
    "kunming-reviewer": ("km-kjj", {"reviewer"}),
    "kunming-approver": ("km-kjj", {"approver"}),
    "kunming-legal": ("km-kjj", {"legal_reviewer"}),
}
APPLICANTS = ["applicant", "employer"]


def test_seed_demo_creates_every_demo_account_with_the_demo_password(demo_accounts, demo_password):
    user_model = get_user_model()
    for username in [*OFFICERS, *APPLICANTS, "admin"]:
        assert user_model.objects.get(username=username).check_password(demo_password), username


def test_seed_demo_officers_have_their_authority_and_roles(demo_accounts):
    for username, (authority, roles) in OFFICERS.items():
        officer = Officer.objects.get(user__username=username)
        assert (officer.authority.code, officer.role_codes()) == (authority, roles), username


def test_seed_demo_applicants_have_valid_credit_codes(demo_accounts):
    for username in APPLICANTS:
        applicant = Applicant.objects.get(user__username=username)
        assert is_valid_credit_code(applicant.credit_code), applicant.credit_code
    assert Applicant.objects.get(user__username="employer").city == "昆明市"


def test_seed_demo_admin_is_a_superuser(demo_accounts):
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_demo_accounts_log_in_through_the_api(demo_accounts, demo_password, api):
    response = api.post(TOKEN, {"username": "exit-entry", "password": demo_password}, format="json")
    assert response.status_code == 200


def test_running_seed_demo_twice_is_safe(demo_accounts, demo_password):
    user_model = get_user_model()
    changed = user_model.objects.get(username="applicant")
    changed.set_password("my-own-new-password")
    changed.save()
    before = (user_model.objects.count(), Officer.objects.count(), Applicant.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (user_model.objects.count(), Officer.objects.count(), Applicant.objects.count()) == before
    assert user_model.objects.get(username="applicant").check_password("my-own-new-password")
    assert user_model.objects.get(username="intake").check_password(demo_password)


def test_running_seed_demo_again_brings_back_the_demo_roles(demo_accounts):
    # An exit-entry account from before the bureau had its own approver and legal reviewer held every role.
    officer = Officer.objects.get(user__username="exit-entry")
    officer.roles.set(StaffRole.objects.all())
    call_command("seed_demo", stdout=io.StringIO())
    assert officer.role_codes() == {"intake", "reviewer"}
    for username, (authority, roles) in OFFICERS.items():
        officer = Officer.objects.get(user__username=username)
        assert (officer.authority.code, officer.role_codes()) == (authority, roles), username


@pytest.mark.parametrize("authority", ["yn-kjt", "yn-crj", "km-kjj"])
def test_every_authority_can_finish_a_case_with_separation_of_duties(demo_accounts, authority):
    holders = {
        role: set(Officer.objects.filter(authority__code=authority, roles__code=role)
                  .values_list("user__username", flat=True))
        for role in (Role.INTAKE, Role.REVIEWER, Role.APPROVER, Role.LEGAL_REVIEWER)
    }
    assert all(holders.values()), holders
    # Who recommends does not approve; who proposes a refusal (reviewer or approver) does not confirm it.
    assert any(
        len({reviewer, approver, legal}) == 3
        for reviewer, approver, legal in itertools.product(
            holders[Role.REVIEWER], holders[Role.APPROVER], holders[Role.LEGAL_REVIEWER]
        )
    ), holders


def readme_demo_logins() -> list[str]:
    """The first column of the README's "Roles and demo logins" table."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Roles and demo logins", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def test_the_readme_lists_every_demo_login(demo_accounts):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    seeded = re.search(r"^demo accounts: (.+)$", out.getvalue(), flags=re.MULTILINE)[1].split(", ")
    inspectors = {f"inspector-{n:02d}" for n in range(1, 12)}  # the supervision directory's
    assert set(seeded) == {*OFFICERS, *APPLICANTS, *inspectors, "admin"}
    assert sorted(readme_demo_logins()) == sorted(seeded)


def test_a_demo_seeder_is_registered_once():
    from licensing.demo import seed_demo_applicants
    from services.demo import DemoSeederRegistry, demo_seeders

    assert seed_demo_applicants in demo_seeders
    registry = DemoSeederRegistry()
    registry.register(seed_demo_applicants)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(seed_demo_applicants)
    assert list(registry) == [seed_demo_applicants]


def test_a_failing_demo_seeder_rolls_back_every_demo_account(demo_accounts, monkeypatch):
    from services.demo import DemoSeederRegistry

    def broken(*, password):
        raise RuntimeError("broken seeder")

    registry = DemoSeederRegistry()
    registry.register(broken)
    monkeypatch.setattr("services.management.commands.seed_demo.demo_seeders", registry)
    Officer.objects.get(user__username="exit-entry").roles.set(StaffRole.objects.all())
    get_user_model().objects.filter(username="kunming-legal").delete()
    with pytest.raises(RuntimeError, match="broken seeder"):
        call_command("seed_demo", stdout=io.StringIO())
    # The officers seeded before the failing seeder ran are undone with it.
    assert Officer.objects.get(user__username="exit-entry").role_codes() == set(Role.values)
    assert not get_user_model().objects.filter(username="kunming-legal").exists()
