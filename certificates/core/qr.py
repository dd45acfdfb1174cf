"""QR code for the verification URL: the upper-case prefix in alphanumeric mode and the token digits in
numeric mode (as dense as Base45, yet a link a phone camera opens), plus run merging for vector drawing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import segno
from segno import consts as segno_consts

# QR alphanumeric mode covers 0-9 A-Z space $ % * + - . / : only.
_ALNUM = re.compile(r"[0-9A-Z $%*+\-./:]+")
_SPLIT = re.compile(r"(?P<prefix>.*/)(?P<digits>[0-9]+)")
QUIET_ZONE = 4  # modules, the minimum ISO/IEC 18004 asks for


@dataclass(frozen=True, slots=True)
class QrMatrix:
    matrix: tuple[tuple[bool, ...], ...]  # rows of dark (True) / light modules, without quiet zone
    version: int
    error: str

    @property
    def size(self) -> int:
        return len(self.matrix)


def qr_matrix(url: str, *, error: str = "m") -> QrMatrix:
    """Encode `HTTPS://HOST/C/<digits>` in two segments at exactly the requested error level."""
    match = _SPLIT.fullmatch(url)
    if match is None or not _ALNUM.fullmatch(match["prefix"]):
        raise ValueError("URL must be an upper-case prefix ending in '/' followed by digits")
    # boost_error=False: the level is a policy choice (M or Q); a silent upgrade would change the
    # module size the print layout was designed for.
    # Per-segment modes must be segno's integer constants (mode names only work for the global mode).
    code = segno.make(
        [(match["prefix"], segno_consts.MODE_ALPHANUMERIC), (match["digits"], segno_consts.MODE_NUMERIC)],
        error=error,
        micro=False,
        boost_error=False,
    )
    matrix = tuple(tuple(bool(m) for m in row) for row in code.matrix)
    return QrMatrix(matrix=matrix, version=int(code.version), error=code.error)


def horizontal_runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """(row, first column, length) for every horizontal run of dark modules: one rectangle per run
    keeps the PDF small and avoids hairline seams between adjacent modules in viewers."""
    runs = []
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs
