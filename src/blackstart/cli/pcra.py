"""``blackstart pcra``: write continuity and recovery plans (PCRA) as .docx or .html.

Parses options, loads the model, reads the exercises from the store when ``--db`` is
given, and hands the figures (:mod:`blackstart.report.pcra`) to the writer
(:mod:`blackstart.report.pcra_files`). ``--all`` writes one plan per function, an
``index.html`` and the BIA workbook ``bia.xlsx``. Computes nothing itself.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from blackstart.cli.options import ModelArg, err
from blackstart.cli.options import guard as _guard
from blackstart.errors import UsageError


class Lang(StrEnum):
    fr = "fr"
    en = "en"


def _drills(db: str | None, function: str) -> list[dict[str, Any]] | None:
    if db is None:
        return None
    from blackstart.cli.incidents import _open
    from blackstart.report.pcra_checks import drill_history

    return drill_history(_open(db).incidents(), function)


def pcra(
    model: ModelArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="FILE.docx or FILE.html; a directory with --all.",
            show_default=False,
        ),
    ],
    function: Annotated[
        str | None,
        typer.Option("--function", "-f", help="The function the plan is for.", show_default=False),
    ] = None,
    place: Annotated[
        str | None,
        typer.Option(
            "--place",
            help="The place (a site today) the plan is for: whether losing "
            "it interrupts the function. Places of delivery (FUNCTION@PLACE) apply once "
            "the model has them.",
            show_default=False,
        ),
    ] = None,
    all_functions: Annotated[
        bool, typer.Option("--all", help="One plan per function, an index and the BIA workbook.")
    ] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the plan.")] = Lang.fr,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL to read the exercise history from (drills).", show_default=False
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", min=1, help="Monte Carlo runs per scenario.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Write the continuity and recovery plan (PCRA) of a function: scope, BIA,
    dependencies and single points of failure, degraded procedure, recovery order with
    teams and contacts, forecast per scenario, gaps and changes, tests and exercises,
    sign-off. In French by default."""
    from blackstart import api
    from blackstart.report import pcra as data_mod
    from blackstart.report import pcra_files

    m = _guard(False, lambda: api.load(model))
    if all_functions:
        if function is not None:
            err.print("[red]error:[/] give --function or --all, not both")
            raise typer.Exit(2)
        written = _guard(False, lambda: _write_all(m, output, lang.value, place, db, runs, seed))
        err.print(f"wrote {written} plans, index.html and bia.xlsx to {output}")
        return
    if function is None:
        err.print("[red]error:[/] give --function F (or --all)")
        raise typer.Exit(2)
    if output.suffix.lower() not in (".docx", ".html", ".htm"):
        _guard(False, lambda: _bad_suffix(output))

    def one() -> Path:
        data = data_mod.pcra_data(
            m, function, place=place, drills=_drills(db, function), runs=runs, seed=seed
        )
        return pcra_files.write(data, output, lang.value)

    path = _guard(False, one)
    err.print(f"wrote the plan of {function} to {path}")


def _bad_suffix(output: Path) -> None:
    raise UsageError(
        f"cannot write a plan as '{output.suffix or output.name}'",
        suggestion="name the output FILE.docx (to edit and sign) or FILE.html",
    )


def _write_all(
    m: Any, out: Path, lang: str, place: str | None, db: str | None, runs: int, seed: int
) -> int:
    from html import escape

    from blackstart import advice, resilience
    from blackstart.report import pcra as data_mod
    from blackstart.report import pcra_files
    from blackstart.report.bia import write_bia
    from blackstart.report.pcra_text import TEXT

    out.mkdir(parents=True, exist_ok=True)
    spof, improve = resilience.spof(m), advice.improve(m)
    cache: dict[str, dict[str, Any]] = {}
    rows = []
    for fid in sorted(m.functions):
        data = data_mod.pcra_data(
            m,
            fid,
            place=place,
            drills=_drills(db, fid),
            runs=runs,
            seed=seed,
            improve_rows=improve,
            spof_rows=spof,
            scenario_cache=cache,
        )
        for suffix in (".docx", ".html"):
            pcra_files.write(data, out / f"pcra-{fid}{suffix}", lang)
        rows.append((fid, m.functions[fid]))
    write_bia(m, out / "bia.xlsx")
    t = TEXT[lang]
    items = "\n".join(
        f'<tr><td><a href="pcra-{fid}.html">{escape(fn.name or fid)}</a></td>'
        f"<td>{escape(t['tier_' + fn.tier])}</td>"
        f'<td><a href="pcra-{fid}.docx">.docx</a></td></tr>'
        for fid, fn in rows
    )
    (out / "index.html").write_text(
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>'
        f"{escape(t['index_title'])}</title></head><body><h1>{escape(t['index_title'])}</h1>"
        f"<p>{escape(t['index_intro'].format(bia='bia.xlsx'))}</p><table>{items}</table>"
        "</body></html>\n",
        "utf-8",
    )
    return len(rows)
