"""Exact reference distributions for the forecast's statistical tests, and the
Monte Carlo tolerance they are compared with.

Nothing here calls blackstart's sampling or scheduler. A recovery step's duration ``X``
(minutes) is taken from its documented distribution through :mod:`scipy.stats`, and the
engine's documented rounding (a step lasts ``ceil(X)`` whole minutes) makes every back
time an integer, so each reference is an exact probability mass function on whole
minutes: sums are discrete convolutions, maxima products of CDFs, a restore after a
failed restart a two-component mixture. No grid approximation is involved.

The tolerance of a sample quantile is derived from the number of runs ``n`` (see
:func:`assert_quantile`), the tolerance of a probability from the binomial standard
error, and that of the whole empirical CDF from the Dvoretzky–Kiefer–Wolfowitz
inequality (Massart 1990).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy import stats

F64 = npt.NDArray[np.float64]

Z = 5.0
"""Standard deviations allowed: a correct engine fails one check with probability about
3·10⁻⁷ (two-sided normal tail at 5σ), so the suite's few hundred checks never fail by
chance; a wrong statistic is off by far more than 5σ at the run counts used."""

ALPHA_DKW = 1e-6
"""False-alarm probability of the whole-CDF check."""


# --------------------------------------------------------------------------- PMFs


def pmf_of(dist: stats.rv_continuous | stats.rv_discrete, *, tail: float = 1e-12) -> F64:
    """PMF on whole minutes ``0, 1, …`` of ``ceil(X)`` for a continuous ``X >= 0``:
    ``P(ceil X = k) = F(k) - F(k - 1)``, cut where ``1 - F < tail``."""
    top = math.ceil(float(dist.ppf(1 - tail))) + 1
    k = np.arange(top + 1, dtype=np.float64)
    cdf = dist.cdf(k)
    cdf[-1] = 1.0
    return np.diff(np.concatenate([[0.0], cdf]))


def truncated(dist: stats.rv_continuous, elapsed: float, *, tail: float = 1e-12) -> F64:
    """PMF of ``ceil(X)`` given ``X > elapsed``:
    ``F(k | X > e) = (F(k) - F(e)) / (1 - F(e))`` for ``k >= e``."""
    top = math.ceil(float(dist.ppf(1 - tail))) + 1
    k = np.arange(top + 1, dtype=np.float64)
    f_e = float(dist.cdf(elapsed))
    cdf = np.clip((dist.cdf(k) - f_e) / (1 - f_e), 0.0, 1.0)
    cdf[-1] = 1.0
    return np.diff(np.concatenate([[0.0], cdf]))


def fixed(minutes: int) -> F64:
    out = np.zeros(minutes + 1)
    out[minutes] = 1.0
    return out


def uniform(lo: float, hi: float) -> F64:
    return pmf_of(stats.uniform(loc=lo, scale=hi - lo))


def triangular(lo: float, mode: float, hi: float) -> F64:
    return pmf_of(stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo))


def lognormal(median: float, p90: float) -> F64:
    """``median · exp(σ Z)`` with ``σ = ln(p90 / median) / Φ⁻¹(0.9)`` (scipy's ``Φ⁻¹``)."""
    sigma = math.log(p90 / median) / stats.norm.ppf(0.9)
    return pmf_of(stats.lognorm(s=sigma, scale=median))


def shift(pmf: F64, minutes: int) -> F64:
    """``X + minutes``."""
    return np.concatenate([np.zeros(minutes), pmf])


def add(*pmfs: F64) -> F64:
    """PMF of the sum of independent variables (exact discrete convolution)."""
    out = np.array([1.0])
    for p in pmfs:
        out = np.convolve(out, p)
    return out


def maximum(*pmfs: F64) -> F64:
    """PMF of the maximum of independent variables: the CDF is the product of CDFs."""
    size = max(len(p) for p in pmfs)
    cdf = np.ones(size)
    for p in pmfs:
        cdf *= np.concatenate([np.cumsum(p), np.ones(size - len(p))])
    return np.diff(np.concatenate([[0.0], cdf]))


def mixture(weights: list[float], pmfs: list[F64]) -> F64:
    size = max(len(p) for p in pmfs)
    out = np.zeros(size)
    for w, p in zip(weights, pmfs, strict=True):
        out[: len(p)] += w * p
    return out


def cdf(pmf: F64, x: float) -> float:
    """``P(Y <= x)``."""
    k = math.floor(x)
    if k < 0:
        return 0.0
    return float(np.sum(pmf[: k + 1]))


def quantile(pmf: F64, p: float) -> int:
    """The smallest whole minute ``y`` with ``P(Y <= y) >= p``."""
    return int(np.searchsorted(np.cumsum(pmf), p - 1e-12))


# --------------------------------------------------------------------------- tolerances


def quantile_slack(p: float, n: int) -> float:
    """Allowed gap in probability between ``p`` and the true CDF at a sample quantile.

    The number of runs at or below a fixed ``y`` is Binomial(n, F(y)), so the sample
    ``p``-quantile's CDF value is ``p`` within ``sqrt(p(1-p)/n)`` (the distribution-free
    order-statistic argument: David & Nagaraja, *Order Statistics*, 3rd ed., 2003, §7.1;
    in quantile units it is the asymptotic standard error ``sqrt(p(1-p)/n) / f(x_p)``,
    Serfling 1980, §2.3.3). ``1/n`` covers the interpolation between two order
    statistics."""
    return Z * math.sqrt(p * (1 - p) / n) + 1.0 / n


def assert_quantile(pmf: F64, estimate: float, p: float, n: int, what: str = "") -> None:
    """The sample ``p``-quantile ``estimate`` of ``n`` runs of an integer variable with
    PMF ``pmf`` is consistent with ``p``: ``F(floor q̂) >= p - δ`` and
    ``F(ceil q̂ - 1) <= p + δ``.

    Why: with ``numpy``'s linear interpolation ``q̂`` lies between the order statistics
    ``⌊(n-1)p⌋+1`` and ``⌊(n-1)p⌋+2``, so at least ``(n-1)p`` runs are ``<= floor q̂``
    and at most ``(n-1)p + 1`` are ``< q̂``. For a fixed minute ``y`` with
    ``F(y) < p - δ``, that many runs at or below ``y`` is a ``Z``-sigma binomial event.
    The bounds also hold for an estimate truncated to the minute (ISO output)."""
    slack = quantile_slack(p, n)
    lo = cdf(pmf, math.floor(estimate))
    hi = cdf(pmf, math.ceil(estimate) - 1)
    exact = quantile(pmf, p)
    assert lo >= p - slack and hi <= p + slack, (
        f"{what} P{round(100 * p)}: sample {estimate:.1f} min, exact {exact} min; "
        f"F(sample) in [{hi:.4f}, {lo:.4f}] but p = {p} ± {slack:.4f} (n = {n})"
    )


def assert_probability(estimate: float, p: float, n: int, what: str = "") -> None:
    """A share of ``n`` runs against its exact probability, within ``Z`` binomial
    standard errors (``1/n`` for the 4-decimal rounding and p near 0 or 1)."""
    slack = Z * math.sqrt(p * (1 - p) / n) + 1.0 / n
    assert abs(estimate - p) <= slack, f"{what}: {estimate} vs exact {p:.4f} ± {slack:.4f}"


def assert_cdf(pmf: F64, samples: npt.NDArray[np.int64], what: str = "") -> None:
    """The whole empirical CDF within the DKW band ``ε = sqrt(ln(2/α) / 2n)``:
    ``P(sup |F_n - F| > ε) <= 2 exp(-2nε²) = α`` (Massart, Ann. Probab. 18, 1990)."""
    n = len(samples)
    eps = math.sqrt(math.log(2 / ALPHA_DKW) / (2 * n))
    top = max(len(pmf), int(samples.max()) + 1)
    true = np.cumsum(np.concatenate([pmf, np.zeros(top - len(pmf))]))
    emp = np.cumsum(np.bincount(samples, minlength=top)) / n
    gap = np.abs(emp - true)
    k = int(np.argmax(gap))
    assert gap[k] <= eps, f"{what}: sup |F_n - F| = {gap[k]:.4f} at {k} min > {eps:.4f}"


def minutes_after(start: str, iso: str) -> float:
    """Minutes from ``start`` to ``iso`` (both ISO 8601 with offsets)."""
    delta = datetime.fromisoformat(iso) - datetime.fromisoformat(start)
    return delta.total_seconds() / 60
