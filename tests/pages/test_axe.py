"""axe-core (node_modules/axe-core, pinned by package.json) on every main page of every role, in zh-hans
and English, in the states a user meets (a form with errors, an open correction notice, an empty
queue, a paused case): WCAG 2.0/2.1/2.2 A and AA and best practice, 0 violations of any impact.
Screenshots go to TONGBAN_PAGE_SHOTS (default: a folder in the system's temporary directory)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

import pytest

from django.conf import settings
from django.test import Client

from certificates.links import verify_path
from certificates.models import Certificate
from licensing import workflow
from supervision.models import Inspection, InspectionPlan
from tests.licensing.conftest import lab_data
from tests.supervision.conftest import DRAW_DAY

from .conftest import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SHOTS = Path(os.environ.get("TONGBAN_PAGE_SHOTS", Path(tempfile.gettempdir()) / "tongban-page-shots"))
D = dt.date


@pytest.fixture
def scene(officers, applicant, file_application, issued, inspectors, manual_targets):
    """One applicant's cases in every state the pages show, the officers who see them, and a drawn
    random inspection plan with its inspections."""
    # The licence is the applicant's own (its holder code is the applicant's), so the after-licence pages
    # show it to them.
    certificate = Certificate.objects.get(application=issued(
        on=D(2026, 3, 2), data=lab_data(credit_code=applicant.credit_code, unit_name=applicant.name)))
    supervisor = Client()
    supervisor.force_login(officers["supervisor"].user)
    with at(DRAW_DAY):
        created = supervisor.post("/supervision/", {
            "kind": "plan", "plan-year": 2026, "plan-title": "2026年实验动物许可抽查",
            "plan-item": "lab-animal-licence-conditions", "plan-targets_count": 3, "plan-groups": 2,
            "plan-group_size": 2})
        assert created.status_code == 302, created.content.decode()[:2000]
        plan = InspectionPlan.objects.get()
        assert supervisor.post(f"/supervision/plans/{plan.pk}/draw/").status_code == 302
    inspection = Inspection.objects.filter(plan=plan).select_related("leader__officer__user").first()
    draft = file_application(on=D(2026, 11, 20), submit=False)
    one_stop = file_application(on=D(2026, 11, 20), service="foreign-talent-one-stop", submit=False)
    submitted = file_application(on=D(2026, 11, 23))
    correcting = file_application(on=D(2026, 11, 16))
    with at(D(2026, 11, 18)):
        workflow.application_request_correction(application=correcting, actor=officers["intake"].user, items=[
            {"material": "floor-plan", "reason": "平面图未标明动物流向"}])
    paused = file_application(on=D(2026, 11, 2))
    with at(D(2026, 11, 3)):
        workflow.application_accept(application=paused, actor=officers["intake"].user)
    with at(D(2026, 11, 5)):
        workflow.application_pause(application=paused, actor=officers["reviewer"].user, kind="site_inspection",
                                   expected_days=5, reason="现场核查屏障设施")
    return {"certificate": certificate, "draft": draft, "one_stop": one_stop, "submitted": submitted,
            "correcting": correcting, "plan": plan, "inspection": inspection,
            "paused": paused, "applicant": applicant, "officers": officers,
            "accounts": {"inspector": inspection.leader.officer.user}}


def visits(scene) -> list[tuple[str, str | None, str]]:
    """(name, who, path): who is None for the public, else a key of the scene's accounts."""
    applicant_cases = [("applicant-list", "applicant", "/applications/"),
                       ("applicant-tasks", "applicant", f"/applications/{scene['draft'].pk}/"),
                       ("applicant-correction", "applicant", f"/applications/{scene['correcting'].pk}/")]
    officer_pages = [("intake-queue", "intake", "/workbench/"),
                     ("intake-case", "intake", f"/workbench/cases/{scene['submitted'].pk}/"),
                     ("legal-queue-empty", "legal", "/workbench/"),
                     ("reviewer-paused-case", "reviewer", f"/workbench/cases/{scene['paused'].pk}/"),
                     ("supervisor-board", "supervisor", "/workbench/board/"),
                     ("supervisor-dashboard", "supervisor", "/dashboard/"),
                     ("403-applicant-on-workbench", "applicant", "/workbench/")]
    issued_case = scene["certificate"].application
    applicant_cases += [("applicant-new", "applicant", "/applications/new/"),
                        ("applicant-check", "applicant", f"/applications/{scene['draft'].pk}/check/"),
                        ("applicant-material", "applicant", f"/applications/{scene['draft'].pk}/materials/floor-plan/"),
                        ("applicant-issued-case", "applicant", f"/applications/{issued_case.pk}/"),
                        ("applicant-notifications", "applicant", "/notifications/"),
                        ("applicant-licences", "applicant", "/licences/"),
                        ("applicant-licence", "applicant", f"/licences/{scene['certificate'].pk}/"),
                        ("applicant-rating", "applicant", f"/applications/{issued_case.pk}/rating/"),
                        ("applicant-certificate", "applicant", f"/certificates/{scene['certificate'].pk}/")]
    officer_pages += [("approver-queue", "approver", "/workbench/"),
                      ("reviewer-aftercare-tasks", "reviewer", "/aftercare/tasks/"),
                      ("supervisor-aftercare-board", "supervisor", "/aftercare/board/"),
                      ("supervisor-supervision", "supervisor", "/supervision/"),
                      ("supervisor-plan", "supervisor", f"/supervision/plans/{scene['plan'].pk}/"),
                      ("inspector-inspections", "inspector", "/supervision/inspections/"),
                      ("inspector-inspection", "inspector", f"/supervision/inspections/{scene['inspection'].pk}/")]
    public = [("home", None, "/"), ("public-draws", None, "/inspection-draws/"),
              ("public-draw", None, f"/inspection-draws/{scene['plan'].pk}/"),
              ("guide", None, "/guide/"), ("guide-detail", None, "/guide/lab-animal-production/"),
              ("status", None, "/status/"), ("verify", None, "/verify/"),
              ("verify-valid", None, verify_path(cose=bytes(scene["certificate"].token))),
              ("register", None, "/register/"), ("404", None, "/no-such-page/"), ("login", None, "/accounts/login/")]
    return public + applicant_cases + officer_pages


def login_cookie(context, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def error_page_html(kind: str, language: str, user=None) -> tuple[int, str]:
    """A 500 (rendered as Django's server_error does) or a CSRF failure, to serve through the browser."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False,
                    headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    if kind == "csrf":
        response = client.post("/applications/new/", {"service": "lab-animal-production"})
    else:
        from django.template import loader
        from django.utils import translation

        with translation.override(language):
            return 500, loader.get_template("500.html").render()
    return response.status_code, response.content.decode()


def test_every_main_page_passes_axe_with_wcag22_and_best_practice(scene, live_server, browser):
    """Both languages in one test: the scene (an issued certificate among it) is built once."""
    assert AXE.exists(), "run `make node-deps` (npm ci) to install axe-core"
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict]] = {}
    checked: list[str] = []
    for language in ("zh-hans", "en"):
        check_language(language, scene, live_server.url, browser, found, checked)
    assert len(checked) == 2 * (len(visits(scene)) + 4), checked
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def check_language(language: str, scene, base: str, browser, found: dict, checked: list) -> None:
    accounts = {"applicant": scene["applicant"].user, **{k: v.user for k, v in scene["officers"].items()},
                **scene["accounts"]}

    def check(page, name: str) -> None:
        assert page.locator("main#main").count() == 1, f"{name}: no main landmark"
        assert page.locator("html").get_attribute("lang") == language, name
        page.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=True)
        violations = run_axe(page)
        checked.append(f"{name}-{language}")
        if violations:
            found[f"{name}-{language}"] = violations

    def context_for(who):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                      locale="en-GB" if language == "en" else "zh-CN")
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
        if who is not None:
            login_cookie(context, base, accounts[who])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return context, page

    by_who: dict = {}
    for name, who, path in visits(scene):
        by_who.setdefault(who, []).append((name, path))
    for who, pages in by_who.items():
        context, page = context_for(who)
        for name, path in pages:
            response = page.goto(base + path)
            expected = 403 if name.startswith("403") else 404 if name == "404" else 200
            assert response.status == expected, f"{name} {path}: {response.status}"
            check(page, name)
        if who == "applicant":
            # The details form with errors: a phone number that is not one.
            page.goto(f"{base}/applications/{scene['draft'].pk}/details/")
            page.fill("#id_contact_phone", "not a phone")
            with page.expect_navigation():
                page.locator("button[name=next][value=tasks]").click()
            assert page.locator(".error-summary").is_visible()
            check(page, "applicant-details-errors")
            # The nationality select with its filter box (static JS): typing a name narrows the options.
            page.goto(f"{base}/applications/{scene['one_stop'].pk}/details/")
            page.fill("#id_nationality-filter", "Germ")
            visible = page.eval_on_selector_all("#id_nationality option", "os => os.filter(o => !o.hidden && o.value)"
                                                ".map(o => o.value)")
            assert visible == ["DEU"], visible
            assert page.input_value("#id_nationality") == "DEU"
            check(page, "applicant-details-nationality")
        context.close()
    # The 500 and CSRF pages, served through the browser as the server sends them.
    context, page = context_for(None)
    for kind in ("500", "csrf"):
        status, html = error_page_html(kind, language, accounts["applicant"] if kind == "csrf" else None)
        assert status in (403, 500)

        def serve(route, request, html=html, status=status):
            route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")

        page.route(f"{base}/__{kind}__", serve)
        page.goto(f"{base}/__{kind}__")
        check(page, f"error-{kind}")
    context.close()


def test_the_axe_tags_include_wcag22_and_best_practice():
    # axe's own rule metadata: the tags asked for exist, so a typo cannot make the run check nothing.
    text = AXE.read_text(encoding="utf-8")
    for tag in TAGS:
        assert re.search(rf'"{tag}"', text), tag
