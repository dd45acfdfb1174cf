"""Move the free-text licence number of older change, renewal and cancellation applications out of the
form data into `original_licence_number`, where filing, submission and issuing now read it."""

from django.db import migrations

OLD_KEY = "licence_number"


def forwards(apps, schema_editor):
    Application = apps.get_model("licensing", "Application")
    moved = []
    for application in Application.objects.filter(data__has_key=OLD_KEY).only("id", "data", "original_licence_number"):
        data = dict(application.data)
        number = str(data.pop(OLD_KEY) or "").strip()
        if not application.original_licence_number:
            application.original_licence_number = number[:40]
        application.data = data
        moved.append(application)
    Application.objects.bulk_update(moved, ["data", "original_licence_number"], batch_size=500)


def backwards(apps, schema_editor):
    Application = apps.get_model("licensing", "Application")
    restored = []
    for application in Application.objects.exclude(original_licence_number="").only("id", "data", "original_licence_number"):
        application.data = {**application.data, OLD_KEY: application.original_licence_number}
        restored.append(application)
    Application.objects.bulk_update(restored, ["data"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [("licensing", "0006_review_stages_correction_snapshot_issue_retry")]

    operations = [migrations.RunPython(forwards, backwards)]
