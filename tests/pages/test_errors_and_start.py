"""Branded error pages (400, 403, CSRF, 404, 500) in both languages, the favicon, each role's start page
after login, the header's name · organisation · role, and the public links of home and footer."""

import re

import pytest

from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import ApplicantFactory, UserFactory

PASSWORD = "pass-word-123"  # tests.factories.UserFactory
DEBUG_PAGE = re.compile(r"Traceback|technical_500|Django tried these URL patterns|You're seeing this error")


def client_for(user, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("zh-hans", "无权打开此页面"), ("en", "You cannot open this page")])
@pytest.mark.parametrize("path", ["/workbench/", "/dashboard/"])
def test_an_applicant_on_officer_pages_gets_the_branded_403(applicant, path, language, heading):
    response = client_for(applicant.user, language).get(path)
    assert response.status_code == 403
    body = response.content.decode()
    assert heading in body
    assert 'class="site-header"' in body and 'href="/start/"' in body
    assert applicant.name in body  # the header says who is logged in
    assert not DEBUG_PAGE.search(body)
    # Where to go: nothing the applicant cannot open (no workbench, dashboard or admin link).
    assert 'href="/workbench/' not in body and 'href="/dashboard/' not in body and 'href="/admin/' not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("zh-hans", "找不到此页面"), ("en", "Page not found")])
def test_an_unknown_address_gets_the_branded_404_not_the_debug_page(catalog, language, heading, settings):
    assert settings.DEBUG is False
    response = Client(headers={"accept-language": language}).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert heading in body and 'class="site-header"' in body
    assert f'href="{reverse("verify-form")}"' in body and f'href="{reverse("status-query")}"' in body
    assert 'href="/start/"' not in body  # not logged in: no personal start page to offer
    assert not DEBUG_PAGE.search(body)


@pytest.mark.django_db
def test_someone_elses_case_is_a_404_with_the_way_back_to_the_own_start_page(file_application):
    case = file_application()
    other = ApplicantFactory()
    response = client_for(other.user).get(reverse("application-detail", args=[case.pk]))
    assert response.status_code == 404
    assert 'href="/start/"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("zh-hans", "页面已过期"), ("en", "This page has expired")])
def test_a_form_posted_without_its_csrf_token_gets_the_branded_page(applicant, language, heading):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    client.force_login(applicant.user)
    response = client.post(reverse("application-new"), {"service": "lab-animal-production"})
    assert response.status_code == 403
    body = response.content.decode()
    assert heading in body and 'class="site-header"' in body and not DEBUG_PAGE.search(body)


@pytest.mark.django_db
def test_a_bad_request_gets_the_branded_400(catalog, settings):
    from django.core.exceptions import SuspiciousOperation

    from config import views

    request = Client().get("/").wsgi_request
    response = views.bad_request(request, SuspiciousOperation("bad"))
    assert response.status_code == 400
    assert "请求有误" in response.content.decode() and 'class="site-header"' in response.content.decode()
    # A refused Host header: the header cannot be rendered, the standalone page is.
    settings.ALLOWED_HOSTS = ["tongban.example"]
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@pytest.mark.parametrize("language, heading", [("zh-hans", "系统出现故障"), ("en", "Something went wrong")])
def test_the_500_page_renders_without_a_request_or_database(language, heading):
    with translation.override(language):
        body = loader.get_template("500.html").render()  # as django.views.defaults.server_error does
    assert heading in body and "favicon.svg" in body and f'lang="{language}"' in body


@pytest.mark.django_db
def test_an_exception_in_a_view_shows_the_500_page(catalog, settings, monkeypatch):
    from services import views as service_views

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(service_views.selectors, "published_service_types", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出现故障" in body and not DEBUG_PAGE.search(body) and "boom" not in body


@pytest.mark.django_db
def test_the_favicon_is_linked_and_served(catalog):
    from django.contrib.staticfiles import finders

    body = Client().get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in body and 'href="/static/favicon.png"' in body
    for name in ("favicon.svg", "favicon.png", "favicon.ico"):
        assert finders.find(name), name
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.ico"


# --- landing after login ----------------------------------------------------------------------------

def login(client: Client, username: str, next_url: str | None = None):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize("who, landing", [
    ("applicant", "/applications/"),
    ("intake", "/workbench/?stage=intake"),
    ("reviewer", "/workbench/?stage=handling"),
    ("approver", "/workbench/?stage=decision"),
    ("legal", "/workbench/?stage=legal_review"),
    ("supervisor", "/dashboard/"),
    ("crj", "/workbench/"),  # intake and reviewer (and supervisor): the whole queue of their work
    ("staff", "/"),
])
def test_each_role_lands_on_its_own_start_page_after_login(officers, applicant, who, landing):
    if who == "applicant":
        username = applicant.user.username
    elif who == "staff":
        username = UserFactory(username="t-staff", is_staff=True).username
    else:
        username = officers[who].user.username
    client = Client()
    response = login(client, username)
    assert response.status_code == 302 and response["Location"] == "/start/"
    response = client.get("/start/")
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get(landing).status_code == 200


@pytest.mark.django_db
def test_a_next_address_still_wins_over_the_start_page(applicant):
    response = login(Client(), applicant.user.username, next_url="/guide/")
    assert response["Location"] == "/guide/"


@pytest.mark.django_db
def test_start_needs_a_login(catalog):
    response = Client().get("/start/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_queue_filter_names_the_stage_an_officer_lands_on(officers):
    body = client_for(officers["reviewer"].user).get("/workbench/?stage=handling").content.decode()
    assert re.search(r'<option value="handling" selected>待承办</option>', body)
    body = client_for(officers["approver"].user, "en").get("/workbench/?stage=decision").content.decode()
    assert re.search(r'<option value="decision" selected>Awaiting decision</option>', body)


# --- the header and the public links -----------------------------------------------------------------

@pytest.mark.django_db
def test_the_header_names_the_user_with_organisation_and_role(officers, applicant):
    user = applicant.user
    user.first_name, user.last_name = "周申报", ""
    user.save()
    body = client_for(user).get("/applications/").content.decode()
    assert f'<span class="who">周申报 · {applicant.name}</span>' in body
    intake = officers["intake"].user
    intake.first_name, intake.last_name = "张受理", ""
    intake.save()
    body = client_for(intake).get("/workbench/").content.decode()
    assert '<span class="who">张受理 · 云南省科学技术厅 · 受理人员</span>' in body
    body = client_for(officers["crj"].user, "en").get("/workbench/").content.decode()
    who = re.search(r'<span class="who">([^<]+)</span>', body)[1]
    assert who.endswith(" · Intake officer, Reviewer, Supervisor"), who
    assert "Exit" in who  # the authority's English name


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/guide/", "/status/"])
def test_home_and_footer_link_guide_status_verification_and_register(catalog, path):
    body = Client().get(path).content.decode()
    footer = body[body.index('<footer'):]
    for name in ("service-guide", "status-query", "verify-form", "register"):
        assert f'href="{reverse(name)}"' in footer, name
    if path == "/":
        main = body[body.index("<main"):body.index("<footer")]
        for name in ("service-guide", "status-query", "verify-form", "register"):
            assert f'href="{reverse(name)}"' in main, name

