"""The impact report's memoised causes and chains equal the engine's own per-node answers
(:meth:`ImpactResult.causes`, :meth:`ImpactResult.chain`) for every single and double
site/provider failure of the example."""

from __future__ import annotations

import itertools

import blackstart.api as bs
from blackstart.api import display
from blackstart.engine.impact import impact as engine_impact
from blackstart.model.compile import compile_model


def test_report_chains_and_causes_match_the_engine() -> None:
    model = bs.load(bs.example_path())
    graph = compile_model(model)
    refs = [f"site:{s}" for s in model.sites] + [f"provider:{p}" for p in model.providers]
    cases = [[r] for r in refs] + [list(p) for p in itertools.combinations(refs, 2)]
    checked = 0
    for fail in cases:
        report = bs.impact(model, fail=fail, graph=graph)
        result = engine_impact(graph, [graph.index[r] for r in fail])
        for down, kind in [
            (report.functions_down, "function"),
            (report.components_down, "component"),
        ]:
            for d in down:
                v = graph.index[f"{kind}:{d.id}"]
                assert d.causes == tuple(sorted(graph.names[c] for c in result.causes(v)))
                assert d.chain == tuple(display(graph.names[u]) for u in result.chain(v, graph))
                checked += 1
    assert checked > 1000
