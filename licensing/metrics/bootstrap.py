"""95 % bootstrap confidence interval of the median reduction, 1 − median(current) / median(legacy).

The interval is the percentile interval of the **exact** bootstrap distribution — what resampling
with replacement converges to as the number of resamples grows — so it is reproducible to the last
digit with no seed and costs milliseconds, however many cases there are. Durations are whole
working days, so each sample arrives as a histogram {days: count} from one GROUP BY: memory is
bounded by the number of distinct values, not by the number of cases.

For a resample of size n from a histogram with cumulative shares F_j, the counts at or below each
value are binomial, which gives the distribution of the resampled median (percentile_cont: the
middle order statistic, or the mean of the two middle ones when n is even) in closed form:

- n odd, m = (n + 1) / 2:  P(X(m) = v_a) = P(Bin(n, F_{a−1}) ≤ m − 1) − P(Bin(n, F_a) ≤ m − 1);
- n even, m = n / 2: the pair (X(m), X(m+1)) is (v_a, v_b) with a < b when exactly m values are at
  or below v_a, one of them equal to it, and of the n − m values above none lies below v_b and at
  least one equals it; or (v_a, v_a) — the formulas are in _even.

The current and baseline medians are independent; a joint service's legacy baseline is the sum of
its components' medians (the two permits in series), whose distribution is their convolution.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

LEVEL = 0.95
NEGLIGIBLE = 1e-13  # probabilities below this are dropped from the distributions
_Z_CUTOFF = 12.0  # beyond 12 standard deviations a binomial tail is 0 or 1 in double precision


def _log_pmf(n: int, p: float, x: int) -> float:
    if p <= 0.0:
        return 0.0 if x == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if x == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1)
            + x * math.log(p) + (n - x) * math.log1p(-p))


def binomial_pmf(n: int, p: float, x: int) -> float:
    if x < 0 or x > n:
        return 0.0
    return math.exp(_log_pmf(n, p, x))


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the continued fraction of the incomplete beta function."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def _regularized_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def binomial_cdf(n: int, p: float, x: int) -> float:
    """P(Bin(n, p) <= x)."""
    if x < 0:
        return 0.0
    if x >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    sd = math.sqrt(n * p * (1.0 - p))
    z = (x + 0.5 - n * p) / sd
    if z > _Z_CUTOFF:
        return 1.0
    if z < -_Z_CUTOFF:
        return 0.0
    return _regularized_beta(n - x, x + 1, 1.0 - p)


def median_distribution(histogram: Mapping[int, int]) -> dict[float, float]:
    """{median value: probability} of the median (percentile_cont 0.5) of a bootstrap resample."""
    items = sorted((v, c) for v, c in histogram.items() if c > 0)
    n = sum(c for _, c in items)
    if n == 0:
        return {}
    values = [v for v, _ in items]
    cumulative = [0.0]
    running = 0
    for _, count in items:
        running += count
        cumulative.append(running / n)
    cumulative[-1] = 1.0
    return _odd(n, values, cumulative) if n % 2 else _even(n, values, cumulative)


def _odd(n: int, values: list[int], F: list[float]) -> dict[float, float]:  # noqa: N803 - the CDF's usual name
    m = (n + 1) // 2
    result = {}
    for a, value in enumerate(values, start=1):
        p = binomial_cdf(n, F[a - 1], m - 1) - binomial_cdf(n, F[a], m - 1)
        if p > NEGLIGIBLE:
            result[float(value)] = p
    return result


def _even(n: int, values: list[int], F: list[float]) -> dict[float, float]:  # noqa: N803
    """(X(m), X(m+1)) with m = n/2. Equal: P(N<a ≤ m−1) − P(N≤a ≤ m) + P(N<a = m = N≤a).
    a < b: N≤a = m with at least one value equal to v_a, and among the n − m values above v_a
    none below v_b and at least one equal to v_b."""
    m = n // 2
    rest = n - m
    result: dict[float, float] = defaultdict(float)
    k = len(values)
    for a in range(1, k + 1):
        lower, upper = F[a - 1], F[a]
        same = binomial_cdf(n, lower, m - 1) - binomial_cdf(n, upper, m)
        if lower < 1.0:
            same += binomial_pmf(n, lower, m) * ((1.0 - upper) / (1.0 - lower)) ** rest
        if same > NEGLIGIBLE:
            result[float(values[a - 1])] += same
        if a == k:
            continue
        head = binomial_pmf(n, upper, m) * (1.0 - (lower / upper) ** m)
        if head <= NEGLIGIBLE:
            continue
        log_above = math.log1p(-upper)
        for b in range(a + 1, k + 1):
            reach = math.exp(rest * (math.log1p(-F[b - 1]) - log_above)) if F[b - 1] < 1.0 else 0.0
            beyond = math.exp(rest * (math.log1p(-F[b]) - log_above)) if F[b] < 1.0 else 0.0
            p = head * (reach - beyond)
            if p > NEGLIGIBLE:
                result[(values[a - 1] + values[b - 1]) / 2] += p
            if reach < NEGLIGIBLE:
                break
    return dict(result)


def _sum(first: dict[float, float], second: dict[float, float]) -> dict[float, float]:
    total: dict[float, float] = defaultdict(float)
    for x, p in first.items():
        for y, q in second.items():
            if p * q > NEGLIGIBLE:
                total[x + y] += p * q
    return dict(total)


def _quantile(weighted: list[tuple[float, float]], q: float) -> float:
    """The smallest value whose cumulative probability reaches q (weighted sorted by value)."""
    total = sum(p for _, p in weighted)
    running = 0.0
    for value, p in weighted:
        running += p
        if running >= q * total - 1e-12:
            return value
    return weighted[-1][0]


def median_reduction_ci(current: Mapping[int, int], baselines: Sequence[Mapping[int, int]], *,
                        level: float = LEVEL) -> tuple[float, float] | None:
    """Percentile interval of 1 − median*(current) / Σ median*(baseline component) under the exact
    bootstrap distribution (each sample resampled independently). None without data."""
    if not baselines:
        return None
    current_medians = median_distribution(current)
    baseline_medians = median_distribution(baselines[0])
    for other in baselines[1:]:
        baseline_medians = _sum(baseline_medians, median_distribution(other))
    if not current_medians or not baseline_medians:
        return None
    outcomes: dict[float, float] = defaultdict(float)
    for b, q in baseline_medians.items():
        if b <= 0:
            continue
        for c, p in current_medians.items():
            outcomes[1.0 - c / b] += p * q
    if not outcomes:
        return None
    weighted = sorted(outcomes.items())
    tail = (1.0 - level) / 2.0
    return _quantile(weighted, tail), _quantile(weighted, 1.0 - tail)
