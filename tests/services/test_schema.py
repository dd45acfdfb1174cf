"""The OpenAPI schema is served and valid; the docs pages load their assets from our own static
files (drf-spectacular-sidecar), never from a CDN."""

import json
import re

import pytest
from openapi_spec_validator import validate

from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize(
    ("query", "headers"),
    [({"format": "json"}, {}), ({}, {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"})],
)
def test_the_openapi_schema_is_valid(client, query, headers):
    response = client.get("/api/schema/", query, **headers)
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_documents_the_public_endpoints(client):
    paths = json.loads(client.get("/api/schema/", {"format": "json"}).content)["paths"]
    for path in (
        "/api/v1/services/", "/api/v1/services/{code}/", "/api/v1/calendar/add-working-days/",
        "/api/v1/calendar/working-days/", "/api/v1/auth/token/",
    ):
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/calendar/add-working-days/"]["get"]["parameters"]}
    assert {"start", "days"} <= parameters


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_only_local_static_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert assets, "the page should reference its scripts and styles"
    for asset in assets:
        if asset.startswith(url + "?script"):  # Swagger UI's start-up script, served by the view (CSP)
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a bundled static file"
    assert "cdn" not in html.lower()


def test_swagger_ui_does_not_call_the_online_validator(client):
    script = client.get("/api/docs/?script=").content.decode()
    settings = json.loads(re.search(r"const swaggerSettings = (\{.*?\});", script, re.S).group(1))
    assert settings["validatorUrl"] is None
