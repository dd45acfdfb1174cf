"""The hooks through which other apps put their deadlines on 电子监察 and the queue, and their sections on
the case pages, without licensing importing them."""

import datetime as dt

import pytest

from django.urls import reverse

from licensing import hooks
from licensing.hooks import CasePanel, WatchedDeadline

from .conftest import at

pytestmark = pytest.mark.django_db


def _deadline(reference: str, warning: str, due: dt.date, **kw) -> WatchedDeadline:
    return WatchedDeadline(kind="承诺核查", reference=reference, due_on=due, warning=warning, **kw)


def test_deadlines_are_ordered_red_first_then_by_date(monkeypatch):
    seen = {}

    def source(*, authority_id, on):
        seen["args"] = (authority_id, on)
        return [_deadline("G-2", "green", dt.date(2026, 1, 2)), _deadline("Y-1", "yellow", dt.date(2026, 1, 5)),
                _deadline("R-2", "red", dt.date(2025, 12, 30)), _deadline("R-1", "red", dt.date(2025, 12, 1))]

    monkeypatch.setattr(hooks, "board_sources", [source])
    found = hooks.watched_deadlines(authority_id=7, on=dt.date(2026, 1, 1))
    assert [d.reference for d in found] == ["R-1", "R-2", "Y-1", "G-2"]
    assert seen["args"] == (7, dt.date(2026, 1, 1))
    assert hooks.deadline_counts(found) == {"yellow": 1, "red": 2}


def test_a_source_is_registered_once():
    from django.core.exceptions import ImproperlyConfigured

    def source(**kw):
        return []

    hooks.register_queue_source(source)
    try:
        with pytest.raises(ImproperlyConfigured):
            hooks.register_queue_source(source)
    finally:
        hooks.queue_sources.remove(source)


def test_the_board_shows_other_apps_deadlines_of_its_own_authority(client, officers, monkeypatch):
    asked = []

    def source(*, authority_id, on):
        asked.append(authority_id)
        return [_deadline("SYXK-LATE", "red", dt.date(2025, 10, 10), url="/somewhere/", detail="已逾期"),
                _deadline("SYXK-CLOSE", "yellow", dt.date(2025, 10, 15)),
                _deadline("SYXK-CALM", "green", dt.date(2025, 12, 15))]

    monkeypatch.setattr(hooks, "board_sources", [source])
    client.force_login(officers["supervisor"].user)
    with at(dt.date(2025, 10, 14)):
        page = client.get(reverse("board")).content.decode()
    assert asked == [officers["supervisor"].authority_id]
    assert "SYXK-LATE" in page and 'href="/somewhere/"' in page and "SYXK-CLOSE" in page
    assert "SYXK-CALM" not in page  # only yellow and red are watched
    assert "黄牌 1 项，红牌 1 项" in page


def test_the_queue_lists_the_officers_other_duties(client, officers, monkeypatch):
    def source(*, user, on):
        return [_deadline(f"DUTY-{user.username}", "yellow", on)] if user == officers["intake"].user else []

    monkeypatch.setattr(hooks, "queue_sources", [source])
    client.force_login(officers["intake"].user)
    page = client.get(reverse("workbench")).content.decode()
    assert "DUTY-t-intake" in page and "其他待办" in page
    client.force_login(officers["reviewer"].user)
    assert "其他待办" not in client.get(reverse("workbench")).content.decode()


def test_case_pages_show_the_panels_for_their_audience(client, officers, file_application, monkeypatch):
    app = file_application()
    audiences = []

    def panel(*, application, user, audience):
        audiences.append(audience)
        if audience == "officer":
            return CasePanel(title=f"信用记录 {application.case_number}", template="licensing/_watched.html")
        return None

    monkeypatch.setattr(hooks, "case_panel_sources", [panel])
    client.force_login(officers["intake"].user)
    page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
    assert f"信用记录 {app.case_number}" in page
    client.force_login(app.applicant.user)
    page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert "信用记录" not in page
    assert audiences == ["officer", "applicant"]
