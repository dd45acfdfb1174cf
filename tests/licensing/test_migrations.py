"""Data migrations: what an older database held is moved where the code now reads it."""

import importlib

import pytest

from django.apps import apps

from licensing.models import Application

migration = importlib.import_module("licensing.migrations.0007_original_licence_number_from_form_data")


@pytest.mark.django_db
def test_free_text_licence_number_moves_out_of_the_form_data(file_application):
    old = file_application(submit=False)
    Application.objects.filter(pk=old.pk).update(data={**old.data, "licence_number": " SCXK(滇)2021-0003 "})
    kept = file_application(submit=False, data=None)
    Application.objects.filter(pk=kept.pk).update(
        data={**kept.data, "licence_number": "SCXK(滇)2020-0001"}, original_licence_number="SCXK(滇)2024-0009")
    untouched = file_application(submit=False)

    migration.forwards(apps, None)

    old.refresh_from_db(), kept.refresh_from_db(), untouched.refresh_from_db()
    assert old.original_licence_number == "SCXK(滇)2021-0003"
    assert "licence_number" not in old.data and old.data["unit_name"]
    assert kept.original_licence_number == "SCXK(滇)2024-0009", "a number already chosen is not overwritten"
    assert "licence_number" not in kept.data
    assert untouched.original_licence_number == "" and "licence_number" not in untouched.data


@pytest.mark.django_db
def test_the_move_can_be_reversed(file_application):
    app = file_application(submit=False)
    Application.objects.filter(pk=app.pk).update(original_licence_number="SYXK(滇)2022-0004")
    migration.backwards(apps, None)
    app.refresh_from_db()
    assert app.data["licence_number"] == "SYXK(滇)2022-0004"
