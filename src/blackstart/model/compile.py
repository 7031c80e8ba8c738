"""Compile a validated :class:`~blackstart.model.model.Model` into a CompiledGraph.

Owns the translation from named, up-space requirements to the integer, failure-space
DAG of :mod:`blackstart.engine.graph`:

- a provider is a leaf; a site is down when it or its operating provider fails;
- a function with places of delivery gets one node per place (``function:F@P``, down
  when site ``P`` is down or its requirement bound at ``P`` fails, see
  :mod:`blackstart.model.places`), and its own node is the OR of them: down when not
  delivered everywhere; a model without places compiles exactly as before;
- a component is down when it fails, its site or provider is down, or its
  requirement fails; a function is down when its requirement fails;
- up-space ``at least k of n`` becomes failure-space ``at least n-k+1 of n`` down
  (``all_of`` → OR, ``any_of`` → AND); nested gates of the same operator are merged.

Complexity: O(nodes + edges) Python work for the translation, then vectorised level
computation (one ``maximum.reduceat`` pass per level) and a stable sort by
(level, operator).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Protocol

import numpy as np

from blackstart.engine.graph import (
    AND,
    AT_PLACE,
    ATLEAST,
    COMPONENT,
    FUNCTION,
    GATE,
    LEAF,
    OR,
    PROVIDER,
    SITE,
    CompiledGraph,
)
from blackstart.model.model import Model
from blackstart.model.places import at, bind, delivery
from blackstart.model.requirements import Gate, Ref, Requirement


class _Builder:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.kind: list[int] = []
        self.op: list[int] = []
        self.thr: list[int] = []
        self.children: list[list[int]] = []
        self.ids: dict[str, int] = {}

    def add(self, name: str, kind: int) -> int:
        v = len(self.names)
        self.names.append(name)
        self.kind.append(kind)
        self.op.append(LEAF)
        self.thr.append(0)
        self.children.append([])
        self.ids[name] = v
        return v

    def set_gate(self, v: int, children: list[int], down_k: int) -> None:
        n = len(children)
        if n == 0:
            return
        self.children[v] = children
        self.thr[v] = down_k
        self.op[v] = OR if down_k == 1 else AND if down_k == n else ATLEAST

    def lower(self, req: Requirement, owner: str) -> int:
        """Node id standing for ``req`` in failure space (a ref, or a new gate)."""
        if isinstance(req, Ref):
            return self.ids[req.name]
        children = self.gate_children(req, owner)
        if len(children) == 1:
            return children[0]
        gate = self.add(f"{owner}#{req.op}{len(self.names)}", GATE)
        op = _failure_op(req)
        down_k = 1 if op == OR else len(children) if op == AND else len(req.items) - req.k + 1
        self.set_gate(gate, children, down_k)
        return gate

    def gate_children(self, gate: Gate, owner: str) -> list[int]:
        """Children of ``gate``, merging nested gates of the same pure operator."""
        op = _failure_op(gate)
        out: list[int] = []
        for item in gate.items:
            if isinstance(item, Gate) and op != ATLEAST and _failure_op(item) == op:
                out.extend(self.gate_children(item, owner))
            else:
                out.append(self.lower(item, owner))
        return out


def _failure_op(gate: Gate) -> int:
    """OR for all-of (any item down brings it down), AND for any-of, else ATLEAST."""
    n = len(gate.items)
    if gate.k == n:
        return OR
    if gate.k == 1:
        return AND
    return ATLEAST


class GraphStore(Protocol):
    """Where a model's compiled graph may already be kept (the compiled-model cache)."""

    def load(self) -> CompiledGraph | None:
        """The stored graph, or ``None``."""

    def save(self, graph: CompiledGraph) -> None:
        """Keep ``graph`` for the next process."""


_memo: dict[int, tuple[weakref.ref[Model], GraphStore | None, CompiledGraph | None]] = {}


def _forgetter(key: int) -> Callable[[weakref.ref[Model]], None]:
    def forget(_ref: weakref.ref[Model]) -> None:
        _memo.pop(key, None)

    return forget


def attach_store(model: Model, store: GraphStore) -> None:
    """Let :func:`compile_model` take ``model``'s graph from ``store`` (and save it there)."""
    _memo[id(model)] = (weakref.ref(model, _forgetter(id(model))), store, None)


def compile_model(model: Model) -> CompiledGraph:
    """Compile the model into the failure-logic DAG used by every analysis.

    The graph is immutable, so it is made once per model object (and taken from the
    compiled-model cache when the model came from there)."""
    key = id(model)
    known = _memo.get(key)
    if known is not None and known[0]() is model:
        ref, store, graph = known
        if graph is None:
            graph = store.load() if store is not None else None
            if graph is None:
                graph = _compile(model)
                if store is not None:
                    store.save(graph)
            _memo[key] = (ref, store, graph)
        return graph
    graph = _compile(model)
    _memo[key] = (weakref.ref(model, _forgetter(key)), None, graph)
    return graph


def _compile(model: Model) -> CompiledGraph:
    b = _Builder()
    for pid in model.providers:
        b.add(f"provider:{pid}", PROVIDER)
    for sid in model.sites:
        b.add(f"site:{sid}", SITE)
    for cid in model.components:
        b.add(f"component:{cid}", COMPONENT)
    for fid in model.functions:
        b.add(f"function:{fid}", FUNCTION)
    # requirements name components or functions by bare id
    for cid in model.components:
        b.ids[cid] = b.ids[f"component:{cid}"]
    for fid in model.functions:
        b.ids[fid] = b.ids[f"function:{fid}"]

    for sid, site in model.sites.items():
        if site.provider is not None:
            b.set_gate(b.ids[f"site:{sid}"], [b.ids[f"provider:{site.provider}"]], 1)
    for cid, comp in model.components.items():
        label = f"component:{cid}"
        children = []
        if comp.site is not None:
            children.append(b.ids[f"site:{comp.site}"])
        if comp.provider is not None:
            children.append(b.ids[f"provider:{comp.provider}"])
        children.extend(_top(b, model.requirements.get(cid), label))
        b.set_gate(b.ids[label], children, 1)
    for fid, place in delivery(model.places):
        b.ids[at(fid, place)] = b.add(f"function:{at(fid, place)}", AT_PLACE)
    for fid in model.functions:
        label = f"function:{fid}"
        req = model.requirements.get(fid)
        if fid not in model.places:
            b.set_gate(b.ids[label], _top(b, req, label), 1)
            continue
        # down at a place when its site is down or its requirement there fails; down
        # (not delivered everywhere) when down at some place
        for place in model.places[fid]:
            here = f"function:{at(fid, place)}"
            kids = [b.ids[f"site:{place}"], *_top(b, bind(req, place, model.places), here)]
            b.set_gate(b.ids[here], kids, 1)
        b.set_gate(b.ids[label], [b.ids[at(fid, p)] for p in model.places[fid]], 1)
    return _freeze(b, model.hash, {f: tuple(ps) for f, ps in model.places.items()})


def _top(b: _Builder, req: Requirement | None, owner: str) -> list[int]:
    """Children of an entity's own OR node for its requirement (all_of is spliced)."""
    if req is None:
        return []
    if isinstance(req, Gate) and _failure_op(req) == OR:
        return b.gate_children(req, owner)
    return [b.lower(req, owner)]


def _freeze(
    b: _Builder, model_hash: str, places: dict[str, tuple[str, ...]] | None = None
) -> CompiledGraph:
    n = len(b.names)
    counts = np.fromiter((len(c) for c in b.children), dtype=np.int64, count=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    idx = np.fromiter((c for ch in b.children for c in ch), dtype=np.int64, count=int(ptr[-1]))
    op = np.asarray(b.op, dtype=np.int8)

    # level = 1 + max(level of children); relax once per level of the DAG
    level = np.zeros(n, dtype=np.int64)
    inner = np.flatnonzero(counts > 0)
    starts = ptr[inner]
    while True:
        new = np.maximum.reduceat(level[idx], starts) + 1 if len(inner) else starts
        if np.array_equal(new, level[inner]):
            break
        level[inner] = new

    order = np.lexsort((op, level))
    new_id = np.empty(n, dtype=np.int64)
    new_id[order] = np.arange(n)
    new_counts = counts[order]
    new_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(new_counts, out=new_ptr[1:])
    edge_src = np.repeat(ptr[order] - new_ptr[:-1], new_counts) + np.arange(int(new_ptr[-1]))
    new_idx = new_id[idx[edge_src]].astype(np.int32)
    lv, ops = level[order], op[order]
    cuts = np.flatnonzero((np.diff(lv) != 0) | (np.diff(ops) != 0)) + 1
    bounds = [0, *cuts.tolist(), n]
    groups = tuple((s, e, int(ops[s])) for s, e in itertools.pairwise(bounds) if ops[s] != LEAF)
    names = tuple(b.names[o] for o in order.tolist())
    return CompiledGraph(
        names=names,
        kind=np.asarray(b.kind, dtype=np.uint8)[order],
        threshold=np.asarray(b.thr, dtype=np.int32)[order],
        child_ptr=new_ptr,
        child_idx=new_idx,
        level=lv.astype(np.int32),
        groups=groups,
        model_hash=model_hash,
        places=places or {},
    )
