"""Sweep results in the store: begin or resume a sweep, add rows as they arrive, read
them back.

A sweep is identified by its ``key`` (a hash of the model hash and every parameter that
changes a number, computed by :mod:`blackstart.sweep`). Each computed scenario is one
row committed on its own, so an interruption loses at most the scenarios in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from blackstart.store.store import Store
from blackstart.store.tables import SweepResult, SweepRun


@dataclass(frozen=True)
class SweepRow:
    """A sweep recorded in the store."""

    id: int
    key: str
    model_hash: str
    params: dict[str, Any]
    scenarios: int
    done: int
    finished: bool


def _row(run: SweepRun, done: int) -> SweepRow:
    return SweepRow(
        run.id,
        run.key,
        run.model_hash,
        dict(run.params),
        run.scenarios,
        done,
        run.finished_at is not None,
    )


def begin_sweep(
    store: Store,
    key: str,
    *,
    model_hash: str,
    model_name: str,
    params: dict[str, Any],
    scenarios: int,
    resume: bool,
) -> SweepRow:
    """The sweep ``key``: kept as it is with ``resume``, else started afresh (rows of an
    earlier run with the same key are deleted)."""
    with store.session() as s, s.begin():
        run = s.scalars(select(SweepRun).where(SweepRun.key == key)).first()
        if run is not None and not resume:
            s.execute(delete(SweepResult).where(SweepResult.sweep_id == run.id))
            run.finished_at = None
            run.created_at = datetime.now(UTC)
        if run is None:
            run = SweepRun(
                key=key,
                model_hash=model_hash,
                model_name=model_name[:200],
                params=params,
                scenarios=scenarios,
                created_at=datetime.now(UTC),
            )
            s.add(run)
            s.flush()
        done = s.scalar(
            select(func.count()).select_from(SweepResult).where(SweepResult.sweep_id == run.id)
        )
        return _row(run, int(done or 0))


def find_sweep(store: Store, key: str) -> SweepRow | None:
    """The sweep ``key``, or ``None``."""
    with store.session() as s:
        run = s.scalars(select(SweepRun).where(SweepRun.key == key)).first()
        if run is None:
            return None
        done = s.scalar(
            select(func.count()).select_from(SweepResult).where(SweepResult.sweep_id == run.id)
        )
        return _row(run, int(done or 0))


def done_keys(store: Store, sweep_id: int) -> set[str]:
    """Keys of the scenarios already computed."""
    with store.session() as s:
        q = select(SweepResult.scenario_key).where(SweepResult.sweep_id == sweep_id)
        return set(s.scalars(q))


def add_results(store: Store, sweep_id: int, rows: list[dict[str, Any]]) -> None:
    """Store computed scenarios (one transaction)."""
    with store.session() as s, s.begin():
        for row in rows:
            s.add(
                SweepResult(
                    sweep_id=sweep_id,
                    scenario_key=row["key"],
                    care_hours_lost=float(row["care_hours_lost"]),
                    row=row,
                )
            )


def results(store: Store, sweep_id: int) -> list[dict[str, Any]]:
    """Every computed scenario of a sweep, in the order they were stored."""
    with store.session() as s:
        q = select(SweepResult.row).where(SweepResult.sweep_id == sweep_id)
        return [dict(r) for r in s.scalars(q.order_by(SweepResult.id))]


def finish_sweep(store: Store, sweep_id: int) -> None:
    """Mark a sweep complete."""
    with store.session() as s, s.begin():
        s.execute(
            update(SweepRun).where(SweepRun.id == sweep_id).values(finished_at=datetime.now(UTC))
        )
