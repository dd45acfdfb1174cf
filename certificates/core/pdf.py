"""The certificate PDF (A4, reportlab): bilingual title and fields, the verification QR code as vector
rectangles, the issuing authority with a red seal mark, in an embedded CJK TrueType subset.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageOps
from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

# Re-exported: callers of render_certificate_pdf catch it from here.
from services.fonts import FontMissingError as FontMissingError
from services.fonts import register_cjk_font
from services.typesetting import break_lines, draw_seal

from .qr import QUIET_ZONE, horizontal_runs, qr_matrix

# Binary (Flate-only) streams: ASCII85 makes them 25 % bigger and, without reportlab's optional C
# accelerator, costs ~20 ms per certificate in pure Python. Process-wide, and harmless to other users.
rl_config.useA85 = 0

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # the TONGBAN_CJK_FONT default

_INK = HexColor("#1A1A1A")
_MUTED = HexColor("#5A5A5A")
_FRAME = HexColor("#8E1F1F")
_RULE = HexColor("#C9A9A9")
_ROSETTE = HexColor("#EBD3D3")
_PLACEHOLDER = HexColor("#F2F2F2")

PAGE_W, PAGE_H = A4
_LEFT, _RIGHT = 26 * mm, PAGE_W - 26 * mm
_LABEL_W = 40 * mm
_ISSUER_LABEL_X = 82 * mm  # right of the QR code and its quiet zone (about 74 mm)
_ISSUER_CENTRE_X = PAGE_W - 58 * mm
_ISSUER_W = 60 * mm
_ISSUER_DATE_Y = 58 * mm  # the seal then spans 54.5-96.5 mm: below the fields, above the footer
_PHOTO_W, _PHOTO_H = 32 * mm, 42 * mm  # 3:4 like an ID photo, printed at the top right of the fields
_QR_SIZE = 46 * mm  # the symbol itself; the quiet zone comes on top (about 51 mm overall for v13-v16)


class CertificateTooLongError(ValueError):
    """The fields do not fit on the page even in the smallest type size."""


@dataclass(frozen=True)
class CertificatePdfData:
    authority_name: str
    title_zh: str
    number: str
    identifier: str
    # (label_zh, label_en or None, value); values may be long (address, scope) and are wrapped.
    holder_rows: list[tuple[str, str | None, str]]
    issue_date: date
    valid_from: date
    valid_to: date
    qr_url: str
    seal_text: str  # the name around the seal, normally the authority name
    footer_note: str = ""
    authority_name_en: str | None = None
    title_en: str | None = None
    seal_label: str = ""  # optional horizontal line under the star, e.g. 行政许可专用章
    qr_error: str = "m"  # M for the claim set Tongban signs; Q needs about two QR versions more
    # A permit for a person shows the holder's photo (JPEG or PNG bytes); with_photo and no bytes (none
    # uploaded, or not an image) draws a labelled empty box in its place.
    with_photo: bool = False
    photo: bytes | None = None


def _zh_date(d: date) -> str:
    # GB/T 9704 style: Arabic numerals, no zero padding.
    return f"{d.year}年{d.month}月{d.day}日"


def _en_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def wrap_text(text: str, *, font: str, size: float, width: float) -> list[str]:
    """Mixed Chinese/Latin line breaking with the punctuation rules (the one all generated PDFs use)."""
    return break_lines(text, font=font, size=size, width=width)


def _fit(text: str, *, font: str, size: float, gap: float, width: float) -> float:
    """The largest size up to `size` at which `text` (letter-spaced by gap/size em) fits in `width`."""
    natural = pdfmetrics.stringWidth(text, font, size) + gap * (len(text) - 1)
    return size if natural <= width else size * width / natural


def _title(c: Canvas, text: str, *, x_centre: float, y: float, font: str, size: float, gap: float) -> None:
    """Centred, letter-spaced title; fill+stroke rendering makes the single-weight font look bold."""
    fitted = _fit(text, font=font, size=size, gap=gap, width=_RIGHT - _LEFT)
    size, gap = fitted, gap * fitted / size
    width = pdfmetrics.stringWidth(text, font, size) + gap * (len(text) - 1)
    t = c.beginText(x_centre - width / 2, y)
    t.setFont(font, size)
    t.setCharSpace(gap)
    t.setTextRenderMode(2)
    t.textOut(text)
    # Character spacing and render mode are text state that outlives BT/ET: reset them.
    t.setCharSpace(0)
    t.setTextRenderMode(0)
    c.setLineWidth(0.6)
    c.setStrokeColor(_INK)
    c.drawText(t)


def _frame(c: Canvas) -> None:
    c.setStrokeColor(_FRAME)
    c.setLineWidth(2.4)
    c.rect(12 * mm, 12 * mm, PAGE_W - 24 * mm, PAGE_H - 24 * mm)
    c.setLineWidth(0.7)
    c.rect(14.5 * mm, 14.5 * mm, PAGE_W - 29 * mm, PAGE_H - 29 * mm)
    # Small square ornaments in the inner corners.
    c.setFillColor(_FRAME)
    for x, y in (
        (14.5, 14.5),
        (PAGE_W / mm - 14.5, 14.5),
        (14.5, PAGE_H / mm - 14.5),
        (PAGE_W / mm - 14.5, PAGE_H / mm - 14.5),
    ):
        c.rect((x - 1.6) * mm, (y - 1.6) * mm, 3.2 * mm, 3.2 * mm, stroke=0, fill=1)


def _rosette(c: Canvas, *, cx: float, cy: float) -> None:
    """A faint guilloche-like background rosette: it makes a photocopy or a crude edit easier to spot."""
    c.saveState()
    c.setStrokeColor(_ROSETTE)
    c.setLineWidth(0.35)
    for radius, lobes, depth, phase in ((58, 18, 6, 0.0), (52, 18, 6, math.pi / 18), (40, 12, 4, 0.0)):
        path = c.beginPath()
        steps = lobes * 12  # enough for a smooth curve at print size; each point costs PDF bytes
        for i in range(steps + 1):
            t = 2 * math.pi * i / steps
            r = (radius + depth * math.sin(lobes * t + phase)) * mm
            x, y = cx + r * math.cos(t), cy + r * math.sin(t)
            if i == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        c.drawPath(path, stroke=1, fill=0)
    c.restoreState()


def _qr(c: Canvas, url: str, *, x: float, y: float, error: str) -> float:
    """Draw the QR symbol with its lower-left corner (quiet zone included) at x, y; return the total width."""
    code = qr_matrix(url, error=error)
    module = _QR_SIZE / code.size
    total = module * (code.size + 2 * QUIET_ZONE)
    c.setFillColor(white)
    c.rect(x, y, total, total, stroke=0, fill=1)
    c.saveState()
    # Work in module units, top row first: every run is then `col row len 1 re` in small integers, one
    # path filled once (far smaller and faster than ~1000 float-formatted rectangles).
    c.transform(module, 0, 0, -module, x + QUIET_ZONE * module, y + total - QUIET_ZONE * module)
    c.setFillColor(HexColor("#000000"))
    ops = "\n".join(f"{col} {row} {length} 1 re" for row, col, length in horizontal_runs(code.matrix))
    c.addLiteral(ops + "\nf")
    c.restoreState()
    return total


def _photo_image(photo: bytes | None) -> ImageReader | None:
    """The photo as an image reportlab embeds, upright and at most 600 x 800 px (about 480 dpi at the
    printed size: an uploaded 2 MB original would only make every copy of the certificate bigger)."""
    if not photo:
        return None
    try:
        with Image.open(io.BytesIO(photo)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((600, 800))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=88)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return ImageReader(io.BytesIO(out.getvalue()))


def _photo(c: Canvas, photo: bytes | None, *, x: float, y: float, font: str, english: bool) -> None:
    """The holder's photo in a fixed box (aspect ratio kept, centred), or a neutral labelled box."""
    image = _photo_image(photo)
    c.saveState()
    if image is None:
        c.setFillColor(_PLACEHOLDER)
        c.setStrokeColor(_RULE)
        c.setLineWidth(0.6)
        c.rect(x, y, _PHOTO_W, _PHOTO_H, stroke=1, fill=1)
        c.setFillColor(_MUTED)
        c.setFont(font, 10)
        c.drawCentredString(x + _PHOTO_W / 2, y + _PHOTO_H / 2 + (1 * mm if english else -1.5 * mm), "照片")
        if english:
            c.setFont(font, 7.5)
            c.drawCentredString(x + _PHOTO_W / 2, y + _PHOTO_H / 2 - 3.5 * mm, "Photo")
    else:
        c.drawImage(image, x, y, _PHOTO_W, _PHOTO_H, preserveAspectRatio=True, anchor="c")
        c.setStrokeColor(_RULE)
        c.setLineWidth(0.6)
        c.rect(x, y, _PHOTO_W, _PHOTO_H, stroke=1, fill=0)
    c.restoreState()


def _rows(data: CertificatePdfData) -> list[tuple[str, str | None, str]]:
    validity = f"{_zh_date(data.valid_from)}至{_zh_date(data.valid_to)}"
    if data.title_en:
        validity += f"\n{_en_date(data.valid_from)} – {_en_date(data.valid_to)}"
    return [*data.holder_rows, ("有效期限", "Period of validity" if data.title_en else None, validity)]


def _layout_rows(
    rows: list[tuple[str, str | None, str]], *, font: str, size: float, value_w: float
) -> tuple[list[tuple[str, str | None, list[str], float]], float]:
    laid, total = [], 0.0
    for label_zh, label_en, value in rows:
        lines = wrap_text(value, font=font, size=size, width=value_w)
        label_h = size * 1.25 + (size * 0.75 * 1.3 if label_en else 0)
        height = max(len(lines) * size * 1.45, label_h) + 3.2 * mm
        laid.append((label_zh, label_en, lines, height))
        total += height
    return laid, total


def _label(c: Canvas, zh: str, en: str | None, *, y: float, font: str) -> None:
    """A field label in the issuer block's label column: the Chinese word, its English below."""
    c.setFillColor(_MUTED)
    c.setFont(font, 9.5)
    c.drawString(_ISSUER_LABEL_X, y, zh)
    if en:
        c.setFont(font, 7)
        c.drawString(_ISSUER_LABEL_X, y - 3.4 * mm, en)


def _issuer_block(c: Canvas, data: CertificatePdfData, *, font: str) -> None:
    """发证机关 and 发证日期, labelled on the left like the fields above, right of the QR code; the seal is
    pressed down over the name and the date (the GB/T 9704 convention), clear of the labels, with its
    label line (行政许可专用章) between the name and the date. Laid out from the date upwards."""
    centre_x, width = _ISSUER_CENTRE_X, _ISSUER_W
    english = bool(data.title_en)
    date_y = _ISSUER_DATE_Y
    name_size = 14.0
    name_lines = wrap_text(data.authority_name, font=font, size=name_size, width=width)
    if len(name_lines) > 2:
        name_size = 12.0
        name_lines = wrap_text(data.authority_name, font=font, size=name_size, width=width)[:3]
    en_lines = wrap_text(data.authority_name_en, font=font, size=7.5, width=width) if (
        english and data.authority_name_en) else []
    # Baselines, bottom up: the English name's lines, then the Chinese name's.
    y = date_y + 10 * mm
    en_ys = [y + i * 3.3 * mm for i in range(len(en_lines))][::-1]
    y = (en_ys[0] + 4.9 * mm) if en_ys else date_y + 10.5 * mm
    name_ys = [y + i * name_size * 1.3 for i in range(len(name_lines))][::-1]

    _label(c, "发证机关", "Issuing authority" if english else None, y=name_ys[0], font=font)
    c.setFillColor(_INK)
    c.setFont(font, name_size)
    for line, line_y in zip(name_lines, name_ys, strict=True):
        c.drawCentredString(centre_x, line_y, line)
    c.setFillColor(_MUTED)
    c.setFont(font, 7.5)
    for line, line_y in zip(en_lines, en_ys, strict=True):
        c.drawCentredString(centre_x, line_y, line)
    _label(c, "发证日期", "Date of issue" if english else None, y=date_y, font=font)
    c.setFillColor(_INK)
    c.setFont(font, 13)
    c.drawCentredString(centre_x, date_y, _zh_date(data.issue_date))
    if english:
        c.setFillColor(_MUTED)
        c.setFont(font, 8)
        c.drawCentredString(centre_x, date_y - 7.5 * mm, _en_date(data.issue_date))  # below the ring
    # The seal's label line (12.5 mm below its centre) falls just above the date.
    draw_seal(c, cx=centre_x, cy=date_y + 17.5 * mm, text=data.seal_text, label=data.seal_label, font=font)


def render_certificate_pdf(data: CertificatePdfData, *, font_path: str = DEFAULT_FONT_PATH) -> bytes:
    """One A4 page; the returned PDF is ready for pades.sign_pdf."""
    font = register_cjk_font(font_path)  # shared with the notices: one registration per process
    buffer = io.BytesIO()
    # initialFontName: otherwise every page references an unembedded Helvetica it never uses.
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(f"{data.title_zh} {data.number}")
    c.setAuthor(data.authority_name)
    c.setSubject(data.identifier)
    c.setCreator("Tongban")

    _rosette(c, cx=PAGE_W / 2, cy=158 * mm)
    _frame(c)

    # Title block.
    c.setFillColor(_INK)
    _title(c, data.title_zh, x_centre=PAGE_W / 2, y=PAGE_H - 46 * mm, font=font, size=30, gap=6)
    y = PAGE_H - 54 * mm
    if data.title_en:
        c.setFillColor(_MUTED)
        title_en = data.title_en.upper()
        c.setFont(font, _fit(title_en, font=font, size=11, gap=0, width=_RIGHT - _LEFT))
        c.drawCentredString(PAGE_W / 2, y, title_en)
        y -= 9 * mm
    else:
        y -= 4 * mm
    c.setFillColor(_INK)
    c.setFont(font, 12.5)
    # The colon follows the language of the word before it: 编号：… and 编号 No.: …
    c.drawCentredString(PAGE_W / 2, y, f"编号 No.: {data.number}" if data.title_en else f"编号：{data.number}")
    y -= 5 * mm
    c.setStrokeColor(_FRAME)
    c.setLineWidth(0.9)
    c.line(_LEFT, y, _RIGHT, y)
    c.setLineWidth(0.3)
    c.line(_LEFT, y - 1.2 * mm, _RIGHT, y - 1.2 * mm)
    y -= 6 * mm

    # Fields: shrink the type until they fit above the QR/seal block.
    bottom_block_top = 100 * mm
    value_x = _LEFT + _LABEL_W + 3 * mm
    value_w = _RIGHT - value_x
    photo_bottom = None
    if data.with_photo:
        # The holder's photo at the top right of the fields; the values beside it wrap short of it.
        value_w -= _PHOTO_W + 4 * mm
        photo_bottom = y - 2 * mm - _PHOTO_H
        _photo(c, data.photo, x=_RIGHT - _PHOTO_W, y=photo_bottom, font=font, english=bool(data.title_en))
    rows = _rows(data)
    for size in (12.5, 11.5, 10.5, 9.5, 8.5, 7.5):
        laid, total = _layout_rows(rows, font=font, size=size, value_w=value_w)
        if total <= y - bottom_block_top:
            break
    else:
        # Overlapping the QR code would make it unreadable; the caller must shorten the text instead.
        raise CertificateTooLongError(f"the certificate fields need {total / mm:.0f} mm, more than one page holds")
    for label_zh, label_en, lines, height in laid:
        top = y - 2.0 * mm - size
        c.setFillColor(_INK)
        c.setFont(font, size)
        c.drawString(_LEFT, top, label_zh)
        if label_en:
            c.setFillColor(_MUTED)
            c.setFont(font, size * 0.75)
            c.drawString(_LEFT, top - size * 1.3, label_en)
        c.setFillColor(_INK)
        c.setFont(font, size)
        for i, line in enumerate(lines):
            c.drawString(value_x, top - i * size * 1.45, line)
        y -= height
        c.setStrokeColor(_RULE)
        c.setLineWidth(0.4)
        beside_photo = photo_bottom is not None and y > photo_bottom - 1 * mm
        c.line(_LEFT, y, _RIGHT - (_PHOTO_W + 3 * mm if beside_photo else 0), y)

    # QR code (lower left) with its caption.
    qr_x, qr_y = _LEFT - 4 * mm, 36 * mm
    qr_total = _qr(c, data.qr_url, x=qr_x, y=qr_y, error=data.qr_error)
    c.setFillColor(_MUTED)
    c.setFont(font, 8.5)
    caption = "扫描二维码核验证照真伪及状态"
    c.drawCentredString(qr_x + qr_total / 2, qr_y - 1 * mm, caption)
    if data.title_en:
        c.setFont(font, 7)
        c.drawCentredString(qr_x + qr_total / 2, qr_y - 4.5 * mm, "Scan to verify authenticity and status")

    _issuer_block(c, data, font=font)

    # Footer: identifier and note.
    c.setFillColor(_MUTED)
    c.setFont(font, 7.5)
    c.drawCentredString(PAGE_W / 2, 26 * mm, f"电子证照标识：{data.identifier}")
    c.setFont(font, 7)
    for i, line in enumerate(wrap_text(data.footer_note, font=font, size=7, width=_RIGHT - _LEFT)[:2]):
        c.drawCentredString(PAGE_W / 2, (22 - i * 3.2) * mm, line)

    c.showPage()
    c.save()
    return buffer.getvalue()
