"""The supervisor's pages in a browser, in zh-hans and English, each checked with axe-core: create a plan
(only the commitment is public), draw it, and the public draw page's own script, run on the page's JSON,
prints the assignments the page shows."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from django.conf import settings

from supervision.models import InspectionPlan
from supervision.sealing import secret_seed
from tests.pages.test_axe import AXE, login_cookie, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "tongban-after-shots"


def open_page(browser, base: str, language: str, user):
    """A page of a new browser context in `language`, logged in as `user` (None: the public)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  locale="en-GB" if language == "en" else "zh-CN")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    if user is not None:
        login_cookie(context, base, user)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def check_page(page, name: str, language: str, found: dict) -> None:
    """The page is in `language`, has its screenshot, and axe finds nothing (else it is noted in `found`)."""
    assert page.locator("html").get_attribute("lang") == language, name
    assert page.locator("main#main").count() == 1, f"{name}: no main landmark"
    page.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=True)
    violations = run_axe(page)
    if violations:
        found[f"{name}-{language}"] = violations


def test_a_supervisor_creates_and_draws_a_plan_and_the_public_page_recomputes_it(
        live_server, browser, officers, inspectors, manual_targets, tmp_path):
    assert AXE.exists(), "run `make node-deps` (npm ci) to install axe-core"
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    found: dict[str, list] = {}
    for language in ("zh-hans", "en"):
        context, page = open_page(browser, base, language, officers["supervisor"].user)
        def check(name: str, page=page, language=language) -> None:
            check_page(page, name, language, found)

        page.goto(f"{base}/supervision/")
        check("supervision-home")
        title = f"抽查 {language}"
        page.fill("#id_plan-year", "2026")
        page.fill("#id_plan-title", title)
        page.select_option("#id_plan-item", "lab-animal-licence-conditions")
        page.fill("#id_plan-targets_count", "4")
        page.fill("#id_plan-groups", "2")
        page.fill("#id_plan-group_size", "2")
        with page.expect_navigation():
            page.locator("form:has(input[name=kind][value=plan]) button").click()
        plan = InspectionPlan.objects.get(title=title)
        assert page.url.endswith(f"/supervision/plans/{plan.pk}/")
        check("supervision-plan-new")
        public = context.new_page()
        public.goto(f"{base}/inspection-draws/{plan.pk}/")
        text = public.content()
        assert plan.seed_commitment in text and secret_seed(plan) not in text
        public.close()
        with page.expect_navigation():
            page.locator(f"form[action='/supervision/plans/{plan.pk}/draw/'] button").click()
        plan.refresh_from_db()
        assert plan.is_drawn and plan.seed
        check("supervision-plan-drawn")
        page.goto(f"{base}/inspection-draws/{plan.pk}/")
        check("public-draw")
        shown = page.content()
        assert plan.seed in shown
        script = html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", shown, re.S).group(1))
        published = page.request.get(f"{base}/api/v1/public/inspection-draws/{plan.pk}/").json()
        (tmp_path / "draw.json").write_text(json.dumps(published), encoding="utf-8")
        (tmp_path / "recompute.py").write_text(script, encoding="utf-8")
        run = subprocess.run([sys.executable, "recompute.py", "draw.json"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        printed = run.stdout.splitlines()
        assert [line.split(" ")[0] for line in printed] == plan.draw["selected_targets"]
        for line, assignment in zip(printed, published["assignments"], strict=True):
            assert line == f"{assignment['target']} {assignment['group']} {assignment['substitutions']}"
            assert assignment["target"] in shown
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
