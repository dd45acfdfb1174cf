"""Read QR codes back from a certificate PDF or an image (poppler's pdftoppm + zxing-cpp): for tests and
support tooling, and to verify an uploaded PDF or photo. zxing-cpp is imported only when needed.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class QrDecodeUnavailable(RuntimeError):
    """A tool this module needs (zxing-cpp, Pillow or pdftoppm) is not installed."""


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:
        raise QrDecodeUnavailable(
            "QR decoding needs the zxing-cpp package (a dependency of the project: pip install zxing-cpp)"
        ) from exc
    return zxingcpp


def decode_qr_from_image(image: str | Path | bytes) -> list[str]:
    """Texts of all QR codes found in an image file (path) or encoded image (bytes)."""
    zxingcpp = _zxing()
    from PIL import Image

    source = io.BytesIO(image) if isinstance(image, bytes) else image
    with Image.open(source) as img:
        img.load()
        results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results if r.valid]


def decode_qr_from_pdf(pdf_bytes: bytes, *, dpi: int = 150, timeout: float = 30.0,
                       pages: Iterable[int] | None = None) -> list[str]:
    """Rasterise pages with pdftoppm and decode the QR codes on each, in page order: every page, or only
    `pages` (1-based; `-f N -l N`, so the others are never rendered). `timeout` bounds the whole call
    (subprocess.TimeoutExpired past it)."""
    _zxing()  # fail early, before spending time rasterising
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise QrDecodeUnavailable("pdftoppm not found: install the Debian package poppler-utils")
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="tongban-qr-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf_bytes)
        ranges = [["-f", str(n), "-l", str(n)] for n in sorted(set(pages))] if pages is not None else [[]]
        texts: list[str] = []
        for index, page_range in enumerate(ranges):
            out = Path(tmp) / f"p{index:03d}"
            out.mkdir()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(pdftoppm, timeout)
            subprocess.run(
                [pdftoppm, "-r", str(dpi), "-png", *page_range, str(source), str(out / "page")],
                check=True,
                capture_output=True,
                timeout=remaining,
            )
            # pdftoppm zero-pads page numbers to the page count's width, so name order is page order.
            for page in sorted(out.glob("page-*.png")):
                texts.extend(decode_qr_from_image(page))
    return texts
