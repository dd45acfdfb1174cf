"""95 % bootstrap confidence interval of the median reduction, 1 − median(current) / median(legacy).

Pure Python, seeded and reproducible. Durations are whole working days, so each sample arrives as a
histogram {days: count} read with one GROUP BY: what is held in memory is bounded by the number of
distinct values, however many cases there are. A bootstrap resample of n values from a histogram is
a multinomial draw; the order statistics the median needs are found by splitting the value range
with conditional binomial draws (O(log k) draws per resample instead of n), which is the exact
resampling distribution, not an approximation. Percentile interval, 2 000 resamples by default.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from .figures import histogram_percentile

REPLICATES = 2000
SEED = 20250101


def binomial(rng: random.Random, n: int, p: float) -> int:
    """One Binomial(n, p) draw: geometric skipping for small n·p, otherwise Hörmann's BTRS
    (transformed rejection with squeeze, 1993)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    if n * p < 10.0:
        log_q = math.log1p(-p)
        successes = position = 0
        while True:
            position += math.floor(math.log(1.0 - rng.random()) / log_q) + 1
            if position > n:
                return successes
            successes += 1
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    m = math.floor((n + 1) * p)
    h = math.lgamma(m + 1) + math.lgamma(n - m + 1)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        if v <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) + (k - m) * lpq:
            return k


class Sample:
    """A histogram prepared for resampling: sorted values and prefix sums of their counts."""

    def __init__(self, histogram: Mapping[int, int]) -> None:
        items = sorted((value, count) for value, count in histogram.items() if count > 0)
        self.values = [value for value, _ in items]
        self.prefix = [0]
        for _, count in items:
            self.prefix.append(self.prefix[-1] + count)
        self.n = self.prefix[-1]

    def order_statistics(self, rng: random.Random, ranks: Sequence[int]) -> dict[int, int]:
        """The values at the given 1-based ranks of one resample of size n (with replacement)."""
        found: dict[int, int] = {}
        # (value index range [lo, hi), resampled count in it, ranks inside it relative to the range)
        stack = [(0, len(self.values), self.n, sorted(set(ranks)), 0)]
        while stack:
            lo, hi, count, wanted, offset = stack.pop()
            if hi - lo == 1:
                for rank in wanted:
                    found[rank + offset] = self.values[lo]
                continue
            mid = (lo + hi) // 2
            mass = self.prefix[hi] - self.prefix[lo]
            left = binomial(rng, count, (self.prefix[mid] - self.prefix[lo]) / mass)
            left_ranks = [r for r in wanted if r <= left]
            right_ranks = [r - left for r in wanted if r > left]
            if left_ranks:
                stack.append((lo, mid, left, left_ranks, offset))
            if right_ranks:
                stack.append((mid, hi, count - left, right_ranks, offset + left))
        return found

    def resampled_percentile(self, rng: random.Random, q: float = 0.5) -> float:
        position = q * (self.n - 1)
        lo_rank = math.floor(position) + 1
        hi_rank = min(lo_rank + 1, self.n)
        values = self.order_statistics(rng, [lo_rank, hi_rank])
        return values[lo_rank] + (position + 1 - lo_rank) * (values[hi_rank] - values[lo_rank])


def median_reduction_ci(
    current: Mapping[int, int], baselines: Sequence[Mapping[int, int]], *, replicates: int = REPLICATES,
    seed: int = SEED, level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of 1 − median(current) / baseline median, where the baseline
    median is the sum of the medians of `baselines` (one cohort, or the components of a joint
    service taken in series). Each sample is resampled independently. None without data."""
    samples = [Sample(h) for h in baselines]
    current_sample = Sample(current)
    if current_sample.n == 0 or not samples or any(s.n == 0 for s in samples):
        return None
    if histogram_percentile(current, 0.5) is None:
        return None
    rng = random.Random(seed)
    estimates = []
    for _ in range(replicates):
        baseline = sum(s.resampled_percentile(rng) for s in samples)
        if baseline <= 0:
            continue
        estimates.append(1.0 - current_sample.resampled_percentile(rng) / baseline)
    if not estimates:
        return None
    estimates.sort()
    tail = (1.0 - level) / 2.0
    return _quantile(estimates, tail), _quantile(estimates, 1.0 - tail)


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    lo = math.floor(position)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (position - lo) * (ordered[hi] - ordered[lo])
