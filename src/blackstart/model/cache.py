"""The compiled-model cache: what was read, validated and compiled once is not redone.

Owns the cache directory (the user's cache directory, from ``platformdirs``, or
``$BLACKSTART_CACHE_DIR``; never the checkout), its keys and its files. A model opened
from a path is looked up by that path, and the entry is used only when every file it
was read from (included files and overlays too) still has the same sha256, every
directory listing and ``include:`` pattern still gives the same files, and blackstart's
version and code are the same. Otherwise the model is read as usual and stored.

An entry is two ``.npz`` files (NumPy's zip of ``.npy`` arrays, read with
``allow_pickle=False``): ``<key>.model.npz`` holds the :class:`Model` as JSON texts
(:mod:`blackstart.model.serial`), ``<key>.graph.npz`` the compiled graph's arrays as
``.npy`` and its other fields as JSON, written when the model is first compiled. Every
file is written to a temporary name and renamed (``os.replace``), so processes sharing
the cache see whole files or none. A file that cannot be read back (truncated, edited,
from another format) is ignored and rewritten.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from blackstart import __version__
from blackstart.engine.graph import CompiledGraph
from blackstart.model import serial
from blackstart.model.compile import attach_store
from blackstart.model.load import Listing, Progress, build, collect, expand_include, list_directory
from blackstart.model.model import Model

ENV_DIR = "BLACKSTART_CACHE_DIR"
ENV_OFF = "BLACKSTART_NO_CACHE"
FORMAT = 1
_enabled = False
_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError)


def cache_dir() -> Path:
    """Where entries are kept: ``$BLACKSTART_CACHE_DIR``, else the user's cache dir."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("blackstart", appauthor=False)) / "models"


def set_enabled(flag: bool) -> None:
    """Whether :func:`load` uses the cache by default in this process (the CLI turns it
    on unless ``--no-cache``); ``$BLACKSTART_NO_CACHE`` turns it off regardless."""
    global _enabled
    _enabled = flag


def enabled() -> bool:
    """Whether the cache is used by default in this process."""
    return _enabled and not os.environ.get(ENV_OFF)


def clear() -> tuple[int, int]:
    """Remove every entry; return (files, bytes) removed."""
    root = cache_dir()
    files = size = 0
    if root.is_dir():
        for p in root.rglob("*"):
            if p.is_file():
                files += 1
                size += p.stat().st_size
        shutil.rmtree(root, ignore_errors=True)
    return files, size


@cache
def code_fingerprint() -> str:
    """blackstart's version and the size and time of each of its modules: an edited
    checkout does not reuse entries written by other code."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{__version__}/{FORMAT}".encode())
    for p in sorted(package.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _index_file(root: Path) -> Path:
    name = hashlib.sha256(f"{code_fingerprint()}\n{root}".encode()).hexdigest()
    return cache_dir() / "index" / f"{name}.json"


def _still_valid(manifest: dict[str, Any]) -> bool:
    """Whether the files, listings and code a manifest was made from are unchanged."""
    if manifest.get("code") != code_fingerprint():
        return False
    for kind, arg, found in manifest["listings"]:
        paths = list_directory(Path(arg)) if kind == "dir" else expand_include(arg)
        if [str(p.resolve()) for p in paths] != found:
            return False
    return all(_sha256(Path(f)) == digest for f, digest in manifest["files"].items())


def _write_atomic(target: Path, write: Any) -> None:
    """Write through ``write(file)`` into a temporary file, then rename it to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save_npz(target: Path, arrays: Mapping[str, np.ndarray[Any, Any]]) -> None:
    _write_atomic(target, lambda f: np.savez(f, **arrays))  # type: ignore[arg-type]


def _read_npz(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    with np.load(path, allow_pickle=False) as z:
        return {name: z[name] for name in z.files}


def _bytes(b: bytes) -> np.ndarray[Any, Any]:
    return np.frombuffer(b, dtype=np.uint8)


# --------------------------------------------------------------------------- graph


def dump_graph(graph: CompiledGraph) -> dict[str, np.ndarray[Any, Any]]:
    """The graph's arrays as they are and its other ``init`` fields as JSON, found by
    dataclass introspection (private fields, such as memos, are left out)."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    plain: dict[str, Any] = {}
    for f in dataclasses.fields(graph):
        if not f.init or f.name.startswith("_"):
            continue
        value = getattr(graph, f.name)
        if isinstance(value, np.ndarray):
            arrays[f"array.{f.name}"] = value
        else:
            plain[f.name] = value
    arrays["meta"] = _bytes(serial.encode(plain))
    return arrays


def load_graph(arrays: Mapping[str, np.ndarray[Any, Any]]) -> CompiledGraph:
    """The graph :func:`dump_graph` wrote (``ValueError`` if it cannot be)."""
    kwargs = serial.decode(arrays["meta"].tobytes())
    if not isinstance(kwargs, dict):
        raise ValueError("cannot decode: the graph's fields are not a mapping")
    for name, value in arrays.items():
        if name.startswith("array."):
            kwargs[name.removeprefix("array.")] = value
    return CompiledGraph(**kwargs)


@dataclasses.dataclass
class _EntryGraph:
    """The graph file of one entry, for :func:`~blackstart.model.compile.compile_model`."""

    path: Path
    model_hash: str

    def load(self) -> CompiledGraph | None:
        try:
            graph = load_graph(_read_npz(self.path))
        except _READ_ERRORS:
            return None
        return graph if graph.model_hash == self.model_hash else None

    def save(self, graph: CompiledGraph) -> None:
        # a cache not written is no cache, not an error (nor is a field it cannot encode)
        with contextlib.suppress(OSError, TypeError, ValueError):
            _save_npz(self.path, dump_graph(graph))


# --------------------------------------------------------------------------- model


def _read_entry(index: Path) -> tuple[Model, Path] | None:
    try:
        manifest = json.loads(index.read_bytes())
        if not _still_valid(manifest):
            return None
        entry = index.parent.parent / "entries" / manifest["entry"]
        parts = {k: v.tobytes() for k, v in _read_npz(entry.with_suffix(".model.npz")).items()}
        model = serial.load_dataclass(parts, Model)
    except _READ_ERRORS:
        return None
    if not isinstance(model, Model) or model.hash != manifest.get("model_hash"):
        return None
    return model, entry


def _manifest(model: Model, sources: list[Any], listings: list[Listing]) -> dict[str, Any]:
    files = {str(Path(s.path).resolve()): s.digest for s in sources if s.path is not None}
    manifest: dict[str, Any] = {
        "code": code_fingerprint(),
        "files": files,
        "listings": listings,
        "model_hash": model.hash,
    }
    manifest["entry"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return manifest


def _write_entry(index: Path, model: Model, manifest: dict[str, Any]) -> None:
    """The model's file, then the index that points to it (a reader never finds an index
    without its entry)."""
    entry = index.parent.parent / "entries" / manifest["entry"]
    parts = serial.dump_dataclass(model)
    _save_npz(entry.with_suffix(".model.npz"), {k: _bytes(v) for k, v in parts.items()})
    text = json.dumps(manifest, indent=1).encode()
    _write_atomic(index, lambda f: f.write(text))


_writers: list[int] = []


def _wait_for_writers() -> None:
    while _writers:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_writers.pop(), 0)


def _write_in_background(index: Path, model: Model, manifest: dict[str, Any]) -> bool:
    """Write the entry in a child process while this one goes on with its command (it
    waits for the child before it exits). Only where ``fork`` is safe: a POSIX process
    running a single thread. Returns whether a child took the work."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    pid = os.fork()
    if pid == 0:  # the child: write, and leave without running the parent's exit handlers
        code = 0
        try:
            _write_entry(index, model, manifest)
        except BaseException:
            code = 1
        os._exit(code)
    if not _writers:
        atexit.register(_wait_for_writers)
    _writers.append(pid)
    return True


def load(
    path: str | Path, *, on_progress: Progress | None = None, background: bool = False
) -> Model:
    """Load a model through the cache: from an entry if its files are unchanged, else
    read and validated (``ModelError`` as :func:`~blackstart.model.load.load_model`)
    and stored. Its compiled graph is cached too, the first time it is compiled.

    With ``background`` (the command line), a new entry is written by a child process
    while this one computes, so a cold call is not slowed by the cache."""
    path = Path(path)
    if not path.exists():
        return build(*collect(path))  # the loader's not-found error
    index = _index_file(path.resolve())
    hit = _read_entry(index)
    if hit is not None:
        model, entry = hit
    else:
        listings: list[Listing] = []
        sources, problems = collect(path, trace=listings, on_progress=on_progress)
        if on_progress is not None:
            on_progress("validating", 0, 0)
        model = build(sources, problems)
        manifest = _manifest(model, sources, listings)
        entry = index.parent.parent / "entries" / manifest["entry"]
        if not (background and _write_in_background(index, model, manifest)):
            if on_progress is not None:
                on_progress("writing the cache", 0, 0)
            try:
                _write_entry(index, model, manifest)
            except (OSError, TypeError):
                return model
    attach_store(model, _EntryGraph(entry.with_suffix(".graph.npz"), model.hash))
    return model


def describe() -> dict[str, Any]:
    """Where the cache is and how much it holds."""
    root = cache_dir()
    files = list(root.rglob("*.npz")) if root.is_dir() else []
    return {
        "directory": str(root),
        "entries": sum(1 for p in files if p.name.endswith(".model.npz")),
        "bytes": sum(p.stat().st_size for p in files),
    }
