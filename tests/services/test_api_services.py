"""The public service guide API: list and detail without login, names in Chinese or English,
limits, material counts and the checklist, 404 for unknown codes."""

import pytest

from services import selectors

LIST = "/api/v1/services/"
LIMIT_KEYS = {"acceptance", "committed", "statutory", "extension", "issuance", "legacy"}
MATERIAL_KEYS = {"code", "name", "mode", "required", "legacy", "shared", "max_age_days", "file_types", "max_size_mb"}
CODES = [
    "lab-animal-production", "lab-animal-use", "lab-animal-change", "lab-animal-renewal", "lab-animal-cancel",
    "foreign-work-permit", "foreign-residence-permit", "foreign-talent-one-stop",
]


def test_the_service_list_is_public_and_lists_every_published_service(catalog, client):
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert sorted(item["code"] for item in body) == sorted(CODES)


@pytest.mark.parametrize("code", CODES)
def test_a_service_guide_entry_has_the_documented_shape(catalog, client, code):
    response = client.get(f"{LIST}{code}/")
    assert response.status_code == 200
    body = response.json()
    service_type = selectors.service_type_current(code=code)
    assert body["code"] == code
    assert (body["name_zh"], body["name_en"]) == (service_type.name_zh, service_type.name_en)
    assert body["name"] == service_type.name_zh  # Chinese by default
    assert body["authority"]["code"] == service_type.authority.code
    assert body["legal_basis"] == service_type.legal_basis
    assert set(body["limits"]) >= LIMIT_KEYS
    assert body["limits"]["committed"] == service_type.committed_limit
    assert body["limits"]["statutory"] == service_type.statutory_limit
    assert body["limits"]["acceptance"] == service_type.acceptance_limit
    assert body["limits"]["issuance"] == service_type.issuance_limit
    legacy_count, current_count = selectors.materials_counts(service_type=service_type)
    assert (body["legacy_materials_count"], body["current_materials_count"]) == (legacy_count, current_count)
    assert [m["code"] for m in body["materials"]] == [m.code for m in service_type.materials.all()]
    for material in body["materials"]:
        assert set(material) >= MATERIAL_KEYS
        assert isinstance(material["file_types"], list)
        assert isinstance(material["required"], bool) and isinstance(material["legacy"], bool)


def test_a_new_lab_licence_entry_shows_the_reform_figures(catalog, client):
    body = client.get(f"{LIST}lab-animal-production/").json()
    assert {k: body["limits"][k] for k in LIMIT_KEYS} == {
        "acceptance": 5, "committed": 14, "statutory": 20, "extension": 10, "issuance": 10, "legacy": 63,
    }
    assert (body["legacy_materials_count"], body["current_materials_count"]) == (11, 6)
    environment = next(m for m in body["materials"] if m["code"] == "environment-report")
    assert (environment["mode"], environment["required"], environment["max_age_days"]) == ("upload", True, 90)
    assert float(body["fee"]) == 0


def test_the_one_stop_entry_counts_the_two_permits_as_its_baseline(catalog, client):
    body = client.get(f"{LIST}foreign-talent-one-stop/").json()
    work = client.get(f"{LIST}foreign-work-permit/").json()
    residence = client.get(f"{LIST}foreign-residence-permit/").json()
    assert body["legacy_materials_count"] == work["current_materials_count"] + residence["current_materials_count"]
    assert body["current_materials_count"] <= 0.7 * body["legacy_materials_count"]
    assert body["limits"]["legacy"] == work["limits"]["legacy"] + residence["limits"]["legacy"]
    assert body["components"] == ["foreign-work-permit", "foreign-residence-permit"]


def test_a_residence_permit_allows_no_extension(catalog, client):
    assert client.get(f"{LIST}foreign-residence-permit/").json()["limits"]["extension"] == 0


@pytest.mark.parametrize("url", [LIST, f"{LIST}lab-animal-use/"])
def test_lang_en_gives_english_names(catalog, client, url):
    body = client.get(url, {"lang": "en"}).json()
    entries = body if isinstance(body, list) else [body]
    for entry in entries:
        assert entry["name"] == entry["name_en"]
        for material in entry["materials"]:
            assert material["name"] == material["name_en"]


def test_lang_en_gives_english_replacement_texts(catalog, client):
    zh = client.get(f"{LIST}lab-animal-use/").json()["materials"]
    en = client.get(f"{LIST}lab-animal-use/", {"lang": "en"}).json()["materials"]
    paper_zh = next(m for m in zh if m["code"] == "paper-copies")
    paper_en = next(m for m in en if m["code"] == "paper-copies")
    assert paper_zh["replacement"].startswith("取消")
    assert paper_en["replacement"].startswith("Abolished")


def test_an_accept_language_header_also_switches_to_english(catalog, client):
    body = client.get(f"{LIST}lab-animal-use/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["name"] == body["name_en"]


def test_an_unknown_service_code_is_a_404(catalog, client):
    assert client.get(f"{LIST}lab-animal-import/").status_code == 404


def test_a_draft_version_is_not_served(catalog, client):
    from services.services import service_type_new_version

    draft = service_type_new_version(service_type=selectors.service_type_current(code="lab-animal-use"))
    draft.name_zh = "草稿名称"
    draft.save()
    body = client.get(f"{LIST}lab-animal-use/").json()
    assert body["version"] == 1
    assert body["name_zh"] != "草稿名称"
    assert [item["code"] for item in client.get(LIST).json()].count("lab-animal-use") == 1


def test_the_service_guide_does_not_need_a_session_or_token(catalog, client):
    response = client.get(LIST, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 200
