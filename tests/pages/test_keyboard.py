"""Keyboard only (Playwright's keyboard.press and keyboard.type, never a click): the lab animal filing,
the correction, an officer's accept → recommend → approve and a certificate verification. At every
Tab stop the focus is visible (the :focus-visible outline is drawn), the skip link is the first stop
and moves the focus to <main>, a whole page can be tabbed through and back (no keyboard trap), and a
failed submit puts the focus on the error summary. Typing a URL into the address bar is keyboard use
too, so page.goto opens pages. The filing is done from the login form to the receipt: the details typed
and chosen with the arrow keys, every material uploaded through the file chooser opened with Space (the
system's dialog), the commitments signed, the declaration ticked; the other accounts log in by cookie."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from django.conf import settings
from django.utils import timezone

from certificates.links import verify_url
from certificates.models import Certificate
from licensing import workflow
from licensing.constants import State
from licensing.models import Application
from services.models import MaterialMode
from tests.licensing.conftest import PDF_BYTES, lab_data

from .test_axe import login_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_STOPS = 150
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's

# The focused element, whether the browser draws its focus (an outline of at least 2 px, or a ring
# drawn with box-shadow from the :focus-visible rule) and a short description for messages. A date
# field's last Tab stop is Chromium's own calendar button inside the field: there the field matches
# neither :focus nor :focus-visible (the page's ring cannot be drawn) and the browser rings the button.
FOCUS = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body", visible: false, text: "", href: "", on: false};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const rect = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
          text: (el.innerText || el.value || "").trim().slice(0, 30), focusVisible: el.matches(":focus-visible"),
          visible: outline && rect.width > 0 && rect.height > 0, href: el.getAttribute("href") || "",
          picker: el.type === "date" && !el.matches(":focus-visible"), on: !!selector && el.matches(selector)};
}"""


def focused(page, selector: str = "") -> dict:
    """The focused element; `on`: whether it matches `selector`."""
    return page.evaluate(FOCUS, selector)


def tab_to(page, selector: str, *, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focus is on `selector`; every stop on the way shows its focus."""
    for _ in range(MAX_STOPS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page, selector)
        if now["tag"] != "body":
            assert now["visible"] or now["picker"], f"focus not visible on {now} ({page.url})"
        if now.pop("on"):
            return now
    raise AssertionError(f"{selector} not reached by keyboard on {page.url}")


def press_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def open_file_chooser(page, selector: str = "input[type=file]"):
    """Tab to the file field and press Space: the system's file dialog opens (Playwright holds it).

    On a loaded machine Chromium once opened no dialog for the press (a 45 s wait ran out), so the
    press waits until the page has painted two frames, and a press that opened nothing within 10 s
    is repeated, as a user would, with the focus checked to be on the field each time."""
    tab_to(page, selector)
    for _ in range(3):
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        assert focused(page, selector)["on"], focused(page)
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"Space on {selector} opened no file dialog ({page.url})")


def path(page) -> str:
    return urlsplit(page.url).path


def type_into(page, selector: str, text: str) -> None:
    """Tab to a text field, select what it holds (a draft may be prefilled) and type over it."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    assert page.input_value(selector) == text, (selector, page.input_value(selector))


def choose(page, selector: str, value: str) -> None:
    """Tab to a closed <select> and move through its options with the arrow keys until `value`."""
    tab_to(page, selector)
    options = page.eval_on_selector(selector, "s => [...s.options].map(o => o.value)")
    assert value in options, (selector, value, options)
    page.keyboard.press("Home")
    for _ in range(options.index(value)):
        page.keyboard.press("ArrowDown")
    assert page.input_value(selector) == value, (selector, page.input_value(selector))


def type_date(page, selector: str, day: dt.date) -> None:
    """Tab into an <input type=date> and type the date segment by segment. The segments' order follows
    the browser's own language, not the page's (Chromium in English: month, day, year), so each order
    is tried: typing into a segment that holds a value replaces it, and Shift+Tab, Tab starts again."""
    year, month, date = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    orders = ((month, date, year), (year, "ArrowRight", month, date), (date, month, year))
    tab_to(page, selector)
    for keys in orders:
        for key in keys:
            page.keyboard.press(key) if key == "ArrowRight" else page.keyboard.type(key)
        if page.input_value(selector) == day.isoformat():
            return
        for _ in range(4):  # back out of the field, whichever segment holds the focus, and in again
            page.keyboard.press("Shift+Tab")
            if not page.evaluate("s => document.activeElement.matches(s)", selector):
                break
        tab_to(page, selector)
    raise AssertionError(f"{selector}: {page.input_value(selector)!r}, not {day} typed")


def new_page(browser, base: str, user=None, language: str = "zh-hans"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    if user is not None:
        login_cookie(context, base, user)
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded 2-core CI machine
    return page


def skip_link_first(page) -> None:
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["href"] == "#main" and first["visible"], first
    assert first["text"] in ("跳到主要内容", "Skip to main content"), first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def no_trap(page) -> None:
    """Tab through the whole page until the focus wraps around to the skip link, then Shift+Tab back."""
    page.keyboard.press("Tab")
    stops = [focused(page)]
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["href"] == "#main":
            break
        if now["tag"] == "body":
            continue  # past the last stop: the browser's own controls, then the page again
        assert now != stops[-1], f"Tab does not move on from {now} ({page.url})"
        stops.append(now)
    else:
        raise AssertionError(f"the focus never wraps around on {page.url}: {stops[-3:]}")
    assert len(stops) > 5, stops
    page.keyboard.press("Shift+Tab")  # from the skip link back to the page's last stop
    assert focused(page)["tag"] != "body"


@pytest.fixture
def scene(officers, applicant, file_application, issued):
    today = timezone.localdate()
    certificate = Certificate.objects.get(application=issued(on=dt.date(2026, 3, 2)))
    correcting = file_application(on=today)
    workflow.application_request_correction(application=correcting, actor=officers["intake"].user, items=[
        {"material": "floor-plan", "reason": "平面图未标明动物流向"}])
    to_review = file_application(on=today)
    return {"certificate": certificate, "correcting": correcting, "to_review": to_review,
            "applicant": applicant, "officers": officers}


def test_keyboard_only_filing_correction_review_and_verification(scene, live_server, browser):
    base = live_server.url
    applicant = scene["applicant"]

    # --- the lab animal filing, end to end: log in through the form, choose the service, fill the
    # details, upload every material through the file chooser, sign the commitments, declare and submit.
    page = new_page(browser, base)
    page.goto(f"{base}/applications/new/")  # not logged in: the login form, which comes back here
    assert path(page) == "/accounts/login/", page.url
    skip_link_first(page)
    tab_to(page, "#id_username")
    page.keyboard.type(applicant.user.username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    press_and_wait(page)
    assert path(page) == "/applications/new/", page.url  # the fragment (#main) survives the redirect
    tab_to(page, "input[name=service]")
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "service-lab-animal-production":
            break
        page.keyboard.press("ArrowDown")  # arrows move within a radio group, and select
    if not page.is_checked("#service-lab-animal-production"):
        page.keyboard.press("Space")  # the group's first radio, reached by Tab, is focused but not chosen
    assert page.is_checked("#service-lab-animal-production")
    tab_to(page, "button.button")
    before = set(Application.objects.filter(applicant=applicant).values_list("pk", flat=True))
    press_and_wait(page)
    (draft,) = Application.objects.filter(applicant=applicant).exclude(pk__in=before)
    assert path(page) == f"/applications/{draft.pk}/", page.url
    no_trap(page)

    tab_to(page, f'a[href$="/applications/{draft.pk}/details/"]')
    press_and_wait(page)
    data = lab_data()
    for name in ("unit_name", "credit_code", "legal_representative"):
        type_into(page, f"#id_{name}", data[name])
    choose(page, "#id_city", data["city"])
    for name in ("facility_address", "contact_name", "contact_phone"):
        type_into(page, f"#id_{name}", data[name])
    (row,) = data["scope"]
    choose(page, "#id_scope_0_environment", row["environment"])
    for species in row["species"]:
        tab_to(page, f"input[name=scope_0_species][value={species}]")
        page.keyboard.press("Space")
    assert page.locator("input[name=scope_0_species]:checked").count() == len(row["species"])
    tab_to(page, "button[name=next][value=tasks]")
    press_and_wait(page)
    assert path(page) == f"/applications/{draft.pk}/", page.inner_text("main")
    draft.refresh_from_db()
    assert draft.data["scope"] == data["scope"] and draft.data["city"] == data["city"], draft.data
    assert all(draft.data[k] == data[k] for k in data if k != "scope"), draft.data

    to_do = [m for m in draft.service_type.materials.all() if m.accepts_upload and m.required]
    assert {m.mode for m in to_do} == {MaterialMode.UPLOAD, MaterialMode.COMMITMENT}, to_do
    for number, material in enumerate(to_do):
        tab_to(page, f'main a[href$="/applications/{draft.pk}/materials/{material.code}/"]')
        press_and_wait(page)
        if material.mode == MaterialMode.COMMITMENT:
            tab_to(page, "main form:has(input[name=action][value=sign]) button")
        else:
            # a different file for each material (the same one twice would ask for a confirmation)
            open_file_chooser(page).set_files(files=[{"name": f"{material.code}.pdf", "mimeType": "application/pdf",
                                            "buffer": PDF_BYTES + f"\n% material {number}\n".encode()}])
            if material.max_age_days:
                type_date(page, "#id_document_date", timezone.localdate())
            tab_to(page, "main form:has(input[name=action][value=upload]) button")
        press_and_wait(page)
        assert path(page) == f"/applications/{draft.pk}/", f"{material.code}: {page.inner_text('main')}"
        assert page.locator(".notice-success").count() == 1, f"{material.code}: {page.inner_text('main')}"
    kinds = dict(draft.submissions.values_list("material__code", "kind"))  # the newest of each material
    assert all(kinds.get(m.code) == ("commitment" if m.mode == MaterialMode.COMMITMENT else "upload")
               for m in to_do), kinds

    tab_to(page, f'a[href$="/applications/{draft.pk}/check/"]')
    press_and_wait(page)
    tab_to(page, "#id_declaration")
    page.keyboard.press("Space")
    assert page.is_checked("#id_declaration")
    tab_to(page, "main form button.button")
    press_and_wait(page)
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED, page.inner_text("main")
    assert path(page) == f"/applications/{draft.pk}/submitted/", page.url
    assert draft.case_number in page.inner_text("#receipt") or draft.case_number in page.inner_text("main")
    assert page.locator("#status-password").inner_text().strip(), page.inner_text("main")
    page.context.close()

    # --- the correction: upload the floor plan again through the file chooser, then resubmit.
    correcting = scene["correcting"]
    page = new_page(browser, base, applicant.user)
    page.goto(f"{base}/applications/{correcting.pk}/")
    tab_to(page, "section.correction a[href*='/materials/floor-plan/']")
    press_and_wait(page)
    open_file_chooser(page).set_files(files=[{"name": "floor-plan.pdf", "mimeType": "application/pdf",
                                    "buffer": PDF_BYTES + b"\n% redrawn with the animal flow\n"}])
    tab_to(page, "main form button.button")
    press_and_wait(page)
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")
    page.goto(f"{base}/applications/{correcting.pk}/")
    tab_to(page, "section.correction button")
    press_and_wait(page)
    correcting.refresh_from_db()
    assert correcting.state == State.SUBMITTED, page.inner_text("main")
    page.context.close()

    # --- an officer's accept → recommend → approve, each from the case page's actions panel.
    case = scene["to_review"]
    for role, verb, opinion in (("intake", "accept", ""), ("reviewer", "recommend", "材料齐全，建议准予许可。"),
                                ("approver", "approve", "准予许可。")):
        page = new_page(browser, base, scene["officers"][role].user)
        page.goto(f"{base}/workbench/cases/{case.pk}/")
        if role == "intake":
            no_trap(page)
            page.goto(f"{base}/workbench/cases/{case.pk}/")
        tab_to(page, f"#action-{verb} > summary")
        if page.get_attribute(f"#action-{verb}", "open") is None:
            page.keyboard.press("Enter")  # open the action's <details>
        if opinion:
            tab_to(page, f"#id_{verb}-opinion")
            page.keyboard.type(opinion)
        tab_to(page, f"#action-{verb} button")
        press_and_wait(page)
        assert page.locator(".notice-success").count() == 1, f"{verb}: {page.inner_text('main')}"
        page.context.close()
    case.refresh_from_db()
    assert case.state in (State.APPROVED, State.ISSUED), case.state

    # --- a certificate verification: type (paste) the QR's link into the verification form.
    page = new_page(browser, base, language="en")
    page.goto(f"{base}/verify/")
    skip_link_first(page)
    tab_to(page, "#code")
    page.keyboard.type(verify_url(cose=bytes(scene["certificate"].token)))
    press_and_wait(page)
    assert page.locator(".verdict").count() >= 1 and scene["certificate"].number in page.inner_text(
        "main"), page.inner_text("main")
    page.context.close()


def test_a_failed_submit_puts_the_focus_on_the_error_summary(scene, live_server, browser, file_application):
    """The details form with a phone number that is not one, submitted with Enter: the page that comes
    back has its focus on the error summary, and the summary's first link leads to the field."""
    base = live_server.url
    draft = file_application(on=timezone.localdate(), submit=False)
    page = new_page(browser, base, scene["applicant"].user)
    page.goto(f"{base}/applications/{draft.pk}/details/")
    tab_to(page, "#id_contact_phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("not a phone")
    tab_to(page, "button[name=next][value=tasks]")
    press_and_wait(page)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
    assert page.locator("#error-summary").is_visible()
    tab_to(page, "#error-summary a")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_contact_phone'")
    page.context.close()


def test_the_filter_box_of_the_nationality_select_announces_its_matches(scene, live_server, browser,
                                                                        file_application):
    """A status change without a page load: typing in the filter box updates a polite live region."""
    base = live_server.url
    one_stop = file_application(on=timezone.localdate(), service="foreign-talent-one-stop", submit=False)
    page = new_page(browser, base, scene["applicant"].user)
    page.goto(f"{base}/applications/{one_stop.pk}/details/")
    tab_to(page, "#id_nationality-filter")
    page.keyboard.type("Germ")
    region = page.locator("#id_nationality-status")
    assert region.get_attribute("aria-live") == "polite"
    page.wait_for_function("document.getElementById('id_nationality-status').textContent.trim() !== ''")
    announced = region.text_content()
    assert "1" in announced, announced
    assert page.input_value("#id_nationality") == "DEU"
    page.context.close()
