"""Learning across incidents: the duration distributions and the pace prior fitted from
the task times of past incidents and drills.

Owns the fit, on arrays: each observation is one step of one incident, its actual length
and the model's median for it. Model (the one of :mod:`blackstart.engine.pace`, with the
incident's pace as the random effect): ``log y = log m_step + g_incident + ε``. The
pace of an incident is estimated by the median of its log-ratios ``log(y / m)`` (robust
to a few mis-modelled steps); the pace prior is the lognormal of those paces (median
``exp(mean)``, 90th percentile ``exp(mean + z₀.₉ · sd)``, method of moments); each step
seen at least :data:`MIN_OBSERVATIONS` times gets the lognormal of its lengths with the
incident's pace divided out (maximum likelihood: mean and standard deviation of the
logs). With fewer than two incidents, the spread of the prior is not identifiable and is
left as given. Reference: Gelman et al., *Bayesian Data Analysis*, 3rd ed., ch. 5
(hierarchical normal model; here its empirical-Bayes moment estimates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from blackstart.engine.durations import Z90

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

MIN_OBSERVATIONS = 3
"""Observations of a step needed to refit its distribution."""
MIN_SIGMA = 0.05
"""Least log-spread of a refitted step (a p90 5 % above the median)."""


@dataclass(frozen=True)
class Fit:
    """Fitted pace prior, per-incident paces and per-step lognormals."""

    pace_median: float
    pace_p90: float | None
    """``None`` when fewer than two incidents."""
    incident_pace: F64
    step_median: F64
    """Per step key: fitted median in the observations' unit (``nan``: too few)."""
    step_p90: F64
    step_count: I64


def fit_history(incident: I64, step: I64, actual: F64, model_median: F64, n_steps: int) -> Fit:
    """Fit the history. ``incident``/``step``: small integer codes per observation;
    ``actual`` and ``model_median`` in the same unit (positive)."""
    if len(actual) == 0:
        raise ValueError("no observation to fit")
    if (actual <= 0).any() or (model_median <= 0).any():
        raise ValueError("lengths must be positive")
    ratio = np.log(actual) - np.log(model_median)
    n_inc = int(incident.max()) + 1
    pace = np.array(
        [np.median(ratio[incident == i]) if (incident == i).any() else np.nan for i in range(n_inc)]
    )
    seen = pace[~np.isnan(pace)]
    mean = float(seen.mean())
    p90 = None
    if len(seen) >= 2:
        sd = float(seen.std(ddof=1))
        p90 = float(np.exp(mean + Z90 * max(sd, 0.0)))
    depaced = np.log(actual) - pace[incident]
    med = np.full(n_steps, np.nan)
    q90 = np.full(n_steps, np.nan)
    count = np.bincount(step, minlength=n_steps).astype(np.int64)
    for s in np.flatnonzero(count >= MIN_OBSERVATIONS).tolist():
        x = depaced[step == s]
        mu, sd = float(x.mean()), float(x.std(ddof=1))
        med[s] = np.exp(mu)
        q90[s] = np.exp(mu + Z90 * max(sd, MIN_SIGMA))
    return Fit(float(np.exp(mean)), p90, np.exp(pace), med, q90, count)
