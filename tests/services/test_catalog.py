"""The published catalog: codes, checklists (legacy vs. now, and what replaced each dropped item),
limits, routing to the Kunming bureau, and versioning of service types."""

import re

import pytest

from django.core.exceptions import ValidationError
from django.utils import timezone

from services import selectors
from services.constants import MaterialMode, VersionStatus
from services.models import CommitmentText, Material, ServiceType
from services.services import FrozenVersion, service_type_new_version, service_type_publish

CODES = {
    "lab-animal-production", "lab-animal-use", "lab-animal-change", "lab-animal-renewal", "lab-animal-cancel",
    "foreign-work-permit", "foreign-residence-permit", "foreign-talent-one-stop",
}
LAB_NEW = ["lab-animal-production", "lab-animal-use"]
LAB_ALL = [code for code in sorted(CODES) if code.startswith("lab-animal-")]
CJK = re.compile(r"[\u4e00-\u9fff]")


def current(code: str) -> ServiceType:
    return selectors.service_type_current(code=code)


def submitted_now(service_type: ServiceType) -> list[Material]:
    return [m for m in service_type.materials.all() if m.mode == MaterialMode.UPLOAD and m.required]


def test_the_catalog_publishes_exactly_the_eight_service_types(catalog):
    assert {s.code for s in selectors.published_service_types()} == CODES
    assert ServiceType.objects.count() == len(CODES)


def test_loading_the_catalog_again_keeps_the_published_versions(catalog):
    from services.catalog.loader import catalog_load

    result = catalog_load()
    assert result.created == []
    assert set(result.kept) == CODES
    assert ServiceType.objects.count() == len(CODES)


@pytest.mark.parametrize("code", LAB_NEW)
def test_a_new_lab_animal_licence_had_eleven_legacy_materials_and_now_needs_six(catalog, code):
    service_type = current(code)
    legacy = [m for m in service_type.materials.all() if m.legacy]
    assert len(legacy) == 11
    assert len(submitted_now(service_type)) == 6
    assert all(m.legacy for m in submitted_now(service_type))
    assert selectors.materials_counts(service_type=service_type) == (11, 6)


@pytest.mark.parametrize("code", LAB_NEW)
def test_every_dropped_legacy_item_of_a_new_lab_licence_says_what_replaced_it(catalog, code):
    dropped = [m for m in current(code).materials.all() if m.legacy and not m.is_submitted_now]
    assert len(dropped) == 11 - 6
    for material in dropped:
        assert material.mode in (MaterialMode.COMMITMENT, MaterialMode.SHARED_DATA, MaterialMode.ABOLISHED)
        assert material.replacement and material.replacement_en, material.code
        if material.mode == MaterialMode.COMMITMENT:
            text = material.commitment_texts.get()
            assert material.name_zh in text.text_zh
            assert material.name_en in text.text_en
    modes = {m.mode for m in dropped}
    assert modes == {MaterialMode.COMMITMENT, MaterialMode.SHARED_DATA, MaterialMode.ABOLISHED}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_commitment_material_has_a_commitment_text(catalog, code):
    for material in current(code).materials.filter(mode=MaterialMode.COMMITMENT):
        assert CommitmentText.objects.filter(material=material).exclude(text_zh="").exclude(text_en="").exists()


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_material_is_named_in_chinese_and_english(catalog, code):
    for material in current(code).materials.all():
        assert CJK.search(material.name_zh), material.code
        assert material.name_en.strip() and not CJK.search(material.name_en), material.code


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_service_is_named_in_chinese_and_english_and_is_free(catalog, code):
    service_type = current(code)
    assert CJK.search(service_type.name_zh)
    assert service_type.name_en and not CJK.search(service_type.name_en)
    assert service_type.legal_basis and service_type.legal_basis_en
    assert service_type.fee == 0


@pytest.mark.parametrize(
    ("code", "material", "days"),
    [
        ("lab-animal-production", "environment-report", 90),  # ≤ 3 months
        ("lab-animal-use", "environment-report", 90),
        ("lab-animal-renewal", "environment-report", 90),
        ("foreign-work-permit", "criminal-record", 180),  # ≤ 6 months
        ("foreign-work-permit", "health-certificate", 180),
        ("foreign-residence-permit", "health-certificate", 180),
        ("foreign-talent-one-stop", "criminal-record", 180),
        ("foreign-talent-one-stop", "health-certificate", 180),
    ],
)
def test_documents_have_their_legal_maximum_age(catalog, code, material, days):
    assert current(code).materials.get(code=material).max_age_days == days


@pytest.mark.parametrize("code", LAB_NEW)
def test_new_lab_licence_limits(catalog, code):
    service_type = current(code)
    limits = (
        service_type.acceptance_limit, service_type.statutory_limit, service_type.extension_limit,
        service_type.issuance_limit, service_type.committed_limit, selectors.legacy_limit(service_type=service_type),
    )
    assert limits == (5, 20, 10, 10, 14, 63)


def test_the_one_stop_checklist_is_at_least_30_percent_shorter_than_the_two_permits(catalog):
    one_stop = current("foreign-talent-one-stop")
    work, residence = current("foreign-work-permit"), current("foreign-residence-permit")
    separate = len(submitted_now(work)) + len(submitted_now(residence))
    joint = len(submitted_now(one_stop))
    assert joint <= 0.7 * separate
    assert selectors.materials_counts(service_type=one_stop) == (separate, joint)


def test_the_one_stop_service_runs_both_permits_and_more_than_halves_the_time(catalog):
    one_stop = current("foreign-talent-one-stop")
    work, residence = current("foreign-work-permit"), current("foreign-residence-permit")
    assert selectors.service_type_component_versions(service_type=one_stop) == [work, residence]
    assert {work.authority.code, residence.authority.code} == {"yn-kjt", "yn-crj"}
    in_series = work.legacy_limit + residence.legacy_limit
    assert selectors.legacy_limit(service_type=one_stop) == in_series
    assert one_stop.committed_limit < in_series / 2


def test_shared_one_stop_materials_serve_both_tracks(catalog):
    shared = current("foreign-talent-one-stop").materials.filter(shared=True)
    assert {m.code for m in shared} >= {"passport", "photo", "health-certificate"}
    assert all(m.tracks == [] for m in shared)


def test_work_permit_commitment_limit_depends_on_the_category(catalog):
    work = current("foreign-work-permit")
    assert selectors.committed_limit(service_type=work, category="A") == 5
    assert selectors.committed_limit(service_type=work, category="B") == 10
    assert selectors.committed_limit(service_type=work, category="C") == 10


@pytest.mark.parametrize("code", LAB_ALL)
def test_kunming_applicants_are_routed_to_the_kunming_bureau(catalog, code):
    service_type = current(code)
    assert selectors.authority_for(service_type=service_type, city="昆明市").code == "km-kjj"
    assert selectors.authority_for(service_type=service_type, city="玉溪市").code == "yn-kjt"


def test_kunming_employers_still_file_work_permits_with_the_province(catalog):
    work = current("foreign-work-permit")
    assert selectors.authority_for(service_type=work, city="昆明市").code == "yn-kjt"


def test_an_unknown_code_is_not_found(catalog):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.service_type_current(code="lab-animal-import")


# Versioning -----------------------------------------------------------------------------------


def _row(service_type: ServiceType) -> dict:
    return ServiceType.objects.filter(pk=service_type.pk).values().get()


def _materials(service_type: ServiceType) -> list[dict]:
    return list(Material.objects.filter(service_type=service_type).order_by("code").values())


def test_a_published_version_is_frozen_and_cannot_be_published_again(catalog):
    service_type = current("lab-animal-production")
    assert service_type.status == VersionStatus.PUBLISHED
    assert service_type.is_frozen
    with pytest.raises(FrozenVersion):
        service_type_publish(service_type=service_type)


def test_a_new_version_copies_the_checklist_into_a_draft(catalog):
    published = current("lab-animal-production")
    draft = service_type_new_version(service_type=published)
    assert (draft.code, draft.version, draft.status) == ("lab-animal-production", published.version + 1, "draft")
    assert draft.pk != published.pk and draft.published_at is None and draft.valid_from is None
    assert not draft.is_frozen
    fields = ["code", "name_zh", "name_en", "mode", "required", "legacy", "replacement", "file_types",
              "max_age_days", "max_size_mb", "shared", "order"]
    assert list(draft.materials.order_by("order").values(*fields)) == list(
        published.materials.order_by("order").values(*fields)
    )
    old_texts = CommitmentText.objects.filter(material__service_type=published)
    new_texts = CommitmentText.objects.filter(material__service_type=draft)
    assert sorted(new_texts.values_list("material__code", "text_zh", "text_en")) == sorted(
        old_texts.values_list("material__code", "text_zh", "text_en")
    )
    assert not set(new_texts.values_list("pk", flat=True)) & set(old_texts.values_list("pk", flat=True))
    assert list(draft.local_authorities.values_list("city", "authority__code")) == [("昆明市", "km-kjj")]


def test_only_one_draft_version_at_a_time(catalog):
    published = current("lab-animal-use")
    service_type_new_version(service_type=published)
    with pytest.raises(ValidationError):
        service_type_new_version(service_type=published)


def test_publishing_a_new_version_retires_the_old_one_and_leaves_its_row_unchanged(catalog):
    old = current("lab-animal-production")
    old_row, old_materials = _row(old), _materials(old)
    old_texts = sorted(CommitmentText.objects.filter(material__service_type=old).values_list("pk", "text_zh"))

    draft = service_type_new_version(service_type=old)
    draft.committed_limit = 10
    draft.save()
    floor_plan = draft.materials.get(code="floor-plan")
    floor_plan.mode, floor_plan.replacement, floor_plan.replacement_en = "abolished", "取消", "Abolished"
    floor_plan.save()
    CommitmentText.objects.filter(material__service_type=draft).update(text_zh="新承诺书")
    service_type_publish(service_type=draft)

    assert current("lab-animal-production").pk == draft.pk
    assert current("lab-animal-production").committed_limit == 10
    retired = _row(old)
    assert retired["status"] == VersionStatus.RETIRED
    assert retired["valid_to"] == timezone.localdate()
    unchanged = {k: v for k, v in retired.items() if k not in ("status", "valid_to")}
    assert unchanged == {k: v for k, v in old_row.items() if k not in ("status", "valid_to")}
    assert _materials(old) == old_materials
    assert sorted(CommitmentText.objects.filter(material__service_type=old).values_list("pk", "text_zh")) == old_texts
    assert selectors.materials_counts(service_type=draft) == (11, 5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mode": MaterialMode.COMMITMENT}, "承诺书"),
        ({"mode": MaterialMode.SHARED_DATA, "replacement": ""}, "替代方式"),
        ({"file_types": []}, "文件类型"),
    ],
)
def test_a_draft_with_an_incomplete_checklist_cannot_be_published(catalog, change, message):
    draft = service_type_new_version(service_type=current("lab-animal-use"))
    Material.objects.filter(service_type=draft, code="floor-plan").update(**change)
    with pytest.raises(ValidationError) as error:
        service_type_publish(service_type=draft)
    assert any(message in text for text in error.value.messages)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
