import datetime as dt

from rest_framework.test import APIClient

from .conftest import PDF_BYTES, at, lab_data


def test_api_filing_to_acceptance(applicant, officers):
    client = APIClient()
    client.force_authenticate(applicant.user)
    with at(dt.date(2025, 9, 26)):
        r = client.post("/api/v1/applications/", {"service": "lab-animal-production", "data": lab_data()},
                        format="json")
        assert r.status_code == 201, r.json()
        app_id = r.json()["id"]
        assert r.json()["state"] == "draft"
        r = client.post(f"/api/v1/applications/{app_id}/submit/")
        assert r.status_code == 400 and r.json()["code"] == "incomplete"
        for m in r.json()["missing"]:
            code = m["item"].split(".", 1)[1]
            from django.core.files.uploadedfile import SimpleUploadedFile
            if code in ("seed-stock-origin", "feed-bedding-origin"):
                assert client.post(f"/api/v1/applications/{app_id}/commitments/", {"material": code}).status_code == 201
                continue
            f = SimpleUploadedFile("x.pdf", PDF_BYTES)
            resp = client.post(f"/api/v1/applications/{app_id}/materials/",
                               {"material": code, "file": f, "document_date": "2025-09-20"}, format="multipart")
            assert resp.status_code == 201, resp.json()
        r = client.post(f"/api/v1/applications/{app_id}/submit/")
        assert r.status_code == 200, r.json()
        assert r.json()["state"] == "submitted" and r.json()["status_password"]
        r2 = client.post(f"/api/v1/applications/{app_id}/submit/")
        assert r2.status_code == 200 and "status_password" not in r2.json()
    officer = APIClient()
    officer.force_authenticate(officers["intake"].user)
    with at(dt.date(2025, 9, 29)):
        q = officer.get("/api/v1/queue/")
        assert q.status_code == 200 and q.json()["count"] == 1
        r = officer.post(f"/api/v1/applications/{app_id}/accept/", {}, format="json")
        assert r.status_code == 200, r.json()
        assert r.json()["state"] == "in_review"
        r = officer.post(f"/api/v1/applications/{app_id}/accept/", {"opinion": "再次受理"}, format="json")
        assert r.status_code == 409
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200
