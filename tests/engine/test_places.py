"""Places of delivery: per-place impact against a brute-force reference, the locality
property, and models without places compiling exactly as before."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackstart import api
from blackstart.engine.propagate import propagate_one
from blackstart.model.load import load_data
from blackstart.model.model import Model
from tests.engine._compile_before_places import compile_model as compile_before

PLACES = ("p0", "p1", "p2")
LOCAL = ("lan", "dev")  # per-place components: p0-lan, p0-dev, …


@st.composite
def models(draw: st.DrawFn, *, with_places: bool = True) -> dict[str, Any]:
    """A random layered model: a provider, hospital sites, shared components and (with
    places) per-place components, functions delivered at random places whose
    requirements mix shared names, ``{place}`` templates and other functions."""
    sites: dict[str, Any] = {p: {"kind": "hospital"} for p in PLACES}
    sites["dc"] = {"kind": "datacenter", "provider": "op"}
    comps: dict[str, Any] = {}
    names: list[str] = []
    for i in range(draw(st.integers(2, 7))):
        c: dict[str, Any] = {"kind": "other", "site": draw(st.sampled_from([*PLACES, "dc", None]))}
        if names and draw(st.booleans()):
            c["requires"] = draw(_requirement(names))
        if c["site"] is None:
            del c["site"]
        comps[f"c{i}"] = c
        names.append(f"c{i}")
    if with_places:
        for p in PLACES:
            for j, local in enumerate(LOCAL):
                need = (
                    [f"{p}-{LOCAL[0]}"] if j else draw(st.lists(st.sampled_from(names), max_size=1))
                )
                comps[f"{p}-{local}"] = {
                    "kind": "other",
                    "site": p,
                    **({"requires": need} if need else {}),
                }
    funcs: dict[str, Any] = {}
    fnames: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        f: dict[str, Any] = {"tier": "care"}
        pool = list(names) + fnames
        if with_places and draw(st.booleans()):
            f["delivered_at"] = draw(
                st.one_of(
                    st.just({"kind": "hospital"}),
                    st.lists(st.sampled_from(PLACES), min_size=1, max_size=3, unique=True),
                )
            )
            pool += [f"{{place}}-{x}" for x in LOCAL]
        if draw(st.booleans()) or "delivered_at" not in f:
            f["requires"] = draw(_requirement(pool))
        funcs[f"f{i}"] = f
        fnames.append(f"f{i}")
    return {"providers": {"op": {}}, "sites": sites, "components": comps, "functions": funcs}


def _requirement(pool: list[str]) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(pool)
    gate = st.lists(leaf, min_size=1, max_size=3).flatmap(
        lambda xs: st.sampled_from(
            [xs, {"all_of": xs}, {"any_of": xs}, {"at_least": max(1, len(xs) - 1), "of": xs}]
        )
    )
    return st.one_of(leaf, gate, st.lists(st.one_of(leaf, gate), min_size=1, max_size=3))


def _failures(data: dict[str, Any]) -> list[str]:
    return [*(f"site:{s}" for s in data["sites"]), "provider:op",
            *(f"component:{c}" for c in data["components"])]  # fmt: skip


class Reference:
    """Up/down straight from the model's data, by recursion (no compiled graph)."""

    def __init__(self, model: Model, failed: set[str]) -> None:
        self.m, self.failed, self.memo = model, failed, {}  # type: dict[str, bool]

    def site_down(self, sid: str) -> bool:
        site = self.m.sites[sid]
        return f"site:{sid}" in self.failed or (
            site.provider is not None and f"provider:{site.provider}" in self.failed
        )

    def down(self, name: str, place: str | None = None) -> bool:
        key = f"{name}@{place}"
        if key not in self.memo:
            self.memo[key] = self._down(name, place)
        return self.memo[key]

    def _down(self, name: str, place: str | None) -> bool:
        if name in self.m.components:
            c = self.m.components[name]
            if f"component:{name}" in self.failed or (c.site and self.site_down(c.site)):
                return True
            return not self.up(self.m.requirements[name], None)
        places = self.m.places.get(name, ())
        if not places:
            return not self.up(self.m.requirements[name], None)
        if place is None:  # the function as a whole: down when down somewhere
            return any(self.down(name, p) for p in places)
        return self.site_down(place) or not self.up(self.m.requirements[name], place)

    def up(self, req: Any, place: str | None) -> bool:
        if req is None:
            return True
        if hasattr(req, "name"):
            name = req.name.replace("{place}", place) if place else req.name
            same = place is not None and place in self.m.places.get(name, ())
            return not self.down(name, place if same else None)
        return sum(self.up(i, place) for i in req.items) >= req.k


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.data())
def test_per_place_impact_agrees_with_brute_force(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    model = load_data(data)
    failed = draw.draw(st.lists(st.sampled_from(_failures(data)), min_size=1, max_size=3))
    report = api.impact(model, fail=failed)
    ref = Reference(model, set(failed))
    down = {f.id: f for f in report.functions_down}
    for fid in model.functions:
        assert (fid in down) == ref.down(fid), fid
        if fid in model.places and fid in down:
            expect = tuple(p for p in model.places[fid] if ref.down(fid, p))
            assert down[fid].down_at == expect
            assert down[fid].delivered_at == model.places[fid]
    assert set(report.functions_up) == {f for f in model.functions if not ref.down(f)}


def _cone(model: Model, name: str, place: str | None) -> set[str]:
    """Every site the function (at a place) or component depends on, from the data."""
    out: set[str] = set()
    stack = [(name, place)]
    seen = set()
    while stack:
        n, p = stack.pop()
        if (n, p) in seen:
            continue
        seen.add((n, p))
        if n in model.places and p is None:  # the function as a whole: each of its places
            stack.extend((n, q) for q in model.places[n])
            continue
        if n in model.components:
            c = model.components[n]
            if c.site:
                out.add(c.site)
            p = None
        elif p is not None:
            out.add(p)
        for ref, _ in _refs(model.requirements[n]):
            real = ref.replace("{place}", p) if p else ref
            stack.append((real, p if p and p in model.places.get(real, ()) else None))
    return out


def _refs(req: Any) -> list[tuple[str, Any]]:
    from blackstart.model.requirements import refs

    return list(refs(req))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from(PLACES))
def test_failing_a_place_spares_the_places_that_do_not_depend_on_it(
    data: dict[str, Any], lost: str
) -> None:
    model = load_data(data)
    report = api.impact(model, fail=[f"site:{lost}"])
    for f in report.functions_down:
        for p in f.down_at or ():
            assert lost in _cone(model, f.id, p), (f.id, p)
    if lost not in {p for ps in model.places.values() for p in ps}:
        return
    # and the place lost is always down for the functions delivered there
    for fid, ps in model.places.items():
        if lost in ps:
            assert lost in next(f.down_at for f in report.functions_down if f.id == fid)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(with_places=False), st.data())
def test_without_places_the_graph_and_impact_are_as_before(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    model = load_data(data)
    new, old = api.compile_model(model), compile_before(model)
    assert new.names == old.names and new.groups == old.groups and not new.places
    for field in ("kind", "threshold", "child_ptr", "child_idx", "level"):
        assert np.array_equal(getattr(new, field), getattr(old, field)), field
    failed = draw.draw(st.lists(st.sampled_from(_failures(data)), min_size=1, max_size=3))
    a = api.impact(model, fail=failed, graph=new).to_dict()
    b = api.impact(model, fail=failed, graph=old).to_dict()
    a.pop("provenance"), b.pop("provenance")
    assert a == b
    assert "places_hit" not in a and "functions_partial" not in a["summary"]
    assert all("down_at" not in f for f in a["functions_down"])


def test_one_node_per_function_and_place() -> None:
    model = load_data(
        {
            "sites": {"a": {"kind": "hospital"}, "b": {"kind": "hospital"}},
            "components": {
                "a-lan": {"kind": "network", "site": "a"},
                "b-lan": {"kind": "network", "site": "b"},
            },
            "functions": {
                "lab": {
                    "tier": "care",
                    "delivered_at": {"kind": "hospital"},
                    "requires": "{place}-lan",
                }
            },
        }
    )
    graph = api.compile_model(model)
    nodes = graph.place_nodes("lab")
    assert list(nodes) == ["a", "b"]
    down = propagate_one(graph, [graph.index["component:a-lan"]])
    assert down[nodes["a"]] and not down[nodes["b"]] and down[graph.index["function:lab"]]
    report = api.impact(model, fail=["component:b-lan"])
    [f] = report.functions_down
    assert f.where() == "down at b (1 of 2)" and f.partial
