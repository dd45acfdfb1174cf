"""Text of a generated PDF line by line, as drawn: one entry per text-showing operation (every line
the typesetting draws is one), with its position on the page in points."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

from services.typesetting import NO_LINE_END, NO_LINE_START


@dataclass(frozen=True)
class DrawnLine:
    text: str
    x: float
    y: float
    page: int


def drawn_lines(pdf: bytes) -> list[DrawnLine]:
    lines: list[DrawnLine] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        def visit(text, cm, tm, _font_dict, _font_size, number=number):
            text = text.strip()
            if text:
                x, y = tm[4], tm[5]
                lines.append(DrawnLine(text, x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5], number))

        page.extract_text(visitor_text=visit)
    return lines


def punctuation_faults(lines: list[str]) -> list[str]:
    """The lines that begin with closing punctuation or end with opening punctuation."""
    return [line for line in lines if line and (line[0] in NO_LINE_START or line[-1] in NO_LINE_END)]
