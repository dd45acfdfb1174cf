"""The README's recipe without REDIS_URL (tests/topology/conftest.py): the three gunicorn workers share
Django's database cache — the verification page's rate limit is counted once for all of them, and a
suspension and a compromised signing key are seen by every worker within 10 s."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .flows import issue_case, verify_api, verify_page
from .test_topology import VERIFY_PAGE_LIMIT, officers, page_verdict

pytestmark = pytest.mark.topology


@pytest.fixture(scope="module")
def deployed(topology_without_redis_cache):
    return topology_without_redis_cache


@pytest.fixture(scope="module")
def certificate(deployed):
    people = officers(deployed)
    _pk, issued = issue_case(applicant=people["applicant"], intake=people["intake"], reviewer=people["reviewer"],
                             approver=people["approver"])
    return issued


def test_the_workers_use_the_database_cache(deployed):
    assert "REDIS_URL" not in deployed.env
    backends = deployed.shell("import json; from django.conf import settings; "
                              "print(json.dumps({'default': settings.CACHES['default']['BACKEND']}))")
    assert backends == {"default": "config.cache.AtomicDatabaseCache"}
    assert deployed.processes["gunicorn"].output().count("Booting worker with pid") == 3


def test_the_verification_page_limit_holds_across_the_three_workers(deployed, certificate):
    client = deployed.client("127.0.0.52")
    while time.time() % 60 > 40:  # the whole burst inside one fixed window
        time.sleep(0.5)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda _: verify_page(client, certificate).status_code, range(VERIFY_PAGE_LIMIT + 30)))
    assert set(statuses) <= {200, 429}
    assert abs(statuses.count(200) - VERIFY_PAGE_LIMIT) <= 1, statuses.count(200)


def test_a_suspension_is_seen_by_every_worker_within_10_seconds(deployed):
    people = officers(deployed, "127.0.0.53")
    _pk, suspended = issue_case(applicant=people["applicant"], intake=people["intake"],
                                reviewer=people["reviewer"], approver=people["approver"])
    client = deployed.client("127.0.0.54")
    assert {verify_api(client, suspended).json()["verdict"] for _ in range(6)} == {"valid"}  # cached everywhere
    response = people["approver"].post(f"/api/v1/certificates/{suspended['id']}/suspend/",
                                       json={"reason": "整改期间暂停"})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 10
    while True:
        verdicts = [verify_api(client, suspended).json()["verdict"] for _ in range(12)]
        if set(verdicts) == {"suspended"}:
            break
        assert time.monotonic() < deadline, verdicts
        time.sleep(0.5)


def test_a_compromised_key_fails_on_every_worker_within_10_seconds(deployed, certificate):
    client = deployed.client("127.0.0.55")
    assert {verify_api(client, certificate).json()["verdict"] for _ in range(6)} == {"valid"}
    deployed.shell("import json; from certificates.models import SigningKey; "
                   "from certificates.keys import signing_key_mark_compromised; "
                   "key = SigningKey.objects.get(authority__code='yn-kjt', purpose='document', status='active'); "
                   "signing_key_mark_compromised(key=key); print(json.dumps({'kid': key.kid}))")
    time.sleep(10.5)
    verdicts = [verify_api(client, certificate).json()["verdict"] for _ in range(12)]
    assert set(verdicts) == {"forged"}, verdicts
    assert page_verdict(verify_page(client, certificate)) == "forged"
