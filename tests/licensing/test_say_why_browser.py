"""The "say why" parts of the pages in a real browser, in zh-hans and English: the applicant's next
step, the printable receipt with the query password, the status page, the officer's who-acts-next
line, the legends, the board's and the dashboard's scope, the monthly chart with an empty month.
Each part is visible and passes axe-core (WCAG 2.2 AA and best practice) on its own elements;
screenshots go to the screenshot folder (tests.conftest.SHOTS)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensing import workflow
from tests.conftest import SHOTS

from .conftest import at, lab_data, recommend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
D = dt.date


def _decided(file_application, officers, *, filed: dt.date, accepted: dt.date, decided: dt.date):
    app = file_application(on=filed)
    with at(accepted):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(decided):
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    return app


@pytest.fixture
def scene(officers, applicant, file_application):
    submitted = file_application(on=D(2025, 9, 25))
    # Drafts dated today, submitted in the browser's present (the session's expiry counts from now).
    drafts = {language: file_application(on=timezone.localdate(), submit=False) for language in ("zh-hans", "en")}
    own_red = file_application(on=D(2025, 9, 25))
    kunming = file_application(on=D(2025, 9, 25), data=lab_data(city="昆明市"))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=own_red, actor=officers["intake"].user)
        workflow.application_accept(application=kunming, actor=officers["km_intake"].user)
    # Decisions in October and December 2025: November shows as an empty month.
    _decided(file_application, officers, filed=D(2025, 9, 25), accepted=D(2025, 9, 26), decided=D(2025, 10, 17))
    _decided(file_application, officers, filed=D(2025, 11, 24), accepted=D(2025, 11, 25), decided=D(2025, 12, 5))
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    tracks = {t.service_type.code: t for t in joint.tracks.all()}
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=tracks["foreign-work-permit"], actor=officers["intake"].user)
        workflow.application_accept(application=tracks["foreign-residence-permit"], actor=officers["crj"].user)
    with at(D(2025, 9, 30)):
        recommend(tracks["foreign-residence-permit"], officers["crj"])
    return {"submitted": submitted, "drafts": drafts, "residence": tracks["foreign-residence-permit"],
            "applicant": applicant, "officers": officers}


def _cookie(context, base: str, client: Client) -> None:
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def _axe(page, selectors: list[str]) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("([include, tags]) => axe.run({include: include}, {runOnly: {type: 'tag', values: tags}})",
                           [[[s] for s in selectors], TAGS])
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]


def test_say_why_pages_in_both_languages(scene, live_server, browser):
    assert AXE.exists(), "run `make node-deps` (npm ci) to install axe-core"
    base = live_server.url
    officers = scene["officers"]
    found: dict[str, list] = {}
    for language in ("zh-hans", "en"):

        def open_as(user=None, client=None, language=language):
            context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                          locale="en-GB" if language == "en" else "zh-CN")
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
            if user is not None:
                client = Client()
                client.force_login(user)
            if client is not None:
                _cookie(context, base, client)
            page = context.new_page()
            page.set_default_timeout(15_000)
            return context, page

        def visit(page, name: str, path: str, selectors: list[str], language=language) -> None:
            response = page.goto(base + path)
            assert response.status == 200, f"{name}: {response.status}"
            for selector in selectors:
                assert page.locator(selector).first.is_visible(), f"{name}: {selector} not visible"
            page.screenshot(path=str(SHOTS / f"say-why-{name}-{language}.png"), full_page=True)
            violations = _axe(page, selectors)
            if violations:
                found[f"{name}-{language}"] = violations

        # The applicant files (the query password is kept in the session for one view) and prints it.
        filer = Client()
        filer.force_login(scene["applicant"].user)
        draft = scene["drafts"][language]
        assert filer.post(reverse("application-check", args=[draft.pk]), {"declaration": "on"}).status_code == 302
        context, page = open_as(client=filer)
        visit(page, "receipt", reverse("application-submitted", args=[draft.pk]),
              ["#receipt", "#status-password", "[data-print]"])
        page.emulate_media(media="print")  # printed, the receipt stands alone: no header, footer or buttons
        assert page.locator("#status-password").is_visible() and not page.locator(".site-header").is_visible()
        assert not page.locator(".steps").is_visible() and not page.locator("[data-print]").is_visible()
        page.emulate_media(media="screen")
        visit(page, "applicant-case", reverse("application-detail", args=[scene["submitted"].pk]), [".next-step"])
        page.goto(base + reverse("application-submitted", args=[draft.pk]))
        assert page.locator("#status-password").count() == 0  # once only
        context.close()

        context, page = open_as()
        visit(page, "status", reverse("status-query"), ["#password-where"])
        context.close()

        context, page = open_as(officers["crj_approver"].user)
        visit(page, "residence-case", reverse("workbench-case", args=[scene["residence"].pk]),
              ["#waiting-on", "#unavailable-approve"])
        context.close()

        context, page = open_as(officers["reviewer"].user)  # the work permit track (category A) in review
        visit(page, "queue", reverse("workbench"), [".legend-colours", ".legend-categories"])
        context.close()

        context, page = open_as(officers["supervisor"].user)
        visit(page, "board", reverse("board"), ["#board-scope", ".legend-colours"])
        visit(page, "dashboard", reverse("metrics-dashboard") + "?service=lab-animal-production",
              ["#board-scope", "#board-per-authority", ".legend-colours", "#chart-trend"])
        assert page.locator("#chart-trend .empty-month").count() == 1  # November 2025
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
