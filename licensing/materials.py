"""Checks on uploaded materials: the real file type from its bytes, size, age, safe names."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def sniff_type(head: bytes) -> str | None:
    """The file type the bytes say, whatever the name says."""
    for kind, magics in SIGNATURES.items():
        if any(head.startswith(magic) for magic in magics):
            return kind
    return None


def safe_original_name(name: str) -> str:
    """Keep only the final path component, printable, at most 120 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    base = os.path.basename(name).strip().lstrip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base[-120:] or "file"


def check_upload(*, material, uploaded, document_date: dt.date | None, today: dt.date) -> tuple[str, str]:
    """Validate an upload against the material's rules; returns (kind, sha256 hex).
    Raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    limit = material.max_size_mb * 1024 * 1024
    if uploaded.size == 0:
        errors.setdefault("file", []).append(_("文件为空。"))
    elif uploaded.size > limit:
        errors.setdefault("file", []).append(
            _("文件过大：上限为 %(mb)d MB。") % {"mb": material.max_size_mb})
    kind = None
    if not errors:
        uploaded.seek(0)
        kind = sniff_type(uploaded.read(16))
        uploaded.seek(0)
        allowed = material.file_types or []
        if kind is None or kind not in allowed:
            errors.setdefault("file", []).append(
                _("文件内容不是允许的类型（%(types)s）；系统按文件实际内容判断，而非文件名。")
                % {"types": "、".join(t.upper() for t in allowed)})
    if material.max_age_days:
        errors.update(check_document_date(material=material, document_date=document_date, today=today))
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return kind, digest.hexdigest()


def check_document_date(*, material, document_date: dt.date | None, today: dt.date) -> dict[str, list[str]]:
    if not material.max_age_days:
        return {}
    if document_date is None:
        return {"document_date": [_("请填写文件出具日期（该材料有时效要求）。")]}
    if document_date > today:
        return {"document_date": [_("出具日期不能晚于今天。")]}
    age = (today - document_date).days
    if age > material.max_age_days:
        return {"document_date": [
            _("文件已超过时效：出具于 %(date)s，距今 %(age)d 天，要求在 %(max)d 天以内。")
            % {"date": document_date.isoformat(), "age": age, "max": material.max_age_days}]}
    return {}
