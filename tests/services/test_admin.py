"""The admin for the catalog, the calendar, authorities, staff and applicants: every page loads for
a superuser; published service type versions are read-only; calendar edits reach the calendar."""

import pytest

from django.contrib import admin
from django.urls import reverse

from services.calendar import get_calendar
from services.constants import DaySource, VersionStatus
from services.models import CalendarDay, CalendarYear, Material, ServiceType
from tests.factories import ApplicantFactory, make_officer

from .official_schedules import d

APPS = {"services", "licensing"}
REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry if model._meta.app_label in APPS
)


@pytest.fixture
def populated(catalog):
    """At least one row of every catalog and account model, so that change pages can be opened."""
    make_officer("admin-test-officer", "yn-kjt", "intake", "reviewer")
    ApplicantFactory()


def _model_admin(app_label: str, model_name: str):
    return next(
        model_admin for model, model_admin in admin.site._registry.items()
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
    )


def test_the_catalog_models_are_registered():
    assert {name for app, name in REGISTERED if app == "services"} >= {
        "authority", "staffrole", "officer", "servicetype", "material", "calendaryear", "calendarday",
    }
    assert ("licensing", "applicant") in REGISTERED


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_changelist_add_and_change_pages_load(populated, admin_client, app_label, model_name):
    model_admin = _model_admin(app_label, model_name)
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(changelist, {"q": "2025"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
    for obj in model_admin.model._default_manager.all()[:3]:
        change = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200, change


def test_a_published_service_type_change_page_is_read_only(catalog, admin_client):
    published = ServiceType.objects.get(code="lab-animal-production")
    url = reverse("admin:services_servicetype_change", args=[published.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_view_permission"] is True
    assert 'name="_save"' not in response.content.decode()
    model_admin = _model_admin("services", "servicetype")
    assert model_admin.has_change_permission(response.wsgi_request, published) is False
    assert model_admin.has_delete_permission(response.wsgi_request, published) is False


def test_posting_to_a_published_service_type_is_refused(catalog, admin_client):
    published = ServiceType.objects.get(code="lab-animal-use")
    url = reverse("admin:services_servicetype_change", args=[published.pk])
    response = admin_client.post(url, {"name_zh": "篡改", "committed_limit": 1})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.committed_limit == 14


def test_a_material_of_a_published_version_is_read_only(catalog, admin_client):
    material = Material.objects.get(service_type__code="lab-animal-use", code="floor-plan")
    response = admin_client.get(reverse("admin:services_material_change", args=[material.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_the_admin_actions_draft_and_publish_a_new_version(catalog, admin_client):
    published = ServiceType.objects.get(code="lab-animal-cancel")
    changelist = reverse("admin:services_servicetype_changelist")
    admin_client.post(changelist, {"action": "new_version", "_selected_action": [published.pk]})
    draft = ServiceType.objects.get(code="lab-animal-cancel", status=VersionStatus.DRAFT)
    assert draft.version == 2
    editable = admin_client.get(reverse("admin:services_servicetype_change", args=[draft.pk]))
    assert editable.context["has_change_permission"] is True
    admin_client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == (VersionStatus.RETIRED, VersionStatus.PUBLISHED)


def test_a_day_entered_in_the_admin_changes_the_calendar_after_commit(
    catalog, admin_client, django_capture_on_commit_callbacks
):
    friday = d("2026-10-09")
    assert get_calendar().is_working_day(friday)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:services_calendarday_add"),
            {"date": "2026-10-09", "is_workday": "", "name": "省内调整", "source": DaySource.BUNDLED},
        )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=friday).source == DaySource.ADMIN
    assert not get_calendar().is_working_day(friday)


def test_deleting_a_calendar_year_in_the_admin_makes_it_provisional_again(
    catalog, admin_client, django_capture_on_commit_callbacks
):
    year = CalendarYear.objects.get(year=2026)
    assert not get_calendar().is_provisional(d("2026-06-01"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:services_calendaryear_delete", args=[year.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert get_calendar().is_provisional(d("2026-06-01"))


def test_unticking_official_in_the_admin_makes_the_year_provisional(
    catalog, admin_client, django_capture_on_commit_callbacks
):
    year = CalendarYear.objects.get(year=2026)
    assert not get_calendar().is_provisional(d("2026-06-01"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:services_calendaryear_change", args=[year.pk]), {"year": 2026, "notice": year.notice}
        )
    assert response.status_code == 302
    assert get_calendar().is_provisional(d("2026-06-01"))


def test_deleting_calendar_years_in_bulk_makes_them_provisional_again(
    catalog, admin_client, django_capture_on_commit_callbacks
):
    years = CalendarYear.objects.filter(year__in=[2025, 2026])
    assert not get_calendar().any_provisional(d("2025-01-01"), d("2026-12-31"))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:services_calendaryear_changelist"),
            {"action": "delete_selected", "_selected_action": [y.pk for y in years], "post": "yes"},
        )
    assert not CalendarYear.objects.filter(year__in=[2025, 2026]).exists()
    assert get_calendar().is_provisional(d("2025-06-01"))
