"""``blackstart status maintenance add|list|cancel``: scheduled maintenance windows of the
public status, declared in advance from a scenario of the model, with the forecast of
when things come back (the same checks and forecast as the board's
:mod:`blackstart.web.maintenance`). A server running on the same store shows a window
declared here within a few seconds (its ticker re-reads the windows).

Registered on ``blackstart status`` by :mod:`blackstart.cli.status`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from blackstart.cli.incidents import DbOpt
from blackstart.cli.options import err
from blackstart.cli.options import guard as _guard
from blackstart.errors import UsageError

maintenance_app: typer.Typer = typer.Typer(
    name="maintenance",
    help="Scheduled maintenance windows shown on the public status.",
    no_args_is_help=True,
)
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model file (scenarios, functions); default: the example."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UserOpt = Annotated[
    str, typer.Option("--user", help="Who declares or cancels (for the audit log).")
]


def _with_service(model: Path | None, db: str | None, action: Any) -> Any:
    from blackstart import api
    from blackstart.store import StoreError
    from blackstart.store.incidents import IncidentStore
    from blackstart.web.board import IncidentService
    from blackstart.web.dashboard import Dashboard

    try:
        dash = Dashboard.open(model or api.example_path(), db)
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None
    try:
        return action(IncidentService(dash, IncidentStore(dash.store)))
    finally:
        dash.close()


@maintenance_app.command("add")
def add_cmd(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", help="The model scenario the work takes down.", show_default=False
        ),
    ],
    start: Annotated[
        str,
        typer.Option(
            "--start", help="Start, ISO (local to the model if naive).", show_default=False
        ),
    ],
    end: Annotated[
        str, typer.Option("--end", help="Planned end of the work, ISO.", show_default=False)
    ],
    name: Annotated[
        str, typer.Option("--name", help="Public name of the window.", show_default=False)
    ],
    message: Annotated[str, typer.Option("--message", help="Public message.")] = "",
    db: DbOpt = None,
    model: ModelOpt = None,
    user: UserOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Declare a maintenance window: the scenario's forecast from START (the failure
    lasting until END) says when each function is expected back. Shown publicly at once
    (planned), live from START, in the history once done. Exit 1 on a bad window."""
    from blackstart.web.maintenance import board_view, declare

    def run(svc: Any) -> dict[str, Any]:
        row = declare(
            svc, user, name=name, message=message, scenario=scenario, start=start, end=end
        )
        return dict(next(w for w in board_view(svc) if w["id"] == row.id))

    window = _guard(as_json, lambda: _with_service(model, db, run))
    if as_json:
        typer.echo(json.dumps(window, indent=1, ensure_ascii=False))
        return
    from blackstart.web.clock import when

    back, zone = window["public"]["back"], window["zone"]
    err.print(
        f"maintenance {window['id']} declared: {escape(window['name'])}, "
        f"{when(window['start'], zone)} to {when(window['end'], zone)} ({zone}); "
        f"{len(window['public']['functions'])} function(s) affected, everything back "
        f"between {when(back['from'], zone)} and {when(back['to'], zone)} "
        f"(P95 {when(back['p95'], zone)})"
    )


@maintenance_app.command("list")
def list_cmd(db: DbOpt = None, model: ModelOpt = None, as_json: JsonOpt = False) -> None:
    """Every window, newest first, with its status now (scheduled, in_progress,
    completed or cancelled)."""
    from blackstart.web.clock import when
    from blackstart.web.maintenance import board_view

    windows = _guard(as_json, lambda: _with_service(model, db, board_view))
    if as_json:
        typer.echo(json.dumps(windows, indent=1, ensure_ascii=False))
        return
    if not windows:
        err.print("no maintenance window")
    for w in windows:
        typer.echo(
            f"{w['id']:>4}  {w['status']:<11}  {when(w['start'], w['zone'])} → "
            f"{when(w['end'], w['zone'])}  {w['scenario']}  {w['name']}"
        )


@maintenance_app.command("cancel")
def cancel_cmd(
    window_id: Annotated[int, typer.Argument(help="The window's id (see list).", min=1)],
    db: DbOpt = None,
    model: ModelOpt = None,
    user: UserOpt = "cli",
) -> None:
    """Cancel a window: it leaves the public pages at once. Exit 1 if there is none."""
    from blackstart.web.maintenance import cancel

    _guard(False, lambda: _with_service(model, db, lambda svc: cancel(svc, user, window_id)))
    err.print(f"maintenance {window_id} cancelled")
