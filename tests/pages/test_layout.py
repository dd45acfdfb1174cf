"""Every page of the axe walk on a phone (375 CSS px) and at 200 % zoom (适老化: older users enlarge the
text), in zh-hans and English: the page body never scrolls sideways and no text is pushed out of the
viewport (wide tables scroll inside their own container instead). The admin's change lists fit 1280 px.

200 % is emulated as Chromium's own page zoom lays it out: a 1280 x 900 window at 200 % is a viewport of
640 x 450 CSS px drawn at device scale factor 2. Injecting `html { font-size: 200% }` would test nothing
here, because the style sheet sets its font sizes in px, which a root font size does not scale, while
the browser's zoom (what a user presses) scales px and everything else alike."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from django.conf import settings

from .test_axe import login_cookie, scene, visits  # noqa: F401  (scene is the axe walk's fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("TONGBAN_PAGE_SHOTS", Path(tempfile.gettempdir()) / "tongban-page-shots")) / "layout"
SIZES = {"phone-375": ({"width": 375, "height": 812}, 1), "zoom-200": ({"width": 640, "height": 450}, 2)}
# Pages whose screenshots are kept at each size (the ones this layout work changed most).
SHOWN = {"intake-queue", "intake-case", "reviewer-paused-case", "supervisor-dashboard", "applicant-tasks",
         "register", "supervisor-board"}

# Text outside the viewport and outside any scroll container: content a user at this size cannot reach.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const lost = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".skip-link")) continue;
    const text = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.getClientRects().length) continue;
    let inside = false;
    for (let p = el; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "auto" || s.overflowX === "scroll" || s.clip !== "auto") { inside = true; break; }
    }
    if (inside) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 || r.left < -1) {
      const what = `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`;
      lost.push(`${what}: ${el.textContent.trim().slice(0, 40)}`);
    }
  }
  // For the message: the outermost elements wider than the viewport outside a scroll container.
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 1 || el.closest(".skip-link")) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "auto" || s.overflowX === "scroll" || s.clip !== "auto") { inside = true; break; }
    }
    if (!inside) wide.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(r.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, client: width, lost: lost.slice(0, 5), wide: wide.slice(-5)};
}"""


def test_every_page_fits_a_phone_and_200_percent_zoom(scene, live_server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    accounts = {"applicant": scene["applicant"].user, **{k: v.user for k, v in scene["officers"].items()},
                **scene["accounts"]}
    by_who: dict = {}
    for name, who, path in visits(scene):
        by_who.setdefault(who, []).append((name, path))
    failures: dict[str, dict] = {}
    checked = 0
    for size, (viewport, scale) in SIZES.items():
        for language in ("zh-hans", "en"):
            for who, pages in by_who.items():
                context = browser.new_context(viewport=viewport, device_scale_factor=scale, is_mobile=False,
                                              locale="en-GB" if language == "en" else "zh-CN")
                context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
                if who is not None:
                    login_cookie(context, base, accounts[who])
                page = context.new_page()
                page.set_default_timeout(15_000)
                for name, path in pages:
                    page.goto(base + path)
                    measured = page.evaluate(OVERFLOW)
                    checked += 1
                    if measured["scroll"] > measured["client"] or measured["lost"]:
                        failures[f"{name}-{language}-{size}"] = measured
                    if name in SHOWN:
                        page.screenshot(path=str(SHOTS / f"{name}-{language}-{size}.png"), full_page=True)
                context.close()
    assert checked == 4 * len(visits(scene))
    assert not failures, failures


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("layout-admin", "admin@example.org", "pass-word-123")


def test_the_admin_change_lists_fit_1280_px(scene, superuser, live_server, browser):  # noqa: F811
    """Every registered model's change list: the results table fits its container without a sideways
    scroll (Django's admin puts it in a scroll box, which hides columns at 1280 px)."""
    from django.contrib import admin

    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    login_cookie(context, base, superuser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    too_wide = {}
    for model in admin.site._registry:
        meta = model._meta
        page.goto(f"{base}/admin/{meta.app_label}/{meta.model_name}/")
        if not page.locator("#result_list").count():
            continue
        width = page.evaluate("() => { const t = document.querySelector('#result_list');"
                              " return [t.scrollWidth, t.closest('.results').clientWidth]; }")
        if width[0] > width[1]:
            too_wide[f"{meta.app_label}.{meta.model_name}"] = width
    context.close()
    assert not too_wide, too_wide
