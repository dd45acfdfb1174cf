"""The production topology, started as the README deploys it: production settings, PostgreSQL (a
database of its own, dropped afterwards), a private `redis-server` on a free port, gunicorn with 3
workers, a Celery worker and Celery beat. The recipe's commands are read from the README's
"Running it in production" block and run as written (with this run's folder for `var/`), so the
README is what the tests (tests/topology/conftest.py) and bench/faults.py start."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests
from requests.adapters import HTTPAdapter

from .people import PASSWORD

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
KEK = "dG9wb2xvZ3ktdGVzdC1rZXktZW5jcnlwdGlvbi1rZXk="  # 32 bytes, this test's own
START_TIMEOUT = 90
SUPERUSER = ("topo-admin", "topology-admin-password-4e1b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the README's recipe -------------------------------------------------------------------------

def readme_recipe() -> tuple[list[str], list[list[str]]]:
    """(the variables the recipe exports, its commands as argument lists), from the shell block under
    "## Running it in production"; comments after `#` are dropped, `&&` separates commands."""
    text = README.read_text()
    section = text.split("## Running it in production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    exported, commands = [], []
    for line in block.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line:
            continue
        if line.startswith("export "):
            exported += [item.split("=", 1)[0] for item in shlex.split(line)[1:]]
            continue
        for command in line.split("&&"):
            commands.append(shlex.split(command))
    return exported, commands


def program(arg: str) -> str:
    """`.venv/bin/X` of the recipe: this interpreter's own X (the same virtualenv when run by make)."""
    if arg.startswith(".venv/bin/"):
        local = Path(sys.executable).parent / arg.removeprefix(".venv/bin/")
        return str(local if local.exists() else REPO / arg)
    return arg


LONG_RUNNING = ("gunicorn", "celery")


def is_long_running(command: list[str]) -> bool:
    return Path(command[0]).name in LONG_RUNNING


# --- processes -----------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the child: SIGTERM when the process that started it dies (pytest killed by a timeout runs no
    teardown), so no server outlives its run. Linux only; elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A child process with its output in a file, stopped by its PID (SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.popen: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        out = self.log.open("a")
        self.popen = subprocess.Popen(self.args, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True, preexec_fn=_die_with_parent)
        out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_for(self, text: str, timeout: float = START_TIMEOUT, *, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output()[after:]:
            assert self.alive(), f"{self.name} exited ({self.popen.returncode}):\n{self.output()[-4000:]}"
            assert time.monotonic() < deadline, f"{self.name} did not print {text!r}:\n{self.output()[-4000:]}"
            time.sleep(0.2)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        os.kill(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)  # its own session: the children go with it
            self.popen.wait(timeout=5)


class RedisServer:
    """A private redis-server on a free loopback port (no persistence), stopped and restarted on the
    same port by the tests."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: Process | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.folder)]
        self.process = Process("redis-server", args, dict(os.environ), self.folder / "redis.log")
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                assert self.process.alive(), self.process.output()
                assert time.monotonic() < deadline, "redis-server did not answer"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.alive()


# --- HTTP, as a client on a given loopback address -------------------------------------------------

class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str, **kwargs) -> None:
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Client:
    """Requests from one client address (127.0.0.x: rate limits count per address, so each test keeps
    its own), over a new connection each (so gunicorn's workers share them), through the TLS proxy's
    header the production settings expect."""

    def __init__(self, base_url: str, source: str = "127.0.0.1", token: str = "") -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.mount("http://", SourceAddressAdapter(source))
        self.session.headers.update({"X-Forwarded-Proto": "https", "Connection": "close",
                                     "Accept": "application/json", "Accept-Language": "zh-hans"})
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)


# --- the topology --------------------------------------------------------------------------------

def admin_url() -> str:
    """PostgreSQL to create the topology's database on: PG_TEST_URL's server, else 127.0.0.1:5432."""
    base = os.environ.get("PG_TEST_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres"))


@dataclass
class Topology:
    folder: Path
    database: str
    database_url: str
    redis: RedisServer
    env: dict = field(default_factory=dict)
    url: str = ""
    processes: dict[str, Process] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    silent_case: int = 0

    def client(self, source: str = "127.0.0.1", user: str = "") -> Client:
        return Client(self.url, source, self.tokens[user] if user else "")

    def manage(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run([program(".venv/bin/python"), "manage.py", *args], cwd=REPO, env=env or self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def shell(self, code: str) -> dict:
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as db:
            cursor = db.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def terminate_backends(self) -> int:
        """pg_terminate_backend of every connection the deployment holds (web workers, Celery)."""
        with psycopg.connect(self.database_url, autocommit=True) as db:
            rows = db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)).fetchall()
        return sum(1 for (done,) in rows if done)

    def stop_redis(self) -> None:
        self.redis.stop()

    def start_redis(self) -> None:
        if not self.redis.running:
            self.redis.start()

    def logs(self) -> str:
        return "\n".join(f"--- {name}:\n{p.output()[-3000:]}" for name, p in self.processes.items())


def topology_env(folder: Path, database_url: str, redis_server: RedisServer, port: int, *,
                 redis_cache: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "DJANGO_", "GUNICORN_", "CELERY_", "THROTTLE_", "TONGBAN_"))
           and k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")}
    env.update({
        # what the README's recipe exports
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url(1),
        "CELERY_BROKER_URL": redis_server.url(0),
        "TONGBAN_KEK": KEK,
        # this run's folders, port and a short sweep schedule
        "TONGBAN_VAR_DIR": str(folder / "var"),
        "MEDIA_ROOT": str(folder / "var" / "media"),
        "STATIC_ROOT": str(folder / "var" / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "3",
        "TONGBAN_SWEEP_INTERVAL_SECONDS": "3",
        "DJANGO_SUPERUSER_USERNAME": SUPERUSER[0],
        "DJANGO_SUPERUSER_PASSWORD": SUPERUSER[1],
        "DJANGO_SUPERUSER_EMAIL": "admin@example.invalid",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    if not redis_cache:  # the recipe without REDIS_URL: the database cache (Redis stays the broker)
        del env["REDIS_URL"]
    return env


def recipe_args(command: list[str], var_dir: Path) -> list[str]:
    args = [program(command[0]), *(a.replace("var/", f"{var_dir}/") if a.startswith("var/") else a
                                   for a in command[1:])]
    if "createsuperuser" in args:
        args.append("--noinput")  # the same command, its answers in DJANGO_SUPERUSER_* (README)
    return args


def wait_for_http(topology: Topology, gunicorn: Process) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert gunicorn.alive(), f"gunicorn exited:\n{gunicorn.output()[-4000:]}"
        try:
            if topology.client().get("/api/v1/services/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"gunicorn did not answer:\n{gunicorn.output()[-4000:]}"
        time.sleep(0.3)


class TopologyUnavailable(RuntimeError):
    pass


@contextlib.contextmanager
def started(folder: Path, *, redis_cache: bool = True):
    """The deployed topology in `folder`, stopped (by PID) and its database dropped on exit. Without
    `redis_cache`, the recipe runs without REDIS_URL (every worker shares the database cache)."""
    (folder / "var").mkdir(exist_ok=True)
    database = f"tongban_topology_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin_url(), autocommit=True, connect_timeout=5) as db:
            db.execute(f'CREATE DATABASE "{database}"')
    except psycopg.OperationalError as exc:
        raise TopologyUnavailable(f"the production topology needs PostgreSQL at {admin_url()} ({exc})") from exc
    database_url = urlunsplit(urlsplit(admin_url())._replace(path=f"/{database}"))
    redis_server = RedisServer(folder)
    topology = Topology(folder=folder, database=database, database_url=database_url, redis=redis_server)
    try:
        redis_server.start()
        port = free_port()
        topology.env = topology_env(folder, database_url, redis_server, port, redis_cache=redis_cache)
        topology.url = f"http://127.0.0.1:{port}"
        _exported, commands = readme_recipe()
        for command in commands:
            args = recipe_args(command, folder / "var")
            if not is_long_running(command):
                done = subprocess.run(args, cwd=REPO, env=topology.env, capture_output=True, text=True, timeout=300)
                assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
        people = topology.shell("from tests.topology.people import seed_people; seed_people()")
        topology.silent_case = topology.shell("from tests.topology.people import file_silent_case; "
                                              "file_silent_case()")["id"]
        for command in commands:
            if is_long_running(command):
                name = Path(command[0]).name  # gunicorn, or "celery worker" / "celery beat"
                name = f"{name} {command[3]}" if name == "celery" else name
                topology.processes[name] = Process(name, recipe_args(command, folder / "var"), topology.env,
                                                   folder / f"{name.replace(' ', '-')}.log")
        wait_for_http(topology, topology.processes["gunicorn"])
        topology.processes["celery worker"].wait_for("ready.")
        topology.processes["celery beat"].wait_for("beat: Starting...")
        client = topology.client()
        for username in [*people["officers"], people["applicant"]]:
            response = client.post("/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            topology.tokens[username] = response.json()["token"]
        yield topology
    finally:
        for process in reversed(list(topology.processes.values())):
            process.stop()
        redis_server.stop()
        with psycopg.connect(admin_url(), autocommit=True) as db:
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
            db.execute(f'DROP DATABASE IF EXISTS "{database}"')
