"""The mutation check (``scripts/mutants.py``) stays runnable: every mutant's snippet is
still in its file exactly once, and a substitution really changes the copy it runs on
(the full check, which runs the statistical tests once per mutant, is ``make mutants``
in ``.ci/run``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mutants() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = module
    spec.loader.exec_module(module)
    return module


def test_every_snippet_is_in_its_file_once(tmp_path: Path) -> None:
    m = mutants()
    assert len(m.MUTANTS) >= 10
    assert len({x.name for x in m.MUTANTS}) == len(m.MUTANTS)
    m.check_snippets()
    for mutant in m.MUTANTS:  # each on a fresh copy, as the check runs them
        src = m._copy_src(tmp_path / mutant.name)
        path = src / "blackstart" / mutant.file
        before = path.read_text("utf-8")
        m._apply(src, mutant)
        after = path.read_text("utf-8")
        assert after != before and mutant.new in after, mutant.name
        # the working tree is never touched
        assert mutant.old in (ROOT / "src" / "blackstart" / mutant.file).read_text("utf-8")


def test_a_stale_snippet_is_an_error(tmp_path: Path) -> None:
    m = mutants()
    src = m._copy_src(tmp_path)
    stale = m.Mutant("stale", "engine/forecast.py", "no such code", "x", "stale")
    with pytest.raises(m.SnippetError, match="found 0 times"):
        m._apply(src, stale)
    with pytest.raises(m.SnippetError, match="found 0 times"):
        m.check_snippets([stale])
