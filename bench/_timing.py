"""Timing a piece of work against its floor on a shared machine."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import NamedTuple


class Paired(NamedTuple):
    ours: float  # median seconds per call
    ours_best: float
    floor: float
    floor_best: float
    ratio: float  # the median of the pairs' ratios


def paired(ours: Callable[[], object], floor: Callable[[], object], *, loops: int, pairs: int = 15) -> Paired:
    """`ours` and `floor` timed in alternating blocks of `loops` calls each, `pairs` times: a slow spell
    of a shared machine falls on both sides of a pair instead of on one figure."""
    ours(), floor()  # warm up
    samples = []
    for _ in range(pairs):
        pair = []
        for fn in (ours, floor):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            pair.append((time.perf_counter() - start) / loops)
        samples.append(pair)
    mine, theirs = [a for a, _ in samples], [b for _, b in samples]
    return Paired(statistics.median(mine), min(mine), statistics.median(theirs), min(theirs),
                  statistics.median(a / b for a, b in samples))
