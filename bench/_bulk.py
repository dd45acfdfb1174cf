"""Shared set-up for the database benchmarks: a dedicated PostgreSQL database, migrated, with the
catalog and demo accounts, and a fast COPY loader for synthetic applications."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tongban_bench"


def setup_django(url: str | None = None) -> str:
    url = url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="supervisor").exists():  # seeded by an earlier run
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return url


def reset_applications() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE licensing_notification, licensing_notice, licensing_caselogentry, licensing_clockpause, "
            "licensing_correctionnotice, licensing_materialsubmission, licensing_application RESTART IDENTITY CASCADE"
        )


def copy_applications(rows: int, *, make_row, batch_label: str = "") -> float:
    """COPY `rows` applications; make_row(i, rng) returns a dict of column values over the defaults."""
    from django.db import connection

    from licensing.models import Application

    fields = [f for f in Application._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    now = dt.datetime.now(dt.UTC)
    defaults = {}
    for field in fields:
        if field.has_default():
            defaults[field.column] = field.get_default()
        elif not field.null and field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            defaults[field.column] = ""
        else:
            defaults[field.column] = None
    defaults.update({"created_at": now, "updated_at": now, "data": {}, "points": {}})
    rng = random.Random(7)
    started = time.perf_counter()
    import json

    json_columns = {f.column for f in fields if f.get_internal_type() == "JSONField"}
    connection.ensure_connection()
    raw = connection.connection
    statement = f"COPY licensing_application ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for i in range(rows):
            values = {**defaults, **make_row(i, rng)}
            copy.write_row([json.dumps(values[c]) if c in json_columns else values[c] for c in columns])
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE licensing_application")
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]
