"""Celery for real: a worker process (and beat) started by the test on the machine's Redis. The worker
issues the certificate of an approved case queued by this process, and the sweep that beat schedules
from the registry deems a silent case accepted.

The worker has to see the test's data: on PostgreSQL it uses the test database (transactional tests,
so the data is committed); on SQLite, whose in-memory test database no other process can open, the
scenario gets a database file of its own, prepared and filled by `manage.py shell` in a subprocess."""

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from kombu import pools

from django.conf import settings
from django.db import connection
from django.utils import timezone

import services.tasks
from config.celery import app as celery_app
from licensing import tasks as licensing_tasks
from licensing.constants import State
from services.tasks import enqueue

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
FILED_ON = dt.date(2026, 11, 2)  # a Monday; its 5 working days for acceptance are long gone
TIMEOUT = 40


# --- the scenario's data (run in this process on PostgreSQL, in a `manage.py shell` on SQLite) -------

def file_lab_case(*, approved: bool) -> int:
    """A lab animal production case filed on FILED_ON: accepted and approved, or left silent past its
    acceptance deadline. The approval is recorded directly — how a case gets approved is not what
    these tests are about, only that the worker issues it."""
    from licensing import workflow
    from licensing.models import Application
    from services.selectors import service_type_current
    from tests.factories import ApplicantFactory, UserFactory, make_officer
    from tests.licensing.conftest import at, fill_materials, lab_data

    token = uuid.uuid4().hex[:8]
    applicant = ApplicantFactory(user=UserFactory(username=f"worker-applicant-{token}"), name=f"测试研究所{token}")
    with at(FILED_ON):
        service_type = service_type_current(code="lab-animal-production")
        application = workflow.application_create(applicant=applicant, service_type=service_type, data=lab_data(),
                                                  actor=applicant.user)
        fill_materials(application, on=FILED_ON)
        workflow.application_submit(application=application, actor=applicant.user)
        if approved:
            intake = make_officer(f"worker-intake-{token}", "yn-kjt", "intake")
            workflow.application_accept(application=application, actor=intake.user)
            Application.objects.filter(pk=application.pk).update(
                state=State.APPROVED, decided_on=FILED_ON, decided_at=timezone.now())
    return application.pk


def prepare_database() -> None:
    """What a deployment does before the worker starts: schema, catalog, calendar, signing keys."""
    from django.core.management import call_command

    for command in ("migrate", "load_catalog", "load_calendar", "init_keys"):
        call_command(command, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


# --- the database the worker shares with the test ------------------------------------------------

def child_environment(database_url: str, broker_url: str, var_dir: Path) -> dict:
    """Production settings, as a deployed worker runs them, on the scenario's database and broker."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "celery-worker-test-secret-key",
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "TONGBAN_KEK": settings.TONGBAN_KEK,
        "TONGBAN_CJK_FONT": settings.TONGBAN_CJK_FONT,
        "TONGBAN_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TONGBAN_SWEEP_INTERVAL_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
    })
    return env


class PostgresScenario:
    """The test database itself: this process writes the cases (committed) and reads the worker's work."""

    def __init__(self) -> None:
        db = connection.settings_dict
        user = quote(db["USER"] or "")
        password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
        self.url = f"postgres://{user}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"

    def file_case(self, *, approved: bool, env: dict) -> int:
        return file_lab_case(approved=approved)

    def state(self, pk: int) -> str:
        from licensing.models import Application

        return Application.objects.values_list("state", flat=True).get(pk=pk)

    def certificate_number(self, pk: int) -> str | None:
        from certificates.models import Certificate

        return Certificate.objects.filter(application_id=pk).values_list("number", flat=True).first()


class SqliteFileScenario:
    """A database file of its own, written by subprocesses and read here with sqlite3."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"

    def file_case(self, *, approved: bool, env: dict) -> int:
        code = f"from {__name__} import file_lab_case; print(file_lab_case(approved={approved}))"
        # Filed without the broker: the filing's own notifications are not what the worker is tested on.
        return int(manage({**env, "CELERY_BROKER_URL": ""}, "shell", "-c", code).splitlines()[-1])

    def _one(self, sql: str, pk: int):
        with sqlite3.connect(self.path, timeout=20) as db:
            row = db.execute(sql, (pk,)).fetchone()
        return row[0] if row else None

    def state(self, pk: int) -> str:
        return self._one("SELECT state FROM licensing_application WHERE id = ?", pk)

    def certificate_number(self, pk: int) -> str | None:
        return self._one("SELECT number FROM certificates_certificate WHERE application_id = ?", pk)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def broker_url():
    """A Redis database on this machine that holds no keys (chosen at random, so parallel runs keep apart)."""
    for db in random.sample(range(1, 16), 15):
        url = f"redis://127.0.0.1:6379/{db}"
        try:
            if redis.Redis.from_url(url).dbsize() == 0:
                break
        except redis.ConnectionError as exc:
            pytest.fail(f"Redis must run on 127.0.0.1:6379 for the Celery tests ({exc})")
    else:
        pytest.fail("every Redis database 1–15 holds keys; none is free for the Celery tests")
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("_kombu.*"):  # exchange bindings
        client.delete(key)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")


@pytest.fixture(scope="session")
def sqlite_database_file(tmp_path_factory, broker_url):
    path = tmp_path_factory.mktemp("celery-db") / "tongban.sqlite3"
    manage(child_environment(f"sqlite:///{path}", broker_url, path.parent), "shell", "-c",
           f"from {__name__} import prepare_database; prepare_database()")
    return path


@pytest.fixture
def scenario(request):
    if connection.vendor == "postgresql":
        request.getfixturevalue("catalog")
        return PostgresScenario()
    return SqliteFileScenario(request.getfixturevalue("sqlite_database_file"))


@pytest.fixture
def env(scenario, broker_url, tmp_path):
    return child_environment(scenario.url, broker_url, tmp_path)


class Process:
    """A child process with its output in a file, stopped by its PID."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path) -> None:
        self.name, self.log = name, log
        self._out = log.open("w")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.popen.poll() is None, f"{self.name} exited ({self.popen.returncode}):\n{self.output()}"
            assert time.monotonic() < deadline, f"{self.name} did not print {text!r}:\n{self.output()}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)  # Celery's warm shutdown
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._out.close()


@pytest.fixture
def worker(env, tmp_path):
    process = Process("celery worker", [
        PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        "--hostname", f"tongban-test-{uuid.uuid4().hex[:8]}@%h",
    ], env, tmp_path / "worker.log")
    try:
        process.wait_for("ready.")
        yield process
    finally:
        process.stop()


@pytest.fixture
def beat(env, tmp_path, worker):
    process = Process("celery beat", [
        PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
        "--schedule", str(tmp_path / "beat-schedule"),
    ], env, tmp_path / "beat.log")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def broker_here(broker_url, settings, monkeypatch):
    """This process sends tasks to the broker (as the web process does with CELERY_BROKER_URL set), and
    runs none of them itself."""
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)  # Celery's copy of the setting

    def in_process(name, kwargs):
        pytest.fail(f"{name} ran in the test process, not on the worker")

    monkeypatch.setattr(services.tasks, "run_registered", in_process)
    yield
    pools.reset()


def wait_for_state(scenario, pk: int, state: str, *processes: Process) -> None:
    deadline = time.monotonic() + TIMEOUT
    while (current := scenario.state(pk)) != state:
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}:\n{p.output()}" for p in processes)
            pytest.fail(f"case {pk} is {current!r}, not {state!r}, after {TIMEOUT}s\n{logs}")
        time.sleep(0.3)


def test_the_worker_issues_the_certificate_of_an_approved_case_queued_here(scenario, env, worker, request):
    pk = scenario.file_case(approved=True, env=env)
    assert scenario.state(pk) == State.APPROVED
    request.getfixturevalue("broker_here")
    enqueue(licensing_tasks.issue_certificate, application_id=pk, actor_id=None)
    wait_for_state(scenario, pk, State.ISSUED, worker)
    assert scenario.certificate_number(pk).startswith("SCXK(滇)")
    worker.wait_for("Task licensing.tasks.issue_certificate[")  # the registered name, in the worker's log


def test_beat_schedules_the_sweep_from_the_registry_and_the_worker_deems_a_silent_case_accepted(
        scenario, env, worker, beat):
    pk = scenario.file_case(approved=False, env=env)
    assert scenario.state(pk) == State.SUBMITTED
    wait_for_state(scenario, pk, State.IN_REVIEW, beat, worker)
    beat.wait_for("Sending due task periodic:licensing.tasks.sweep_deadlines (tongban.run)")
    worker.wait_for("Task licensing.tasks.sweep_deadlines[")
