"""Tongban as deployed (see conftest): black-box over HTTP against gunicorn with 3 workers,
PostgreSQL, a private Redis, a Celery worker and beat — the flows, one shared state across workers,
live status never served stale, and Redis going away mid-test."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .deploy import readme_recipe
from .flows import approve, digits_of, file_case, issue_case, review, verify_api, verify_page, wait_for_certificate

pytestmark = pytest.mark.topology

VERIFY_PAGE_LIMIT = 60  # TONGBAN_VERIFY_PAGE_LIMIT's default: the topology runs with the defaults


def page_verdict(response) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', response.text)
    return match.group(1) if match else f"<{response.status_code}>"


def officers(topology, source: str = "127.0.0.1") -> dict:
    return {role: topology.client(source, f"topo-{role}")
            for role in ("applicant", "intake", "reviewer", "approver", "approver2")}


@pytest.fixture(scope="module")
def issued(topology):
    """One case taken from filing to its certificate over the API, issued by the Celery worker."""
    people = officers(topology)
    pk, certificate = issue_case(applicant=people["applicant"], intake=people["intake"],
                                 reviewer=people["reviewer"], approver=people["approver"])
    return pk, certificate


def test_the_readme_recipe_is_what_the_topology_runs(topology):
    exported, commands = readme_recipe()
    assert set(exported) <= set(topology.env)
    assert topology.env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    names = [" ".join(c[1:3]) if "manage.py" in c else c[0].rsplit("/", 1)[1] for c in commands]
    assert "manage.py seed_demo" not in names and "manage.py createsuperuser" in names
    assert set(topology.processes) == {"gunicorn", "celery worker", "celery beat"}
    workers = topology.processes["gunicorn"].output().count("Booting worker with pid")
    assert workers == 3, topology.processes["gunicorn"].output()[-2000:]


def test_a_lab_animal_case_goes_from_filing_to_a_certificate_issued_by_the_worker(topology, issued):
    pk, certificate = issued
    assert certificate["number"].startswith("SCXK(滇)") and certificate["status"] == "valid"
    assert "licensing.tasks.issue_certificate[" in topology.processes["celery worker"].output()
    client = topology.client("127.0.0.9")
    assert verify_api(client, certificate).json()["verdict"] == "valid"
    assert page_verdict(verify_page(client, certificate)) == "valid"


def test_a_silent_case_is_deemed_accepted_by_the_sweep_that_beat_schedules(topology):
    intake = topology.client(user="topo-intake")
    deadline = time.monotonic() + 40
    while (state := intake.get(f"/api/v1/applications/{topology.silent_case}/").json()["state"]) != "in_review":
        assert time.monotonic() < deadline, f"silent case still {state!r}\n{topology.logs()}"
        time.sleep(0.5)
    assert "Sending due task periodic:licensing.tasks.sweep_deadlines" in topology.processes["celery beat"].output()


def test_the_verification_page_limit_holds_across_the_three_workers(topology, issued):
    _pk, certificate = issued
    client = topology.client("127.0.0.2")
    while time.time() % 60 > 40:  # the whole burst inside one fixed window
        time.sleep(0.5)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda _: verify_page(client, certificate).status_code, range(VERIFY_PAGE_LIMIT + 30)))
    assert set(statuses) <= {200, 429}
    assert abs(statuses.count(200) - VERIFY_PAGE_LIMIT) <= 1, statuses.count(200)


def test_a_suspension_is_seen_by_every_worker_at_once(topology):
    people = officers(topology)
    _pk, certificate = issue_case(applicant=people["applicant"], intake=people["intake"],
                                  reviewer=people["reviewer"], approver=people["approver"])
    client = topology.client("127.0.0.3")
    assert {verify_api(client, certificate).json()["verdict"] for _ in range(6)} == {"valid"}  # cached everywhere
    response = people["approver"].post(f"/api/v1/certificates/{certificate['id']}/suspend/",
                                       json={"reason": "整改期间暂停"})
    assert response.status_code == 200, response.text
    verdicts = [verify_api(client, certificate).json()["verdict"] for _ in range(12)]
    assert set(verdicts) == {"suspended"}, verdicts


def test_with_redis_stopped_everything_answers_and_a_suspension_is_never_answered_valid(topology, issued,
                                                                                        redis_restarted):
    people = officers(topology, "127.0.0.4")
    _pk, certificate = issue_case(applicant=people["applicant"], intake=people["intake"],
                                  reviewer=people["reviewer"], approver=people["approver"])
    client = topology.client("127.0.0.4")
    assert verify_api(client, certificate).json()["verdict"] == "valid"  # its record is now in Redis
    pk, number, password = file_case(people["applicant"])

    topology.stop_redis()
    token = client.post("/api/v1/auth/token/", json={"username": "topo-reviewer", "password": "wrong"})
    assert token.status_code == 400, token.text
    from .people import PASSWORD
    token = client.post("/api/v1/auth/token/", json={"username": "topo-reviewer", "password": PASSWORD})
    assert token.status_code == 200, token.text
    login = client.get("/accounts/login/", headers={"Accept": "text/html"})
    assert login.status_code == 200
    status = client.get("/api/v1/status/", params={"case_number": number, "password": password})
    assert status.status_code == 200 and status.json()["state"] == "submitted", status.text
    assert page_verdict(verify_page(client, certificate)) == "valid"
    suspended = people["approver"].post(f"/api/v1/certificates/{certificate['id']}/suspend/",
                                        json={"reason": "Redis 停止期间暂停"})
    assert suspended.status_code == 200, suspended.text
    assert {verify_api(client, certificate).json()["verdict"] for _ in range(6)} == {"suspended"}
    assert page_verdict(verify_page(client, certificate)) == "suspended"
    # A case goes on to its certificate with the broker away: the web process issues it after commit.
    review(pk, intake=people["intake"], reviewer=people["reviewer"])
    assert approve(pk, approver=people["approver"]).status_code == 200
    wait_for_certificate(pk, people["approver"])

    topology.start_redis()
    time.sleep(6)  # every worker tries Redis again after its 5 s back-off
    verdicts = [verify_api(client, certificate).json()["verdict"] for _ in range(9)]
    assert set(verdicts) == {"suspended"}, verdicts
    assert "Redis cache unreachable" in topology.processes["gunicorn"].output()


def test_killed_database_connections_never_give_a_500(topology, issued):
    _pk, certificate = issued
    client = topology.client("127.0.0.5")
    intake = topology.client("127.0.0.5", "topo-intake")
    for _ in range(6):  # every worker holds a connection now
        assert verify_api(client, certificate).status_code == 200
    assert topology.terminate_backends() >= 1
    statuses = [verify_api(client, certificate).status_code for _ in range(6)]
    statuses += [intake.get("/api/v1/queue/").status_code for _ in range(6)]
    assert set(statuses) == {200}, statuses


def test_a_compromised_key_fails_on_every_worker_within_10_seconds(topology, issued):
    _pk, certificate = issued
    client = topology.client("127.0.0.6")
    assert {verify_api(client, certificate).json()["verdict"] for _ in range(6)} == {"valid"}
    topology.shell("import json; from certificates.models import SigningKey; "
                   "from certificates.keys import signing_key_mark_compromised; "
                   "key = SigningKey.objects.get(authority__code='yn-kjt', purpose='document', status='active'); "
                   "signing_key_mark_compromised(key=key); print(json.dumps({'kid': key.kid}))")
    time.sleep(10.5)
    verdicts = [verify_api(client, certificate).json()["verdict"] for _ in range(12)]
    assert set(verdicts) == {"forged"}, verdicts
    assert page_verdict(verify_page(client, certificate)) == "forged"
    assert digits_of(certificate)
