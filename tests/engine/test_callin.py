"""Call-in delays as evidence (:mod:`blackstart.engine.callin`): what a progress says
about the on-call teams' arrivals, the posterior against closed forms, and its effect on
the forecast."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from blackstart import planning
from blackstart.engine.callin import (
    AT_LEAST,
    AT_MOST,
    CALL_IN_P90,
    EXACT,
    SPREAD_P90,
    CallInEvidence,
    call_in_evidence,
    capacity_with,
    learn_call_in,
    model_call_in,
)
from blackstart.engine.forecast import Progress, forecast
from blackstart.engine.pace import PacePrior, evidence_of, learn_pace
from blackstart.model.load import load_data

from ._recovery_checks import steps, team, tiny

Z90 = stats.norm.ppf(0.9)
S_K = np.log(CALL_IN_P90) / Z90
TAU = np.log(SPREAD_P90) / Z90


def weekend_model() -> dict[str, Any]:
    """Two teams on call at a Saturday 11:00 alert (call-in 1 h, one person), each with
    one application: a 10 min automatic boot, then a 30 min restart."""
    comps = {
        name: {
            "kind": "application",
            "site": "dc",
            "recovery": steps(skill=skill, boot="10min", restart="30min", verify=None),
        }
        for name, skill in (("app-a", "a"), ("app-b", "b"))
    }
    teams = {
        t: team(1, skills=(t,), hours="08:00-18:00", days=["mon", "tue", "wed", "thu", "fri"],
                weekend=1, night=1, call_in="1h")
        for t in ("a", "b")
    }  # fmt: skip
    return tiny(comps, {"f": {"tier": "care", "requires": ["app-b"]}}, teams,
                start="2024-08-03T11:00", duration="10min")  # fmt: skip


def test_the_calendar_shows_the_call_in() -> None:
    p = planning.context(load_data(weekend_model()), "s").problem
    assert model_call_in(p).tolist() == [60, 60]


def test_a_progress_shows_arrivals() -> None:
    """Boots done at 20. Team a's restart started at 130 although ready at 20: it
    arrived at 130. Team b's restart, ready at 20, has not started by 200: b has not
    arrived. Started at once when ready, or readiness unknown: at most."""
    ctx = planning.context(load_data(weekend_model()), "s")
    p, idx = ctx.problem, ctx.task_index()
    done = np.full(p.n_tasks, -1, np.int64)
    started = np.full(p.n_tasks, -1, np.int64)
    done[idx["app-a/boot"]] = done[idx["app-b/boot"]] = 20
    started[idx["app-a/restart"]] = 130
    ev = call_in_evidence(p, 200, done, started)
    got = sorted(zip(ev.team.tolist(), ev.kind.tolist(), ev.minutes.tolist(), strict=True))
    assert got == [(0, EXACT, 130.0), (1, AT_LEAST, 200.0)]
    done[idx["app-a/boot"]] = -1  # readiness unknown
    ev = call_in_evidence(p, 200, done, started)
    assert (0, AT_MOST, 130.0) in zip(ev.team.tolist(), ev.kind.tolist(), ev.minutes.tolist(),
                                      strict=True)  # fmt: skip
    started[idx["app-a/restart"]] = -1  # only marked done, at 170: there by then
    done[idx["app-a/restart"]] = 170
    ev = call_in_evidence(p, 200, done, started)
    assert (0, AT_MOST, 170.0) in zip(ev.team.tolist(), ev.kind.tolist(), ev.minutes.tolist(),
                                      strict=True)  # fmt: skip


def test_exact_arrivals_give_the_conjugate_posterior() -> None:
    """Arrivals seen exactly: ``log(C/c) = log κ + τε`` with known ``τ``; the posterior of
    ``log κ`` is normal with precision ``1/σ² + n/τ²`` (BDA §2.5)."""
    p = planning.context(load_data(weekend_model()), "s").problem
    minutes = np.array([150.0, 95.0])
    ev = CallInEvidence(np.array([0, 1]), np.array([EXACT, EXACT], np.int8), minutes)
    post = learn_call_in(p, ev)
    assert post is not None
    prec = 1 / S_K**2 + 2 / TAU**2
    mean = np.log(minutes / 60).sum() / TAU**2 / prec
    got = float(post.weights @ post.grid)
    assert got == pytest.approx(mean, abs=1e-3)
    sd = float(np.sqrt(post.weights @ (post.grid - got) ** 2))
    assert sd == pytest.approx(prec**-0.5, rel=1e-3)
    assert not post.pending.any()


def test_a_team_not_yet_arrived_matches_quadrature() -> None:
    """One exact arrival (×2.5) and one team not arrived after ×4 its call-in: the
    posterior mean of ``log κ`` by quadrature of prior × density × survival."""
    p = planning.context(load_data(weekend_model()), "s").problem
    ev = CallInEvidence(
        np.array([0, 1]), np.array([EXACT, AT_LEAST], np.int8), np.array([150.0, 240.0])
    )
    post = learn_call_in(p, ev)
    assert post is not None

    def dens(x: float) -> float:
        return float(
            stats.norm.pdf(x / S_K)
            * stats.norm.pdf((np.log(2.5) - x) / TAU)
            * stats.norm.sf((np.log(4.0) - x) / TAU)
        )

    mass = integrate.quad(dens, -4, 4, limit=200)[0]
    m1 = integrate.quad(lambda x: x * dens(x), -4, 4, limit=200)[0] / mass
    assert float(post.weights @ post.grid) == pytest.approx(m1, abs=2e-3)
    assert post.pending.tolist() == [False, True] and post.floor[1] == 240
    arrive = post.arrivals(np.random.default_rng(0), 2000)
    assert (arrive[:, 0] == -1).all() and (arrive[:, 1] > 240).all()


def test_capacity_moves_only_the_on_call_stretch() -> None:
    p = planning.context(load_data(weekend_model()), "s").problem
    c = model_call_in(p)
    late = capacity_with(p, c, np.array([-1, 300]))
    assert (late[0] == p.capacity[0]).all()
    assert (late[1, :300] == 0).all() and (late[1, 300:] == p.capacity[1, 300:]).all()
    early = capacity_with(p, c, np.array([20, -1]))
    assert (early[0, :20] == 0).all() and (early[0, 20:60] == 1).all()


def test_a_team_not_arrived_moves_the_forecast() -> None:
    """Team b's restart has waited since 20; at 200 (three times its call-in) nobody
    has come. Without learning the forecast has b start at 200; with learning its
    arrival is drawn after 200, and the function is back later."""
    ctx = planning.context(load_data(weekend_model()), "s")
    p, idx = ctx.problem, ctx.task_index()
    done = np.full(p.n_tasks, -1, np.int64)
    started = np.full(p.n_tasks, -1, np.int64)
    done[idx["app-a/boot"]] = done[idx["app-b/boot"]] = 20
    started[idx["app-a/boot"]] = started[idx["app-b/boot"]] = 10
    started[idx["app-a/restart"]] = 130
    prog = Progress(as_of=200, done_end=done, started=started)
    post = learn_pace(p, evidence_of(p, 200, done, started), PacePrior(), seed=0)
    assert post.call_in is not None
    summary = post.summary()["call_in"]
    assert isinstance(summary, dict) and summary["evidence"] == {
        "arrived": 1,
        "arrived_by": 0,
        "not_yet": 1,
    }
    watch = np.array([v for _, v in ctx.function_nodes()], np.int64)
    plain = forecast(p, watch, runs=400, seed=1, progress=prog).back[:, 0]
    learnt = forecast(p, watch, runs=400, seed=1, progress=prog, pace=post).back[:, 0]
    pace_only = forecast(p, watch, runs=400, seed=1, progress=prog,
                         pace=replace(post, call_in=None)).back[:, 0]  # fmt: skip
    assert np.median(plain) == 230  # starts at 200, 30 min
    assert np.median(learnt) > np.median(pace_only) + 15
    assert (learnt > pace_only).all()  # same pace draws, each run's arrival after 200


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([EXACT, AT_LEAST, AT_MOST]), st.floats(5.0, 2000.0)),
        min_size=1,
        max_size=6,
    )
)
def test_later_arrivals_never_lower_the_call_in_factor(rows: list[tuple[int, float]]) -> None:
    """For any arrivals, seeing each one later (the same kinds) cannot lower the posterior
    mean of ``log κ`` (every likelihood term has a monotone likelihood ratio in it), and
    the weights are a distribution."""
    p = planning.context(load_data(weekend_model()), "s").problem
    team = np.array([i % 2 for i in range(len(rows))], np.int64)
    kind = np.array([r[0] for r in rows], np.int8)
    minutes = np.array([r[1] for r in rows], np.float64)
    a = learn_call_in(p, CallInEvidence(team, kind, minutes))
    b = learn_call_in(p, CallInEvidence(team, kind, minutes * 1.5))
    assert a is not None and b is not None
    assert float(a.weights.sum()) == pytest.approx(1.0)
    assert float(b.weights @ b.grid) >= float(a.weights @ a.grid) - 1e-9
