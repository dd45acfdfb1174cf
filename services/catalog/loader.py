"""Load the published catalog (services.catalog.data) into the database, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from services.constants import MaterialMode, Role
from services.models import Authority, CommitmentText, LocalAuthority, Material, ServiceType, StaffRole
from services.services import service_type_publish
from services.validators import credit_code_check_char

from . import data

SERVICE_FIELDS = (
    "item_code", "name_zh", "name_en", "matter", "legal_basis", "legal_basis_en", "conditions",
    "conditions_en", "acceptance_limit", "committed_limit", "statutory_limit", "extension_limit",
    "issuance_limit", "category_limits", "legacy_limit", "pause_allowed", "extension_allowed",
    "certificate_kind", "validity_rule", "validity_years", "fee", "components", "order",
)


@dataclass
class CatalogResult:
    authorities: int = 0
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def authority_credit_code(seed: str) -> str:
    return seed + credit_code_check_char(seed)


@transaction.atomic
def catalog_load() -> CatalogResult:
    result = CatalogResult()
    for role in Role:
        StaffRole.objects.get_or_create(code=role.value)
    authorities: dict[str, Authority] = {}
    for spec in data.AUTHORITIES:
        defaults = {k: v for k, v in spec.items() if k not in ("code", "credit_seed", "parent")}
        defaults["credit_code"] = authority_credit_code(spec["credit_seed"])
        defaults["parent"] = authorities.get(spec.get("parent", ""))
        authorities[spec["code"]], _ = Authority.objects.update_or_create(code=spec["code"], defaults=defaults)
        result.authorities += 1
    for spec in data.SERVICE_TYPES:
        if ServiceType.objects.filter(code=spec["code"]).exists():
            result.kept.append(spec["code"])
            continue
        service_type = ServiceType.objects.create(
            code=spec["code"],
            authority=authorities[spec["authority"]],
            **{name: spec[name] for name in SERVICE_FIELDS if name in spec},
        )
        for city, code in spec.get("local_authorities", {}).items():
            LocalAuthority.objects.create(service_type=service_type, city=city, authority=authorities[code])
        for order, material_spec in enumerate(spec["materials"], start=1):
            material = Material.objects.create(service_type=service_type, order=order * 10, **material_spec)
            if material.mode == MaterialMode.COMMITMENT:
                CommitmentText.objects.create(
                    material=material,
                    text_zh=data.COMMITMENT_TEMPLATE_ZH.format(name=material.name_zh),
                    text_en=data.COMMITMENT_TEMPLATE_EN.format(name_en=material.name_en),
                )
        service_type_publish(service_type=service_type)
        result.created.append(spec["code"])
    return result
