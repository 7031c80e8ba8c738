"""The compiled-model cache: a model taken from it is the model read from its files;
an edited, added or removed file, or a corrupted entry, is never served stale; the
format holds no pickle; processes can share it."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackstart import api
from blackstart.generate import generate_model, write_model
from blackstart.model import cache, serial
from blackstart.model.compile import compile_model
from blackstart.model.load import load_model
from blackstart.model.model import Model


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(d))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    return d


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "hospital-group"
    shutil.copytree(api.example_path(), target)
    return target


def _graph_equal(a: object, b: object) -> None:
    from blackstart.engine.graph import CompiledGraph

    assert isinstance(a, CompiledGraph) and isinstance(b, CompiledGraph)
    assert a.names == b.names and a.groups == b.groups and a.model_hash == b.model_hash
    for name in ("kind", "threshold", "child_ptr", "child_idx", "level"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def _entries(d: Path, suffix: str) -> list[Path]:
    return sorted((d / "entries").glob(f"*{suffix}"))


def test_warm_model_and_graph_equal_the_files(cache_dir: Path, example: Path) -> None:
    fresh = load_model(example)
    cold = cache.load(example)
    assert len(_entries(cache_dir, ".model.npz")) == 1
    graph_cold = compile_model(cold)
    assert len(_entries(cache_dir, ".graph.npz")) == 1
    warm = cache.load(example)
    assert warm is not cold
    assert warm == fresh  # every entity, requirement, scenario, provenance field
    for fid in fresh.functions:  # which keys were given (defaults of recovery depend on it)
        assert warm.functions[fid].model_fields_set == fresh.functions[fid].model_fields_set
    _graph_equal(compile_model(warm), compile_model(fresh))
    _graph_equal(graph_cold, compile_model(warm))
    a = api.impact(warm, scenario="colo-power-cut").to_dict()
    b = api.impact(fresh, scenario="colo-power-cut").to_dict()
    a.pop("provenance"), b.pop("provenance")
    assert a == b


def test_editing_one_included_file_invalidates(cache_dir: Path, example: Path) -> None:
    before = cache.load(example)
    functions = example / "functions.yaml"
    text = functions.read_text("utf-8")
    assert "rto: 4h" in text
    functions.write_text(text.replace("rto: 4h", "rto: 5h", 1), "utf-8")
    after = cache.load(example)
    assert after.hash != before.hash
    assert after == load_model(example)
    changed = [f for f in after.functions if after.functions[f].rto != before.functions[f].rto]
    assert len(changed) == 1 and after.functions[changed[0]].rto == 5 * 3600


def test_a_new_file_or_a_removed_one_invalidates(cache_dir: Path, example: Path) -> None:
    n = len(cache.load(example).components)
    (example / "extra.yaml").write_text("components:\n  extra-box: {kind: compute}\n", "utf-8")
    assert len(cache.load(example).components) == n + 1
    (example / "extra.yaml").unlink()
    assert len(cache.load(example).components) == n


def test_an_include_pattern_that_matches_a_new_file_invalidates(
    cache_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    (root / "parts").mkdir(parents=True)
    (root / "model.yaml").write_text("include: ['parts/*.yaml']\nname: m\n", "utf-8")
    (root / "parts" / "a.yaml").write_text("components:\n  a: {kind: compute}\n", "utf-8")
    assert list(cache.load(root / "model.yaml").components) == ["a"]
    (root / "parts" / "b.yaml").write_text("components:\n  b: {kind: compute}\n", "utf-8")
    assert sorted(cache.load(root / "model.yaml").components) == ["a", "b"]


@pytest.mark.parametrize("suffix", [".model.npz", ".graph.npz"])
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_corrupted_entry_is_ignored_and_rebuilt(
    cache_dir: Path, example: Path, suffix: str, damage: str
) -> None:
    compile_model(cache.load(example))
    [entry] = _entries(cache_dir, suffix)
    data = entry.read_bytes()
    entry.write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": b"\x00not a zip" * 100, "empty": b""}[
            damage
        ]
    )
    model = cache.load(example)
    assert model == load_model(example)
    _graph_equal(compile_model(model), compile_model(load_model(example)))
    assert np.load(entry, allow_pickle=False) is not None  # rewritten whole


def test_a_corrupted_index_is_ignored(cache_dir: Path, example: Path) -> None:
    cache.load(example)
    [index] = (cache_dir / "index").glob("*.json")
    index.write_text("{not json", "utf-8")
    assert cache.load(example) == load_model(example)
    assert json.loads(index.read_text("utf-8"))["entry"]


def test_entries_hold_no_pickle(cache_dir: Path, example: Path) -> None:
    compile_model(cache.load(example))
    for entry in _entries(cache_dir, ".npz"):
        with np.load(entry, allow_pickle=False) as z:  # would raise on an object array
            assert all(z[name].dtype != object for name in z.files)


@pytest.mark.parametrize(
    "text",
    [
        '{"!": "os:system", "v": "echo hi"}',
        '{"!": "builtins:eval", "v": "1"}',
        '{"!": "blackstart.model.cache:load"}',  # a function of the package, not a type
        '{"!": "subprocess:Popen", "args": ["true"]}',
    ],
)
def test_decoding_refuses_anything_but_blackstart_types(text: str) -> None:
    with pytest.raises(ValueError, match=r"refusing|cannot decode"):
        serial.decode(text)


def test_cache_dir_is_the_users_not_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    d = cache.cache_dir()
    assert d.is_relative_to(Path(platformdirs.user_cache_dir()))
    assert not d.resolve().is_relative_to(Path(__file__).resolve().parents[2])


def _load_in_process(args: tuple[str, str]) -> str:
    import os

    os.environ[cache.ENV_DIR] = args[1]
    m = cache.load(args[0])
    compile_model(m)
    return m.hash


def test_processes_sharing_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    write_model(generate_model(3000, seed=7), tmp_path / "gen")
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        hashes = pool.map(_load_in_process, [(str(tmp_path / "gen"), str(cache_dir))] * 6)
    expected = load_model(tmp_path / "gen")
    assert set(hashes) == {expected.hash}
    assert cache.load(tmp_path / "gen") == expected
    assert not list(cache_dir.rglob("*.tmp"))  # no temporary file left behind


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(min_value=50, max_value=600), seed=st.integers(0, 10**6),
       k=st.integers(1, 2))  # fmt: skip
def test_generated_models_round_trip(
    n: int, seed: int, k: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from blackstart.generate import MIN_COMPONENTS

    n = max(n, MIN_COMPONENTS * k)
    d = tmp_path_factory.mktemp("gen")
    write_model(generate_model(n, seed=seed, establishments=k), d / "m")
    blob = serial.dump_dataclass(load_model(d / "m"))
    back = serial.load_dataclass(blob, Model)
    assert back == load_model(d / "m")


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blackstart", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_cli_no_cache_and_cache_clear(cache_dir: Path, example: Path) -> None:
    import os

    env = {**os.environ, cache.ENV_DIR: str(cache_dir)}
    env.pop(cache.ENV_OFF, None)
    r = _cli("--no-cache", "impact", str(example), "-s", "colo-power-cut", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert not cache_dir.exists() or not list(cache_dir.rglob("*.npz"))
    cold = _cli("impact", str(example), "-s", "colo-power-cut", "--json", env=env)
    warm = _cli("impact", str(example), "-s", "colo-power-cut", "--json", env=env)
    assert len(_entries(cache_dir, ".npz")) == 2
    a, b, c = (json.loads(x.stdout) for x in (r, cold, warm))
    for d in (a, b, c):
        d.pop("provenance")
    assert a == b == c
    cleared = _cli("cache", "clear", env=env)
    assert cleared.returncode == 0 and "removed 3 files" in cleared.stdout
    assert not list(cache_dir.rglob("*.npz"))


def test_a_graph_with_fields_of_any_kind_round_trips() -> None:
    """Fields another change may add to the compiled graph (arrays in a tuple, a mapping,
    numbers) need no codec change."""
    import dataclasses

    from blackstart.engine.graph import CompiledGraph

    @dataclasses.dataclass(frozen=True, eq=False)
    class Extended(CompiledGraph):
        masks: tuple[np.ndarray, ...] = ()
        by_place: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)

    base = compile_model(load_model(api.example_path()))
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init}
    fields.pop("_cache", None)
    masks = (np.arange(6, dtype=np.uint8).reshape(2, 3), np.array([True, False]))
    g = Extended(**fields, masks=masks, by_place={"north": (1, 2)})
    arrays = cache.dump_graph(g)
    meta = serial.decode(arrays["meta"].tobytes())
    assert meta["by_place"] == {"north": (1, 2)}
    assert [m.dtype for m in meta["masks"]] == [np.uint8, np.bool_]
    assert all(np.array_equal(a, b) for a, b in zip(meta["masks"], masks, strict=True))
    _graph_equal(cache.load_graph(cache.dump_graph(base)), base)
