"""Command definitions. Each command parses options, calls :mod:`blackstart.api`, and
renders; user errors become a table (or JSON ``errors``) and an exit code:
0 ok, 1 model or input error, 2 usage error. Tracebacks only for internal bugs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from blackstart import __version__
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
# piped output is not cut to 80 columns: tables stay whole for grep and less
out = Console(
    highlight=False,
    soft_wrap=False,
    width=None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140")),
)
err = Console(stderr=True, highlight=False)

T = TypeVar("T")

ModelArg = Annotated[Path, typer.Argument(help="Model file or directory.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def _present(as_json: bool, payload: Any, renderer: Callable[[Console, Any], None]) -> None:
    """Print ``payload`` as JSON, or hand it to its Rich renderer."""
    if as_json:
        _emit_json(payload)
    else:
        renderer(out, payload)


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
    from blackstart import api

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
    from blackstart import api

    m = _guard(as_json, lambda: api.load(model))
    summary = api.show(m)
    _present(as_json, summary, render.show)


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
    from blackstart import api

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


ScenarioOpt = Annotated[
    str, typer.Option("--scenario", "-s", help="A scenario of the model.", show_default=False)
]


@app.command()
def plan(
    model: ModelArg,
    scenario: ScenarioOpt,
    optimize: Annotated[
        bool,
        typer.Option(
            "--optimize", help="Also solve with OR-Tools CP-SAT and keep the better plan."
        ),
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="CP-SAT time limit, seconds.")
    ] = 10.0,
    as_json: JsonOpt = False,
) -> None:
    """The recovery plan: who restarts and verifies what, when; when each function is
    back, and its critical path."""
    from blackstart import api, planning

    m = _guard(as_json, lambda: api.load(model))
    report = _guard(
        as_json, lambda: planning.plan(m, scenario, optimize_plan=optimize, time_limit_s=time_limit)
    )
    _present(as_json, report.to_dict(), render.plan)


@app.command()
def forecast(
    model: ModelArg,
    scenario: ScenarioOpt,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="When the progress below was known: ISO time (scenario time zone "
            "unless it has an offset) or +DURATION after the start.",
            show_default=False,
        ),
    ] = None,
    done: Annotated[
        list[str] | None,
        typer.Option(
            "--done",
            help="A task done (component/action, or a component for all its steps), "
            "optionally @TIME; repeatable.",
            show_default=False,
        ),
    ] = None,
    started: Annotated[
        list[str] | None,
        typer.Option(
            "--started",
            help="A task in progress since TIME: TASK@TIME; repeatable.",
            show_default=False,
        ),
    ] = None,
    on_plan: Annotated[
        bool,
        typer.Option(
            "--on-plan",
            help="Take the steps the plan finishes before --as-of as done (and "
            "those it has running as started); then correct with --done / --started.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Honest ETAs: P50 / P80 / P95 restoration per function, per tier and for everything,
    RTO breach and degraded-mode exhaustion probabilities; re-forecast from progress."""
    from rich.progress import Progress

    from blackstart import api, planning

    m = _guard(as_json, lambda: api.load(model))
    with Progress(console=err, transient=True, disable=as_json or runs < 5000) as bar:
        task = bar.add_task("forecast", total=runs)
        report = _guard(as_json, lambda: planning.run_forecast(
            m, scenario, runs=runs, seed=seed, as_of=as_of, done=done or [],
            started=started or [], on_plan=on_plan,
            on_progress=lambda d, t: bar.update(task, completed=d)))  # fmt: skip
    _present(as_json, report.to_dict(), render.forecast)


@app.command()
def explain(
    model: ModelArg,
    scenario: ScenarioOpt,
    function: Annotated[
        str, typer.Option("--function", "-F", help="The function to explain.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Why a function comes back when it does: its critical path, split into waiting for
    a dependency, waiting for a person, working and verifying."""
    from blackstart import api, planning

    m = _guard(as_json, lambda: api.load(model))
    report = _guard(as_json, lambda: planning.explain(m, scenario, function))
    _present(as_json, report, render.explain)


@app.command()
def concentration(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Per provider, site, owner group and jurisdiction: the functions and tiers lost if
    it fails; non-EU jurisdictions flagged for health-data hosting."""
    from blackstart import api, resilience

    m = _guard(as_json, lambda: api.load(model))
    payload = resilience.concentration(m)
    _present(as_json, payload, render.concentration)


TreeArg = Annotated[
    list[Path],
    typer.Argument(
        help="A YAML model (file or directory; targets are its functions) or Open-PSA MEF .xml "
        "files (targets are the top gates).",
        show_default=False,
    ),
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        "-t",
        help="A function or top gate (repeatable; default: all).",
        show_default=False,
    ),
]


@app.command()
def cutsets(
    model: TreeArg,
    target: TargetOpt = None,
    max_order: Annotated[
        int | None,
        typer.Option(
            "--max-order", min=1, help="Drop cut sets with more events.", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Cut sets listed per target.")] = 20,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="bdd: from the BDD (any tree, any order); zbdd: bottom-up, truncated at "
            "--max-order, for coherent trees whose BDD is out of reach; auto: zbdd up to "
            "order 4, else bdd.",
        ),
    ] = "auto",
    as_json: JsonOpt = False,
) -> None:
    """Minimal cut sets of each target (prime implicants for non-coherent trees), counted
    without enumerating them."""
    from blackstart import resilience

    tree = _guard(as_json, lambda: resilience.load_tree(model))
    payload = _guard(as_json, lambda: resilience.cutsets(tree, target, max_order=max_order,
                                                         limit=limit, method=method))  # fmt: skip
    _present(as_json, payload, render.cutsets)


@app.command()
def probability(model: TreeArg, target: TargetOpt = None, as_json: JsonOpt = False) -> None:
    """Exact top-event probability (BDD; a sentential decision diagram where no BDD fits,
    then without the approximations), with the rare-event and min-cut upper bound
    approximations."""
    from blackstart import resilience

    tree = _guard(as_json, lambda: resilience.load_tree(model))
    payload = _guard(as_json, lambda: resilience.probabilities(tree, target))
    _present(as_json, payload, render.probabilities)


@app.command()
def importance(
    model: TreeArg,
    target: Annotated[
        str, typer.Option("--target", "-t", help="A function or top gate.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Birnbaum, Fussell–Vesely, criticality, RAW and RRW of every basic event."""
    from blackstart import resilience

    tree = _guard(as_json, lambda: resilience.load_tree(model))
    payload = _guard(as_json, lambda: resilience.importance_of(tree, target))
    _present(as_json, payload, render.importance)


@app.command()
def spof(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Per function, ranked by tier: single points of failure, and redundant pairs that
    share a site, provider or team."""
    from blackstart import api, resilience

    m = _guard(as_json, lambda: api.load(model))
    payload = resilience.spof(m)
    _present(as_json, payload, render.spof)


@app.command()
def availability(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Each function's unavailability and expected downtime per year, from the
    components' MTBF and MTTR (or failure probability)."""
    from blackstart import api, resilience

    m = _guard(as_json, lambda: api.load(model))
    payload = resilience.availability(m)
    _present(as_json, payload, render.availability)


@app.command()
def improve(
    model: ModelArg,
    budget: Annotated[
        int, typer.Option("--budget", "-n", min=1, help="How many changes to list.")
    ] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Resilience changes (a redundant peer in another site, a move, a power source of its
    own for one of a redundant pair) ranked by the expected vital and care downtime they
    remove."""
    from blackstart import api, resilience

    m = _guard(as_json, lambda: api.load(model))
    payload = resilience.improve(m, budget=budget)
    _present(as_json, payload, render.improve)


@app.command()
def serve(
    model: ModelArg,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL: a SQLite file (default ./blackstart.db) or postgresql+psycopg://…",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    publish_to: Annotated[
        str | None,
        typer.Option(
            "--publish-to",
            help="Also publish the public status off-site (a directory or sftp://user@host/path)"
            " at start and after every incident change.",
            show_default=False,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            "--smtp",
            help="HOST:PORT of an SMTP server: the public page then offers e-mail "
            "subscriptions (double opt-in, one-click unsubscribe).",
            show_default=False,
        ),
    ] = None,
    mail_from: Annotated[
        str, typer.Option("--mail-from", help="Sender of the status mails.")
    ] = "status@localhost",
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The address the public reaches this server at (links in mails); "
            "default http://HOST:PORT.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the dashboard (overview, what-if, plan, resilience) and its JSON API."""
    import uvicorn

    from blackstart.store import StoreError
    from blackstart.web import create_app

    def start() -> Any:
        try:
            mail = None
            if smtp is not None:
                from blackstart.web.subscriptions import MailConfig, parse_smtp

                smtp_host, smtp_port = parse_smtp(smtp)
                url = public_url or f"http://{host}:{port}"
                mail = MailConfig(smtp_host, smtp_port, mail_from, url)
            return create_app(model, db, publish_to=publish_to, mail=mail)
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None

    web_app = _guard(False, start)
    from blackstart.cli.incidents import check_open_access

    _guard(False, lambda: check_open_access(host, web_app.state.auth.users_exist()))
    store = web_app.state.dashboard.store
    err.print(f"store: {store.path or store.url}")
    err.print(f"dashboard: http://{host}:{port}/  (JSON API under /api/, schema /openapi.json)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@app.command()
def sweep(
    model: ModelArg,
    over: Annotated[
        str | None,
        typer.Option(
            "--over",
            help="What fails, comma-separated: site, provider, power (power sources), team "
            "(a team away during --incident).  [default: site,provider,power,team]",
            show_default=False,
        ),
    ] = None,
    durations: Annotated[
        str, typer.Option("--durations", help="Outage (or team absence) durations.")
    ] = "1h,4h,24h",
    starts: Annotated[
        str,
        typer.Option(
            "--starts",
            help="Start times: weekday and local time (in the week of the model's first "
            "scenario) or ISO date-times.",
        ),
    ] = "Mon 10:00,Sat 11:00,Tue 03:00",
    incident: Annotated[
        str | None,
        typer.Option(
            "--incident",
            help="The scenario whose failures team rows recover from (default: the model's first).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs per scenario.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Master random seed.")] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run on a Dask cluster: tcp://HOST:PORT, or 'local' for a 2-worker "
            "LocalCluster. Default: this machine's cores.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Local processes (default: all cores).", show_default=False
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL for results as they arrive: a SQLite file (default "
            "./blackstart.db) or postgresql+psycopg://…",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the same sweep (same model and parameters) "
            "from the store instead of starting it afresh.",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the JSON matrix to this file.", show_default=False
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Write a self-contained HTML report with heat maps.", show_default=False
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown in the table.")] = 25,
    as_json: JsonOpt = False,
) -> None:
    """Risk sweep: every site, provider, power source and team × durations × start
    times, each a Monte Carlo forecast; ranked by expected care-hours lost."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from blackstart import api
    from blackstart.cli.render_sweep import sweep as render_sweep
    from blackstart.report import sweep_html
    from blackstart.store import StoreError, open_store
    from blackstart.sweep import SweepInterrupted, parse_axes, run_sweep

    m = _guard(as_json, lambda: api.load(model))
    axes = _guard(
        as_json,
        lambda: parse_axes(
            m,
            over=over or "site,provider,power,team",
            durations=durations,
            starts=starts,
            incident=incident,
            over_given=over is not None,
        ),
    )

    def opened() -> Any:
        try:
            return open_store(db)
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None

    store = _guard(as_json, opened)
    columns = (
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("sweep", total=None)
            report = _guard(
                as_json,
                lambda: run_sweep(
                    m,
                    axes,
                    runs=runs,
                    seed=seed,
                    store=store,
                    resume=resume,
                    dask=dask,
                    workers=workers,
                    on_progress=lambda d, t: bar.update(task, completed=d, total=t),
                ),
            )
    except SweepInterrupted as exc:
        err.print(
            f"[yellow]interrupted:[/] {exc.done} of {exc.total} scenarios kept in "
            f"{store.path or store.url}; run the same command with --resume to continue"
        )
        raise typer.Exit(130) from None
    finally:
        store.close()
    payload = report.to_dict()
    if output is not None:
        output.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        err.print(f"matrix written to {output}")
    if html is not None:
        html.write_text(sweep_html(payload), "utf-8")
        err.print(f"HTML report written to {html}")
    _present(as_json, payload, lambda c, p: render_sweep(c, p, top=top))


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Write the JSON Schema of model files (for editor completion and checks)."""
    from blackstart import api

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
    establishments: Annotated[
        int,
        typer.Option(
            "--establishments",
            "-k",
            min=1,
            help="A region: this many hospital groups sharing providers and colocation "
            "sites (functions name their establishment: g1, g2, …).",
        ),
    ] = 1,
) -> None:
    """Write a realistic layered model (sites → power → … → functions) for tests and
    benchmarks."""
    from blackstart.generate import MIN_COMPONENTS, generate_model, write_model

    def check() -> None:
        if components < MIN_COMPONENTS * establishments:
            raise UsageError(
                f"{components} components cannot make {establishments} establishments",
                suggestion=f"give at least --components {MIN_COMPONENTS * establishments} "
                f"({MIN_COMPONENTS} per establishment)",
            )

    _guard(False, check)
    data = generate_model(components, seed=seed, establishments=establishments)
    files = write_model(data, output, fmt=fmt.value)
    out.print(
        f"wrote {components} components, {len(data.get('functions', {}))} functions "
        + (f"of {establishments} establishments " if establishments > 1 else "")
        + f"in {len(files)} files to {output}"
    )


@app.command()
def demo(
    serve_after: Annotated[
        bool,
        typer.Option("--serve", help="Then serve the dashboard on the example (127.0.0.1:8000)."),
    ] = False,
) -> None:
    """Replay the seed incident on the bundled example and suggest what to try next."""
    from blackstart import api

    path = api.example_path()
    m = _guard(False, lambda: api.load(path))
    shown = os.path.relpath(os.path.realpath(path))
    shown = shown if not shown.startswith("..") else str(path)
    sc = m.scenarios["colo-power-cut"]
    out.rule(f"[bold]{m.name}[/]")
    out.print(f"Scenario [bold]colo-power-cut[/]: {sc.description or ''}")
    out.print(
        f"Starts {m.scenario_start('colo-power-cut').isoformat()} and lasts "
        f"{sc.duration / 3600:g} h.\n"
    )
    render.impact(out, api.impact(m, scenario="colo-power-cut"), max_components=15)
    from blackstart import planning

    out.rule("[bold]When will it be back?[/]")
    ctx = planning.context(m, "colo-power-cut")
    fc = planning.run_forecast(m, "colo-power-cut", runs=10_000, seed=0, ctx=ctx).to_dict()
    render.forecast(out, fc)
    care = [f for f in fc["functions"] if f["tier"] == "care" and f["was_down"]]
    slowest = max(care, key=lambda f: f["p50"])["id"]
    out.rule(f"[bold]Why {slowest} takes so long[/]")
    render.explain(out, planning.explain(m, "colo-power-cut", slowest, graph=ctx.graph))
    out.print("\n[bold]Try next:[/]")
    for line in (
        f"blackstart show {shown}",
        f"blackstart impact {shown} --scenario colo-site-loss",
        f"blackstart impact {shown} --fail provider:global-switch --json",
        f"blackstart spof {shown}   # single points of failure and shared buildings",
        f"blackstart concentration {shown}",
        f"blackstart improve {shown} --budget 5",
        f"blackstart plan {shown} --scenario colo-power-cut --optimize",
        f"blackstart explain {shown} -s colo-power-cut --function lab-results",
        f"blackstart forecast {shown} -s colo-power-cut --as-of 2024-08-04T12:00 --on-plan "
        "--started db-lis@2024-08-04T11:30",
        f"blackstart sweep {shown} --runs 200 --html risk.html   # the whole risk matrix",
        f"blackstart export {shown} -o bia.xlsx   # business impact analysis workbook",
        "blackstart generate --components 10000 -o /tmp/big && blackstart validate /tmp/big",
        "blackstart schema -o blackstart.schema.json   # editor completion for model files",
        "blackstart demo --serve   # the dashboard: explorer, what-if, plan, incidents, /status",
    ):
        out.print(f"  {line}")
    if serve_after:
        out.print("\nDashboard on the example: [bold]http://127.0.0.1:8000/[/] (Ctrl-C to stop)")
        serve(path)


from blackstart.cli.importing import register  # noqa: E402 (import, template, export)

register(app)


def main() -> None:
    """Console-script entry point."""
    app()


from blackstart.cli import incidents as _incidents  # noqa: E402  (needs _guard above)

app.add_typer(_incidents.user_app)

from blackstart.cli.pcra import pcra as _pcra  # noqa: E402  (needs _guard above)

app.command("pcra")(_pcra)
app.command("export-html")(_incidents.export_html)

from blackstart.cli.status import status_app as _status_app  # noqa: E402  (needs _guard above)

app.add_typer(_status_app)
