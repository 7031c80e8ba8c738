"""The resilience findings (single failures ranked by functions lost per tier) against a
brute-force oracle: each provider, site and component failed alone and every function
evaluated straight from the model's data (requirements read as all/any/at-least trees),
on generated models of several seeds; and the example's key finding in plain words."""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import pytest

import blackstart.api as bs
from blackstart.generate import generate_model
from blackstart.resilience import findings

TIERS = ("vital", "care", "administrative")


def _lost(data: dict[str, Any], failed: str) -> frozenset[str]:
    """Functions down when ``failed`` (``kind:name``) fails alone, by recursion on the data."""
    comps = data["components"]

    def site_down(s: str) -> bool:
        return failed == f"site:{s}" or failed == f"provider:{data['sites'][s].get('provider')}"

    @cache
    def comp_down(c: str) -> bool:
        spec = comps[c]
        return (
            failed == f"component:{c}"
            or (spec.get("site") is not None and site_down(spec["site"]))
            or failed == f"provider:{spec.get('provider')}"
            or ("requires" in spec and not up(spec["requires"]))
        )

    def up(req: Any) -> bool:
        if isinstance(req, str):
            kind, _, name = req.rpartition(":")
            if kind == "site":
                return not site_down(name)
            if kind == "provider":
                return failed != req
            return not comp_down(name)
        if isinstance(req, list):
            return all(up(r) for r in req)
        if "all_of" in req:
            return all(up(r) for r in req["all_of"])
        if "any_of" in req:
            return any(up(r) for r in req["any_of"])
        return sum(up(r) for r in req["of"]) >= req["at_least"]

    return frozenset(f for f, spec in data["functions"].items() if not up(spec["requires"]))


def _oracle(data: dict[str, Any]) -> list[tuple[tuple[int, int, int], frozenset[str], set[str]]]:
    refs = [f"provider:{p}" for p in data["providers"]]
    refs += [f"site:{s}" for s in data["sites"]]
    refs += [f"component:{c}" for c in data["components"]]
    groups: dict[frozenset[str], set[str]] = {}
    for ref in refs:
        lost = _lost(data, ref)
        if lost:
            groups.setdefault(lost, set()).add(ref)
    tier = {f: spec["tier"] for f, spec in data["functions"].items()}
    rows = []
    for lost, causes in groups.items():
        counts = tuple(sum(1 for f in lost if tier[f] == t) for t in TIERS)
        rows.append((counts, lost, causes))  # type: ignore[arg-type]
    rows.sort(key=lambda r: (*(-n for n in r[0]), -len(r[1])))
    return rows  # type: ignore[return-value]


def _with_weak_spots(seed: int) -> dict[str, Any]:
    """A generated model where some functions also need one more random component (so
    that many elements take down distinct sets of functions)."""
    data = generate_model(600, seed=seed)
    rng = random.Random(seed)
    comps = sorted(data["components"])
    for f in rng.sample(sorted(data["functions"]), len(data["functions"]) // 2):
        spec = data["functions"][f]
        spec["requires"] = {"all_of": [spec["requires"], rng.choice(comps)]}
    return data


@pytest.mark.parametrize("seed", [1, 5, 17])
def test_ranking_equals_brute_force(seed: int) -> None:
    data = _with_weak_spots(seed)
    model = bs.load_data(data)
    got = findings(model, top=10_000)
    expected = _oracle(data)
    assert len(expected) > 10
    assert got["findings_total"] == len(expected)
    assert got["causes_with_impact"] == sum(len(c) for _, _, c in expected)
    by_set = {lost: (counts, causes) for counts, lost, causes in expected}
    ranks = []
    for g in got["findings"]:
        counts, causes = by_set[frozenset(g["functions_down"])]
        assert tuple(g["by_tier"][t] for t in TIERS) == counts
        assert set(g["causes"]) == causes
        ranks.append((*(-n for n in counts), -len(g["functions_down"])))
    assert ranks == sorted(ranks)  # ranked: most vital, then care, then administrative
    assert [(*(-n for n in c), -len(lost)) for c, lost, _ in expected] == ranks
    top = findings(model, top=3)["findings"]
    assert [g["lead"] for g in top] == [g["lead"] for g in got["findings"][:3]]


def test_example_leads_with_the_colocation_provider() -> None:
    model = bs.load(bs.example_path())
    first = findings(model)["findings"][0]
    # examples/hospital-group: the Paris colocation's operator takes the site with it
    assert first["lead"] == "provider:global-switch"
    assert "site:colo-paris" in first["causes"]
    assert first["summary"].startswith("If provider global-switch (colocation) fails, ")
    counts = first["by_tier"]
    assert f"{counts['vital']} vital, {counts['care']} care and" in first["summary"]
