"""The replay of docs/diagnose.md: the seed incident's first hour converges on the
colocation site's power, and the doc's table is what the replay prints."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
COLO = {"site:colo-paris", "provider:global-switch", "component:colo-power-distribution"}


def _replay() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "diagnose_replay", ROOT / "scripts" / "diagnose_replay.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["diagnose_replay"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_first_hour_converges_on_the_colocation_power() -> None:
    steps = _replay().steps()
    by_time = {step.at: d for step, d in steps}
    # once the cage's network and power alerts are in, the three colocation explanations
    # lead, and the first question goes to the provider
    for at in ("11:04", "11:07", "11:15", "11:20"):
        top3 = {r for h in by_time[at]["hypotheses"][:3] for r in h["failed"]}
        assert top3 == COLO, at
        assert "Global Switch" in by_time[at]["checks"][0]["question"]
    final = by_time["11:55"]["hypotheses"][0]
    assert final["failed"] == ["component:colo-power-distribution"]
    assert final["probability"] > 0.8
    assert not final["unexplained"] and not final["contradicts"]


def test_doc_table_is_the_replay_output() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _replay().main()
    doc = (ROOT / "docs" / "diagnose.md").read_text("utf-8")
    for line in out.getvalue().splitlines():
        assert line in doc, line
