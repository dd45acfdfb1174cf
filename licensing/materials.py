"""Checks on uploaded materials: the real file type from its bytes, size, age, safe names; PDFs parsed
and refused when they carry JavaScript, launch or open actions, embedded files, or HTML/script around
the PDF (a polyglot); images decoded and re-encoded, so that whatever was appended to them is dropped."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
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


# Names that make a PDF act: scripts, launching programs, actions on opening or on events, attachments.
ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/Launch", "/OpenAction", "/AA", "/EmbeddedFile", "/EmbeddedFiles",
                   "/RichMedia", "/XFA", "/SubmitForm", "/ImportData", "/GoToE"}
ACTIVE_PDF_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"}
HTML_MARKERS = re.compile(rb"<\s*(?:script|html|body|iframe|svg|!doctype)[\s>/]", re.IGNORECASE)
MAX_PDF_OBJECTS = 100_000
MAX_IMAGE_PIXELS = 40_000_000


class UnsafeFile(ValueError):
    """Why a file is refused (a message for the applicant)."""


def _pdf_problems(data: bytes) -> None:
    """Raise UnsafeFile for a PDF that is a polyglot or that can act (scripts, actions, attachments)."""
    if HTML_MARKERS.search(data):
        raise UnsafeFile(_("PDF 文件中夹带了网页或脚本内容，不予接收。"))
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise UnsafeFile(_("PDF 文件不完整（缺少文件结束标记）。"))
    tail = data[end + len(b"%%EOF"):]
    if any(line.strip() and not line.lstrip().startswith(b"%") for line in tail.splitlines()):
        raise UnsafeFile(_("PDF 文件结束标记之后还有其他内容，不予接收。"))
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnsafeFile(_("PDF 文件已加密，无法检查，请上传未加密的文件。"))
        stack = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        visited = 0
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                raise UnsafeFile(_("PDF 文件结构过于复杂，无法检查。"))
            if isinstance(item, DictionaryObject):
                for name, value in item.items():
                    if name in ACTIVE_PDF_KEYS:
                        raise UnsafeFile(_("PDF 文件含有脚本、自动执行的动作或嵌入的附件，不予接收。"))
                    if name == "/S" and isinstance(value, NameObject) and value in ACTIVE_PDF_ACTIONS:
                        raise UnsafeFile(_("PDF 文件含有脚本、自动执行的动作或嵌入的附件，不予接收。"))
                    if name != "/Parent":  # the page tree's back links lead nowhere new
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
        if len(reader.pages) == 0:
            raise UnsafeFile(_("PDF 文件没有页面。"))
    except UnsafeFile:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file breaks the parser in many ways
        raise UnsafeFile(_("PDF 文件已损坏或无法解析。")) from exc


def _reencoded_image(data: bytes, kind: str) -> bytes:
    """The image decoded and encoded again by Pillow (pixels only: no appended bytes, no metadata)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UnsafeFile(_("图片尺寸过大。"))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if kind == "jpeg":
                image = image.convert("RGB") if image.mode not in ("RGB", "L", "CMYK") else image
                image.save(out, format="JPEG", quality=92)
            else:
                image.save(out, format="PNG")
    except UnsafeFile:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a broken image
        raise UnsafeFile(_("图片已损坏或无法解析。")) from exc
    return out.getvalue()


def _replace_content(uploaded, content: bytes) -> None:
    """Make the upload carry `content`, so that what the caller stores is the checked file."""
    try:  # in place, so a temporary upload file on disk (moved into storage as it is) holds it too
        uploaded.file.seek(0)
        uploaded.file.truncate()
        uploaded.file.write(content)
        uploaded.file.flush()
    except (AttributeError, OSError, io.UnsupportedOperation):
        uploaded.file = io.BytesIO(content)
    uploaded.file.seek(0)
    uploaded.size = len(content)


def check_upload(*, material, uploaded, document_date: dt.date | None, today: dt.date) -> tuple[str, str]:
    """Validate an upload against the material's rules; returns (kind, sha256 hex) of the file to store.
    A PDF that can act or is a polyglot is refused; an image is re-encoded, and the upload then carries
    the re-encoded image. Raises ValidationError keyed by field."""
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
        if kind is None and b"%PDF-" in uploaded.read(1024):
            errors.setdefault("file", []).append(_("文件在 PDF 开头之前还有其他内容（可能夹带网页或脚本），不予接收。"))
        elif kind is None or kind not in allowed:
            errors.setdefault("file", []).append(
                _("文件内容不是允许的类型（%(types)s）；系统按文件实际内容判断，而非文件名。")
                % {"types": _("、").join(t.upper() for t in allowed)})
    if not errors:
        uploaded.seek(0)
        data = uploaded.read()
        uploaded.seek(0)
        try:
            if kind == "pdf":
                _pdf_problems(data)
            else:
                _replace_content(uploaded, _reencoded_image(data, kind))
        except UnsafeFile as exc:
            errors.setdefault("file", []).append(str(exc))
    if material.max_age_days:
        errors.update(check_document_date(material=material, document_date=document_date, today=today))
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return kind, digest.hexdigest()


def minimal_files() -> dict[str, bytes]:
    """The smallest real file of each kind (a blank one-page PDF, an 8×8 PNG and JPEG), which pass the
    checks above: what the simulated history uploads."""
    from PIL import Image
    from pypdf import PdfWriter

    writer, pdf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    files = {"pdf": pdf.getvalue()}
    for kind in ("png", "jpeg"):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind.upper())
        files[kind] = out.getvalue()
    return files


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
