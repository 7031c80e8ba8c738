"""Sampling the pace posterior: the Student-t prior on the log-pace vector, the mode
search and the importance sampler.

Owns the numerical side of :func:`blackstart.engine.pace.learn_pace`: a Student-t prior
per dimension (truncated; normal where the degrees of freedom are infinite), the
posterior mode found from a grid sweep then BFGS, and importance sampling from a
defensive mixture (Hesterberg, Technometrics 37, 1995) of the prior and a multivariate
Student-t around the Laplace fit (Geweke, Econometrica 57, 1989), batches pooled until
the effective sample size (Kong 1992) suffices. The model is :mod:`blackstart.engine.pace`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln
from scipy.stats import t as student_t

F64 = npt.NDArray[np.float64]

PROPOSAL_DF = 5.0
"""Degrees of freedom of the multivariate Student-t proposals (Geweke 1989: heavier tails
than the posterior's keep the importance weights bounded)."""
PROPOSAL_SCALE = 1.2
"""Inflation of the fitted covariance in the proposals (a factor ``a`` costs about
``(a²/(2a−1))^(d/2)`` in effective sample size on a ``d``-dimensional normal: 2 would
leave a tenth of the samples in 17 dimensions, 1.3 about two thirds)."""
GRID = 24
"""Grid points per dimension of the mode search's coordinate sweep."""


def t_ppf(q: float | F64, df: float | F64) -> F64:
    """Student-t quantile (the normal's for ``df = inf``)."""
    out: F64 = np.asarray(student_t.ppf(q, df), np.float64)
    return out


def t_logpdf(z: F64, df: F64) -> F64:
    """Log-density of the standard Student-t with ``df`` degrees of freedom, per column
    (``inf``: the standard normal), written out to spare scipy's per-call overhead."""
    finite = np.isfinite(df)
    nu = np.where(finite, df, 1.0)
    const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    heavy = const - (nu + 1) / 2 * np.log1p(z * z / nu)
    normal = -0.5 * z * z - 0.5 * np.log(2 * np.pi)
    out: F64 = np.where(finite, heavy, normal)
    return out


def normalise(logw: F64) -> F64:
    w = np.exp(logw - logw.max())
    out: F64 = w / w.sum()
    return out


def grid_sweep(x: F64, lim: F64, log_post: Callable[[F64], F64], sweeps: int = 2) -> F64:
    """Coordinate ascent of ``log_post`` on a grid of :data:`GRID` points per dimension
    spanning ``x ± lim`` (``±3`` where unbounded): a start for the local optimiser that
    cannot be trapped in the prior's mode when the data sit far from it (a Student-t
    prior and a team three times slower make the posterior bimodal along that team)."""
    x = x.copy()
    span = np.where(np.isfinite(lim), lim, 3.0)
    centre = x.copy()
    offsets = np.linspace(-1.0, 1.0, GRID)
    for _ in range(sweeps):
        for i in range(len(x)):
            pts = np.tile(x, (GRID + 1, 1))
            pts[:GRID, i] = centre[i] + offsets * span[i]
            f = log_post(pts)
            x[i] = pts[int(np.argmax(np.where(np.isfinite(f), f, -np.inf))), i]
    return x


def laplace_fit(
    mean: F64,
    sd: F64,
    lim: F64,
    prior_var: F64,
    active: npt.NDArray[np.bool_],
    log_prior: Callable[[F64], F64],
    log_lik: Callable[[F64], F64],
) -> tuple[F64, F64]:
    """Mode of the log-posterior over the active dimensions and a covariance around it:
    the Laplace approximation, used as the first proposal (Geweke, Econometrica 57,
    1989). The optimiser (BFGS) starts from a grid sweep (:func:`grid_sweep`). The
    precision is the likelihood's curvature (central differences) plus the prior's
    *variance*'s inverse, not the prior's curvature at the mode: a Student-t is four
    times as curved at its centre as its variance says, and a proposal that narrow
    starves the dimensions the evidence says little about."""
    from scipy.optimize import minimize

    ia = np.flatnonzero(active)

    def full(x: F64) -> F64:
        th = np.tile(mean, (x.shape[0], 1))
        th[:, ia] = x
        return th

    def neg_batch(x: F64) -> F64:
        th = full(x)
        out: F64 = -(log_prior(th) + log_lik(th))
        return out

    def neg(x: F64) -> tuple[float, F64]:  # value and forward-difference gradient, batched
        f = neg_batch(np.vstack([x[None, :], x[None, :] + np.eye(len(x)) * 1e-6]))
        return float(f[0]), (f[1:] - f[0]) / 1e-6

    x = grid_sweep(mean[ia], lim[ia], lambda z: -neg_batch(z))
    res = minimize(neg, x, jac=True, method="BFGS", options={"gtol": 1e-4})
    x0 = np.asarray(res.x, np.float64)
    n = len(ia)
    h = 1e-3
    eye = np.eye(n) * h
    pts = [x0]
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    for i, j in pairs:
        pts += [
            x0 + eye[i] + eye[j],
            x0 + eye[i] - eye[j],
            x0 - eye[i] + eye[j],
            x0 - eye[i] - eye[j],
        ]
    f = -log_lik(full(np.array(pts)))  # the likelihood's curvature; the prior's is added
    hess = np.zeros((n, n))
    for q, (i, j) in enumerate(pairs):
        a, b, c, d = f[1 + 4 * q : 5 + 4 * q]
        hess[i, j] = hess[j, i] = (a - b - c + d) / (4 * h * h)
    hess += np.diag(1.0 / prior_var[ia])
    cov: F64
    try:
        cov = np.asarray(np.linalg.inv(hess), np.float64)
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        cov = np.diag(sd[ia] ** 2).astype(np.float64)
    return x0, cov


def propose(
    m: F64,
    cov: F64,
    pri: TruncatedT,
    rng: np.random.Generator,
    samples: int,
    log_lik: Callable[[F64], F64],
) -> tuple[F64, F64]:
    """Draw from a defensive mixture (Hesterberg 1995) of the prior (10 %) and a
    multivariate Student-t centred at ``m`` with scale :data:`PROPOSAL_SCALE` ``· cov``
    (:data:`PROPOSAL_DF` degrees of freedom), and weight by prior × likelihood / mixture
    density (deterministic-mixture weights)."""
    ia = np.flatnonzero(pri.active)
    d = len(ia)
    nu = PROPOSAL_DF
    cov = cov * PROPOSAL_SCALE + np.diag((pri.sd[ia] * 1e-3) ** 2)
    chol = np.linalg.cholesky(cov)
    n_prior = max(1, samples // 10)
    new = np.tile(pri.mean, (samples, 1))
    new[:n_prior] = pri.draw(rng, n_prior)
    z = rng.standard_normal((samples - n_prior, d))
    scale = (
        np.sqrt(nu / rng.chisquare(nu, samples - n_prior))
        if np.isfinite(nu)
        else np.ones(samples - n_prior)
    )
    new[n_prior:, ia] = m + (z @ chol.T) * scale[:, None]
    lp = pri.logpdf(new)
    sol = np.linalg.solve(chol, (new[:, ia] - m).T)
    q = (sol * sol).sum(axis=0)
    if np.isfinite(nu):
        lq_fit = (
            gammaln((nu + d) / 2)
            - gammaln(nu / 2)
            - 0.5 * d * np.log(nu * np.pi)
            - np.log(np.diag(chol)).sum()
            - (nu + d) / 2 * np.log1p(q / nu)
        )
    else:
        lq_fit = -0.5 * q - np.log(np.diag(chol)).sum() - 0.5 * d * np.log(2 * np.pi)
    lq = np.logaddexp(np.log(0.1) + lp, np.log(0.9) + lq_fit)
    with np.errstate(invalid="ignore"):
        logw = np.where(np.isfinite(lp), lp + log_lik(new) - lq, -np.inf)
    return new, logw


@dataclass(frozen=True, eq=False)
class TruncatedT:
    """Independent Student-t priors on the log-pace vector (normal where ``df`` is
    infinite), each truncated to ``mean ± lim``; dimensions of zero spread are fixed."""

    mean: F64
    sd: F64
    df: F64
    lim: F64

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = self.sd > 0
        return out

    def _mass(self) -> tuple[F64, F64, F64]:
        a = self.active
        zl = self.lim[a] / self.sd[a]
        lo = np.asarray(student_t.cdf(-zl, self.df[a]), np.float64)
        return zl, lo, 1.0 - 2.0 * lo

    def variance(self) -> F64:
        """Each dimension's variance (``ν/(ν−2)·scale²``, capped by the truncation)."""
        nu = np.where(np.isfinite(self.df) & (self.df > 2), self.df, 3.0)
        var = np.where(np.isfinite(self.df), nu / (nu - 2), 1.0) * self.sd**2
        out: F64 = np.minimum(var, self.lim**2 / 3) + 1e-12
        return out

    def draw(self, rng: np.random.Generator, n: int) -> F64:
        """``n`` draws by inversion of the truncated CDFs."""
        a = self.active
        _, lo, mass = self._mass()
        u = lo + rng.random((n, int(a.sum()))) * mass
        out: F64 = np.tile(self.mean, (n, 1))
        out[:, a] += t_ppf(u, self.df[a]) * self.sd[a]
        return out

    def smooth_logpdf(self, th: F64) -> F64:
        """Log-density without the truncation (smooth, for the Laplace fit)."""
        a = self.active
        z = (th[:, a] - self.mean[a]) / self.sd[a]
        out: F64 = (t_logpdf(z, self.df[a]) - np.log(self.sd[a])).sum(axis=1)
        return out

    def logpdf(self, th: F64) -> F64:
        """Normalised log-density of the truncated prior (``-inf`` outside)."""
        a = self.active
        zl, _, mass = self._mass()
        z = (th[:, a] - self.mean[a]) / self.sd[a]
        inside = (np.abs(z) <= zl).all(axis=1)
        out: F64 = np.where(inside, self.smooth_logpdf(th) - np.log(mass).sum(), -np.inf)
        return out
