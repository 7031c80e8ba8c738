"""Command definitions. Each command parses options, calls :mod:`blackstart.api`, and
renders; user errors become a table (or JSON ``errors``) and an exit code:
0 ok, 1 model or input error, 2 usage error. Tracebacks only for internal bugs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from blackstart import __version__, api
from blackstart.cli import render
from blackstart.errors import ModelError, UsageError

app = typer.Typer(
    name="blackstart",
    help="Resilience digital twin of an information system: what breaks when a data "
    "centre, a provider or a power feed fails, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

T = TypeVar("T")

ModelArg = Annotated[Path, typer.Argument(help="Model file or directory.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def _guard(as_json: bool, action: Callable[[], T]) -> T:
    """Run ``action``; turn user errors into a report and an exit code."""
    try:
        return action()
    except ModelError as exc:
        if as_json:
            _emit_json({"ok": False, "errors": [p.to_dict() for p in exc.problems]})
        else:
            render.problems(err, exc.problems)
        raise typer.Exit(1) from None
    except UsageError as exc:
        if as_json:
            _emit_json(
                {
                    "ok": False,
                    "errors": [
                        {"code": "usage", "message": exc.message, "suggestion": exc.suggestion}
                    ],
                }
            )
        else:
            err.print(
                f"[bold red]error:[/] {exc.message}"
                + (f" — [green]{exc.suggestion}[/]" if exc.suggestion else "")
            )
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"blackstart {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """blackstart: what breaks, why, and what to bring back first."""


@app.command()
def validate(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Load and check a model; report every problem with file, line and a suggestion."""
    m = _guard(as_json, lambda: api.load(model))
    if as_json:
        _emit_json(
            {
                "ok": True,
                "model": m.name,
                "model_hash": m.hash,
                "counts": api.show(m)["counts"],
                "errors": [],
            }
        )
    else:
        out.print(
            f"[green]✓[/] {m.name}: {len(m.components)} components, "
            f"{len(m.functions)} functions, {len(m.sites)} sites, "
            f"{len(m.providers)} providers, {len(m.scenarios)} scenarios — valid"
        )


@app.command()
def show(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Summarise a model: counts by kind, functions by tier, what each site hosts."""
    m = _guard(as_json, lambda: api.load(model))
    summary = api.show(m)
    if as_json:
        _emit_json(summary)
    else:
        render.show(out, summary)


@app.command()
def impact(
    model: ModelArg,
    fail: Annotated[
        list[str] | None,
        typer.Option(
            "--fail",
            "-f",
            help="What fails: site:NAME, provider:NAME or component:NAME (repeatable).",
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", help="A scenario of the model.", show_default=False),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What goes down when something fails, and why (causes and causal chain)."""
    if not fail and not scenario:
        raise typer.BadParameter(
            "give --fail REF (repeatable) or --scenario NAME", param_hint="--fail / --scenario"
        )
    m = _guard(as_json, lambda: api.load(model))
    report = _guard(as_json, lambda: api.impact(m, fail=fail, scenario=scenario))
    if as_json:
        _emit_json(report.to_dict())
    else:
        render.impact(out, report)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Write the JSON Schema of model files (for editor completion and checks)."""
    text = json.dumps(api.json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, "utf-8")
        err.print(f"JSON Schema written to {output}")


class Format(StrEnum):
    yaml = "yaml"
    json = "json"


@app.command()
def generate(
    components: Annotated[
        int, typer.Option("--components", "-n", min=50, help="Exact number of components.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    fmt: Annotated[Format, typer.Option("--format", help="File format.")] = Format.yaml,
) -> None:
    """Write a realistic layered model (sites → power → … → functions) for tests and
    benchmarks."""
    from blackstart.generate import generate_model, write_model

    data = generate_model(components, seed=seed)
    files = write_model(data, output, fmt=fmt.value)
    out.print(
        f"wrote {components} components, {len(data.get('functions', {}))} functions "
        f"in {len(files)} files to {output}"
    )


@app.command()
def demo() -> None:
    """Replay the seed incident on the bundled example and suggest what to try next."""
    path = api.example_path()
    m = _guard(False, lambda: api.load(path))
    sc = m.scenarios["colo-power-cut"]
    out.rule(f"[bold]{m.name}[/]")
    out.print(f"Scenario [bold]colo-power-cut[/]: {sc.description or ''}")
    out.print(
        f"Starts {m.scenario_start('colo-power-cut').isoformat()} and lasts "
        f"{sc.duration / 3600:g} h.\n"
    )
    render.impact(out, api.impact(m, scenario="colo-power-cut"), max_components=15)
    out.print("\n[bold]Try next:[/]")
    for line in (
        f"blackstart show {path}",
        f"blackstart impact {path} --scenario colo-site-loss",
        f"blackstart impact {path} --fail provider:global-switch --json",
        "blackstart generate --components 10000 -o /tmp/big && blackstart validate /tmp/big",
        "blackstart schema -o blackstart.schema.json   # editor completion for model files",
    ):
        out.print(f"  {line}")


def main() -> None:
    """Console-script entry point."""
    app()
