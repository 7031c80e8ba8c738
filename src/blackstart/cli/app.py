"""Command definitions. Each command parses options, calls :mod:`blackstart.api`, and
renders; user errors become a table (or JSON ``errors``) and an exit code:
0 ok, 1 model or input error, 2 usage error. Tracebacks only for internal bugs.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from blackstart import __version__
from blackstart.cli import render
from blackstart.cli.lang import set_lang
from blackstart.cli.options import JsonOpt, ModelArg, err, out, set_options, use_cache
from blackstart.cli.options import emit_json as _emit_json
from blackstart.cli.options import guard as _guard
from blackstart.cli.options import load_model as _load
from blackstart.cli.options import present as _present
from blackstart.errors import UsageError
from blackstart.faulttrees import PRIME_IMPLICANT_NODES

app = typer.Typer(
    name="blackstart",
    help="Resilience digital twin of an information system: what breaks when a data "
    "centre, a provider or a power feed fails, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"blackstart {__version__}")
        raise typer.Exit()


class Lang(StrEnum):
    fr = "fr"
    en = "en"


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Read and validate the model files again instead of taking the "
            "compiled model from the cache (blackstart cache --help).",
        ),
    ] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="Lay tables out for a wide terminal (200 columns).")
    ] = False,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help="Language of the human output (JSON never changes); default: from "
            "BLACKSTART_LANG, LC_ALL, LC_MESSAGES or LANG (fr_FR.UTF-8: French), else English.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """blackstart: what breaks, why, and what to bring back first."""
    set_options(no_cache=no_cache, wide=wide)
    set_lang(lang.value if lang else None)


@app.command()
def validate(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Load and check a model; report every problem with file, line and a suggestion."""
    from blackstart import api

    m = _load(model, as_json)
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

    m = _load(model, as_json)
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
    m = _load(model, as_json)
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
    from blackstart import planning

    m = _load(model, as_json)
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
    no_learn: Annotated[
        bool,
        typer.Option(
            "--no-learn",
            help="Sample the model's durations as written: no pace prior, no learning "
            "from the progress (for comparison).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Honest ETAs: P50 / P80 / P95 restoration per function, per tier and for everything,
    RTO breach and degraded-mode exhaustion probabilities; re-forecast from progress,
    learning the pace of the work from the steps done and running (docs/learning.md)."""
    from rich.progress import Progress

    from blackstart import planning

    m = _load(model, as_json)
    with Progress(console=err, transient=True, disable=as_json or runs < 5000) as bar:
        task = bar.add_task("forecast", total=runs)
        report = _guard(as_json, lambda: planning.run_forecast(
            m, scenario, runs=runs, seed=seed, as_of=as_of, done=done or [],
            started=started or [], on_plan=on_plan, learn=not no_learn,
            on_progress=lambda d, t: bar.update(task, completed=d)))  # fmt: skip
    _present(as_json, report.to_dict(), render.forecast)


@app.command()
def explain(
    model: ModelArg,
    scenario: ScenarioOpt,
    function: Annotated[
        str,
        typer.Option(
            "--function",
            "-F",
            help="The function to explain, or FUNCTION@PLACE at one of its places of delivery.",
            show_default=False,
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Why a function comes back when it does: its critical path, split into waiting for
    a dependency, waiting for a person, working and verifying."""
    from blackstart import planning

    m = _load(model, as_json)
    report = _guard(as_json, lambda: planning.explain(m, scenario, function))
    _present(as_json, report, render.explain)


@app.command()
def concentration(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Per provider, site, owner group and jurisdiction: the functions and tiers lost if
    it fails; non-EU jurisdictions flagged for health-data hosting."""
    from blackstart import resilience

    m = _load(model, as_json)
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
        help="A function, a function at one of its places of delivery "
        "(FUNCTION@PLACE, e.g. lab-results@hospital-west), or a top gate of MEF files "
        "(repeatable; default: all functions).",
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
    prime_implicants: Annotated[
        bool,
        typer.Option(
            "--prime-implicants",
            help="Non-coherent trees: count the prime implicants (failed and working "
            "events) instead of the minimal solutions; not listed, within --budget.",
        ),
    ] = False,
    budget: Annotated[
        int,
        typer.Option(
            "--budget", min=1, help="Nodes allowed to --prime-implicants (BDD, then ZBDD)."
        ),
    ] = PRIME_IMPLICANT_NODES,
    as_json: JsonOpt = False,
) -> None:
    """Minimal cut sets of each target, counted without enumerating them. For trees with
    negations (not, xor...), the minimal solutions, as SCRAM gives: the minimal sets of
    failed events that make the target fail while every other event works."""
    from blackstart.cli import fast

    _exit(fast.run("cutsets", model=model, target=target, max_order=max_order, limit=limit,
                   method=method, prime_implicants=prime_implicants, budget=budget,
                   as_json=as_json))  # fmt: skip


@app.command()
def probability(
    model: TreeArg,
    target: TargetOpt = None,
    approximations: Annotated[
        bool,
        typer.Option(
            "--approximations",
            help="Also the rare-event and min-cut upper bound approximations (builds the "
            "minimal cut sets).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Exact top-event probability, module by module (BDD; a sentential decision diagram
    where no BDD fits). Builds no cut set unless --approximations asks."""
    from blackstart.cli import fast

    _exit(fast.run("probability", model=model, target=target, approximations=approximations,
                   as_json=as_json))  # fmt: skip


@app.command()
def importance(
    model: TreeArg,
    target: Annotated[
        str, typer.Option("--target", "-t", help="A function or top gate.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Birnbaum, Fussell–Vesely, criticality, RAW and RRW of every basic event."""
    from blackstart.cli import fast

    _exit(fast.run("importance", model=model, target=target, as_json=as_json))


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


@app.command()
def spof(model: ModelArg, target: TargetOpt = None, as_json: JsonOpt = False) -> None:
    """Per function (or FUNCTION@PLACE target), ranked by tier: single points of failure,
    and redundant pairs that share a site, provider or team."""
    from blackstart import resilience

    m = _load(model, as_json)
    payload = _guard(as_json, lambda: resilience.spof(m, target))
    _present(as_json, payload, render.spof)


@app.command()
def availability(model: ModelArg, as_json: JsonOpt = False) -> None:
    """Each function's unavailability and expected downtime per year, from the
    components' MTBF and MTTR (or failure probability)."""
    from blackstart import resilience

    m = _load(model, as_json)
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
    """Resilience changes ranked by the expected vital and care downtime they remove per
    unit of cost: a standby in another hosting site or a move there, a second link to
    another site, a second unit of building infrastructure (power, UPS, generator,
    cooling) in its own building, a power source of its own for one of a redundant pair.
    Each function's downtime is weighed by the share of its places of delivery reached;
    costs come from the model's costs: section (1 per change otherwise)."""
    from blackstart import advice

    m = _load(model, as_json)
    payload = advice.improve(m, budget=budget)
    _present(as_json, payload, render.improve)


@app.command()
def serve(
    model: ModelArg,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store: a SQLite file path or URL (default ./blackstart.db) or "
            "postgresql+psycopg://USER@HOST/DB",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    alert_map: Annotated[
        Path | None,
        typer.Option(
            "--alert-map", help="Alert mapping file: alert labels -> elements.", show_default=False
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="Address or network of a reverse proxy whose X-Forwarded-For/-Proto/-Host "
            "are believed (repeatable); from anyone else they are ignored.",
            show_default=False,
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Host name served besides loopback while the store has no user (repeatable).",
            show_default=False,
        ),
    ] = None,
    publish_to: Annotated[
        str | None,
        typer.Option(
            "--publish-to",
            help="Also publish the public status off-site (a directory, sftp://user@host/path"
            " or s3://bucket/prefix) at start and after every incident change.",
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
            help="The address the public reaches this server at (links in mails and SMS); "
            "default http://HOST:PORT.",
            show_default=False,
        ),
    ] = None,
    sms_gateway: Annotated[
        str | None,
        typer.Option(
            "--sms-gateway",
            help="URL of an HTTP SMS gateway: the public page then offers SMS subscriptions "
            "(code by SMS, STOP link). Its token from BLACKSTART_SMS_TOKEN.",
            show_default=False,
        ),
    ] = None,
    sms_format: Annotated[
        str,
        typer.Option("--sms-format", help="Request shape of the gateway: generic or brevo."),
    ] = "generic",
    sms_sender: Annotated[
        str, typer.Option("--sms-sender", help="Sender name of the SMS (at most 11 characters).")
    ] = "Status",
    sms_rate: Annotated[
        float, typer.Option("--sms-rate", help="SMS per second at most (the gateway's limit).")
    ] = 10.0,
) -> None:
    """Serve the dashboard (overview, what-if, plan, resilience) and its JSON API."""
    import uvicorn

    from blackstart.model import cache
    from blackstart.store import StoreError
    from blackstart.web import create_app
    from blackstart.web.security import server_config

    cache.set_enabled(use_cache())

    def start() -> Any:
        try:
            mail = None
            if smtp is not None:
                from blackstart.web.subscriptions import MailConfig, parse_smtp

                smtp_host, smtp_port = parse_smtp(smtp)
                url = public_url or f"http://{host}:{port}"
                mail = MailConfig(smtp_host, smtp_port, mail_from, url)
            gateway = None
            if sms_gateway is not None:
                from blackstart.web.sms_gateway import config_from

                gateway = config_from(sms_gateway, sms_format, sms_sender, sms_rate)
            return create_app(
                model,
                db,
                trusted_proxies=trusted_proxy or (),
                allowed_hosts=allowed_host or (),
                publish_to=publish_to,
                mail=mail,
                sms=gateway,
                public_url=public_url or f"http://{host}:{port}",
            )
        except StoreError as exc:
            raise UsageError(exc.message, suggestion=exc.suggestion) from None
        except ValueError as exc:
            raise UsageError(str(exc), suggestion="e.g. --trusted-proxy 10.0.0.5") from None

    web_app = _guard(False, start)
    if alert_map is not None:
        from blackstart.cli.diagnosing import load_alert_map

        _guard(False, lambda: load_alert_map(web_app, alert_map))
    from blackstart.web import assets

    absent = assets.fetch(lambda line: err.print(line)) if assets.missing() else []
    if absent:
        err.print(f"[yellow]warning:[/] {assets.advice(absent)}")
    from blackstart.cli.incidents import check_open_access

    _guard(False, lambda: check_open_access(host, web_app.state.auth.users_exist()))
    store = web_app.state.dashboard.store
    err.print(f"store: {store.path or store.url}")
    err.print(f"dashboard: http://{host}:{port}/  (JSON API under /api/, schema /openapi.json)")
    uvicorn.Server(server_config(web_app, host=host, port=port)).run()


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
            help="Where results are stored as they arrive: a SQLite file path or URL, or "
            "postgresql+psycopg://USER@HOST/DB  [default: sweeps.db in the user data directory]",
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

    from blackstart.cli.render_sweep import sweep as render_sweep
    from blackstart.report import sweep_html
    from blackstart.store import StoreError, open_store
    from blackstart.sweep import SweepInterrupted, parse_axes, run_sweep

    m = _load(model, as_json)
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
            from blackstart.store.store import sweep_url

            return open_store(db or sweep_url())
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
    """Write a realistic layered model (sites, power, network, storage, compute, VMs,
    databases, applications, functions) for tests and benchmarks."""
    from blackstart.generate import MIN_COMPONENTS, generate_model, write_model

    if components < MIN_COMPONENTS * establishments:
        raise typer.BadParameter(
            f"{components} components cannot make {establishments} establishments: give at "
            f"least --components {MIN_COMPONENTS * establishments} ({MIN_COMPONENTS} per "
            "establishment)",
            param_hint="--components",
        )
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
    """Replay the seed incident on the bundled example: what goes down and why, the plan
    and the forecast, and what a continuity manager would do next."""
    from blackstart import api

    path = api.example_path()
    m = _load(path)
    shown = os.path.relpath(os.path.realpath(path))
    shown = shown if not shown.startswith("..") else str(path)
    from blackstart.cli.demo import run

    run(out, m, shown)
    if serve_after:
        out.print("\nDashboard on the example: [bold]http://127.0.0.1:8000/[/] (Ctrl-C to stop)")
        serve(path)


cache_app = typer.Typer(
    name="cache",
    help="The compiled-model cache: models read once are taken from it while their "
    "files are unchanged.",
    no_args_is_help=True,
)


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cached model."""
    from blackstart.model import cache

    files, size = cache.clear()
    out.print(f"removed {files} files ({size / 1e6:.1f} MB) from {cache.cache_dir()}")


@cache_app.command("info")
def cache_info(as_json: JsonOpt = False) -> None:
    """Where the cache is and what it holds."""
    from blackstart.model import cache

    info = {**cache.describe(), "enabled": use_cache()}
    if as_json:
        _emit_json(info)
    else:
        out.print(
            f"{info['directory']}: {info['entries']} models, {info['bytes'] / 1e6:.1f} MB"
            + ("" if info["enabled"] else " (off: --no-cache or $BLACKSTART_NO_CACHE)")
        )


app.add_typer(cache_app)

from blackstart.cli import incidents as _incidents  # noqa: E402
from blackstart.cli.help import polish  # noqa: E402
from blackstart.cli.importing import register  # noqa: E402 (import, template, export)

register(app)
app.add_typer(_incidents.user_app)
app.add_typer(_incidents.audit_app)
app.command("export-html")(_incidents.export_html)

from blackstart.cli import diagnosing as _diagnosing  # noqa: E402
from blackstart.cli import learning as _learning  # noqa: E402
from blackstart.cli.pcra import pcra as _pcra  # noqa: E402

app.command("pcra")(_pcra)
app.command("diagnose")(_diagnosing.diagnose)
app.add_typer(_diagnosing.integration_app)
app.command("backtest")(_learning.backtest)
app.command("calibrate")(_learning.calibrate)

from blackstart.cli.status import status_app as _status_app  # noqa: E402

app.add_typer(_status_app)
polish(app)


def main() -> None:
    """Console-script entry point (:func:`blackstart.cli.fast.main`: Typer is imported
    only for commands other than the fault-tree ones, or to parse what they cannot)."""
    from blackstart.cli.fast import main as fast_main

    fast_main()
