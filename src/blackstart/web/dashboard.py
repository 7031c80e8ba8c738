"""The served model and store, and the payloads both the pages and the JSON API use.

A :class:`Dashboard` is built once at start: the model loaded and compiled, the store
opened and migrated, the model version recorded. Each method returns the JSON-ready
payload of one view; the HTML pages render exactly these dictionaries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blackstart import api, planning, resilience
from blackstart.engine.graph import CompiledGraph
from blackstart.errors import UsageError, did_you_mean
from blackstart.model.compile import compile_model
from blackstart.model.model import Model
from blackstart.model.schema import TIERS
from blackstart.store import ModelVersionRow, SavedWhatIfRow, Store, open_store
from blackstart.units import parse_seconds

MAX_RUNS = 20_000
"""Upper bound of ``runs`` for a forecast requested over HTTP."""


class NotFound(UsageError):
    """A named thing (saved what-if, …) does not exist: HTTP 404."""


@dataclass
class Dashboard:
    """Everything a request needs: the model, its compiled graph and the store."""

    model: Model
    graph: CompiledGraph
    store: Store
    version: ModelVersionRow
    _cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, model_path: str | Path, db_url: str | None) -> Dashboard:
        """Load and compile the model (``ModelError`` if invalid), open and migrate the
        store, record the model version."""
        model = api.load(model_path)
        graph = compile_model(model)
        store = open_store(db_url)
        version = store.record_model(model.hash, model.name)
        return cls(model, graph, store, version)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ views

    def overview(self) -> dict[str, Any]:
        """:func:`blackstart.api.show` plus each function's state (all up: no failure)."""
        payload = api.show(self.model)
        payload["functions"] = [
            {
                "id": fid,
                "name": fn.name,
                "tier": fn.tier,
                "patient_safety": fn.patient_safety,
                "rto_s": fn.rto,
                "state": "up",
            }
            for tier in TIERS
            for fid, fn in sorted(self.model.functions.items())
            if fn.tier == tier
        ]
        payload["model_version"] = self.version.to_dict()
        return payload

    def what_if(self, fail: list[str]) -> dict[str, Any]:
        """Exactly ``blackstart impact --json --fail …`` (:func:`blackstart.api.impact`)."""
        return api.impact(self.model, fail=fail, graph=self.graph).to_dict()

    def plan(self, scenario: str) -> dict[str, Any]:
        """The recovery plan of a model scenario (:func:`blackstart.planning.plan`)."""
        return planning.plan(self.model, scenario, graph=self.graph).to_dict()

    def forecast(self, scenario: str, *, runs: int, seed: int) -> dict[str, Any]:
        """The Monte Carlo forecast of a model scenario."""
        if runs > MAX_RUNS:
            raise UsageError(f"runs={runs} is too many", suggestion=f"at most {MAX_RUNS}")
        return planning.run_forecast(
            self.model, scenario, runs=runs, seed=seed, graph=self.graph
        ).to_dict()

    def spof(self) -> dict[str, Any]:
        """Single points of failure (computed once: the model does not change)."""
        return self._cached("spof", lambda: resilience.spof(self.model))

    def findings(self) -> dict[str, Any]:
        """What takes down the most vital and care functions alone, ranked (computed once)."""
        return self._cached("findings", lambda: resilience.findings(self.model))

    def concentration(self) -> dict[str, Any]:
        """Provider, site, owner and jurisdiction concentration (computed once)."""
        return self._cached("concentration", lambda: resilience.concentration(self.model))

    # ------------------------------------------------------------------ saved what-ifs

    def save_what_if(
        self, name: str, fail: list[str], duration: str | None, *, by: str = "anonymous"
    ) -> SavedWhatIfRow:
        """Check the references and the duration, then save (``StoreError`` if taken)."""
        name = name.strip()
        if not name:
            raise UsageError("a saved what-if needs a name")
        if not fail:
            raise UsageError("nothing fails", suggestion="give at least one site:NAME")
        refs = [str(r) for r in api.resolve_refs(self.model, fail)]
        if duration is not None and duration.strip():
            try:
                parse_seconds(duration.strip())
            except ValueError as exc:
                raise UsageError(
                    f"duration: {exc}", suggestion="write e.g. 45min, 3.5h or 2d"
                ) from None
            duration = duration.strip()
        else:
            duration = None
        return self.store.save_what_if(name, refs, duration, model_hash=self.model.hash, by=by)

    def saved_what_ifs(self) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.store.saved_what_ifs()]

    def saved_what_if(self, name: str) -> SavedWhatIfRow:
        row = self.store.saved_what_if(name)
        if row is None:
            names = [r.name for r in self.store.saved_what_ifs()]
            raise NotFound(
                f"no saved what-if '{name}'",
                suggestion=did_you_mean(name, names) or "see GET /api/what-if/saved",
            )
        return row

    # ------------------------------------------------------------------ helpers

    def _cached(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = compute()
            return self._cache[key]
