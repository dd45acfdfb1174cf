"""Typesetting for every generated PDF (notices, certificates, case-review reports): line breaking for
mixed Chinese and Latin text that keeps closing punctuation off the start of a line and opening
punctuation off its end (GB/T 15834 and the W3C's clreq), a reportlab flowable that uses it, and the
authority's round seal mark. Pure: no Django import.
"""

from __future__ import annotations

import math
import unicodedata

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

# May not begin a line: closing brackets and quotes, the pause and stop marks, the ellipsis and dash
# (which also stay in one piece), the interpunct, units written after a number.
NO_LINE_START = frozenset(
    "，。、；：？！）」』】〕〉》〗〙］｝”’…—·‥％‰℃"
    ",.;:?!)]}%"
)
# May not end a line: opening brackets and quotes (and the interpunct, which binds both sides).
NO_LINE_END = frozenset("（「『【〔〈《〖〘［｛“‘·([{")

SEAL_RED = HexColor("#DC1E24")
SEAL_RADIUS = 21 * mm  # 42 mm: the usual diameter of an authority's round seal


def _ideographic(ch: str) -> bool:
    """A character after or before which a line may break (Chinese characters and full-width marks)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def may_break(before: str, after: str) -> bool:
    """Whether a line may break between the two characters."""
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == " " or after == " ":
        return True
    # Inside a Latin word (or a number, or a code) there is no break; next to a Chinese character, or
    # to the double quotes, ellipsis and dash of Chinese text ("ambiguous" width in Unicode), there is.
    # (Not next to ’: in English it is the apostrophe of "don’t".)
    return _breakable(before) or _breakable(after)


def _breakable(ch: str) -> bool:
    return ch in "“”…—" or _ideographic(ch)


def segments(text: str) -> list[str]:
    """The text cut at every point where a line may break; joined, they give back the text."""
    pieces: list[str] = []
    current = ""
    for i, ch in enumerate(text):
        if current and may_break(text[i - 1], ch):
            pieces.append(current)
            current = ""
        current += ch
    if current:
        pieces.append(current)
    return pieces


def _cut(piece: str, *, font: str, size: float, width: float) -> int:
    """Where to cut a piece wider than the line (a long code or URL): after as many characters as fit,
    moved back so that the cut respects the punctuation rules; the whole piece (it then overflows the
    line a little) when no such cut exists, e.g. a character and its closing marks on a very narrow line."""
    cut = len(piece) - 1
    while cut > 1 and pdfmetrics.stringWidth(piece[:cut], font, size) > width:
        cut -= 1
    while cut > 0 and (piece[cut] in NO_LINE_START or piece[cut - 1] in NO_LINE_END):
        cut -= 1
    return cut if cut > 0 else len(piece)


def break_lines(text: str, *, font: str, size: float, width: float, first_width: float | None = None) -> list[str]:
    """Greedy line breaking of mixed Chinese/Latin text in `width` points (the first line of each
    paragraph in `first_width`, for an indent); explicit newlines start a new paragraph."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_paragraph_lines(paragraph, font=font, size=size, width=width,
                                      first_width=width if first_width is None else first_width))
    return lines


def _paragraph_lines(paragraph: str, *, font: str, size: float, width: float, first_width: float) -> list[str]:
    lines: list[str] = []
    line, line_w = "", 0.0

    def room() -> float:
        return first_width if not lines else width

    for piece in segments(paragraph):
        piece_w = pdfmetrics.stringWidth(piece, font, size)
        if line and line_w + pdfmetrics.stringWidth(piece.rstrip(), font, size) > room():
            lines.append(line.rstrip())
            line, line_w = "", 0.0
        if not line:
            piece = piece.lstrip()
            if not piece:
                continue
            piece_w = pdfmetrics.stringWidth(piece, font, size)
        while piece_w > room() and len(piece) > 1 and not line:
            cut = _cut(piece, font=font, size=size, width=room())
            lines.append(piece[:cut])
            piece = piece[cut:]
            piece_w = pdfmetrics.stringWidth(piece, font, size)
        line, line_w = line + piece, line_w + piece_w
    if line or not lines:
        lines.append(line.rstrip())
    return lines


class TextBlock(Flowable):
    """A paragraph of plain text set with `break_lines`, in place of reportlab's Paragraph (whose
    breaking puts closing punctuation at the start of a line). Honours the style's font, size, leading,
    colour, indents, spacing and alignment; justified lines of Chinese text are spread evenly."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = str(text)
        self.style = style
        self._lines: list[tuple[str, bool]] = []  # (line, last line of its paragraph)

    def _layout(self, width: float) -> list[tuple[str, bool]]:
        style = self.style
        inner = max(width - style.leftIndent - style.rightIndent, style.fontSize)
        laid: list[tuple[str, bool]] = []
        for paragraph in self.text.split("\n"):
            lines = _paragraph_lines(paragraph, font=style.fontName, size=style.fontSize, width=inner,
                                     first_width=inner - style.firstLineIndent)
            laid.extend((line, i == len(lines) - 1) for i, line in enumerate(lines))
        return laid

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's signature
        self.width = availWidth
        self._lines = self._layout(availWidth)
        self.height = len(self._lines) * self.style.leading
        return availWidth, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        lines = self._layout(availWidth)
        fit = int(availHeight // self.style.leading)
        if fit <= 0 or fit >= len(lines):
            return [] if fit <= 0 else [self]
        head, tail = _Lines(lines[:fit], self.style, first=True), _Lines(lines[fit:], self.style, first=False)
        return [head, tail]

    def getSpaceBefore(self):  # noqa: N802
        return self.style.spaceBefore

    def getSpaceAfter(self):  # noqa: N802
        return self.style.spaceAfter

    def draw(self) -> None:
        _draw_lines(self.canv, self._lines, self.style, width=self.width, first=True)


class _Lines(TextBlock):
    """Part of a TextBlock split across pages: its lines are already broken."""

    def __init__(self, lines: list[tuple[str, bool]], style: ParagraphStyle, *, first: bool) -> None:
        super().__init__("", style)
        self._fixed = lines
        self._first = first

    def _layout(self, width: float) -> list[tuple[str, bool]]:
        return self._fixed

    def draw(self) -> None:
        _draw_lines(self.canv, self._lines, self.style, width=self.width, first=self._first)


def _draw_lines(c: Canvas, lines: list[tuple[str, bool]], style: ParagraphStyle, *, width: float,
                first: bool) -> None:
    font, size, leading = style.fontName, style.fontSize, style.leading
    inner = width - style.leftIndent - style.rightIndent
    c.saveState()
    c.setFillColor(style.textColor)
    starts_paragraph = first
    # The baseline sits where reportlab's Paragraph puts it: one font size below the top of the line.
    y = len(lines) * leading - size
    for line, last in lines:
        indent = style.firstLineIndent if starts_paragraph else 0.0
        line_w = pdfmetrics.stringWidth(line, font, size)
        room = inner - indent
        x = style.leftIndent + indent
        if style.alignment == TA_CENTER:
            x += (room - line_w) / 2
        elif style.alignment == TA_RIGHT:
            x += room - line_w
        spacing = 0.0
        if (style.alignment == TA_JUSTIFY and not last and len(line) > 1 and any(map(_ideographic, line))
                and 0 < room - line_w < 3 * size):
            spacing = (room - line_w) / (len(line) - 1)
        text = c.beginText(x, y)
        text.setFont(font, size)
        if spacing:
            text.setCharSpace(spacing)
        text.textOut(line)
        if spacing:
            text.setCharSpace(0)
        c.drawText(text)
        y -= leading
        starts_paragraph = last
    c.restoreState()


def _star(c: Canvas, *, cx: float, cy: float, r: float) -> None:
    path = c.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


def draw_seal(c: Canvas, *, cx: float, cy: float, text: str, font: str, label: str = "",
              radius: float = SEAL_RADIUS) -> None:
    """The authority's red round seal mark: ring, star, the name along the upper arc, an optional label
    (e.g. 行政许可专用章) below the star. Drawn last, over the name and date it authenticates."""
    scale = radius / SEAL_RADIUS
    c.saveState()
    # Multiply, like ink: the red darkens what is under it, so the name and date stay legible through it.
    c.setBlendMode("Multiply")
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(2.2 * scale)
    c.circle(cx, cy, radius, stroke=1, fill=0)
    _star(c, cx=cx, cy=cy, r=6.8 * mm * scale)
    chars = list(text)
    n = len(chars)
    if n:
        span = math.radians(min(250.0, 28.0 * n + 20))
        text_r = radius - 7.2 * mm * scale
        size = min(16.0 * scale, 0.82 * (span * text_r) / n)
        c.setFont(font, size)
        c.setLineWidth(0.45 * scale)
        for i, ch in enumerate(chars):
            angle = math.pi / 2 + span / 2 - (span * i / (n - 1) if n > 1 else span / 2)
            c.saveState()
            c.translate(cx + text_r * math.cos(angle), cy + text_r * math.sin(angle))
            c.rotate(math.degrees(angle) - 90)
            t = c.beginText(-pdfmetrics.stringWidth(ch, font, size) / 2, 0)
            t.setTextRenderMode(2)  # fill + stroke: seal characters are cut heavier than body text
            t.textOut(ch)
            t.setTextRenderMode(0)
            c.drawText(t)
            c.restoreState()
    if label:
        size = min(9.5 * scale, 26 * mm * scale / len(label) / 0.95)
        c.setFont(font, size)
        c.drawCentredString(cx, cy - 12.5 * mm * scale, label)
    c.restoreState()
