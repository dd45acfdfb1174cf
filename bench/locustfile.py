"""The mixed load on a deployed Tongban (started by bench/load.py): applicants filing and uploading
through the API, officers working their queues and acting (accept, recommend, approve), supervisors
opening the dashboard and the board, and verifiers scanning certificates (the /C/ page and the verify
API). Every request is named by its kind (ids replaced by [id]) so the statistics group by kind.

The accounts, their API tokens and the certificates to scan come from the JSON file named by
TONGBAN_LOAD_CONFIG (written by bench/load.py):
{"tokens": {"topo-applicant": "...", ...}, "supervisor": ["name", "password"], "certificates": [{"verify_url": ...}]}

A 409 to an officer's act is the answer when another officer (another locust user with the same role)
acted on the case first: it is counted as its own kind ("... (taken)"), not as an error."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

with open(os.environ["TONGBAN_LOAD_CONFIG"]) as handle:
    CONFIG = json.load(handle)

# The smallest well-formed PDF the material uploads accept (tests.licensing.conftest.PDF_BYTES).
PDF_BYTES = CONFIG["pdf"].encode("latin1")
LAB_DATA = CONFIG["lab_data"]
COMMITMENTS = ("seed-stock-origin", "feed-bedding-origin")


# What the TLS-terminating proxy in front of gunicorn adds (README): the production settings redirect
# plain HTTP to HTTPS and mark their cookies Secure.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def send_cookies(client) -> None:
    """The session's cookies as a header: they are Secure, and this hop is plain HTTP on loopback (the
    proxy's side), where a cookie jar would keep them back."""
    client.headers["Cookie"] = "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies)


def today() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


class ApiUser(HttpUser):
    abstract = True
    account = ""

    def on_start(self) -> None:
        self.client.headers.update(PROXY_HEADERS)
        self.client.headers["Authorization"] = f"Token {CONFIG['tokens'][self.account]}"
        self.client.headers["Accept"] = "application/json"


class Applicant(ApiUser):
    """Files a lab animal production case: the draft, every missing material uploaded (or committed
    to), then submitted."""

    weight = 2
    wait_time = between(1, 3)
    account = "topo-applicant"

    @task
    def file_a_case(self) -> None:
        response = self.client.post("/api/v1/applications/", json={"service": "lab-animal-production",
                                                                   "data": LAB_DATA}, name="POST /applications/")
        if response.status_code != 201:
            return
        pk = response.json()["id"]
        with self.client.post(f"/api/v1/applications/{pk}/submit/", name="POST /applications/[id]/submit/ (missing)",
                              catch_response=True) as missing:
            if missing.status_code == 400:
                missing.success()
                items = missing.json()["missing"]
            else:
                missing.failure(f"expected 400 with the missing materials, got {missing.status_code}")
                return
        for item in items:
            code = item["item"].split(".", 1)[1]
            if code in COMMITMENTS:
                self.client.post(f"/api/v1/applications/{pk}/commitments/", data={"material": code},
                                 name="POST /applications/[id]/commitments/")
            else:
                self.client.post(f"/api/v1/applications/{pk}/materials/",
                                 files={"file": ("document.pdf", PDF_BYTES, "application/pdf")},
                                 data={"material": code, "document_date": today()},
                                 name="POST /applications/[id]/materials/")
        self.client.post(f"/api/v1/applications/{pk}/submit/", name="POST /applications/[id]/submit/")

    @task(2)
    def look_at_my_cases(self) -> None:
        self.client.get("/api/v1/applications/", name="GET /applications/")


class Officer(ApiUser):
    abstract = True
    wait_time = between(0.5, 2)
    stage = ""
    verb = ""
    body: dict = {}

    @task(3)
    def work_the_queue(self) -> None:
        response = self.client.get(f"/api/v1/queue/?stage={self.stage}", name=f"GET /queue/?stage={self.stage}")
        if response.status_code != 200:
            return
        rows = response.json()["results"]
        if not rows:
            return
        pk = random.choice(rows[:10])["id"]
        self.client.get(f"/api/v1/applications/{pk}/", name="GET /applications/[id]/")
        with self.client.post(f"/api/v1/applications/{pk}/{self.verb}/", json=self.body,
                              name=f"POST /applications/[id]/{self.verb}/", catch_response=True) as act:
            if act.status_code == 409:  # another officer of the same role acted first
                act.success()
                act.request_meta["name"] = f"POST /applications/[id]/{self.verb}/ (taken)"

    @task(1)
    def whole_queue(self) -> None:
        self.client.get("/api/v1/queue/", name="GET /queue/")


class Intake(Officer):
    weight = 1
    account = "topo-intake"
    stage, verb, body = "intake", "accept", {}


class Reviewer(Officer):
    weight = 1
    account = "topo-reviewer"
    stage, verb, body = "handling", "recommend", {"opinion": "设施符合要求，建议准予许可"}


class Approver(Officer):
    weight = 1
    account = "topo-approver"
    stage, verb, body = "decision", "approve", {"opinion": "同意"}


class Supervisor(HttpUser):
    """Signs in through the login form (a session, as in the browser) and opens the dashboard and
    the board."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.client.headers.update(PROXY_HEADERS)
        page = self.client.get("/accounts/login/", name="GET /accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        username, password = CONFIG["supervisor"]
        send_cookies(self.client)
        secure_host = self.host.replace("http://", "https://", 1)
        with self.client.post("/accounts/login/", name="POST /accounts/login/", allow_redirects=False,
                              data={"username": username, "password": password,
                                    "csrfmiddlewaretoken": match.group(1) if match else ""},
                              headers={"Referer": f"{secure_host}/accounts/login/"}, catch_response=True) as login:
            if login.status_code != 302:
                login.failure(f"login answered {login.status_code}, not the redirect to the next page")
        send_cookies(self.client)

    def page(self, path: str) -> None:
        with self.client.get(path, name=f"GET {path}", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (signed out?)")

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/")

    @task(1)
    def board(self) -> None:
        self.page("/workbench/board/")


class Verifier(HttpUser):
    """A border post or lab scanning certificates: the page a phone camera opens, or the API a
    scanning app calls."""

    weight = 6
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.headers.update(PROXY_HEADERS)

    @task(1)
    def scan_page(self) -> None:
        certificate = random.choice(CONFIG["certificates"])
        digits = certificate["verify_url"].rsplit("/C/", 1)[1]
        self.client.get(f"/C/{digits}", headers={"Accept": "text/html"}, name="GET /C/[digits]")

    @task(3)
    def verify_api(self) -> None:
        certificate = random.choice(CONFIG["certificates"])
        with self.client.post("/api/v1/certificates/verify/", json={"token": certificate["verify_url"]},
                              name="POST /certificates/verify/", catch_response=True) as response:
            if response.status_code == 200 and response.json().get("verdict") not in ("valid", "suspended"):
                response.failure(f"verdict {response.json().get('verdict')!r}")
