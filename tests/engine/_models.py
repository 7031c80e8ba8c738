"""Helpers shared by the engine tests: build a compiled graph from plain model data."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from blackstart.engine.graph import CompiledGraph
from blackstart.model.compile import compile_model
from blackstart.model.load import load_data
from blackstart.model.model import Model


def build(data: dict[str, Any]) -> tuple[Model, CompiledGraph]:
    """Validate plain model data and compile it."""
    model = load_data(data)
    return model, compile_model(model)


def ids(graph: CompiledGraph, *labels: str) -> list[int]:
    """Node ids of ``kind:name`` labels."""
    return [graph.index[label] for label in labels]


def down_labels(graph: CompiledGraph, down: npt.NDArray[np.bool_]) -> set[str]:
    """Labels of the down nodes that are not anonymous gates."""
    return {graph.names[v] for v in np.flatnonzero(down).tolist() if "#" not in graph.names[v]}


def comp(**fields: Any) -> dict[str, Any]:
    """A component entry with a default kind."""
    return {"kind": "other", **fields}


def func(**fields: Any) -> dict[str, Any]:
    """A function entry with a default tier."""
    return {"tier": "care", **fields}
