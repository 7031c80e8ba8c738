"""What every command shares: the consoles, the common options, the error guard, the
JSON printer and the model loader (cache, progress on stderr).

Owns the translation of user errors into exit codes: 0 ok, 1 model or input error
(:class:`~blackstart.errors.ModelError`, :class:`~blackstart.errors.UsageError` for a
value the model does not have: an unknown scenario, site or function), 2 command-line
usage (Click's own errors: a missing option, a bad flag). Imported by the command
modules (:mod:`blackstart.cli.app`, :mod:`~blackstart.cli.importing`,
:mod:`~blackstart.cli.incidents`); imports none of them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from blackstart.cli import render
from blackstart.errors import ModelError, UsageError

if TYPE_CHECKING:
    from blackstart.model.model import Model

T = TypeVar("T")

WIDTH = 80
"""Human output is laid out for this many columns unless the terminal says otherwise."""


def _width() -> int | None:
    """The terminal's width when stdout is one; else ``$COLUMNS`` or 140 (piped output
    is not cut to 80 columns: tables stay whole for grep and less)."""
    if sys.stdout.isatty():
        return None
    try:
        return max(40, int(os.environ.get("COLUMNS", "140")))
    except ValueError:
        return 140


out = Console(highlight=False, soft_wrap=False, width=_width())
err = Console(stderr=True, highlight=False)


_NO_CACHE = "BLACKSTART_NO_CACHE"  # blackstart.model.cache.ENV_OFF (not imported: start-up)
_state = {"no_cache": False}
_DEFAULT_WIDTH = out.width if out._width is not None else None


def set_options(*, no_cache: bool = False, wide: bool = False) -> None:
    """The global options of one invocation: ``--no-cache``, and ``--wide`` (lay
    tables out for 200 columns: nothing wrapped or folded)."""
    _state["no_cache"] = no_cache
    out._width = 200 if wide else _DEFAULT_WIDTH


def use_cache() -> bool:
    """Whether commands take models from the compiled-model cache (not with
    ``--no-cache`` or ``$BLACKSTART_NO_CACHE``)."""
    return not (_state["no_cache"] or os.environ.get(_NO_CACHE))


ModelArg = Annotated[
    Path, typer.Argument(help="Model file or directory.", show_default=False, metavar="MODEL")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def emit_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def present(as_json: bool, payload: Any, renderer: Callable[[Console, Any], None]) -> None:
    """Print ``payload`` as JSON, or hand it to its Rich renderer."""
    if as_json:
        emit_json(payload)
    else:
        renderer(out, payload)


def guard(as_json: bool, action: Callable[[], T]) -> T:
    """Run ``action``; turn model and input errors into a report and exit code 1 (the
    command line's own usage errors are Click's: exit 2)."""
    try:
        return action()
    except ModelError as exc:
        if as_json:
            emit_json({"ok": False, "errors": [p.to_dict() for p in exc.problems]})
        else:
            render.problems(err, exc.problems)
        raise typer.Exit(1) from None
    except UsageError as exc:
        if as_json:
            emit_json(
                {
                    "ok": False,
                    "errors": [
                        {"code": "input", "message": exc.message, "suggestion": exc.suggestion}
                    ],
                }
            )
        else:
            err.print(
                f"[bold red]error:[/] {exc.message}"
                + (f" — [green]{exc.suggestion}[/]" if exc.suggestion else "")
            )
        raise typer.Exit(1) from None


PROGRESS_BYTES = 2_000_000
"""Models smaller than this load too fast for a progress display."""


def load_model(path: Path, as_json: bool = False) -> Model:
    """Load a model for a command (through the compiled-model cache unless ``--no-cache``),
    with a progress display on stderr while a large model is read, when stderr is a
    terminal; errors as :func:`guard` reports them."""
    from blackstart import api

    cache = use_cache()
    if not err.is_terminal:
        return guard(as_json, lambda: api.load(path, cache=cache, background=True))
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TimeElapsedColumn())  # fmt: skip
    # no refresh thread (auto_refresh=False): the cache may fork a writer, which is only
    # safe in a single-threaded process; the bar is redrawn at each step instead
    with Progress(*columns, console=err, transient=True, disable=True,
                  auto_refresh=False) as bar:  # fmt: skip
        task = bar.add_task("reading", total=None)

        def progress(what: str, done: int, total: int) -> None:
            if total >= PROGRESS_BYTES and bar.disable:
                bar.disable = False
                bar.start()
            if total:
                bar.update(task, description=f"reading {what}", completed=done, total=total)
            else:
                bar.update(task, description=what)
            bar.refresh()

        return guard(
            as_json, lambda: api.load(path, cache=cache, on_progress=progress, background=True)
        )
