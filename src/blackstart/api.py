"""The Python API: load, compile and analyse. Every front end is a thin shell over it.

Owns the translation between names and the engine's node ids, provenance, and the
JSON-ready result payloads (the CLI's ``--json`` output *is* these dictionaries).

>>> import blackstart.api as bs
>>> model = bs.load(bs.example_path())
>>> report = bs.impact(model, scenario="colo-power-cut")
>>> "lab-results" in [f.id for f in report.functions_down]
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from blackstart import __version__
from blackstart.engine.graph import (
    AT_PLACE,
    COMPONENT,
    FUNCTION,
    GATE,
    PROVIDER,
    SITE,
    CompiledGraph,
)
from blackstart.engine.impact import ImpactResult
from blackstart.engine.impact import impact as _impact
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.compile import compile_model
from blackstart.model.load import Progress, build, collect, load_data, load_model
from blackstart.model.model import FAILABLE, ElementRef, Model, parse_ref
from blackstart.model.schema import TIERS, json_schema

__all__ = [
    "ImpactReport",
    "compile_model",
    "example_path",
    "impact",
    "json_schema",
    "load",
    "load_data",
    "show",
]

_TIER_RANK: dict[str, int] = {t: i for i, t in enumerate(TIERS)}


def example_path() -> Path:
    """Path of the bundled example model (the hospital group of the seed incident)."""
    return Path(str(resources.files("blackstart") / "examples" / "hospital-group"))


def load(
    path: str | Path,
    *,
    cache: bool | None = None,
    on_progress: Progress | None = None,
    background: bool = False,
) -> Model:
    """Load and validate a model file or directory (raises ``ModelError``).

    With ``cache`` (default: on in the command line, off in the Python API; see
    :mod:`blackstart.model.cache`), an unchanged model is taken from the compiled-model
    cache; with ``background``, a new entry is written by a child process.
    ``on_progress(what, done, total)`` follows the reading of the files."""
    from blackstart.model import cache as model_cache

    if cache if cache is not None else model_cache.enabled():
        return model_cache.load(path, on_progress=on_progress, background=background)
    if on_progress is None:
        return load_model(path)
    sources, problems = collect(Path(path), on_progress=on_progress)
    on_progress("validating", 0, 0)
    return build(sources, problems)


def display(label: str) -> str:
    """User-facing name of a node label: components and functions bare, others typed."""
    kind, _, name = label.partition(":")
    return name if kind in ("component", "function") else label


def provenance(model: Model, timings: dict[str, float], **settings: Any) -> dict[str, Any]:
    """Who computed what from which model: version, model hash, settings, timings."""
    return {
        "blackstart": __version__,
        "model": model.name,
        "model_hash": model.hash,
        "sources": list(model.sources),
        "settings": settings,
        "timings_s": {k: round(v, 6) for k, v in timings.items()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class Down:
    """One element that is down, with its causes and one shortest causal chain."""

    id: str
    causes: tuple[str, ...]
    chain: tuple[str, ...]
    kind: str | None = None
    tier: str | None = None
    name: str | None = None
    site: str | None = None
    establishment: str | None = None
    patient_safety: bool = False
    rto_s: float | None = None
    delivered_at: tuple[str, ...] | None = None
    """A function's places of delivery (``None`` when it names none)."""
    down_at: tuple[str, ...] | None = None
    """The places where the function is not delivered (``None`` without places)."""

    @property
    def partial(self) -> bool:
        """Down at some of its places of delivery, up at the others."""
        return self.down_at is not None and len(self.down_at) < len(self.delivered_at or ())

    def where(self) -> str:
        """``down at hospital-west (1 of 5)``, or ``down everywhere`` / ``down``."""
        if self.down_at is None or self.delivered_at is None:
            return "down"
        if not self.partial:
            return f"down everywhere ({len(self.delivered_at)} of {len(self.delivered_at)})"
        return (
            f"down at {', '.join(self.down_at)} ({len(self.down_at)} of {len(self.delivered_at)})"
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "causes": list(self.causes), "chain": list(self.chain)}
        if self.tier is not None:
            d.update(
                tier=self.tier, name=self.name, patient_safety=self.patient_safety, rto_s=self.rto_s
            )
            if self.establishment is not None:
                d["establishment"] = self.establishment
            if self.delivered_at is not None:
                d.update(
                    delivered_at=list(self.delivered_at),
                    down_at=list(self.down_at or ()),
                    partial=self.partial,
                )
        else:
            d.update(kind=self.kind, site=self.site)
        return d


@dataclass(frozen=True)
class ImpactReport:
    """Everything down for a set of failures, and everything still up."""

    failed: tuple[str, ...]
    functions_down: tuple[Down, ...]
    functions_up: tuple[str, ...]
    components_down: tuple[Down, ...]
    sites_down: tuple[str, ...]
    providers_down: tuple[str, ...]
    scenario: str | None
    provenance: dict[str, Any] = field(default_factory=dict)
    places_hit: dict[str, dict[str, int]] | None = None
    """In a model with places of delivery: per place, the functions not delivered there
    by tier (every place, hit or not); ``None`` in a model without places."""
    warnings: tuple[str, ...] = ()
    """E.g. the status page goes down with the failure (the model's ``status_page:``)."""

    def establishments_hit(self) -> dict[str, dict[str, int]]:
        """In a regional model (functions naming their ``establishment``): per
        establishment hit, its functions down by tier; empty otherwise."""
        out: dict[str, dict[str, int]] = {}
        for f in self.functions_down:
            if f.establishment is not None:
                row = out.setdefault(f.establishment, {t: 0 for t in TIERS})
                row[f.tier or "administrative"] += 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready payload (the ``--json`` output and the web API body)."""
        by_tier = {t: sum(1 for f in self.functions_down if f.tier == t) for t in TIERS}
        extra: dict[str, Any] = {}
        if any(f.establishment is not None for f in self.functions_down):
            extra["establishments_hit"] = self.establishments_hit()
        places: dict[str, Any] = {}
        if self.places_hit is not None:
            places["functions_partial"] = sum(1 for f in self.functions_down if f.partial)
            extra["places_hit"] = self.places_hit
        return {
            "scenario": self.scenario,
            "failed": list(self.failed),
            "summary": {
                "functions_down": len(self.functions_down),
                "functions_up": len(self.functions_up),
                "functions_down_by_tier": by_tier,
                "patient_safety_down": sum(1 for f in self.functions_down if f.patient_safety),
                "components_down": len(self.components_down),
                "sites_down": len(self.sites_down),
                "providers_down": len(self.providers_down),
                **places,
            },
            "functions_down": [f.to_dict() for f in self.functions_down],
            "functions_up": list(self.functions_up),
            "components_down": [c.to_dict() for c in self.components_down],
            "sites_down": list(self.sites_down),
            "providers_down": list(self.providers_down),
            **extra,
            "warnings": list(self.warnings),
            "provenance": self.provenance,
        }


def status_page_warnings(model: Model, components_down: set[str]) -> tuple[str, ...]:
    """A warning when the failure takes down a component the status page runs on."""
    page = model.status_page
    if page is None:
        return ()
    hit = [c for c in page.components if c in components_down]
    if not hit:
        return ()
    return (
        "the status page goes down too: it runs on "
        + ", ".join(hit)
        + " — publish it off-site (blackstart status publish --to DIR|sftp://…, "
        "or serve --publish-to)",
    )


def resolve_refs(model: Model, refs: list[str]) -> list[ElementRef]:
    """Parse and check ``kind:name`` references; :class:`UsageError` with a suggestion."""
    out = []
    for text in refs:
        try:
            ref = parse_ref(text)
        except ValueError as exc:
            bare = text.strip()
            hint = next(
                (f"did you mean '{k}:{bare}'?" for k in FAILABLE if bare in model.names(k)), None
            )
            raise UsageError(str(exc), suggestion=hint) from None
        if ref.kind not in FAILABLE:
            raise UsageError(f"'{text}': only sites, providers and components can fail")
        if not model.exists(ref):
            hint = did_you_mean(ref.name, model.names(ref.kind))
            raise UsageError(f"no {ref.kind} '{ref.name}' in model '{model.name}'", suggestion=hint)
        out.append(ref)
    return out


def impact(
    model: Model,
    *,
    fail: list[str] | None = None,
    scenario: str | None = None,
    graph: CompiledGraph | None = None,
) -> ImpactReport:
    """What goes down when ``fail`` (``site:X``, ``provider:Y``, ``component:Z``) fail,
    or when the named scenario's failures happen; and why."""
    timings: dict[str, float] = {}
    refs = list(fail or [])
    if scenario is not None:
        if scenario not in model.scenarios:
            raise UsageError(
                f"no scenario '{scenario}' in model '{model.name}'",
                suggestion=did_you_mean(scenario, list(model.scenarios))
                or (
                    "scenarios: " + ", ".join(model.scenarios)
                    if model.scenarios
                    else "the model defines no scenario"
                ),
            )
        refs = [*model.scenarios[scenario].fail, *refs]
    if not refs:
        raise UsageError("nothing fails", suggestion="give --fail site:NAME or --scenario NAME")
    parsed = resolve_refs(model, refs)
    if graph is None:
        t = time.perf_counter()
        graph = compile_model(model)
        timings["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    result = _impact(graph, [graph.index[str(r)] for r in parsed])
    report = _report(model, graph, result, scenario)
    timings["impact"] = time.perf_counter() - t
    return ImpactReport(
        **{
            **report.__dict__,
            "provenance": provenance(
                model, timings, failed=[str(r) for r in parsed], scenario=scenario
            ),
            "warnings": status_page_warnings(model, {c.id for c in report.components_down}),
        }
    )


class _Explainer:
    """Causes and causal chain of down nodes, as names; the same answers as
    :meth:`ImpactResult.causes` and :meth:`ImpactResult.chain`, memoised: nodes share
    cause sets and chain suffixes, so a site failure taking thousands of components down
    is explained in one pass over plain lists rather than per-node array walks."""

    def __init__(self, graph: CompiledGraph, result: ImpactResult) -> None:
        self.names = graph.names
        self.failed = list(result.failed)
        self.pred: list[int] = result.predecessor.tolist()
        self.is_gate: list[bool] = ((graph.kind == GATE) | (graph.kind == AT_PLACE)).tolist()
        self.bits: list[list[int]] = result.cause_bits.tolist()
        self.causes: dict[tuple[int, ...], tuple[str, ...]] = {}
        self.chains: dict[int, tuple[str, ...]] = {}

    def _causes(self, v: int) -> tuple[str, ...]:
        key = tuple(self.bits[v])
        found = self.causes.get(key)
        if found is None:
            ids = []
            for w, word in enumerate(key):
                while word:
                    low = word & -word
                    ids.append(self.failed[w * 64 + low.bit_length() - 1])
                    word ^= low
            found = self.causes[key] = tuple(sorted(self.names[c] for c in ids))
        return found

    def _chain(self, v: int) -> tuple[str, ...]:
        stack = []
        u = v
        while u not in self.chains:
            stack.append(u)
            if self.pred[u] < 0:
                break
            u = self.pred[u]
        tail = self.chains.get(u, ())
        if stack and stack[-1] == u:  # reached the failed node: its chain is itself
            stack.pop()
            tail = () if self.is_gate[u] else (display(self.names[u]),)
            self.chains[u] = tail
        while stack:
            w = stack.pop()
            if not self.is_gate[w]:
                tail = (display(self.names[w]), *tail)
            self.chains[w] = tail
        return self.chains[v]

    def __call__(self, v: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self._causes(v), self._chain(v)


def _report(
    model: Model, graph: CompiledGraph, result: ImpactResult, scenario: str | None
) -> ImpactReport:
    names = graph.names
    explain = _Explainer(graph, result)

    functions_down = []
    for v in result.down_nodes(FUNCTION, graph).tolist():
        fid = display(names[v])
        fn = model.functions[fid]
        causes, chain = explain(v)
        delivered_at = down_at = None
        if fid in graph.places:
            nodes = graph.place_nodes(fid)
            delivered_at = tuple(nodes)
            down_at = tuple(p for p, u in nodes.items() if result.down[u])
        functions_down.append(
            Down(
                fid,
                causes,
                chain,
                tier=fn.tier,
                name=fn.name,
                patient_safety=fn.patient_safety,
                rto_s=fn.rto,
                establishment=fn.establishment,
                delivered_at=delivered_at,
                down_at=down_at,
            )
        )
    functions_down.sort(
        key=lambda d: (_TIER_RANK[d.tier or "administrative"], not d.patient_safety, d.id)
    )
    down_ids = {d.id for d in functions_down}
    functions_up = tuple(
        sorted(
            (f for f in model.functions if f not in down_ids),
            key=lambda f: (_TIER_RANK[model.functions[f].tier], f),
        )
    )
    components_down = []
    for v in result.down_nodes(COMPONENT, graph).tolist():
        cid = display(names[v])
        comp = model.components[cid]
        causes, chain = explain(v)
        components_down.append(Down(cid, causes, chain, kind=comp.kind, site=comp.site))
    components_down.sort(key=lambda d: d.id)
    return ImpactReport(
        failed=tuple(names[v] for v in result.failed),
        functions_down=tuple(functions_down),
        functions_up=functions_up,
        components_down=tuple(components_down),
        sites_down=tuple(
            sorted(names[v].partition(":")[2] for v in result.down_nodes(SITE, graph).tolist())
        ),
        providers_down=tuple(
            sorted(names[v].partition(":")[2] for v in result.down_nodes(PROVIDER, graph).tolist())
        ),
        scenario=scenario,
        places_hit=_places_hit(model, functions_down) if graph.places else None,
    )


def _places_hit(model: Model, functions_down: list[Down]) -> dict[str, dict[str, int]]:
    """Per place of delivery (in model order), the functions not delivered there by tier."""
    places = dict.fromkeys(p for ps in model.places.values() for p in ps)
    out: dict[str, dict[str, int]] = {p: {str(t): 0 for t in TIERS} for p in places}
    for f in functions_down:
        for p in f.down_at or ():
            out[p][f.tier or "administrative"] += 1
    return out


def show(model: Model) -> dict[str, Any]:
    """Summary of a model: counts by kind, functions by tier, what each site and
    provider hosts (directly, or through the sites it operates)."""
    kinds: dict[str, int] = {}
    for comp in model.components.values():
        kinds[comp.kind] = kinds.get(comp.kind, 0) + 1
    hosted = model.hosted()
    by_provider: dict[str, dict[str, Any]] = {}
    for pid, prov in model.providers.items():
        operated = [s for s, site in model.sites.items() if site.provider == pid]
        tenant_of = [s for s, site in model.sites.items() if pid in site.shared_with]
        direct = [c for c, comp in model.components.items() if comp.provider == pid]
        by_provider[pid] = {
            "kind": prov.kind,
            "owner": prov.owner,
            "jurisdiction": prov.jurisdiction,
            "operates_sites": operated,
            "tenant_of_sites": tenant_of,
            "components": sorted(direct + [c for s in operated for c in hosted[s]]),
        }
    return {
        "name": model.name,
        "description": model.description,
        "counts": {
            "providers": len(model.providers),
            "sites": len(model.sites),
            "components": len(model.components),
            "functions": len(model.functions),
            "teams": len(model.teams),
            "scenarios": len(model.scenarios),
        },
        "components_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "functions_by_tier": {
            t: sorted(f for f, fn in model.functions.items() if fn.tier == t) for t in TIERS
        },
        "sites": {
            sid: {
                "kind": site.kind,
                "provider": site.provider,
                "shared_with": list(site.shared_with),
                "components": sorted(hosted[sid]),
            }
            for sid, site in model.sites.items()
        },
        "providers": by_provider,
        **({"places": {f: list(ps) for f, ps in model.places.items()}} if model.places else {}),
        "scenarios": list(model.scenarios),
        "provenance": provenance(model, {}),
    }
