"""English complete: with the site in English (the language cookie, as the language switch sets it),
every page of every role and every document — notices (page and PDF), certificates, notifications and
their e-mails, charts, exports, API errors — carries no Chinese outside user data and proper names, and
no full-width punctuation. The cases are built once per module through the real workflow."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from rest_framework.test import APIClient

from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.english import check
from tests.english.scene import Scene, build

TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def english(scene, db):
    """english(who) → a client of `who` (None: the public) with the English language cookie."""

    def make(who: str | None = None, api: bool = False):
        client = APIClient() if api else Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        if who is not None:
            client.force_login(scene.accounts[who])
        return client

    with time_machine.travel(TODAY, tick=False):
        yield make


def _gather(scene: Scene, found: dict, name: str, text: str) -> None:
    left = check.untranslated(text, user_data=scene.user_data)
    if left:
        found[name] = left


def _report(found: dict) -> str:
    return json.dumps(found, ensure_ascii=False, indent=1)


def _pages(scene: Scene, client, paths: list[str], found: dict, who: str) -> None:
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 403, 404), (who, path, response.status_code)
        assert response.headers.get("Content-Language", "en").startswith("en"), (who, path)
        _gather(scene, found, f"{who} {path}", check.visible_text(response.content.decode()))


def public_paths(scene: Scene) -> list[str]:
    from certificates.links import verify_path
    from services.models import ServiceType

    codes = sorted(set(ServiceType.objects.values_list("code", flat=True)))
    o = scene.objects
    return ["/", "/guide/", *(f"/guide/{code}/" for code in codes), "/status/", "/verify/",
            verify_path(cose=bytes(o["certificate"].token)), "/register/", "/no-such-page/", "/accounts/login/",
            "/inspection-draws/", f"/inspection-draws/{o['plan'].pk}/", f"/case-reviews/{o['review'].pk}/"]


def applicant_paths(scene: Scene) -> list[str]:
    from licensing.models import Notice

    c, o = scene.cases, scene.objects
    draft = c["draft"]
    material = draft.service_type.materials.first().code
    return ["/applications/", "/applications/new/", *(f"/applications/{a.pk}/" for a in c.values()),
            f"/applications/{draft.pk}/details/", f"/applications/{c['one_stop_draft'].pk}/details/",
            f"/applications/{draft.pk}/materials/{material}/", f"/applications/{draft.pk}/check/",
            f"/applications/{c['submitted'].pk}/submitted/",
            f"/applications/{c['submitted'].pk}/withdraw/", f"/applications/{c['issued'].pk}/rating/",
            "/notifications/", "/licences/",
            f"/licences/{o['certificate'].pk}/", f"/certificates/{o['certificate'].pk}/",
            *(f"/notices/{pk}/" for pk in Notice.objects.values_list("pk", flat=True)),
            "/workbench/", "/dashboard/", "/supervision/"]


OFFICERS = ["intake", "reviewer", "approver", "legal", "supervisor", "crj"]


def officer_paths(scene: Scene, who: str) -> list[str]:
    from licensing.models import Application

    o = scene.objects
    cases = Application.objects.filter(authority__officers__user=scene.accounts[who]).values_list("pk", flat=True)
    paths = ["/workbench/", "/workbench/board/", "/notifications/", "/aftercare/tasks/", "/supervision/inspections/",
             *(f"/workbench/cases/{pk}/" for pk in cases), f"/certificates/{o['certificate'].pk}/",
             *(f"/supervision/inspections/{i.pk}/" for i in o["inspections"])]
    if who in ("supervisor", "crj"):
        paths += ["/dashboard/", "/aftercare/board/", "/supervision/", f"/supervision/plans/{o['plan'].pk}/",
                  f"/supervision/reviews/{o['review'].pk}/"]
    return paths


def test_the_public_pages_are_in_english(scene, english):
    found: dict = {}
    _pages(scene, english(), public_paths(scene), found, "public")
    assert not found, _report(found)


def test_the_applicants_pages_are_in_english(scene, english):
    found: dict = {}
    _pages(scene, english("applicant"), applicant_paths(scene), found, "applicant")
    assert not found, _report(found)


@pytest.mark.parametrize("who", OFFICERS)
def test_each_officers_pages_are_in_english(scene, english, who):
    found: dict = {}
    paths = officer_paths(scene, who)
    assert len(paths) > 8
    _pages(scene, english(who), paths, found, who)
    assert not found, _report(found)


def test_the_admin_site_is_in_english(scene, english):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("e-admin", "admin@example.org", "pass-word-123")
    client = english()
    client.force_login(admin)
    found: dict = {}
    for path in ("/admin/", "/admin/login/", "/admin/services/servicetype/", "/admin/licensing/application/"):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        html = response.content.decode()
        header = html.split('<div id="content"', 1)[0]  # the site header and title, not the listed rows
        _gather(scene, found, f"admin {path}", check.visible_text(header))
    assert not found, _report(found)


def test_notices_are_in_english_as_pages_and_pdfs(scene, english):
    from licensing.models import Notice

    client = english("applicant")
    found: dict = {}
    from services.models import Authority

    seals = list(Authority.objects.values_list("name_zh", flat=True))
    notices = list(Notice.objects.all())
    kinds = {n.kind for n in notices}
    assert {"receipt", "acceptance", "correction", "pause", "resume", "extension", "non_acceptance", "refusal",
            "withdrawal", "grant"} <= kinds, kinds
    first_of_kind = {}
    for notice in notices:
        first_of_kind.setdefault(notice.kind, notice.pk)
    for notice in notices:
        routes = [f"/notices/{notice.pk}/?format=pdf&lang=en", f"/api/v1/notices/{notice.pk}/pdf/?lang=en"]
        for path in routes if first_of_kind[notice.kind] == notice.pk else routes[1:]:
            response = client.get(path)
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf", path
            _gather(scene, found, f"{notice.kind} {path}", check.without_seals(check.pdf_text(response.content), seals))
        body = english("applicant", api=True).get(f"/api/v1/notices/{notice.pk}/").json()  # both languages
        _gather(scene, found, f"{notice.kind} api", "\n".join([body["title_en"], *body["lines"]["en"]]))
    assert not found, _report(found)


def test_notifications_and_their_emails_are_in_english(scene, english):
    found: dict = {}
    assert scene.mails, "the scene's acts send e-mails"
    for n, message in enumerate(scene.mails):
        english_part = message.body.split(check.EMAIL_ENGLISH_MARK, 1)
        assert len(english_part) == 2, message.body
        subject = message.subject.split(" / ", 1)
        _gather(scene, found, f"mail {n} subject", subject[-1])
        _gather(scene, found, f"mail {n} body", english_part[1])
    api = english("applicant", api=True).get("/api/v1/notifications/")
    assert api.status_code == 200
    _gather(scene, found, "api notifications", json.dumps(api.json(), ensure_ascii=False))
    assert not found, _report(found)


def test_certificate_pdfs_label_everything_in_english_too(scene, english):
    from services.models import Authority

    seals = list(Authority.objects.values_list("name_zh", flat=True))
    client = english("applicant")
    found: dict = {}
    for certificate in scene.objects["certificates"]:
        response = client.get(f"/api/v1/certificates/{certificate.pk}/pdf/")
        assert response.status_code == 200
        text = check.without_seals(check.pdf_text(b"".join(response.streaming_content)), seals)
        assert re.search(r"\b(LICENCE|PERMIT)\b", text), certificate.number  # the English title
        gaps = check.bilingual_gaps(text)
        if gaps:
            found[f"certificate {certificate.number}"] = gaps
    assert not found, _report(found)


def test_the_dashboard_charts_and_exports_are_in_english(scene, english):
    client = english("supervisor")
    found: dict = {}
    page = client.get("/dashboard/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    _gather(scene, found, "charts", check.svg_text(page.content.decode()))
    for table in ("services", "cases"):
        csv = client.get(f"/dashboard/export/{table}.csv")
        assert csv.status_code == 200
        _gather(scene, found, f"{table}.csv", csv.content.decode("utf-8-sig"))
        xlsx = client.get(f"/dashboard/export/{table}.xlsx")
        assert xlsx.status_code == 200
        _gather(scene, found, f"{table}.xlsx", check.xlsx_text(xlsx.content))
    review = scene.objects["review"]
    for path in (f"/supervision/reviews/{review.pk}/report.xlsx?lang=en",
                 f"/api/v1/case-reviews/{review.pk}/report.xlsx?lang=en"):
        response = client.get(path)
        assert response.status_code == 200, path
        _gather(scene, found, path, check.xlsx_text(response.content))
    pdf = client.get(f"/api/v1/case-reviews/{review.pk}/report.pdf?lang=en")
    assert pdf.status_code == 200
    _gather(scene, found, "review.pdf", check.pdf_text(pdf.content))
    assert not found, _report(found)


def test_api_errors_are_in_english(scene, english):
    c = scene.cases
    found: dict = {}
    applicant, intake, legal = english("applicant", api=True), english("intake", api=True), english("legal", api=True)
    answers = {
        "bad filing": applicant.post("/api/v1/applications/", {"service": "no-such-service", "data": {}},
                                     format="json"),
        "bad details": applicant.patch(f"/api/v1/applications/{c['draft'].pk}/",
                                       {"data": {"contact_phone": "not a phone", "credit_code": "123"}}, format="json"),
        "upload without a file": applicant.post(f"/api/v1/applications/{c['draft'].pk}/materials/",
                                                {"material": "floor-plan"}, format="multipart"),
        "accept twice": intake.post(f"/api/v1/applications/{c['paused'].pk}/accept/", format="json"),
        "refuse without reason": intake.post(f"/api/v1/applications/{c['submitted'].pk}/refuse-acceptance/",
                                             {"reason": ""}, format="json"),
        "not yours": legal.post(f"/api/v1/applications/{c['submitted'].pk}/accept/", format="json"),
        "someone else's case": english("crj", api=True).get(f"/api/v1/applications/{c['draft'].pk}/"),
        "no such notice": applicant.get("/api/v1/notices/999999/"),
        "anonymous": english(api=True).get("/api/v1/applications/"),
        "bad status query": english(api=True).get("/api/v1/status/", {"case_number": "x"}),
    }
    for name, response in answers.items():
        assert 400 <= response.status_code < 500, (name, response.status_code)
        _gather(scene, found, f"{name} {response.status_code}", response.content.decode())
    assert not found, _report(found)


def test_the_check_finds_chinese_and_full_width_punctuation_but_passes_user_data_and_proper_names():
    assert check.untranslated("Handled by：e-intake", user_data=[])
    assert check.untranslated("Status 审查中", user_data=[])
    assert check.untranslated("Applicant: 云南省测试研究所（玉溪）", user_data=["云南省测试研究所"])
    assert not check.untranslated("Applicant: 云南省测试研究所, licence SCXK(滇)2026-0001, “quoted”",
                                  user_data=["云南省测试研究所"])
    assert check.visible_text('<p title="提示">x<script>var a = "中文";</script></p>') == "提示\nx"
