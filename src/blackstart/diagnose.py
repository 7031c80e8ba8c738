"""The Python API of diagnosis: from what is seen down and up to ranked root causes.

Owns the named side of :mod:`blackstart.engine.diagnose`: the observation references
(one parser, :func:`parse_observation`, resolved to compiled node ids by
:func:`observation_node`), the prior of every candidate root failure, the JSON-ready
payload of ``blackstart diagnose --json`` and the questions to ask next.

Priors (probability that the element is failed at a given moment, i.e. its steady-state
unavailability; Barlow & Proschan, *Statistical Theory of Reliability and Life Testing*,
1975): the element's ``failure.probability``, else ``MTTR / (MTBF + MTTR)`` from its
``failure`` data, else a default for its kind (:data:`COMPONENT_DEFAULTS`,
:data:`SITE_DEFAULTS`, :data:`PROVIDER_DEFAULTS`: orders of magnitude, one failure a year
or less, repaired in hours). Sites and providers are candidates of their own: they are
the common causes, failing everything they host or operate at once.

>>> from blackstart import api
>>> model = api.load(api.example_path())
>>> report = diagnose(model, down=["function:lab-results", "function:messaging"])
>>> report.to_dict()["hypotheses"][0]["failed"] != []
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from blackstart.api import provenance
from blackstart.engine.checks import next_checks
from blackstart.engine.diagnose import Diagnosis
from blackstart.engine.diagnose import diagnose as _diagnose
from blackstart.engine.graph import COMPONENT, PROVIDER, SITE, CompiledGraph
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.compile import compile_model
from blackstart.model.model import Model, RefKind, parse_ref
from blackstart.model.places import AT, split_at
from blackstart.model.schema import Failure

DEFAULT_FALSE_ALARM = 0.001
"""Probability that a monitored component that is up alerts (a spurious alert)."""
DEFAULT_MISSED = 0.5
"""Probability that a monitored component that is down sends no alert (a missing alert)."""
DEFAULT_REPORT_ERROR = 0.01
"""Probability that a person's report (a ward's call about a function, a provider's word
about a site, someone seeing a component up) is wrong, either way."""
MONITORED = ("model", "all", "none")
"""Which components' silence counts as a (weak) sign they are up: those with a
``monitoring:`` block, every component, or none."""
DEFAULT_CHECK_ERROR = 0.02
"""Probability that the answer to a check is wrong."""

COMPONENT_DEFAULTS: dict[str, float] = {
    "power": 2e-4, "ups": 2e-4, "generator": 1e-3, "cooling": 3e-4, "network": 3e-4,
    "link": 1e-3, "switch": 2e-4, "router": 2e-4, "firewall": 2e-4, "dns": 2e-4,
    "storage": 2e-4, "backup": 1e-3, "compute": 5e-4, "cluster": 2e-4, "vm": 5e-4,
    "container": 1e-3, "database": 5e-4, "directory": 3e-4, "middleware": 5e-4,
    "application": 1e-3, "saas": 5e-4, "messaging": 5e-4, "pbx": 3e-4, "telephony": 3e-4,
    "endpoint": 1e-3, "other": 1e-3,
}  # fmt: skip
"""Default unavailability of a component without failure data, per kind."""
SITE_DEFAULTS: dict[str, float] = {
    "datacenter": 1e-4, "colocation": 1e-4, "hospital": 2e-4, "telecom-room": 3e-4,
    "office": 3e-4, "cloud-region": 5e-5, "other": 2e-4,
}  # fmt: skip
"""Default unavailability of a whole site (power, access, fire), per kind."""
PROVIDER_DEFAULTS: dict[str, float] = {
    "colocation": 5e-5, "cloud": 1e-4, "telecom": 3e-4, "software": 2e-4, "saas": 3e-4,
    "energy": 2e-4, "hardware": 1e-4, "service": 2e-4, "other": 2e-4,
}  # fmt: skip
"""Default unavailability of a provider as a whole, per kind."""

FAILABLE_AND_FUNCTION: tuple[RefKind, ...] = ("function", "component", "site", "provider")
"""The kinds of element an observation can name."""


def parse_observation(model: Model, text: str) -> str:
    """Parse one observation reference and check it names an element of the model;
    :class:`UsageError` (with a did-you-mean) otherwise. Returns the compiled node label.

    ``function:ID``, ``component:ID``, ``site:ID``, ``provider:ID``, and
    ``function:ID@PLACE`` for a function at one of its places of delivery (a ward's call:
    "lab results down at hospital-west"). For a function with places, ``function:ID``
    without a place is the function as a whole, which is down when it is down at *some*
    place: "lab results down" with the hospital not said. Seen *up* it says the function
    works everywhere — a report from one ward should name its place instead.
    """
    raw = text.strip()
    body, place = split_at(raw)
    try:
        ref = parse_ref(body)
    except ValueError:
        hint: str | None = next(
            (f"did you mean '{k}:{raw}'?" for k in FAILABLE_AND_FUNCTION if body in model.names(k)),
            "write function:ID, function:ID@PLACE, component:ID, site:ID or provider:ID",
        )
        raise UsageError(f"'{text}' is not a reference", suggestion=hint) from None
    if not model.exists(ref):
        hint = did_you_mean(ref.name, model.names(ref.kind))
        raise UsageError(f"no {ref.kind} '{ref.name}' in model '{model.name}'", suggestion=hint)
    if place is None:
        return str(ref)
    if ref.kind != "function":
        raise UsageError(
            f"'{text}': only a function is observed at a place",
            suggestion=f"observe {ref} itself, or the function delivered there as "
            "function:ID@PLACE",
        )
    places = model.places.get(ref.name, ())
    if not places:
        raise UsageError(
            f"'{text}': function '{ref.name}' has no places of delivery",
            suggestion=f"observe the function as a whole: {ref}",
        )
    if place not in places:
        hint = did_you_mean(place, list(places))
        raise UsageError(
            f"function '{ref.name}' is not delivered at '{place}'",
            suggestion=(f"{hint} " if hint else "")
            + f"({ref.name} is delivered at {', '.join(places)})",
        )
    return f"{ref}{AT}{place}"


def places_of(model: Model, ref: str) -> tuple[str, ...]:
    """The places of delivery an observation of ``ref`` (``function:ID``) can name; empty
    for another kind of element or a function without places."""
    kind, _, name = ref.partition(":")
    return model.places.get(name, ()) if kind == "function" else ()


def observation_node(model: Model, graph: CompiledGraph, text: str) -> int:
    """Compiled node id of an observation reference (see :func:`parse_observation`)."""
    return graph.index[parse_observation(model, text)]


def _from_failure(failure: Failure | None) -> float | None:
    if failure is None:
        return None
    if failure.probability is not None:
        return failure.probability
    if failure.mtbf is not None and failure.mttr is not None:
        return failure.mttr / (failure.mtbf + failure.mttr)
    return None


def prior(model: Model, ref: str) -> float:
    """Prior probability that ``ref`` (a site, provider or component) has failed."""
    kind, _, name = ref.partition(":")
    if kind == "component":
        comp = model.components[name]
        p = _from_failure(comp.failure)
        return p if p is not None else COMPONENT_DEFAULTS.get(comp.kind, 1e-3)
    if kind == "site":
        site = model.sites[name]
        p = _from_failure(site.failure)
        return p if p is not None else SITE_DEFAULTS.get(site.kind, 2e-4)
    prov = model.providers[name]
    p = _from_failure(prov.failure)
    return p if p is not None else PROVIDER_DEFAULTS.get(prov.kind, 2e-4)


DEFAULT_REPAIR_S = 4 * 3600.0
"""Expected time to repair a failure without MTTR data (declaring from a hypothesis)."""


def expected_repair_s(model: Model, refs: list[str]) -> float:
    """When the root failures of a hypothesis are expected to end, in seconds from now:
    the longest MTTR among them, :data:`DEFAULT_REPAIR_S` for those without one."""
    out = 0.0
    for ref in refs:
        kind, _, name = ref.partition(":")
        table: dict[str, Any] = {"component": model.components, "site": model.sites,
                                 "provider": model.providers}  # fmt: skip
        failure = getattr(table[kind][name], "failure", None) if kind in table else None
        mttr = failure.mttr if failure is not None else None
        out = max(out, mttr if mttr is not None else DEFAULT_REPAIR_S)
    return out


def candidates(model: Model, graph: CompiledGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node ids of every site, provider and component, and their priors (computed once
    per compiled graph and model version, memoised on the graph)."""
    key = f"diagnose_candidates:{model.hash}"
    cached = graph._cache.get(key)
    if cached is None:
        ids = np.flatnonzero(np.isin(graph.kind, (PROVIDER, SITE, COMPONENT)))
        by_label: dict[str, float] = {}
        for cid, comp in model.components.items():
            p = _from_failure(comp.failure) if comp.failure is not None else None
            by_label["component:" + cid] = (
                p if p is not None else COMPONENT_DEFAULTS.get(comp.kind, 1e-3)
            )
        names = graph.names
        priors = np.fromiter(
            (by_label.get(names[v]) or prior(model, names[v]) for v in ids.tolist()),
            np.float64,
            len(ids),
        )
        cached = graph._cache[key] = (ids, priors)
    return cached  # type: ignore[return-value]


def _monitored(model: Model, which: str) -> list[str]:
    if which == "all":
        return list(model.components)
    if which == "none":
        return []
    return [c for c, comp in model.components.items() if comp.monitoring is not None]


@dataclass(frozen=True)
class DiagnosisReport:
    """Ranked hypotheses, questions to ask next, and how the search went."""

    model: Model
    graph: CompiledGraph
    result: Diagnosis
    down: tuple[str, ...]
    up: tuple[str, ...]
    checks: tuple[dict[str, Any], ...]
    top: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def hypotheses(self) -> list[dict[str, Any]]:
        """Most probable first: ``failed`` (REFs as ``impact --fail`` takes them),
        ``probability``, ``explains``, ``unexplained``, ``contradicts`` (REFs seen up
        that it brings down), and ``silent``: how many monitored components it brings
        down that sent no alert."""
        names = self.graph.names
        seen_up = set(self.up)
        out = []
        for h in self.result.hypotheses[: self.top]:
            contradicts = [names[v] for v in h.contradicts]
            out.append(
                {
                    "failed": [names[v] for v in h.failed],
                    "probability": h.probability,
                    "explains": [names[v] for v in h.explains],
                    "unexplained": [names[v] for v in h.unexplained],
                    "contradicts": [r for r in contradicts if r in seen_up],
                    "silent": sum(1 for r in contradicts if r not in seen_up),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready payload (``blackstart diagnose --json``)."""
        r = self.result
        return {
            "observations": {"down": list(self.down), "up": list(self.up)},
            "hypotheses": self.hypotheses(),
            "checks": list(self.checks),
            "search": {
                "candidates": r.candidates,
                "evaluated": r.evaluated,
                "exhaustive": r.exhaustive,
                "subgraph_nodes": r.subgraph_nodes,
                "normalisation": "posterior probabilities sum to 1 over the hypotheses "
                "evaluated: sets of at most max_failures candidates whose dependency cone "
                "holds an element seen down",
            },
            "provenance": self.provenance,
        }


def diagnose(
    model: Model,
    *,
    down: list[str],
    up: list[str] | None = None,
    false_alarm: float = DEFAULT_FALSE_ALARM,
    missed: float = DEFAULT_MISSED,
    report_error: float = DEFAULT_REPORT_ERROR,
    monitored: str = "model",
    max_failures: int = 3,
    top: int = 10,
    checks: int = 5,
    check_error: float = DEFAULT_CHECK_ERROR,
    graph: CompiledGraph | None = None,
) -> DiagnosisReport:
    """Rank the sets of at most ``max_failures`` root failures that explain the elements
    seen ``down`` and ``up`` (REFs), and say what to check next.

    A component seen down is an alert (wrong with ``false_alarm``); any other report is a
    person's (wrong with ``report_error``). A monitored component (see :data:`MONITORED`)
    that does not alert is seen up, weakly: it may be down with its alert ``missed``."""
    timings: dict[str, float] = {}
    up = list(up or [])
    if not down:
        raise UsageError("nothing is seen down", suggestion="give --down REF (repeatable)")
    for what, rate in (("--false-alarm", false_alarm), ("--missed", missed),
                       ("--report-error", report_error), ("check error", check_error)):  # fmt: skip
        if not 0.0 < rate < 0.5 and not (what == "--missed" and 0.0 < rate < 1.0):
            raise UsageError(f"{what} {rate} is not a rate", suggestion="a number in (0, 0.5)")
    if false_alarm + missed >= 1.0:
        raise UsageError("--false-alarm + --missed must stay below 1",
                         suggestion="an alert must say more about down than about up")  # fmt: skip
    if monitored not in MONITORED:
        raise UsageError(f"--monitored {monitored!r}?", suggestion="one of " + ", ".join(MONITORED))
    if max_failures < 1:
        raise UsageError("--max-failures must be at least 1")
    if graph is None:
        t = time.perf_counter()
        graph = compile_model(model)
        timings["compile"] = time.perf_counter() - t
    down_refs = list(dict.fromkeys(parse_observation(model, x) for x in down))
    up_refs = list(dict.fromkeys(parse_observation(model, x) for x in up))
    both = sorted(set(down_refs) & set(up_refs))
    if both:
        raise UsageError(f"{both[0]} is given both down and up", suggestion="keep one")
    t = time.perf_counter()
    ids, priors = candidates(model, graph)
    silent = [f"component:{c}" for c in _monitored(model, monitored)]
    observed = set(down_refs) | set(up_refs)
    silent = [r for r in silent if r not in observed]
    alert = [r.startswith("component:") for r in down_refs]
    alpha = [false_alarm if a else report_error for a in alert]
    alpha += [report_error] * len(up_refs) + [false_alarm] * len(silent)
    beta = [missed if a else report_error for a in alert]
    beta += [report_error] * len(up_refs) + [missed] * len(silent)
    result = _diagnose(
        graph,
        ids,
        priors,
        down=[graph.index[r] for r in down_refs],
        up=[graph.index[r] for r in up_refs + silent],
        false_alarm=alpha,
        missed=beta,
        max_failures=max_failures,
    )
    timings["diagnose"] = time.perf_counter() - t
    t = time.perf_counter()
    askable = [v for v in ids.tolist() if graph.names[v] not in observed]
    found = next_checks(graph, result.hypotheses, askable, error=check_error, limit=checks)
    from blackstart.diagnose_phrases import question

    rows = tuple(
        {
            "ref": graph.names[c.node],
            "question": question(model, graph.names[c.node]),
            "gain_bits": c.gain,
            "p_down": c.p_down,
            "same_answer": c.same_answer,
        }
        for c in found
    )
    timings["checks"] = time.perf_counter() - t
    settings = {"false_alarm": false_alarm, "missed": missed, "report_error": report_error,
                "monitored": monitored, "monitored_silent": len(silent),
                "max_failures": max_failures, "check_error": check_error}  # fmt: skip
    return DiagnosisReport(model, graph, result, tuple(down_refs), tuple(up_refs), rows, top,
                           provenance(model, timings, **settings))  # fmt: skip
