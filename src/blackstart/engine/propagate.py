"""Failure propagation: which nodes are down, for one or many scenarios at once.

Owns the evaluation of the compiled failure logic. Scenarios are bit-packed: bit ``j``
of word ``w`` of a node's row is scenario ``64·w + j``, so one pass over the graph
evaluates 64 scenarios per machine word (bit-parallel simulation, as in logic-circuit
fault simulation: Seshu, "On an improved diagnosis program", IEEE Trans. Electronic
Computers, 1965). Each (level, operator) group of nodes is evaluated with one
``numpy.ufunc.reduceat`` over the gathered child rows; k-out-of-n gates count bits.

Complexity: O((nodes + edges) · words) word operations, in as many vectorised steps
as there are (level, operator) groups.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from blackstart.engine.graph import AND, OR, CompiledGraph

Bits = npt.NDArray[np.uint64]


def pack_scenarios(graph: CompiledGraph, scenarios: list[Iterable[int]]) -> Bits:
    """Bit matrix ``(n, words)`` with bit ``s`` set on the nodes failed in scenario ``s``."""
    words = max(1, -(-len(scenarios) // 64))
    failed = np.zeros((graph.n, words), dtype=np.uint64)
    for s, nodes in enumerate(scenarios):
        ids = np.fromiter(nodes, dtype=np.int64)
        failed[ids, s // 64] |= np.uint64(1) << np.uint64(s % 64)
    return failed


def propagate(graph: CompiledGraph, failed: Bits) -> Bits:
    """Down bits of every node, given the directly failed bits ``(n, words)``.

    One word is evaluated on flat arrays (``np.take`` is markedly faster on 1-D data).
    """
    if failed.ndim != 2 or failed.shape[0] != graph.n:
        raise ValueError(f"failed must have shape ({graph.n}, words), not {failed.shape}")
    words = failed.shape[1]
    down = np.array(failed, dtype=np.uint64, copy=True)
    flat = down[:, 0] if words == 1 else down  # a view: writes land in ``down``
    ptr, idx = graph.child_ptr, graph.child_idx
    for start, end, op in graph.groups:
        e0, e1 = int(ptr[start]), int(ptr[end])
        rows = np.take(flat, idx[e0:e1], axis=0)
        offsets = ptr[start:end] - e0
        if op == OR:
            flat[start:end] |= np.bitwise_or.reduceat(rows, offsets, axis=0)
        elif op == AND:
            flat[start:end] |= np.bitwise_and.reduceat(rows, offsets, axis=0)
        else:
            rows2 = rows.reshape(len(rows), words)
            hit = _at_least(rows2, offsets, graph.threshold[start:end])
            flat[start:end] |= hit[:, 0] if words == 1 else hit
    return down


def _at_least(rows: Bits, offsets: npt.NDArray[np.int64], k: npt.NDArray[np.int32]) -> Bits:
    """Per node, the bits set in at least ``k`` of its child rows (bit counting)."""
    words = rows.shape[1]
    bits = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")
    counts = np.add.reduceat(bits.astype(np.int32), offsets, axis=0)
    hit = (counts >= k[:, None]).astype(np.uint8)
    packed = np.packbits(hit, axis=1, bitorder="little")
    return packed.view(np.uint64).reshape(len(offsets), words)


def propagate_one(graph: CompiledGraph, failed: Iterable[int]) -> npt.NDArray[np.bool_]:
    """Down flags of every node for a single scenario (booleans instead of words)."""
    down = np.zeros(graph.n, dtype=np.bool_)
    down[np.fromiter(failed, dtype=np.int64)] = True
    ptr, idx = graph.child_ptr, graph.child_idx
    for start, end, op in graph.groups:
        e0, e1 = int(ptr[start]), int(ptr[end])
        rows = np.take(down, idx[e0:e1])
        offsets = ptr[start:end] - e0
        if op == OR:
            down[start:end] |= np.logical_or.reduceat(rows, offsets)
        elif op == AND:
            down[start:end] |= np.logical_and.reduceat(rows, offsets)
        else:
            counts = np.add.reduceat(rows, offsets, dtype=np.int32)
            down[start:end] |= counts >= graph.threshold[start:end]
    return down


def scenario_bits(down: Bits, scenario: int) -> npt.NDArray[np.bool_]:
    """Down flags of every node in one scenario of a packed result."""
    word, bit = divmod(scenario, 64)
    return ((down[:, word] >> np.uint64(bit)) & np.uint64(1)).astype(bool)
