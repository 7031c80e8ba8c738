"""Monte Carlo accuracy of the forecast's quantiles: how far a P50, P80 or P95 estimated
from ``n`` runs may be from the one infinitely many runs would give.

Owns the standard error of a sample quantile, estimated from the runs themselves
without assuming a distribution, and the number of runs a given precision needs. Does
not own the forecast (:mod:`blackstart.engine.forecast`) nor how the figures are shown.

Method. The number of runs at or below the true ``p``-quantile ``x_p`` is
Binomial(n, p), so the order statistics ``X_(l) ≤ X_(u)`` with
``l, u = np ∓ z·sqrt(np(1-p))`` bracket ``x_p`` with probability about
``2Φ(z) - 1`` whatever the distribution (the distribution-free confidence interval
for a quantile: H. A. David and H. N. Nagaraja, *Order Statistics*, 3rd ed., Wiley
2003, §7.1). The asymptotic standard error of the sample quantile is
``sqrt(p(1-p)/n) / f(x_p)`` (R. J. Serfling, *Approximation Theorems of Mathematical
Statistics*, Wiley 1980, §2.3.3); the interval's half-width divided by ``z`` estimates
it without estimating the density ``f`` (the order-statistic, or "sparsity", estimate
of Siddiqui 1960 and Bloch & Gastwirth 1968). Both scale as ``1/sqrt(n)``, so ``k``
times more precision takes ``k²`` times more runs.

>>> import numpy as np
>>> runs = np.arange(10_000).reshape(-1, 1)       # uniform on [0, 10 000): f = 1e-4
>>> acc = quantile_accuracy(runs, (0.5,))
>>> round(float(acc.standard_error[0, 0]))        # sqrt(0.25 / 1e4) / 1e-4 = 50
50
>>> round(acc.runs_for(5.0), -4)                   # ten times finer: 100 times the runs
1000000
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

F64 = npt.NDArray[np.float64]

CONFIDENCE = 0.95
"""Coverage of the order-statistic interval the standard error is read from."""


@dataclass(frozen=True, eq=False)
class QuantileAccuracy:
    """Standard errors of sample quantiles, in the samples' unit (minutes)."""

    levels: tuple[float, ...]
    runs: int
    standard_error: F64
    """``(levels, columns)``; ``inf`` where the runs are too few for the interval to
    exist (its order statistics fall outside ``1..n``)."""

    def worst(self) -> F64:
        """Per level, the largest standard error over the columns (0 if none)."""
        if self.standard_error.shape[1] == 0:
            return np.zeros(len(self.levels))
        out: F64 = self.standard_error.max(axis=1)
        return out

    def runs_for(self, precision: float) -> int | None:
        """Runs for every standard error to be at most ``precision`` (``n·(se/precision)²``,
        at least the runs made); None if the runs cannot tell."""
        worst = float(self.worst().max(initial=0.0))
        if not math.isfinite(worst):
            return None
        return max(self.runs, math.ceil(self.runs * (worst / precision) ** 2 - 1e-9))

    def summary(self, resolution: float) -> dict[str, object]:
        """JSON-ready: per level the worst standard error in seconds (None: unbounded),
        the runs for it to be at most ``resolution`` minutes, and whether the runs made
        are too few for that resolution."""
        worst = self.worst()
        return {
            "levels": list(self.levels),
            "standard_error_s": {
                f"p{round(100 * p)}": (round(float(w) * 60, 1) if math.isfinite(w) else None)
                for p, w in zip(self.levels, worst.tolist(), strict=True)
            },
            "resolution_s": round(resolution * 60),
            "runs": self.runs,
            "runs_for_resolution": self.runs_for(resolution),
            "too_few_runs": bool((worst > resolution).any()),
        }

    def warning(self, resolution: float) -> str | None:
        """One sentence when some standard error exceeds ``resolution`` minutes."""
        worst = self.worst()
        if not (worst > resolution).any():
            return None
        i = int(np.argmax(worst))
        level = f"P{round(100 * self.levels[i])}"
        need = self.runs_for(resolution)
        if need is None:
            return f"{self.runs} runs are too few to bound the Monte Carlo error of the {level}"
        return (
            f"{self.runs} runs are too few for times to the minute: the {level} may be off by "
            f"±{worst[i]:.0f} min (one standard error); ±{resolution:g} min needs about "
            f"{need:,} runs"
        )


def quantile_accuracy(
    samples: npt.NDArray[np.int64] | F64,
    levels: Sequence[float],
    *,
    confidence: float = CONFIDENCE,
) -> QuantileAccuracy:
    """Standard error of each column's sample quantile at each of ``levels``, from the
    runs ``samples`` ``(runs, columns)``. O(runs · columns): one partial sort
    (``numpy.partition``) at the few ranks needed."""
    x = np.asarray(samples, dtype=np.float64)
    n = x.shape[0]
    z = float(ndtri(0.5 + confidence / 2))
    se = np.full((len(levels), x.shape[1]), np.inf)
    ranks: dict[int, tuple[int, int]] = {}
    for i, p in enumerate(levels):
        half = z * math.sqrt(n * p * (1 - p))
        lo = math.floor(n * p - half)  # 1-based ranks of the bracketing order statistics
        hi = math.ceil(n * p + half)
        if lo >= 1 and hi <= n and n > 1:
            ranks[i] = (lo - 1, hi - 1)
    if ranks:
        kth = sorted({k for pair in ranks.values() for k in pair})
        part = np.partition(x, kth, axis=0)
        for i, (lo, hi) in ranks.items():
            se[i] = (part[hi] - part[lo]) / (2 * z)
    return QuantileAccuracy(tuple(float(p) for p in levels), int(n), se)
