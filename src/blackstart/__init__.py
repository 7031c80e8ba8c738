"""blackstart: a resilience digital twin of an information system.

``import blackstart`` gives the whole Python API, loaded on first use::

    import blackstart as bs
    model = bs.load("examples/hospital-group")
    bs.impact(model, scenario="colo-power-cut").to_dict()["functions_down"]
    bs.plan(model, "colo-power-cut").to_dict()["functions"]
    bs.forecast(model, "colo-power-cut", runs=2000, seed=1).to_dict()["tiers"]
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "load": ("blackstart.api", "load"),
    "load_data": ("blackstart.api", "load_data"),
    "compile_model": ("blackstart.api", "compile_model"),
    "impact": ("blackstart.api", "impact"),
    "show": ("blackstart.api", "show"),
    "json_schema": ("blackstart.api", "json_schema"),
    "example_path": ("blackstart.api", "example_path"),
    "plan": ("blackstart.planning", "plan"),
    "forecast": ("blackstart.planning", "run_forecast"),
    "explain": ("blackstart.planning", "explain"),
    "generate_model": ("blackstart.generate", "generate_model"),
    "ModelError": ("blackstart.errors", "ModelError"),
    "UsageError": ("blackstart.errors", "UsageError"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """Import API functions lazily, so ``import blackstart`` stays fast."""
    if name in _API:
        import importlib

        module, attr = _API[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'blackstart' has no attribute {name!r}")
