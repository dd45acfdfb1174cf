"""Drops the indexes of the case's service type, authority, applicant and state, and of the case log's
case: each is the leading column of a composite index (Meta.indexes, the log's unique (case, seq)),
so they only cost writes. Only the indexes are dropped: altering the fields in the database as well
would drop and re-add their foreign keys, checking every row of the table again under its lock."""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models

# (model, column, index suffixes): "" is the field's own index, "_like" PostgreSQL's pattern index
# of a character column.
COVERED = [
    ("application", "service_type_id", [""]),
    ("application", "authority_id", [""]),
    ("application", "applicant_id", [""]),
    ("application", "state", ["", "_like"]),
    ("caselogentry", "application_id", [""]),
]


def _indexes(apps, schema_editor):
    for model_name, column, suffixes in COVERED:
        table = apps.get_model("licensing", model_name)._meta.db_table
        for suffix in suffixes:
            if suffix == "_like" and schema_editor.connection.vendor != "postgresql":
                continue
            yield table, column, suffix, schema_editor._create_index_name(table, [column], suffix=suffix)


def drop_covered_indexes(apps, schema_editor):
    for _table, _column, _suffix, name in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_covered_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column, suffix, name in _indexes(apps, schema_editor):
        opclass = " varchar_pattern_ops" if suffix == "_like" else ""
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)}{opclass})")


class Migration(migrations.Migration):

    dependencies = [
        ('licensing', '0013_sweep_partial_indexes'),
        ('services', '0005_outbox_failed_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='application',
                    name='applicant',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='licensing.applicant', verbose_name='申请人'),
                ),
                migrations.AlterField(
                    model_name='application',
                    name='authority',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='services.authority', verbose_name='实施机关'),
                ),
                migrations.AlterField(
                    model_name='application',
                    name='service_type',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='services.servicetype', verbose_name='事项（版本）'),
                ),
                migrations.AlterField(
                    model_name='application',
                    name='state',
                    field=django_fsm.FSMField(choices=[('draft', '草稿'), ('submitted', '已接件'), ('correction_requested', '待补正'), ('not_accepted', '不予受理'), ('in_review', '审查中'), ('paused', '特别程序'), ('legal_review', '法制审核'), ('approved', '准予许可'), ('refused', '不予许可'), ('issued', '已发证'), ('withdrawn', '已撤回')], default='draft', max_length=50, protected=True, verbose_name='状态'),
                ),
                migrations.AlterField(
                    model_name='caselogentry',
                    name='application',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='log', to='licensing.application'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_covered_indexes, create_covered_indexes)],
        ),
    ]
