"""Black-box flows over HTTP against the topology (also used by bench/faults.py): a lab animal case
filed by the applicant, accepted, recommended and approved by officers, its certificate issued by the
worker; verification by the page and the API."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from tests.licensing.conftest import PDF_BYTES, lab_data

ISSUE_TIMEOUT = 60


class FlowError(AssertionError):
    pass


def _ok(response, *expected: int) -> dict:
    if response.status_code not in (expected or (200,)):
        raise FlowError(f"{response.request.method} {response.request.url}: {response.status_code} "
                        f"{response.text[:500]}")
    return response.json()


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def file_case(applicant) -> tuple[int, str, str]:
    """A lab animal production case submitted by the applicant's client: (id, case number, query password)."""
    case = _ok(applicant.post("/api/v1/applications/", json={"service": "lab-animal-production", "data": lab_data()}),
               201)
    pk = case["id"]
    missing = _ok(applicant.post(f"/api/v1/applications/{pk}/submit/"), 400)["missing"]
    for item in missing:
        code = item["item"].split(".", 1)[1]
        if code in ("seed-stock-origin", "feed-bedding-origin"):
            _ok(applicant.post(f"/api/v1/applications/{pk}/commitments/", data={"material": code}), 201)
            continue
        _ok(applicant.post(f"/api/v1/applications/{pk}/materials/", files={"file": ("document.pdf", PDF_BYTES)},
                           data={"material": code, "document_date": today().isoformat()}), 201)
    submitted = _ok(applicant.post(f"/api/v1/applications/{pk}/submit/"))
    return pk, submitted["case_number"], submitted["status_password"]


def review(pk: int, *, intake, reviewer) -> None:
    """Accepted by intake, the handling opinion by the reviewer: the case waits for the approver."""
    _ok(intake.post(f"/api/v1/applications/{pk}/accept/", json={}))
    _ok(reviewer.post(f"/api/v1/applications/{pk}/recommend/", json={"opinion": "设施符合要求，建议准予许可"}))


def approve(pk: int, *, approver):
    return approver.post(f"/api/v1/applications/{pk}/approve/", json={"opinion": "同意"})


def wait_for_certificate(pk: int, client, timeout: float = ISSUE_TIMEOUT) -> dict:
    """The case's certificate once issued (by the worker, or in-process with the broker away)."""
    deadline = time.monotonic() + timeout
    while True:
        body = _ok(client.get(f"/api/v1/applications/{pk}/"))
        if body["state"] == "issued" and body.get("certificate"):
            return body["certificate"]
        if time.monotonic() > deadline:
            raise FlowError(f"case {pk} is {body['state']!r} after {timeout}s: {body.get('issue_error')!r}")
        time.sleep(0.5)


def issue_case(*, applicant, intake, reviewer, approver) -> tuple[int, dict]:
    pk, _number, _password = file_case(applicant)
    review(pk, intake=intake, reviewer=reviewer)
    _ok(approve(pk, approver=approver))
    return pk, wait_for_certificate(pk, approver)


def digits_of(certificate: dict) -> str:
    return certificate["verify_url"].rsplit("/C/", 1)[1]


def verify_api(client, certificate: dict):
    return client.post("/api/v1/certificates/verify/", json={"token": certificate["verify_url"]})


def verify_page(client, certificate: dict):
    return client.get(f"/C/{digits_of(certificate)}", headers={"Accept": "text/html"})
