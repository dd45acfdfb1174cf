"""The service guide pages (办事指南) in Chinese and English, with the dropped legacy materials
and what replaced them."""

import html

import pytest

from services import selectors
from services.constants import MaterialMode

CODES = [
    "lab-animal-production", "lab-animal-use", "lab-animal-change", "lab-animal-renewal", "lab-animal-cancel",
    "foreign-work-permit", "foreign-residence-permit", "foreign-talent-one-stop",
]
ENGLISH = [
    pytest.param({"HTTP_ACCEPT_LANGUAGE": "en"}, {}, id="accept-language"),
    pytest.param({}, {"django_language": "en"}, id="cookie"),
]


def _get(client, url, headers=None, cookies=None):
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    response = client.get(url, **(headers or {}))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_guide_list_is_in_chinese_by_default(catalog, client):
    page = _get(client, "/guide/")
    assert '<html lang="zh-hans">' in page
    for service_type in selectors.published_service_types():
        assert service_type.name_zh in page
        assert service_type.name_en not in page
        assert f"/guide/{service_type.code}/" in page


@pytest.mark.parametrize(("headers", "cookies"), ENGLISH)
def test_the_guide_list_switches_to_english(catalog, client, headers, cookies):
    page = _get(client, "/guide/", headers, cookies)
    assert '<html lang="en">' in page
    for service_type in selectors.published_service_types():
        assert service_type.name_en in page
        assert service_type.authority.name_en in page


def test_the_guide_list_shows_the_reform_figures(catalog, client):
    page = _get(client, "/guide/")
    assert "11 → 6" in page
    assert "63 个工作日" in page


@pytest.mark.parametrize("code", CODES)
def test_a_guide_page_in_chinese_lists_materials_and_dropped_items(catalog, client, code):
    service_type = selectors.service_type_current(code=code)
    page = _get(client, f"/guide/{code}/")
    assert f"<h1>{service_type.name_zh}</h1>" in page
    assert service_type.legal_basis in page
    for material in service_type.materials.all():
        if material.mode in (MaterialMode.UPLOAD, MaterialMode.COMMITMENT):
            assert material.name_zh in page, material.code
        if material.legacy and material.mode != MaterialMode.UPLOAD:
            assert material.name_zh in page, material.code
            assert material.replacement in page, material.code


@pytest.mark.parametrize("code", CODES)
def test_a_guide_page_in_english_uses_the_english_names(catalog, client, code):
    service_type = selectors.service_type_current(code=code)
    page = _get(client, f"/guide/{code}/", {"HTTP_ACCEPT_LANGUAGE": "en"})
    assert '<html lang="en">' in page
    assert f"<title>{service_type.name_en} · " in page
    assert f"<h1>{service_type.name_en}</h1>" in page
    assert service_type.authority.name_en in page
    assert service_type.legal_basis_en in page
    for material in service_type.materials.all():
        if material.mode in (MaterialMode.UPLOAD, MaterialMode.COMMITMENT) or material.legacy:
            assert material.name_en in page, material.code
        if material.legacy and material.mode != MaterialMode.UPLOAD:
            assert material.replacement_en in page, material.code


@pytest.mark.parametrize(("headers", "cookies"), ENGLISH)
def test_the_lab_licence_page_in_english_explains_each_dropped_item(catalog, client, headers, cookies):
    page = _get(client, "/guide/lab-animal-production/", headers, cookies)
    for replacement in (
        "Taken from the registration data of market regulation and institution registries",
        "Written commitment signed by the applicant, verified afterwards",
        "Abolished: the whole procedure is online, electronic files suffice",
    ):
        assert replacement in page


def test_the_guide_page_names_the_kunming_bureau_for_kunming_applicants(catalog, client):
    page = _get(client, "/guide/lab-animal-use/")
    assert "昆明市的申请人：昆明市科学技术局" in page
    english = _get(client, "/guide/lab-animal-use/", {"HTTP_ACCEPT_LANGUAGE": "en"})
    assert "Kunming Municipal Bureau of Science and Technology" in english


def test_the_one_stop_guide_page_names_both_authorities(catalog, client):
    page = _get(client, "/guide/foreign-talent-one-stop/")
    assert "云南省科学技术厅" in page
    assert "云南省公安厅出入境管理局" in page


def test_the_guide_page_warns_about_coming_years_without_an_official_schedule(catalog, client, time_machine):
    # The bundled data ends with 2026; the page looks two years ahead of today.
    time_machine.move_to("2026-06-01 10:00 +08:00")
    page = _get(client, "/guide/lab-animal-use/")
    assert "2027, 2028 年的法定节假日安排尚未公布" in page


def test_the_guide_page_has_no_warning_when_the_coming_years_are_official(catalog, client, time_machine):
    time_machine.move_to("2024-06-01 10:00 +08:00")
    assert "尚未公布" not in _get(client, "/guide/lab-animal-use/")


def test_an_unknown_guide_page_is_a_404(catalog, client):
    assert client.get("/guide/lab-animal-import/").status_code == 404


def test_the_home_page_lists_the_services(catalog, client):
    page = _get(client, "/")
    assert "实验动物生产许可证核发（新办）" in page
