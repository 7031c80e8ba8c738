"""The forecast's statistics against exact references computed without the engine.

Each case is a tiny model written to a YAML file, forecast through the Python API
(:func:`blackstart.planning.run_forecast`, the payload of ``blackstart forecast
--json``) and the engine's raw runs (:func:`blackstart.engine.forecast.forecast`). The
reference distribution of every back time is derived by hand from the documented
semantics (``_oracles.py``: scipy's distributions, exact convolutions on whole
minutes), never from blackstart's sampling or scheduler:

- the failure (site ``dc``) ends at minute 60; a component's steps then run one after
  the other, each lasting ``ceil(X)`` whole minutes;
- a function is back when the last thing it requires is back;
- a restore runs only when the restart fails, with probability ``restart_fails``;
- a manual step waits for a free person of its team, for its whole duration.

Tolerances come from the number of runs (``_oracles.assert_quantile``): a wrong
quantile level, a P90 that is a P95, a mode moved to the midpoint or a restore branch
ignored are each many standard errors away at :data:`RUNS` runs. ``scripts/mutants.py``
checks that this file fails on each of those mistakes.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from blackstart import api, planning
from blackstart.engine.forecast import QUANTILES, ForecastResult, forecast
from blackstart.model.model import Model

from . import _oracles as o

RUNS = 10_000
LEVELS = (0.5, 0.8, 0.95)
START = "2024-08-05T09:00"  # a Monday, Europe/Paris
FAIL_END = 60  # minutes: the site's failure lasts 1 h


def write_model(
    tmp_path: Path,
    components: dict[str, Any],
    functions: dict[str, Any],
    *,
    teams: dict[str, Any] | None = None,
    start: str = START,
) -> Model:
    """A one-site model with scenario ``s`` (site ``dc`` down for 1 h), as YAML."""
    data = {
        "name": "oracle",
        "timezone": "Europe/Paris",
        "sites": {"dc": {"kind": "datacenter"}},
        "components": components,
        "functions": functions,
        "teams": teams or {},
        "scenarios": {"s": {"start": start, "fail": ["site:dc"], "duration": "1h"}},
    }
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return api.load(path)


def saas(requires: list[str] | None = None, **recovery: Any) -> dict[str, Any]:
    """A component on ``dc`` whose kind has no default steps: only ``recovery`` runs."""
    out: dict[str, Any] = {"kind": "saas", "site": "dc", "recovery": recovery}
    if requires:
        out["requires"] = requires
    return out


def crew(people: int, **weekday: Any) -> dict[str, Any]:
    """A team with skill ``ops``: ``people`` around the clock unless ``weekday`` says."""
    return {
        "skills": ["ops"],
        "weekday": {"hours": "00:00-24:00", "people": people,
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], **weekday},
        "weekend": {"on_call": 0},
        "night": {"on_call": 0},
        "call_in": "0min",
    }  # fmt: skip


def runs_of(model: Model, functions: list[str], *, seed: int = 1) -> ForecastResult:
    ctx = planning.context(model, "s")
    watch = np.array([ctx.graph.index[f"function:{f}"] for f in functions], np.int64)
    res = forecast(ctx.problem, watch, runs=RUNS, seed=seed)
    assert res.fits.all()
    return res


def payload(model: Model, *, seed: int = 2) -> dict[str, Any]:
    return planning.run_forecast(model, "s", runs=RUNS, seed=seed, learn=False).to_dict()


def check_bands(fc: dict[str, Any], band: dict[str, str], pmf: o.F64, what: str) -> None:
    """P50 / P80 / P95 of an output band (ISO times) against the exact PMF."""
    for key, p in zip(("p50", "p80", "p95"), LEVELS, strict=True):
        o.assert_quantile(pmf, o.minutes_after(fc["start"], band[key]), p, fc["runs"], what)


def check_function(model: Model, fid: str, pmf: o.F64) -> dict[str, Any]:
    """Every statistic of function ``fid``'s back time against its exact PMF: the raw
    runs (whole CDF, the engine's quantiles) and the API's payload (function, tier and
    everything bands)."""
    res = runs_of(model, [fid])
    o.assert_cdf(pmf, res.back[:, 0], fid)
    for p, q in zip(LEVELS, res.quantiles()[:, 0], strict=True):
        o.assert_quantile(pmf, float(q), p, RUNS, fid)
    fc = payload(model)
    row = next(f for f in fc["functions"] if f["id"] == fid)
    check_bands(fc, row, pmf, fid)
    if len(fc["functions"]) == 1:  # its tier and everything are the function itself
        check_bands(fc, fc["tiers"][row["tier"]], pmf, f"tier {row['tier']}")
        check_bands(fc, fc["all"], pmf, "everything")
    return fc


# --------------------------------------------------------------------------- levels


def test_quantile_levels_are_p50_p80_p95() -> None:
    assert QUANTILES == LEVELS


# --------------------------------------------------------------------------- one task


@pytest.mark.parametrize(
    ("text", "pmf"),
    [
        ("45min", o.fixed(45)),
        ("20min..100min", o.uniform(20, 100)),
        ("30min..40min..180min", o.triangular(30, 40, 180)),
        ("2h..5h..6h", o.triangular(120, 300, 360)),
        ({"lognormal": {"median": "1h", "p90": "3h"}}, o.lognormal(60, 180)),
        ({"lognormal": {"median": "20min", "p90": "25min"}}, o.lognormal(20, 25)),
    ],
    ids=["fixed", "uniform", "triangular-left", "triangular-right", "lognormal", "lognormal-tight"],
)
def test_one_task_has_its_distribution(tmp_path: Path, text: Any, pmf: o.F64) -> None:
    function = {"f": {"tier": "care", "requires": ["a"]}}
    model = write_model(tmp_path, {"a": saas(boot=text)}, function)
    check_function(model, "f", o.shift(pmf, FAIL_END))


def test_lognormal_p90_is_the_90th_percentile(tmp_path: Path) -> None:
    """``p90:`` in a model is the step's 90th percentile, not its 95th: the share of runs
    above the given P90 is 10 %."""
    model = write_model(
        tmp_path,
        {"a": saas(boot={"lognormal": {"median": "1h", "p90": "4h"}})},
        {"f": {"tier": "care", "requires": ["a"]}},
    )
    back = runs_of(model, ["f"]).back[:, 0] - FAIL_END
    o.assert_probability(float((back > 240).mean()), 0.1, RUNS, "share above p90")
    o.assert_probability(float((back > 60).mean()), 0.5, RUNS, "share above the median")


# --------------------------------------------------------------------------- chain, join


def test_chain_is_the_sum_of_its_steps(tmp_path: Path) -> None:
    """a → b → c, each brought back after the one it requires: the function is back
    after the sum of three independent steps (a convolution)."""
    model = write_model(
        tmp_path,
        {
            "a": saas(boot="10min..50min"),
            "b": saas(["a"], boot="20min..30min..90min"),
            "c": saas(["b"], boot={"lognormal": {"median": "40min", "p90": "80min"}}),
        },
        {"f": {"tier": "care", "requires": ["c"]}},
    )
    pmf = o.add(o.uniform(10, 50), o.triangular(20, 30, 90), o.lognormal(40, 80))
    check_function(model, "f", o.shift(pmf, FAIL_END))


def test_parallel_join_is_the_maximum_of_its_branches(tmp_path: Path) -> None:
    """Three independent components, no staff needed: the function needs all three and
    is back at the latest (the product of the CDFs)."""
    model = write_model(
        tmp_path,
        {
            "a": saas(boot="10min..70min"),
            "b": saas(boot="20min..25min..80min"),
            "c": saas(boot={"lognormal": {"median": "30min", "p90": "60min"}}),
        },
        {"f": {"tier": "care", "requires": ["a", "b", "c"]}},
    )
    pmf = o.maximum(o.uniform(10, 70), o.triangular(20, 25, 80), o.lognormal(30, 60))
    check_function(model, "f", o.shift(pmf, FAIL_END))


def test_any_of_is_the_minimum_of_its_branches(tmp_path: Path) -> None:
    """Redundant pair: back at the earliest, ``1 - F_min = (1 - F_a)(1 - F_b)``."""
    model = write_model(
        tmp_path,
        {"a": saas(boot="10min..70min"), "b": saas(boot="20min..50min..100min")},
        {"f": {"tier": "care", "requires": {"any_of": ["a", "b"]}}},
    )
    sa, sb = (1 - np.cumsum(p) for p in (o.uniform(10, 70), o.triangular(20, 50, 100)))
    size = max(len(sa), len(sb))
    surv = np.pad(sa, (0, size - len(sa))) * np.pad(sb, (0, size - len(sb)))
    pmf = np.diff(np.concatenate([[0.0], 1 - surv]))
    check_function(model, "f", o.shift(pmf, FAIL_END))


# --------------------------------------------------------------------------- restore branch


@pytest.mark.parametrize("q", [0.3, 0.05])
def test_failed_restart_then_restore_is_a_mixture(tmp_path: Path, q: float) -> None:
    """Restart R; with probability q it fails and a restore S follows: the back time is
    ``R`` with probability ``1 - q`` and ``R + S`` with probability ``q``."""
    rec = {"restart": "20min..60min", "restart_fails": q, "restore": "2h..4h", "skill": "ops"}
    model = write_model(
        tmp_path, {"a": saas(**rec)}, {"f": {"tier": "care", "requires": ["a"]}},
        teams={"ops": crew(10)},
    )  # fmt: skip
    r, s = o.uniform(20, 60), o.uniform(120, 240)
    pmf = o.mixture([1 - q, q], [r, o.add(r, s)])
    check_function(model, "f", o.shift(pmf, FAIL_END))


# --------------------------------------------------------------------------- queueing


def test_one_person_two_tasks_queue(tmp_path: Path) -> None:
    """One person, two components. The vital one's restart A starts at the failure's
    end; the care one boots by itself (B₀) then its restart B waits for the person:
    ``back = max(A, B₀) + B``, and the wait for the person is ``max(0, A - B₀)``."""
    components = {
        "a": saas(restart="30min..90min", skill="ops"),
        "b": saas(boot="10min..60min", restart="20min..40min..60min", skill="ops"),
    }
    functions = {
        "fa": {"tier": "vital", "requires": ["a"]},
        "fb": {"tier": "care", "requires": ["b"]},
    }
    model = write_model(tmp_path, components, functions, teams={"ops": crew(1)})
    a, b0, b = o.uniform(30, 90), o.uniform(10, 60), o.triangular(20, 40, 60)
    check_function(model, "fa", o.shift(a, FAIL_END))
    check_function(model, "fb", o.shift(o.add(o.maximum(a, b0), b), FAIL_END))
    # two people: no queue, each on its own
    model = write_model(tmp_path, components, functions, teams={"ops": crew(2)})
    check_function(model, "fb", o.shift(o.add(b0, b), FAIL_END))


def test_queue_with_fixed_steps_to_the_minute(tmp_path: Path) -> None:
    """Fixed steps: the care restart waits exactly for the vital one (60 + 30 + 20)."""
    model = write_model(
        tmp_path,
        {"a": saas(restart="30min", skill="ops"), "b": saas(restart="20min", skill="ops")},
        {"fa": {"tier": "vital", "requires": ["a"]}, "fb": {"tier": "care", "requires": ["b"]}},
        teams={"ops": crew(1)},
    )
    res = runs_of(model, ["fa", "fb"])
    assert (res.back[:, 0] == 90).all() and (res.back[:, 1] == 110).all()


# --------------------------------------------------------------------------- RTO, degraded mode


def test_rto_breach_and_degraded_mode_exhaustion(tmp_path: Path) -> None:
    """``P(back > RTO)`` and ``P(back > holds_for)`` on the chain of two steps, at
    fractional values, against ``1 - F``."""
    model = write_model(
        tmp_path,
        {"a": saas(boot="10min..50min"), "b": saas(["a"], boot="20min..30min..90min")},
        {
            "f": {"tier": "care", "requires": ["b"], "rto": "2h",
                  "degraded_mode": {"procedure": "paper", "holds_for": "2h20min"}},
            "g": {"tier": "administrative", "requires": ["a"], "rto": "1h40min",
                  "degraded_mode": {"procedure": "wait", "holds_for": "1h30min"}},
        },
    )  # fmt: skip
    f = o.shift(o.add(o.uniform(10, 50), o.triangular(20, 30, 90)), FAIL_END)
    g = o.shift(o.uniform(10, 50), FAIL_END)
    fc = payload(model)
    rows = {r["id"]: r for r in fc["functions"]}
    exact = {
        ("f", "rto_breach_probability"): 1 - o.cdf(f, 120),
        ("f", "degraded_mode_exhaustion_probability"): 1 - o.cdf(f, 140),
        ("g", "rto_breach_probability"): 1 - o.cdf(g, 100),
        ("g", "degraded_mode_exhaustion_probability"): 1 - o.cdf(g, 90),
    }
    for (fid, key), p in exact.items():
        assert 0.05 < p < 0.95  # fractional: a wrong limit shows
        o.assert_probability(rows[fid][key], p, RUNS, f"{fid} {key}")
    assert rows["f"]["rto_s"] == 7200 and rows["f"]["degraded_mode_holds_s"] == 8400
    check_bands(fc, rows["f"], f, "f")
    check_bands(fc, fc["tiers"]["administrative"], g, "administrative tier")
    check_bands(fc, fc["all"], o.maximum(f, g), "everything")  # f ≥ g in every run


@pytest.mark.parametrize(("limit", "late"), [("1h45min", 0.0), ("1h44min", 1.0)])
def test_back_exactly_at_the_limit_is_on_time(tmp_path: Path, limit: str, late: float) -> None:
    """Back at 60 + 45 = 105 min: an RTO or a fallback of 105 min is met, 104 min not."""
    model = write_model(
        tmp_path,
        {"a": saas(boot="45min")},
        {"f": {"tier": "vital", "requires": ["a"], "rto": limit,
               "degraded_mode": {"procedure": "paper", "holds_for": limit}}},
    )  # fmt: skip
    row = payload(model)["functions"][0]
    assert row["rto_breach_probability"] == late
    assert row["degraded_mode_exhaustion_probability"] == late


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("text", "dist"),
    [
        ("20min..100min", stats.uniform(loc=20, scale=80)),
        ("20min..30min..140min", stats.triang(c=10 / 120, loc=20, scale=120)),
        ({"lognormal": {"median": "40min", "p90": "90min"}},
         stats.lognorm(s=math.log(90 / 40) / stats.norm.ppf(0.9), scale=40)),
    ],
    ids=["uniform", "triangular", "lognormal"],
)  # fmt: skip
def test_step_in_progress_is_drawn_from_its_tail(
    tmp_path: Path, text: Any, dist: stats.rv_continuous
) -> None:
    """Re-forecast 50 min into a step started when the failure ended: its duration is the
    distribution truncated below at 50 min, ``F(x | X > 50)``."""
    function = {"f": {"tier": "care", "requires": ["a"]}}
    model = write_model(tmp_path, {"a": saas(boot=text)}, function)
    pmf = o.shift(o.truncated(dist, 50), FAIL_END)
    as_of, started = f"+{FAIL_END + 50}min", [f"a/boot@+{FAIL_END}min"]
    ctx = planning.context(model, "s")
    prog = planning.progress_of(ctx, as_of, [], started)
    watch = np.array([ctx.graph.index["function:f"]], np.int64)
    res = forecast(ctx.problem, watch, runs=RUNS, seed=5, progress=prog)
    o.assert_cdf(pmf, res.back[:, 0], "in progress")
    fc = planning.run_forecast(
        model, "s", runs=RUNS, seed=5, as_of=as_of, started=started, learn=False
    )
    check_bands(fc.to_dict(), fc.to_dict()["functions"][0], pmf, "in progress")


# --------------------------------------------------------------------------- calendar


def working_windows(start: datetime, days: int) -> list[tuple[int, int]]:
    """``[open, close)`` minutes after ``start`` of Monday–Friday 08:00–18:00 in Paris,
    from wall-clock dates (independent of the engine's calendar)."""
    tz = ZoneInfo("Europe/Paris")
    out = []
    for i in range(days + 1):
        day = (start + timedelta(days=i)).date()
        if day.weekday() >= 5:
            continue
        a = datetime(day.year, day.month, day.day, 8, tzinfo=tz)
        b = datetime(day.year, day.month, day.day, 18, tzinfo=tz)
        out.append((int((a - start).total_seconds() // 60), int((b - start).total_seconds() // 60)))
    return out


def calendar_back(ready: o.F64, work: o.F64, windows: list[tuple[int, int]]) -> o.F64:
    """PMF of the end of a step of PMF ``work`` that needs one person for its whole
    duration, inside one working window, from a ready time of PMF ``ready``."""
    out = np.zeros(windows[-1][1] + len(work) + 1)
    r = np.flatnonzero(ready > 0)
    d = np.flatnonzero(work > 0)
    rr, dd = np.meshgrid(r, d, indexing="ij")
    begin = np.full(rr.shape, -1)
    for a, b in reversed(windows):  # the earliest window that still fits wins
        s = np.maximum(rr, a)
        begin = np.where(s + dd <= b, s, begin)
    assert (begin >= 0).all()
    np.add.at(out, begin + dd, np.outer(ready[r], work[d]))
    return out


def test_weekend_failure_waits_for_monday_morning(tmp_path: Path) -> None:
    """Saturday 11:00 to 12:00; nobody on call at the weekend. The component boots by
    itself (1 h to 54 h) and its restart needs a person on weekdays 08:00–18:00: most
    runs wait for Monday 08:00, some boot later on Monday and start at once, or too late
    for the step to fit before 18:00 and wait for Tuesday."""
    start = "2024-08-03T11:00"
    model = write_model(
        tmp_path,
        {"a": saas(boot="1h..54h", restart="30min..2h", skill="ops")},
        {"f": {"tier": "care", "requires": ["a"]}},
        teams={"ops": {**crew(3, hours="08:00-18:00", days=["mon", "tue", "wed", "thu", "fri"])}},
        start=start,
    )
    t0 = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("Europe/Paris"))
    windows = working_windows(t0, 4)
    assert windows[0] == (45 * 60, 55 * 60)  # Monday 08:00 is 45 h after Saturday 11:00
    pmf = calendar_back(o.shift(o.uniform(60, 54 * 60), FAIL_END), o.uniform(30, 120), windows)
    assert 0.5 < o.cdf(pmf, 45 * 60 + 120) < 0.99  # mostly Monday morning, not always
    assert 0.001 < 1 - o.cdf(pmf, 55 * 60) < 0.05  # a few runs wait for Tuesday
    check_function(model, "f", pmf)


# --------------------------------------------------------------------------- the exact helpers


def test_reference_helpers_agree_with_brute_force() -> None:
    """The oracle's own arithmetic against plain Monte Carlo in numpy (not blackstart):
    a sum, a maximum and a lognormal quantile."""
    rng = np.random.default_rng(0)
    n = 200_000
    u1, u2 = rng.uniform(10, 50, n), rng.triangular(20, 30, 90, n)
    s = np.ceil(u1) + np.ceil(u2)
    o.assert_cdf(o.add(o.uniform(10, 50), o.triangular(20, 30, 90)), s.astype(np.int64), "sum")
    m = np.maximum(np.ceil(u1), np.ceil(u2))
    o.assert_cdf(o.maximum(o.uniform(10, 50), o.triangular(20, 30, 90)), m.astype(np.int64), "max")
    pmf = o.lognormal(60, 180)
    assert o.quantile(pmf, 0.9) == math.ceil(180)  # P90 of ceil(X) is ceil(p90)
    assert o.quantile(pmf, 0.5) == 60


# --------------------------------------------------------------------------- generated cases


@st.composite
def step(draw: st.DrawFn) -> tuple[Any, o.F64]:
    """A duration as written in a model, with its exact PMF (whole-minute parameters)."""
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "lognormal"]))
    lo = draw(st.integers(1, 120))
    width = draw(st.integers(5, 240))
    if kind == "fixed":
        return f"{lo}min", o.fixed(lo)
    if kind == "uniform":
        return f"{lo}min..{lo + width}min", o.uniform(lo, lo + width)
    if kind == "triangular":
        mode = lo + draw(st.integers(1, width - 1))
        return f"{lo}min..{mode}min..{lo + width}min", o.triangular(lo, mode, lo + width)
    lo += 4  # median 5 min to 124 min, p90 up to 4 times it: a tail the PMF can hold
    p90 = lo + min(width, 3 * lo)
    return {"lognormal": {"median": f"{lo}min", "p90": f"{p90}min"}}, o.lognormal(lo, p90)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(step(), min_size=1, max_size=3),
    shape=st.sampled_from(["chain", "all_of", "any_of"]),
    seed=st.integers(0, 999),
)
def test_generated_structures_match_their_exact_distribution(
    tmp_path: Path, steps: list[tuple[Any, o.F64]], shape: str, seed: int
) -> None:
    """One to three steps of any distribution, in a chain (sum), needed together (max)
    or redundant (min): the whole CDF and the three quantiles against the exact PMF."""
    names = [f"c{i}" for i in range(len(steps))]
    components = {}
    for i, (name, (text, _)) in enumerate(zip(names, steps, strict=True)):
        needs = [names[i - 1]] if shape == "chain" and i > 0 else None
        components[name] = saas(needs, boot=text)
    pmfs = [p for _, p in steps]
    if shape == "chain":
        requires: Any = [names[-1]]
        pmf = o.add(*pmfs)
    elif shape == "all_of":
        requires = names
        pmf = o.maximum(*pmfs)
    else:
        requires = {"any_of": names}
        surv = np.ones(max(len(p) for p in pmfs))
        for p in pmfs:
            surv *= 1 - np.pad(np.cumsum(p), (0, len(surv) - len(p)), constant_values=1.0)
        pmf = np.diff(np.concatenate([[0.0], 1 - surv]))
    model = write_model(tmp_path, components, {"f": {"tier": "care", "requires": requires}})
    res = runs_of(model, ["f"], seed=seed)
    pmf = o.shift(pmf, FAIL_END)
    o.assert_cdf(pmf, res.back[:, 0], shape)
    for p, q in zip(LEVELS, res.quantiles()[:, 0], strict=True):
        o.assert_quantile(pmf, float(q), p, RUNS, shape)
