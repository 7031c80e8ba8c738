"""Common-cause failure groups of the Open-PSA MEF, expanded into independent events.

Owns the probability models of ``define-CCF-group`` (Open-PSA MEF 2.0d §8; NUREG/CR-5485)
and the expansion SCRAM performs: each member ``A`` of a group of ``n`` becomes an OR
over new basic events, one for every combination of members containing ``A`` up to the
model's highest level ``m``; the event of a combination of ``k`` members is named
``[A B …]`` (members in the group's order) and has probability ``Q_k``, with ``Q`` the
group's distribution:

- ``beta-factor`` (one factor β, level n): Q_1 = (1 − β)Q, Q_n = βQ, no other level.
- ``MGL`` (factors ρ_2 … ρ_m, levels from 2; ρ_1 = 1, ρ_{m+1} = 0):
  Q_k = ρ_1…ρ_k (1 − ρ_{k+1}) Q / C(n−1, k−1).
- ``alpha-factor`` (α_1 … α_m, levels from 1; non-staggered testing):
  Q_k = k/C(n−1, k−1) · α_k/α_t · Q, α_t = Σ j·α_j.
- ``phi-factor`` (φ_1 … φ_m, Σ φ = 1): Q_k = φ_k Q.

Factor levels are positional (``level`` attributes, when given, must match). Does not
parse XML (``io/mef.py``) nor evaluate expressions (``io/mef_expr.py``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

CCF_MODELS = ("beta-factor", "MGL", "alpha-factor", "phi-factor")


@dataclass(frozen=True)
class CcfEvent:
    """One independent event of an expanded group: a combination of failing members."""

    name: str
    members: tuple[str, ...]
    probability: float


def first_level(model: str) -> int:
    """The level of a model's first factor (MGL factors start at level 2)."""
    return 2 if model == "MGL" else 1


def level_probabilities(model: str, n: int, q: float, factors: list[float]) -> dict[int, float]:
    """``Q_k`` by level ``k`` for a group of ``n`` members, distribution ``q``.

    ``factors`` are in level order starting at :func:`first_level`; the caller checks
    their count (beta-factor: exactly one; the others: up to the number of members).

    >>> level_probabilities("beta-factor", 3, 0.1, [0.2])
    {1: 0.08000000000000002, 3: 0.020000000000000004}
    """
    if model == "beta-factor":
        return {1: (1 - factors[0]) * q, n: factors[0] * q}
    if model == "phi-factor":
        return {k: f * q for k, f in enumerate(factors, start=1)}
    if model == "alpha-factor":
        alpha_t = sum(k * a for k, a in enumerate(factors, start=1))
        return {
            k: k / comb(n - 1, k - 1) * a / alpha_t * q if alpha_t else 0.0
            for k, a in enumerate(factors, start=1)
        }
    # MGL
    rho = [1.0, *factors, 0.0]  # rho[k - 1] is the factor of level k
    result: dict[int, float] = {}
    product = 1.0
    for k in range(1, len(factors) + 2):
        product *= rho[k - 1]
        result[k] = product * (1 - rho[k]) * q / comb(n - 1, k - 1)
    return result


def expand(members: list[str], probabilities: dict[int, float]) -> list[CcfEvent]:
    """The events of every combination of ``members`` at the levels of ``probabilities``."""
    events: list[CcfEvent] = []
    for k in sorted(probabilities):
        for combo in itertools.combinations(members, k):
            events.append(CcfEvent("[" + " ".join(combo) + "]", combo, probabilities[k]))
    return events
