"""Writes to the catalog: publishing a service type version and drafting the next one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import MaterialMode, VersionStatus
from .models import ServiceType


class FrozenVersion(ValidationError):
    """A published service type version cannot be edited; draft a new version instead."""


def _check_checklist(service_type: ServiceType) -> None:
    problems = []
    for material in service_type.materials.all():
        if material.mode == MaterialMode.COMMITMENT and not material.commitment_texts.exists():
            problems.append(_("材料“%(name)s”为告知承诺方式，但没有承诺书文本。") % {"name": material.name_zh})
        if material.accepts_upload and not material.file_types:
            problems.append(_("材料“%(name)s”未设置接受的文件类型。") % {"name": material.name_zh})
        if material.legacy and material.mode != MaterialMode.UPLOAD and not material.replacement:
            problems.append(_("材料“%(name)s”缺少替代方式说明。") % {"name": material.name_zh})
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def service_type_publish(*, service_type: ServiceType) -> ServiceType:
    """Freeze a draft version and retire the version it replaces."""
    service_type = ServiceType.objects.select_for_update().get(pk=service_type.pk)
    if service_type.is_frozen:
        raise FrozenVersion(_("该版本已发布，不能再次发布。"))
    _check_checklist(service_type)
    now = timezone.now()
    today = timezone.localdate()
    ServiceType.objects.filter(code=service_type.code, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED, valid_to=today
    )
    service_type.status = VersionStatus.PUBLISHED
    service_type.published_at = now
    service_type.valid_from = service_type.valid_from or today
    service_type.save(update_fields=["status", "published_at", "valid_from"])
    return service_type


@transaction.atomic
def service_type_new_version(*, service_type: ServiceType) -> ServiceType:
    """Copy a version (with its materials, commitment texts and local authorities) into a new
    draft; the published one stays untouched for the applications filed under it."""
    if ServiceType.objects.filter(code=service_type.code, status=VersionStatus.DRAFT).exists():
        raise ValidationError(_("已有未发布的草稿版本，请先编辑或发布它。"))
    latest = ServiceType.objects.filter(code=service_type.code).order_by("-version").first()
    materials = list(service_type.materials.prefetch_related("commitment_texts"))
    locals_ = list(service_type.local_authorities.all())
    draft = ServiceType.objects.get(pk=service_type.pk)
    draft.pk = None
    draft.version = latest.version + 1
    draft.status = VersionStatus.DRAFT
    draft.published_at = None
    draft.valid_from = None
    draft.valid_to = None
    draft.save()
    for local in locals_:
        local.pk = None
        local.service_type = draft
        local.save()
    for material in materials:
        texts = list(material.commitment_texts.all())
        material.pk = None
        material.service_type = draft
        material.save()
        for text in texts:
            text.pk = None
            text.material = material
            text.save()
    return draft
