"""The embedded CJK font for generated PDFs (notices, certificates). Pure: no Django import."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_NAME = "TongbanCJK"
_lock = threading.Lock()
_registered: dict[str, str] = {}


class FontMissingError(RuntimeError):
    pass


def register_cjk_font(path: str) -> str:
    """Register the TrueType (or TrueType collection) font once per process; reportlab embeds the
    subset of glyphs each PDF uses. Returns the registered font name."""
    with _lock:
        if path in _registered:
            return _registered[path]
        if not Path(path).is_file():
            raise FontMissingError(
                f"CJK font not found at {path}: install Debian's fonts-wqy-microhei or set TONGBAN_CJK_FONT "
                "to a TrueType font with Chinese glyphs"
            )
        name = CJK_FONT_NAME if not _registered else f"{CJK_FONT_NAME}{len(_registered)}"
        options = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
        pdfmetrics.registerFont(TTFont(name, path, **options))
        _registered[path] = name
        return name
