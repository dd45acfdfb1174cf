"""Reads of the catalog."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from .constants import VersionStatus
from .models import Material, ServiceType


def published_service_types() -> QuerySet[ServiceType]:
    """The version of each service type that applications are filed under today."""
    return (
        ServiceType.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("authority")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
            "local_authorities__authority",
        )
        .order_by("order", "code")
    )


def service_type_current(*, code: str) -> ServiceType:
    service_type = published_service_types().filter(code=code).first()
    if service_type is None:
        raise Http404(code)
    return service_type


def service_type_component_versions(*, service_type: ServiceType) -> list[ServiceType]:
    """The current versions of a joint filing's component services, in their listed order."""
    by_code = {s.code: s for s in published_service_types().filter(code__in=service_type.components)}
    return [by_code[code] for code in service_type.components if code in by_code]


def materials_counts(*, service_type: ServiceType) -> tuple[int, int]:
    """(legacy, current): the legacy checklist's length and what an applicant must upload now.
    A joint filing's baseline is the component services' checklists added up."""
    materials = list(service_type.materials.all())
    current = sum(1 for m in materials if m.is_submitted_now)
    if service_type.is_joint:
        legacy = sum(materials_counts(service_type=c)[1] for c in service_type_component_versions(
            service_type=service_type))
    else:
        legacy = sum(1 for m in materials if m.legacy)
    return legacy, current


def legacy_limit(*, service_type: ServiceType) -> int | None:
    """The pre-reform limit in working days; a joint filing's is its components' in series."""
    if service_type.is_joint and service_type.legacy_limit is None:
        limits = [c.legacy_limit for c in service_type_component_versions(service_type=service_type)]
        return sum(limits) if limits and None not in limits else None
    return service_type.legacy_limit


def committed_limit(*, service_type: ServiceType, category: str = "") -> int:
    return int(service_type.category_limits.get(category, service_type.committed_limit))


def authority_for(*, service_type: ServiceType, city: str):
    for local in service_type.local_authorities.all():
        if local.city == city:
            return local.authority
    return service_type.authority

