"""Commands that move models in and out: ``import`` (Backstage, NetBox, Mercator, CSV),
``template`` (empty CSV templates) and ``export`` (MEF, JSON, GraphML, DOT, BIA .xlsx).

Each command parses options, calls one importer or exporter, and renders; user errors
become the same problem table (or JSON ``errors``) and exit codes as every command.
:func:`register` adds them to the main application.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from blackstart.cli.options import JsonOpt, ModelArg, err, out
from blackstart.cli.options import emit_json as _emit_json
from blackstart.cli.options import guard as _guard

if TYPE_CHECKING:  # the importers (YAML) load with the commands that use them
    from blackstart.io.importing import ImportResult

import_app = typer.Typer(
    name="import",
    help="Make model files from what you already keep: a Backstage catalogue, a NetBox "
    "inventory, a Mercator cartography, a GLPI or iTop CMDB, CSV sheets. Re-importing "
    "rewrites the same file; keep your additions in an overlay (docs/import.md).",
    no_args_is_help=True,
)
template_app = typer.Typer(
    name="template", help="Write empty input templates to fill in.", no_args_is_help=True
)

OutputOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="Model file to write (or a directory: writes <source>.yaml in it).",
        show_default=False,
    ),
]


def _run(source: Path, output: Path, as_json: bool, reader: Callable[[Path], ImportResult]) -> None:
    from blackstart.io.importing import write_document

    result = _guard(as_json, lambda: reader(source))
    target, changed = write_document(result, output, source.name)
    if as_json:
        _emit_json(
            {
                "ok": True,
                "output": str(target),
                "changed": changed,
                "read": result.counts,
                "warnings": result.warnings,
                "errors": [],
            }
        )
        return
    out.print(f"[green]✓[/] {result.summary()}")
    out.print(f"{'wrote' if changed else 'unchanged:'} {target}")
    if result.warnings:
        err.print(f"[yellow]{len(result.warnings)} warning(s): source data not mapped[/]")
        for w in result.warnings:
            err.print(f"  {w}")


SourceArg = Annotated[Path, typer.Argument(help="Export file or directory.", show_default=False)]


@import_app.command("backstage")
def import_backstage(source: SourceArg, output: OutputOpt, as_json: JsonOpt = False) -> None:
    """A Backstage catalogue: catalog-info.yaml (multi-document) or a directory of them."""
    from blackstart.io.backstage import import_backstage as read

    _run(source, output, as_json, read)


@import_app.command("netbox")
def import_netbox(source: SourceArg, output: OutputOpt, as_json: JsonOpt = False) -> None:
    """A NetBox inventory: REST API JSON (one file keyed by endpoint, or a directory of
    sites.json, devices.json, power-feeds.json…), power chain included."""
    from blackstart.io.netbox import import_netbox as read

    _run(source, output, as_json, read)


@import_app.command("mercator")
def import_mercator(source: SourceArg, output: OutputOpt, as_json: JsonOpt = False) -> None:
    """A Mercator cartography: API JSON (one file keyed by endpoint, or a directory of
    applications.json, logical-servers.json…)."""
    from blackstart.io.mercator import import_mercator as read

    _run(source, output, as_json, read)


@import_app.command("glpi")
def import_glpi(
    output: OutputOpt,
    source: Annotated[
        Path | None,
        typer.Argument(
            help="Directory of saved API answers (<ItemType>.json), or nothing with --url.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="A live GLPI (its root or apirest.php), read-only; tokens from "
            "$GLPI_APP_TOKEN and $GLPI_USER_TOKEN.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A GLPI inventory: data centres, racks, PDUs, UPSes and generators, computers,
    network equipment, virtual machines, databases, appliances, locations, suppliers."""
    from blackstart.io import glpi

    if url is None:
        if source is None:
            err.print("[red]error:[/] give a directory of saved answers, or --url")
            raise typer.Exit(2)
        _run(source, output, as_json, glpi.import_glpi)
        return
    _run(Path(url), output, as_json, lambda _: _glpi_live(url))


def _glpi_live(url: str) -> ImportResult:
    import os

    from blackstart.errors import ModelError, Problem
    from blackstart.io import glpi, glpi_live
    from blackstart.io.importing import Importer

    user = os.environ.get(glpi_live.USER_TOKEN_VAR)
    if not user:
        raise ModelError(
            [
                Problem(
                    "missing-token",
                    f"${glpi_live.USER_TOKEN_VAR} is not set",
                    file=url,
                    suggestion="export GLPI_USER_TOKEN=… (My settings → Remote access keys) "
                    "and GLPI_APP_TOKEN=… (Setup → General → API) if your GLPI asks for one",
                )
            ]
        )
    data, notes = glpi_live.fetch(
        url, glpi.ITEMTYPES, app_token=os.environ.get(glpi_live.APP_TOKEN_VAR), user_token=user
    )
    imp = Importer("glpi")
    imp.notes.extend(notes)
    return glpi.build(glpi.records_from_data(data, url.rstrip("/")), imp)


@import_app.command("itop")
def import_itop(
    output: OutputOpt,
    source: Annotated[
        Path | None,
        typer.Argument(
            help="Directory of saved core/get answers (<Class>.json), or nothing with --url.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="A live iTop (its root or rest.php), read-only (core/get); credentials from "
            "$ITOP_USER and $ITOP_PASSWORD, or $ITOP_TOKEN.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """An iTop CMDB: locations, racks, power sources, PDUs, servers, network devices,
    hypervisors, farms, virtual machines, DB servers and schemas, application solutions
    and business processes, with iTop's impact relations as requirements."""
    from blackstart.io import itop

    if url is None:
        if source is None:
            err.print("[red]error:[/] give a directory of saved answers, or --url")
            raise typer.Exit(2)
        _run(source, output, as_json, itop.import_itop)
        return
    _run(Path(url), output, as_json, lambda _: _itop_live(url))


def _itop_live(url: str) -> ImportResult:
    import os

    from blackstart.io import itop, itop_live
    from blackstart.io.importing import Importer

    if token := os.environ.get(itop_live.TOKEN_VAR):
        auth = {"auth_token": token}
    elif (user := os.environ.get(itop_live.USER_VAR)) is not None:
        auth = {"auth_user": user, "auth_pwd": os.environ.get(itop_live.PASSWORD_VAR, "")}
    else:
        raise itop.fail(
            url,
            f"neither ${itop_live.TOKEN_VAR} nor ${itop_live.USER_VAR} is set",
            "export ITOP_USER=… ITOP_PASSWORD=… (a user with the REST Services User profile)",
        )
    answers = itop_live.fetch(url, itop.CLASSES, auth=auth)
    imp = Importer("itop")
    return itop.build(itop.records_from_answers(answers, url.rstrip("/"), imp), imp)


@import_app.command("csv")
def import_csv(
    source: Annotated[Path, typer.Argument(help="Directory of CSV files.", show_default=False)],
    output: OutputOpt,
    as_json: JsonOpt = False,
) -> None:
    """CSV sheets named like the templates (components.csv, dependencies.csv,
    functions.csv, teams.csv, sites.csv, providers.csv)."""
    from blackstart.io.csv_import import import_csv as read

    _run(source, output, as_json, read)


@template_app.command("csv")
def template_csv(
    directory: Annotated[Path, typer.Argument(help="Directory to write.", show_default=False)],
) -> None:
    """Empty CSV templates (header rows) and a README.md explaining every column."""
    from blackstart.io.csv_templates import write_templates

    files = write_templates(directory)
    out.print(f"wrote {len(files)} files to {directory}: " + ", ".join(f.name for f in files))


class ExportFormat(StrEnum):
    mef = "mef"
    json = "json"
    graphml = "graphml"
    dot = "dot"
    xlsx = "xlsx"


_SUFFIX = {
    ".xml": "mef",
    ".json": "json",
    ".graphml": "graphml",
    ".dot": "dot",
    ".gv": "dot",
    ".xlsx": "xlsx",
}


def export(
    model: ModelArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="mef: fault trees (Open-PSA MEF XML); json: the model as one document; "
            "graphml, dot: the dependency graph; xlsx: business impact analysis workbook. "
            "Default: from the output's suffix, else mef.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export a model: fault trees (MEF), one JSON document, the dependency graph
    (GraphML, DOT) or the business impact analysis workbook (xlsx)."""
    from blackstart import api
    from blackstart.model.load import load_document

    kind = fmt.value if fmt else _SUFFIX.get(output.suffix.lower(), "mef")
    m, doc = _guard(False, lambda: load_document(model))
    if kind == "mef":
        from blackstart.io.mef_export import write_mef
        from blackstart.model.faulttree import model_fault_tree

        tree, unknown = model_fault_tree(m, api.compile_model(m))
        write_mef(tree, output)
        err.print(
            f"wrote {len(tree.tops)} top events, {len(tree.gates)} gates and "
            f"{len(tree.events)} basic events to {output}"
            + (f" ({len(unknown)} without failure data, probability 0)" if unknown else "")
        )
    elif kind == "json":
        output.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
        err.print(f"wrote the model as one JSON document to {output}")
    elif kind in ("graphml", "dot"):
        from blackstart.report.graph_export import model_graph, to_dot, to_graphml

        view = model_graph(m)
        output.write_text((to_graphml if kind == "graphml" else to_dot)(view), "utf-8")
        err.print(f"wrote {len(view.nodes)} nodes and {len(view.edges)} edges to {output}")
    else:
        from blackstart.report.bia import write_bia

        n = write_bia(m, output)
        err.print(f"wrote the business impact analysis of {n} functions to {output}")


def register(app: Any) -> None:
    """Add ``import``, ``template`` and ``export`` to the main application."""
    app.add_typer(import_app)
    app.add_typer(template_app)
    app.command("export")(export)
