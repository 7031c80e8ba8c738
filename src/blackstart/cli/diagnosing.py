"""Commands of diagnosis: ``blackstart diagnose`` and ``blackstart integration add|list|
revoke`` (the bearer tokens of the alert webhooks).

Registered on the main app at the end of :mod:`blackstart.cli.app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from blackstart.cli.options import JsonOpt, ModelArg, err, out
from blackstart.cli.options import emit_json as _emit_json
from blackstart.cli.options import guard as _guard
from blackstart.errors import UsageError

RefsOpt = Annotated[list[str] | None, typer.Option(show_default=False)]

integration_app: typer.Typer = typer.Typer(
    name="integration",
    help="Alert integrations: the bearer tokens of the alert webhooks "
    "(/api/alerts/alertmanager, /api/alerts/generic).",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL: a SQLite file (default ./blackstart.db) or postgresql+psycopg://…",
        show_default=False,
    ),
]


def diagnose(
    model: ModelArg,
    down: Annotated[
        list[str] | None,
        typer.Option(
            "--down",
            "-d",
            help="Seen down: function:ID@PLACE (a ward's call about its own place of "
            "delivery), function:ID (down somewhere), component:ID (an alert), site:ID or "
            "provider:ID (known state). Repeatable.",
            show_default=False,
        ),
    ] = None,
    up: Annotated[
        list[str] | None,
        typer.Option("--up", "-u", help="Seen up (same REFs). Repeatable.", show_default=False),
    ] = None,
    max_failures: Annotated[
        int, typer.Option("--max-failures", "-k", min=1, max=6, help="Root failures at most.")
    ] = 3,
    false_alarm: Annotated[
        float,
        typer.Option("--false-alarm", help="Rate at which a component that is up alerts."),
    ] = 0.001,
    missed: Annotated[
        float,
        typer.Option(
            "--missed", help="Rate at which a monitored component that is down sends no alert."
        ),
    ] = 0.5,
    report_error: Annotated[
        float,
        typer.Option(
            "--report-error",
            help="Rate at which a person's report (a function, "
            "site or provider down or up, a component up) is wrong.",
        ),
    ] = 0.01,
    monitored: Annotated[
        str,
        typer.Option(
            "--monitored",
            help="Components whose silence counts as weakly up: "
            "model (those with a monitoring: block), all, none.",
        ),
    ] = "model",
    top: Annotated[int, typer.Option("--top", min=1, max=64, help="Hypotheses shown.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Which root failures (sites, providers, components) explain what is seen down and up,
    how likely each is, and what to check next to tell them apart."""
    from blackstart import api
    from blackstart import diagnose as dg

    if not down:
        raise typer.BadParameter("give at least one --down REF", param_hint="--down")
    m = _guard(as_json, lambda: api.load(model))
    report = _guard(
        as_json,
        lambda: dg.diagnose(
            m,
            down=down,
            up=up,
            false_alarm=false_alarm,
            missed=missed,
            report_error=report_error,
            monitored=monitored,
            max_failures=max_failures,
            top=top,
        ),
    )
    if as_json:
        _emit_json(report.to_dict())
    else:
        render(out, report.to_dict())


def render(console: Console, payload: dict[str, Any]) -> None:
    """Hypotheses as lines (80 columns), then the checks to make."""
    obs = payload["observations"]
    console.print(
        Text("Seen down: ", style="bold") + Text(f"{len(obs['down'])}")
        + Text("   seen up: ", style="bold") + Text(f"{len(obs['up'])}")
    )  # fmt: skip
    for i, h in enumerate(payload["hypotheses"], 1):
        failed = ", ".join(h["failed"]) or "nothing failed (every report is wrong)"
        line = Text(f"{i:>2}. ", style="dim") + Text(f"{100 * h['probability']:5.1f} %  ")
        console.print(line + Text(failed, style="bold"))
        console.print(
            Text("       explains ", style="dim") + Text(str(len(h["explains"])))
            + Text(" · unexplained ", style="dim") + Text(str(len(h["unexplained"])))
            + Text(" · contradicts ", style="dim") + Text(str(len(h["contradicts"])))
        )  # fmt: skip
        for what in ("unexplained", "contradicts"):
            if h[what] and i <= 3:
                shown = ", ".join(h[what][:6]) + (" …" if len(h[what]) > 6 else "")
                console.print(Text(f"         {what}: ", style="dim") + Text(shown))
    if payload["checks"]:
        console.print(Text("\nCheck next", style="bold"))
        for c in payload["checks"]:
            console.print(
                Text("  • ") + Text(c["question"])
                + Text(f"  ({c['ref']}; {c['gain_bits']:.2f} bit)", style="dim")
            )  # fmt: skip
    s = payload["search"]
    console.print(
        Text(
            f"\n{s['evaluated']} hypotheses over {s['candidates']} candidates"
            + ("" if s["exhaustive"] else " (beam search)")
            + "; probabilities are normalised over them.",
            style="dim",
        )
    )


def load_alert_map(web_app: Any, path: Path) -> None:
    """Add a mapping file's rules to the served app's alert mapping (``serve --alert-map``)."""
    from blackstart.io.alert_map import read_alert_map
    from blackstart.web.alerts import AlertMapper

    model = web_app.state.dashboard.model
    web_app.state.alert_mapper = AlertMapper(model, read_alert_map(path, model))


def _open(db: str | None) -> Any:
    from blackstart.store import StoreError, open_store
    from blackstart.store.diagnose import AlertStore

    try:
        return AlertStore(open_store(db))
    except StoreError as exc:
        raise UsageError(exc.message, suggestion=exc.suggestion) from None


@integration_app.command("add")
def integration_add(
    name: Annotated[str, typer.Argument(help="Integration name.", show_default=False)],
    db: DbOpt = None,
) -> None:
    """Create an integration and print its bearer token once (only its hash is kept)."""
    from blackstart.store import StoreError

    def add() -> str:
        store = _open(db)
        try:
            return str(store.add_integration(name, by="cli"))
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        finally:
            store.store.close()

    token = _guard(False, add)
    err.print(
        f"integration {name} added; its token (shown once, keep it in the sender's "
        "configuration as 'Authorization: Bearer TOKEN'):"
    )
    out.print(token)


@integration_app.command("list")
def integration_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Integrations, their state and their last alert."""

    def rows() -> list[dict[str, Any]]:
        store = _open(db)
        try:
            return [r.to_dict() for r in store.integrations()]
        finally:
            store.store.close()

    found = _guard(as_json, rows)
    if as_json:
        _emit_json({"integrations": found})
        return
    table = Table("name", "state", "created", "alerts", "last alert")
    for r in found:
        table.add_row(r["name"], "revoked" if r["revoked_at"] else "active", r["created_at"],
                      str(r["alerts"]), r["last_alert_at"] or "–")  # fmt: skip
    out.print(table)


@integration_app.command("revoke")
def integration_revoke(
    name: Annotated[str, typer.Argument(help="Integration name.", show_default=False)],
    db: DbOpt = None,
) -> None:
    """Revoke an integration: its token is refused from now on (403)."""
    from blackstart.store import StoreError

    def revoke() -> None:
        store = _open(db)
        try:
            store.revoke_integration(name, by="cli")
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        finally:
            store.store.close()

    _guard(False, revoke)
    err.print(f"integration {name} revoked")
