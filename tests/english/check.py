"""What counts as untranslated in English output: Chinese characters left after the user data and a
few proper names are taken out, and full-width punctuation anywhere."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from licensing.notices import EMAIL_ENGLISH_MARK  # noqa: F401 - where the e-mail's English half starts

# Han ideographs (with extension A and the compatibility block) and the CJK punctuation block.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f]+")
# Full-width forms (：，；（）！？ …) and the CJK symbols block (、。《》【】「」). The curly quotes “ ” are
# English typography too (the catalogue uses them instead of ASCII double quotes), so they pass.
FULL_WIDTH = re.compile(r"[\uff00-\uffef\u3000-\u303f]")

# Proper names that stay Chinese in English text, each with why.
PROPER_NAMES = [
    "SCXK(滇)", "SYXK(滇)",  # licence numbers: the national numbering puts the province's one-character name in
    "简体中文",  # the language switch names each language in itself
    "中文",  # download links name the Chinese version of a document in Chinese (“XLSX (中文)”)
]


# An authority's seal on a PDF (drawn as on paper: its legal name around the star, perhaps 行政许可专用章
# under it) is a graphic, Chinese in every language; text extraction reads its characters in pieces.
SEAL_WORDS = "行政许可专用章"


def without_seals(text: str, authority_names: list[str]) -> str:
    for name in [*authority_names, SEAL_WORDS]:
        text = re.sub(r"\s*".join(map(re.escape, name)), " ", text)
    return text


def untranslated(text: str, *, user_data: list[str]) -> list[str]:
    """The runs of Chinese characters and the full-width punctuation left in `text` once the user data
    (`user_data`, longest first, so a name inside an address goes with it) and the proper names are out."""
    for value in [*user_data, *PROPER_NAMES]:
        if CJK.search(value) or FULL_WIDTH.search(value):  # only these can hide a finding
            text = text.replace(value, " ")
    found = [_context(text, m) for m in CJK.finditer(text)] + [_context(text, m) for m in FULL_WIDTH.finditer(text)]
    return sorted(set(found))


def _context(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")


class _Visible(HTMLParser):
    """The text a reader meets: element text and the attributes that are read out or shown."""

    SHOWN = {"title", "alt", "aria-label", "placeholder", "aria-description", "data-label", "summary"}
    # The place pickers name each country and prefecture in Chinese and English so that either name finds
    # it (the issue asks for both); their options are proper names in both scripts.
    PLACE_PICKERS = {"nationality", "city"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._mark = False
        self._picker = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        if tag == "select":
            self._picker = values.get("name") in self.PLACE_PICKERS
        # The logo's glyph 通 (aria-hidden, beside the translated name) is a mark, not a word.
        self._mark = "brand-mark" in (values.get("class") or "").split()
        for name, value in attrs:
            if value and (name in self.SHOWN or (name == "value" and values.get("type") in ("submit", "button"))):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag == "select":
            self._picker = False
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and not self._mark and not self._picker:
            self.parts.append(data)
        self._mark = False


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(p for p in parser.parts if p.strip())


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    # A line broken inside Chinese text (a user's reason wrapped in a notice) is one run again.
    wide = r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
    return re.sub(rf"(?<={wide})\s*\n\s*(?={wide})", "", text)


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    cells = [book.sheetnames and " ".join(book.sheetnames)]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


def svg_text(html: str) -> str:
    """The words inside the page's inline SVG charts (<text>, <title>, <desc>, aria-label)."""
    return "\n".join(visible_text(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S))


def bilingual_gaps(text: str) -> list[str]:
    """A bilingual document (a certificate: each Chinese label with its English one, the legal text in
    Chinese): full-width punctuation that follows English text (“No.：”) on a line."""
    return [line for line in text.splitlines() if re.search(r"[A-Za-z.)]\s*[\uff00-\uffef\u3000-\u303f]", line)]
