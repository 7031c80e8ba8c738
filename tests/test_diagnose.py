"""Diagnosis on the example and on generated models: simulated incidents (random single
and double root failures, noisy alerts, every function's state), the accuracy figure,
reproduction of noise-free observations, the CLI and its errors.

The truth is known (the failures drawn); the engine never sees it. ``impact`` is the
independent check that a hypothesis' ``failed`` list is valid ``--fail`` input.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from blackstart import api
from blackstart import diagnose as dg
from blackstart.cli.app import app
from blackstart.engine.graph import AT_PLACE, CompiledGraph
from blackstart.errors import UsageError
from blackstart.generate import generate_model
from blackstart.model.model import Model

from .diagnose_cases import draw_cases, rank_of_truth, run, top_reproduces
from .engine.test_places import models as place_models

EXAMPLE = str(api.example_path())
runner = CliRunner()


@pytest.fixture(scope="module")
def example() -> tuple[Model, CompiledGraph]:
    model = api.load(EXAMPLE)
    return model, api.compile_model(model)


@pytest.fixture(scope="module")
def generated() -> tuple[Model, CompiledGraph]:
    model = api.load_data(generate_model(1000, seed=11))
    return model, api.compile_model(model)


def _accuracy(model: Model, graph: CompiledGraph, seed: int) -> tuple[int, int]:
    """Cases with the true cause in the top five (equally probable hypotheses share a
    rank), out of all cases: singles and doubles, with and without false alerts."""
    hits = total = 0
    n_components = len(model.components)
    for failures in (1, 2):
        for false_alerts in (0, 2):
            rng = random.Random(seed + 10 * failures + false_alerts)
            cases = draw_cases(graph, rng, 16, failures=failures, alert_share=0.5,
                               false_alerts=false_alerts)  # fmt: skip
            reports = run(model, graph, cases, monitored="all", missed=0.5,
                          false_alarm=max(2 / n_components, 1e-4), report_error=1e-3)  # fmt: skip
            for case, report in zip(cases, reports, strict=True):
                rank = rank_of_truth(report, case.truth)
                hits += rank is not None and rank <= 5
                total += 1
    return hits, total


@pytest.mark.parametrize("which", ["example", "generated"])
def test_true_cause_in_top_five(which: str, request: pytest.FixtureRequest) -> None:
    model, graph = request.getfixturevalue(which)
    hits, total = _accuracy(model, graph, seed=1)
    print(f"{which}: true cause in the top five in {hits}/{total} = {hits / total:.0%}")
    assert hits / total >= 0.9


@pytest.mark.parametrize("which", ["example", "generated"])
def test_noise_free_observations_are_reproduced(which: str, request: pytest.FixtureRequest) -> None:
    """Alerts are a subset of the components down and every function is reported as it
    is: with rates that trust the reports, the top hypothesis (or one as probable)
    explains every alert and call and contradicts none."""
    model, graph = request.getfixturevalue(which)
    for failures in (1, 2):
        cases = draw_cases(graph, random.Random(5 + failures), 10, failures=failures,
                           alert_share=0.5, false_alerts=0)  # fmt: skip
        reports = run(model, graph, cases, monitored="all", missed=0.5,
                      false_alarm=1e-6, report_error=1e-6)  # fmt: skip
        for case, report in zip(cases, reports, strict=True):
            assert top_reproduces(report), sorted(case.truth)


def test_seed_incident_converges_on_the_colocation_power(
    example: tuple[Model, CompiledGraph],
) -> None:
    model, graph = example
    impact = api.impact(model, scenario="colo-power-cut", graph=graph)
    down = [f"function:{f.id}" for f in impact.functions_down]
    up = [f"function:{f}" for f in impact.functions_up]
    alerts = [f"component:{c.id}" for c in impact.components_down][::5]
    report = dg.diagnose(model, down=down + alerts, up=up, graph=graph)
    top3 = {r for h in report.to_dict()["hypotheses"][:3] for r in h["failed"]}
    assert top3 == {
        "site:colo-paris",
        "provider:global-switch",
        "component:colo-power-distribution",
    }
    questions = [c["question"] for c in report.checks]
    assert any("colocation provider (Global Switch)" in q and "power" in q for q in questions)
    # the provider says the building is up but the power distribution is down
    report = dg.diagnose(model, down=[*down, *alerts, "component:colo-power-distribution"],
                         up=[*up, "site:colo-paris"], graph=graph)  # fmt: skip
    best, *others = report.to_dict()["hypotheses"]
    assert best["failed"] == ["component:colo-power-distribution"]
    assert best["probability"] > 0.8  # a person's report is wrong 5 % of the time
    assert all(h["contradicts"] == ["site:colo-paris"] for h in others if "site:colo-paris"
               in h["failed"] or "provider:global-switch" in h["failed"])  # fmt: skip


# --------------------------------------------------------------------------- CLI


def test_cli_json_hypotheses_feed_impact() -> None:
    result = runner.invoke(app, ["diagnose", EXAMPLE, "--down", "function:lab-results",
                                 "--down", "function:messaging", "--up",
                                 "function:emergency-dispatch", "--json", "-k", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    hyps = payload["hypotheses"]
    assert hyps and {"failed", "probability", "explains", "unexplained", "contradicts"} <= set(
        hyps[0]
    )
    assert [h["probability"] for h in hyps] == sorted((h["probability"] for h in hyps),
                                                       reverse=True)  # fmt: skip
    assert all(len(h["failed"]) <= 2 for h in hyps)
    assert payload["checks"] and all(c["question"].startswith(("ask", "call", "check"))
                                     for c in payload["checks"])  # fmt: skip
    for h in hyps[:3]:
        if not h["failed"]:
            continue
        args = [a for ref in h["failed"] for a in ("--fail", ref)]
        shown = runner.invoke(app, ["impact", EXAMPLE, *args, "--json"])
        assert shown.exit_code == 0
        down = {f["id"] for f in json.loads(shown.stdout)["functions_down"]}
        explained = {r.partition(":")[2] for r in h["explains"]}
        assert explained <= down
        assert "emergency-dispatch" not in down or h["contradicts"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--down", "function:lab-result"], "did you mean 'lab-results'"),
        (["--down", "lab-results"], "did you mean 'function:lab-results'"),
        (["--down", "function:lab-results@hospital-wst"], "did you mean 'hospital-west'"),
        (["--down", "function:lab-results@ward-3"], "lab-results is delivered at hospital-"),
        (["--down", "function:lab-result@hospital-west"], "did you mean 'lab-results'"),
        (["--down", "function:emergency-dispatch@hospital-west"], "has no places of delivery"),
        (["--down", "component:lis-app@hospital-west"], "only a function is observed at"),
        (["--down", "function:lab-results", "--up", "function:lab-results"], "both down and up"),
        (["--down", "function:lab-results", "--false-alarm", "0.7"], "not a rate"),
        (["--down", "function:lab-results", "--monitored", "some"], "one of model, all, none"),
    ],
)
def test_cli_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["diagnose", EXAMPLE, *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place_models())
def test_observations_at_places_resolve_on_any_model(data: dict[str, Any]) -> None:
    """On generated models: ``function:F@P`` is the node of F at P for each place of
    delivery written in the data; any other site is refused with F's places listed; a
    place on a function without places is refused; ``function:F`` stays F's own node."""
    model = api.load_data(data)
    graph = api.compile_model(model)
    sites: dict[str, Any] = data["sites"]
    for fid, spec in data["functions"].items():
        written = spec.get("delivered_at")
        if isinstance(written, dict):  # {kind: hospital}
            places = [s for s, site in sites.items() if site["kind"] == written["kind"]]
        else:
            places = written or []
        whole = dg.observation_node(model, graph, f"function:{fid}")
        assert graph.names[whole] == f"function:{fid}"
        for site in sites:
            text = f"function:{fid}@{site}"
            if site in places:
                v = dg.observation_node(model, graph, text)
                assert graph.kind[v] == AT_PLACE and graph.names[v] == text
                continue
            with pytest.raises(UsageError) as err:
                dg.parse_observation(model, text)
            message = f"{err.value} {err.value.suggestion}"
            if places:
                assert all(p in message for p in places), message
            else:
                assert "has no places of delivery" in message


def test_cli_needs_something_down() -> None:
    result = runner.invoke(app, ["diagnose", EXAMPLE])
    assert result.exit_code == 2
    assert "--down" in result.output


def test_docstring_examples() -> None:
    import doctest

    import blackstart.diagnose_phrases

    for module in (dg, blackstart.diagnose_phrases):
        assert doctest.testmod(module).failed == 0


def test_a_call_from_one_hospital_points_at_that_hospital(
    example: tuple[Model, CompiledGraph],
) -> None:
    """Lab results down at hospital-west only (the other hospitals call: it works): the
    leading hypotheses are failures whose impact takes lab results down at hospital-west
    and nowhere else (``impact`` is the independent check), while the same call without
    a place is also explained by failures at other hospitals."""
    model, graph = example
    places = model.places["lab-results"]
    up = [f"function:lab-results@{p}" for p in places if p != "hospital-west"]
    report = dg.diagnose(model, down=["function:lab-results@hospital-west"], up=up, graph=graph)
    assert report.down == ("function:lab-results@hospital-west",)
    found = [h for h in report.to_dict()["hypotheses"] if h["failed"]][:3]
    assert found
    for h in found:
        assert not h["contradicts"]
        impact = api.impact(model, fail=h["failed"], graph=graph)
        lab = next(f for f in impact.functions_down if f.id == "lab-results")
        assert lab.down_at == ("hospital-west",), h["failed"]
    whole = dg.diagnose(model, down=["function:lab-results"], graph=graph)
    elsewhere = []
    for h in [h for h in whole.to_dict()["hypotheses"] if h["failed"]][:5]:
        impact = api.impact(model, fail=h["failed"], graph=graph)
        lab = [f for f in impact.functions_down if f.id == "lab-results"]
        elsewhere += [h["failed"] for f in lab if "hospital-west" not in (f.down_at or ())]
    assert elsewhere
