"""The application row keeps its case log's head (last sequence number and hash); existing cases take
the head of the rows they have, so `verify_case_log` can tell a removed tail from now on."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_heads(apps, schema_editor):
    Application = apps.get_model("licensing", "Application")
    CaseLogEntry = apps.get_model("licensing", "CaseLogEntry")
    last = CaseLogEntry.objects.filter(application=OuterRef("pk")).order_by("-seq")
    Application.objects.filter(pk__in=CaseLogEntry.objects.values("application_id")).update(
        log_seq=Subquery(last.values("seq")[:1]), log_head=Subquery(last.values("hash")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("licensing", "0007_original_licence_number_from_form_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="log_head",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="日志末行摘要"),
        ),
        migrations.AddField(
            model_name="application",
            name="log_seq",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="日志末行序号"),
        ),
        migrations.RunPython(fill_heads, migrations.RunPython.noop),
    ]
