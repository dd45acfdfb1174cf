"""A real Tongban server for concurrency tests: gunicorn (several worker processes, several threads
each) over a SQLite file in a temporary folder, prepared and stopped through subprocesses."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.test"
PASSWORD = "concurrency-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(folder: Path) -> dict[str, str]:
    """The environment of every subprocess: its own SQLite file, media and temporary files in `folder`,
    no broker or shared cache of the machine, and no login rate limit in the way of the setup."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DEBUG")}
    env.update({
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "TONGBAN_VAR_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "TMPDIR": str(folder),  # the test settings put media in a mkdtemp folder: keep it in here
        "DEMO_PASSWORD": PASSWORD,
        "THROTTLE_LOGIN": "1000/min",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed_cases(*, count: int, officers: list[str]) -> None:
    """Run inside `manage.py shell`: `count` submitted lab animal cases of the demo applicant, and
    intake officers of the provincial department with the demo password. Prints the case ids as JSON."""
    from django.contrib.auth import get_user_model

    from licensing import workflow
    from licensing.models import Applicant
    from services.models import Authority, Officer, StaffRole
    from services.selectors import service_type_current
    from tests.licensing.conftest import fill_materials, lab_data

    authority = Authority.objects.get(code="yn-kjt")
    intake = StaffRole.objects.filter(code="intake")
    for username in officers:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        Officer.objects.create(user=user, authority=authority).roles.set(intake)
    applicant = Applicant.objects.select_related("user").get(user__username="applicant")
    service_type = service_type_current(code="lab-animal-production")
    ids = []
    for _ in range(count):
        application = workflow.application_create(applicant=applicant, service_type=service_type, data=lab_data(),
                                                  actor=applicant.user)
        fill_materials(application, on=workflow.today())
        workflow.application_submit(application=application, actor=applicant.user)
        ids.append(application.pk)
    print(json.dumps(ids))


@dataclass
class LiveServer:
    folder: Path
    url: str = ""
    case_ids: list[int] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return server_env(self.folder)

    @property
    def log(self) -> Path:
        return self.folder / "gunicorn.log"

    def prepare(self, *, cases: int, officers: list[str]) -> None:
        env = self.env
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        out = manage(env, "shell", "-c",
                     f"from tests.liveserver import seed_cases; seed_cases(count={cases}, officers={officers!r})")
        self.case_ids = json.loads(out.strip().splitlines()[-1])

    def start(self, *, workers: int = 3, threads: int = 4) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(workers), "--threads", str(threads), "--timeout", "60", "config.wsgi"],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/queue/", timeout=2)
            except urllib.error.HTTPError:
                return  # 401: the server answers
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the arbiter stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def request(self, method: str, path: str, *, token: str = "", body: dict | None = None) -> tuple[int, dict]:
        """(status, JSON body or {"raw": text}) of one request on a fresh connection."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {"raw": raw.decode(errors="replace")[:500]}

    def token(self, username: str) -> str:
        status, body = self.request("POST", "/api/v1/auth/token/", body={"username": username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"token for {username}: {status} {body}")
        return body["token"]
