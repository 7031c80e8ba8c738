"""The fault-tree commands' analyses: one path for ``blackstart probability``,
``cutsets`` and ``importance``, and for ``benchmarks/bench_faulttree.py``.

Owns the translation between a tree (a YAML model's functions, or Open-PSA MEF top
gates) and the engine's indices, and the JSON-ready payloads of the three commands. The
benchmark calls these same functions (``tests/test_faulttrees.py`` checks they are the
same objects), so the published figures describe what users run:

- :func:`probabilities`: the exact probability of each top by the modular BDD
  (:func:`~blackstart.engine.modular.compile_modules` with ``probability_only``: one
  BDD per independent module, an SDD for a module no BDD reaches). No cut set and no
  prime implicant is built unless ``approximations`` asks for the rare-event and MCUB
  figures, which then come from the same module BDDs.
- :func:`cutsets`: minimal cut sets, counted by order without enumeration. For a
  non-coherent tree (NOT, XOR, ...) the default is SCRAM's default, the *minimal
  solutions* (the minimal sets of failed events that make the top true when every other
  event works), counted module by module; ``prime_implicants`` asks for the prime
  implicants instead (minimal conjunctions of failed and working events), counted on the
  whole tree's BDD within their own node budget, never listed.
- :func:`importance_of`: Birnbaum, Fussell–Vesely, criticality, RAW and RRW on the
  module BDDs of :func:`probabilities` (:func:`~blackstart.engine.importance.modular_importance`).

Imports stay light: the YAML model (pydantic, scipy) only for a YAML file, numpy and
CUDD only when a tree needs them, so a small MEF tree answers in a fraction of a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blackstart.errors import UsageError, did_you_mean

if TYPE_CHECKING:
    from blackstart.engine.faulttree import FaultTree
    from blackstart.engine.modular import ModularBdd
    from blackstart.model.model import Model

__all__ = [
    "PRIME_IMPLICANT_NODES",
    "Tree",
    "cutsets",
    "exact_probability",
    "importance_of",
    "load_tree",
    "probabilities",
]

PRIME_IMPLICANT_NODES = 1 << 22
"""Default node budget of ``cutsets --prime-implicants`` (the engine's
:data:`~blackstart.engine.cutsets.PRIME_IMPLICANT_NODES`, repeated so that reading it
does not load the engine)."""


@dataclass
class Tree:
    """A fault tree with where it came from and its targets by name."""

    tree: FaultTree
    source: str
    model: Model | None
    unknown_probabilities: list[str]

    def targets(self, wanted: Sequence[str] | None) -> list[tuple[str, int]]:
        """``(name, gate index)`` of the wanted targets (all tops by default)."""
        gates = self.tree.gate_index()
        tops = [(self._name(self.tree.gates[i].name), i) for i in self.tree.tops]
        if not wanted:
            return tops
        out = []
        names = {self._name(g.name): i for i, g in enumerate(self.tree.gates)}
        for w in wanted:
            key = w if w in names else self._name(w)
            if key not in names and w not in gates:
                pool = [n for n, _ in tops]
                if "@" in w:  # FUNCTION@PLACE: suggest among the places of delivery
                    pool = [n for n in names if "@" in n and "#" not in n]
                raise UsageError(f"no target '{w}' in {self.source}",
                                 suggestion=did_you_mean(w, pool)
                                 or "a function at a place is FUNCTION@PLACE, for a "
                                 "function with places of delivery")  # fmt: skip
            out.append((key, names.get(key, gates.get(w, -1))))
        return out

    def _name(self, gate_name: str) -> str:
        return gate_name.removeprefix("function:") if self.model is not None else gate_name

    def event_name(self, i: int) -> str:
        """A basic event's display name (``~name`` for a negated literal ``-(i+1)``)."""
        if i < 0:
            return "~" + self.event_name(-i - 1)
        if self.model is None:
            return self.tree.events[i]
        from blackstart.api import display

        return display(self.tree.events[i])


def load_tree(paths: Sequence[str | Path]) -> Tree:
    """A YAML model (targets: its functions) or Open-PSA MEF files (targets: top gates;
    several files, or a directory of them, form one model)."""
    files = [Path(x) for x in paths]
    xml = [f for f in files if f.suffix.lower() == ".xml"]
    xml += [x for f in files if f.is_dir() for x in sorted(f.glob("*.xml"))]
    if xml:
        from blackstart.io.mef import read_mef

        return Tree(read_mef(xml), ", ".join(str(f) for f in files), None, [])
    if len(files) != 1:
        raise UsageError("give one YAML model (file or directory), or Open-PSA MEF .xml files")
    from blackstart import api
    from blackstart.model.compile import compile_model
    from blackstart.model.faulttree import model_fault_tree

    p = files[0]
    model = api.load(p)
    tree, unknown = model_fault_tree(model, compile_model(model))
    return Tree(tree, str(p), model, unknown)


def exact_probability(tree: FaultTree, top: int) -> ModularBdd:
    """The modules of ``top`` compiled for its exact probability: one BDD per module, an
    SDD for a module whose BDD is out of reach (then that module has no BDD)."""
    from blackstart.engine.modular import compile_modules

    return compile_modules(tree, top, probability_only=True)


def probabilities(
    tree: Tree, targets: Sequence[str] | None, *, approximations: bool = False
) -> dict[str, Any]:
    """Exact top-event probability of each target (modular BDD, see the module
    docstring); with ``approximations``, the rare-event and min-cut upper bound
    approximations from the minimal cut sets (minimal solutions of a non-coherent tree)
    of the same module BDDs."""
    rows: list[dict[str, Any]] = []
    for name, top in tree.targets(targets):
        compiled = exact_probability(tree.tree, top)
        row: dict[str, Any] = {"id": name, "probability": compiled.probability}
        if approximations:
            row.update(_approximations(compiled))
        rows.append(row)
    return {"source": tree.source, "targets": rows, "approximations": approximations,
            "unknown_probabilities": tree.unknown_probabilities}  # fmt: skip


def _approximations(compiled: ModularBdd) -> dict[str, Any]:
    if any(b is None for b in compiled.bdds):
        return {
            "rare_event": None,
            "mcub": None,
            "cut_set_count": None,
            "note": "exact probability from a sentential decision diagram: no BDD of "
            "this tree fits, and the cut-set approximations need one",
        }
    from blackstart.engine.modular import modular_cut_sets

    res = modular_cut_sets(compiled)
    return {"rare_event": res.rare_event, "mcub": res.mcub, "cut_set_count": res.count}


def cutsets(
    tree: Tree,
    targets: Sequence[str] | None,
    *,
    max_order: int | None,
    limit: int,
    method: str = "auto",
    prime_implicants: bool = False,
    budget: int = PRIME_IMPLICANT_NODES,
) -> dict[str, Any]:
    """Minimal cut sets of each target (minimal solutions of a non-coherent tree, as
    SCRAM gives by default), counted without enumeration; at most ``limit`` listed per
    target, smallest first, with the exact probability when the route computed it.

    ``method`` (:data:`blackstart.engine.cutsets.METHODS`): ``zbdd`` builds them
    bottom-up, truncated at ``max_order``, for trees whose BDD is out of reach.
    ``prime_implicants``: the prime implicants instead, counted and not listed, within
    ``budget`` nodes (whole-tree BDD, and again for their ZBDD)."""
    from blackstart.engine.cutsets import METHODS

    if method not in METHODS:
        raise UsageError(
            f"unknown method '{method}'", suggestion=f"use one of {', '.join(METHODS)}"
        )
    if method == "zbdd" and max_order is None:
        raise UsageError(
            "--method zbdd needs an order limit: the bottom-up ZBDD drops longer cut sets "
            "at every gate",
            suggestion="add --max-order 3 (raise it step by step), or use --method bdd",
        )
    if method == "zbdd" and not tree.tree.coherent:
        raise UsageError(
            f"{tree.source} has negations (not, xor, nand, nor, iff or imply gates): the "
            "bottom-up ZBDD handles coherent trees only",
            suggestion="use --method bdd: minimal solutions come from the BDD",
        )
    if prime_implicants and method == "zbdd":
        raise UsageError(
            "--prime-implicants come from the whole tree's BDD, not the bottom-up ZBDD",
            suggestion="drop --method zbdd",
        )
    rows = [
        _prime_row(tree, name, top, max_order, budget)
        if prime_implicants
        else _cut_set_row(tree, name, top, max_order, limit, method)
        for name, top in tree.targets(targets)
    ]
    return {
        "source": tree.source,
        "max_order": max_order,
        "limit": 0 if prime_implicants else limit,
        "method": method,
        "prime_implicants": prime_implicants,
        "targets": rows,
    }


def _cut_set_row(
    tree: Tree, name: str, top: int, max_order: int | None, limit: int, method: str
) -> dict[str, Any]:
    from blackstart.engine.cutsets import minimal_cut_sets

    res = minimal_cut_sets(tree.tree, top, max_order=max_order, method=method)
    return {
        "id": name,
        "method": res.method,
        "coherent": res.coherent,
        "kind": "minimal cut sets" if res.coherent else "minimal solutions",
        "probability": res.probability,
        "cut_set_count": res.count,
        "order_distribution": list(res.order_distribution),
        "cut_sets": [[tree.event_name(e) for e in s] for s in res.sets(limit)],
    }


def _prime_row(
    tree: Tree, name: str, top: int, max_order: int | None, budget: int
) -> dict[str, Any]:
    from blackstart.engine.cutsets import PrimeImplicantsOutOfReach, prime_implicants

    try:
        res = prime_implicants(tree.tree, top, max_order=max_order, node_budget=budget)
    except PrimeImplicantsOutOfReach as exc:
        raise UsageError(
            f"the prime implicants of '{name}' are out of reach: {exc} (--budget {budget})",
            suggestion="raise --budget, add --max-order, or drop --prime-implicants for "
            "the minimal solutions (SCRAM's cut sets)",
        ) from None
    return {
        "id": name,
        "method": res.method,
        "coherent": res.coherent,
        "kind": "minimal cut sets" if res.coherent else "prime implicants",
        "probability": None,
        "cut_set_count": res.count,
        "order_distribution": list(res.order_distribution),
        "cut_sets": [],
    }


def importance_of(tree: Tree, target: str) -> dict[str, Any]:
    """Birnbaum, Fussell–Vesely, criticality, RAW and RRW of every basic event the target
    depends on, most important (Fussell–Vesely) first, on the module BDDs of the exact
    probability. RRW is infinite when the event's removal makes the target impossible."""
    from blackstart.engine.importance import modular_importance

    [(name, top)] = tree.targets([target])
    compiled = exact_probability(tree.tree, top)
    if any(b is None for b in compiled.bdds):
        raise UsageError(
            f"no BDD of '{name}' fits (its exact probability came from a sentential "
            "decision diagram): importance measures need the BDD",
            suggestion="run `blackstart probability` for its exact probability",
        )
    res = modular_importance(compiled)
    rows: list[dict[str, Any]] = []
    for i in [i for i, kept in enumerate(res.in_support.tolist()) if kept]:
        e = res.event(i)
        rows.append(
            {
                "event": tree.event_name(i),
                "probability": e.probability,
                "birnbaum": e.birnbaum,
                "fussell_vesely": e.fussell_vesely,
                "criticality": e.criticality,
                "raw": e.raw,
                "rrw": None if math.isinf(e.rrw) else e.rrw,
                "rrw_infinite": math.isinf(e.rrw),
            }
        )
    rows.sort(key=lambda r: (-r["fussell_vesely"], -r["birnbaum"], r["event"]))
    return {"source": tree.source, "target": name, "probability": res.p_top, "events": rows}
