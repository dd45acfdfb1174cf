"""Seal the seeds of the plans and reviews not drawn yet (the drawn ones are public already)."""

from django.db import migrations, models

MODELS = ("InspectionPlan", "CaseReview")


def seal_undrawn(apps, schema_editor):
    from supervision.sealing import seal

    for name in MODELS:
        model = apps.get_model("supervision", name)
        for row in model.objects.filter(drawn_at__isnull=True).exclude(seed="").only("pk", "seed"):
            model.objects.filter(pk=row.pk).update(sealed_seed=seal(row.seed), seed="")


def unseal_undrawn(apps, schema_editor):
    from supervision.sealing import unseal

    for name in MODELS:
        model = apps.get_model("supervision", name)
        for row in model.objects.filter(drawn_at__isnull=True).exclude(sealed_seed="").only("pk", "sealed_seed"):
            model.objects.filter(pk=row.pk).update(seed=unseal(row.sealed_seed), sealed_seed="")


class Migration(migrations.Migration):

    dependencies = [
        ('supervision', '0002_manual_target_granting_application'),
    ]

    operations = [
        migrations.AddField(
            model_name='casereview',
            name='sealed_seed',
            field=models.TextField(blank=True, editable=False, help_text='抽取前以密钥加密密钥（TONGBAN_KEK）加密保存', verbose_name='加密保存的随机种子'),
        ),
        migrations.AddField(
            model_name='inspectionplan',
            name='sealed_seed',
            field=models.TextField(blank=True, editable=False, help_text='抽取前以密钥加密密钥（TONGBAN_KEK）加密保存', verbose_name='加密保存的随机种子'),
        ),
        migrations.AlterField(
            model_name='casereview',
            name='seed',
            field=models.CharField(blank=True, editable=False, help_text='抽取后公开', max_length=64, verbose_name='随机种子'),
        ),
        migrations.AlterField(
            model_name='inspectionplan',
            name='seed',
            field=models.CharField(blank=True, editable=False, help_text='抽取后公开', max_length=64, verbose_name='随机种子'),
        ),
        migrations.RunPython(seal_undrawn, unseal_undrawn),
    ]
