"""The console entry point, and a start-up fast path for the fault-tree commands.

Owns :func:`main` and the bodies of ``blackstart probability``, ``cutsets`` and
``importance`` (:func:`run`), which the Typer commands of :mod:`blackstart.cli.app`
call too. Typer, and the pydantic its parameter conversion imports, cost about 0.1 s
before any work; on a small Open-PSA MEF tree the whole analysis takes a few
milliseconds. So :func:`main` reads these three commands' arguments itself when they
are plain (:func:`parse`: the options of :data:`OPTIONS`, ``--name value`` or
``--name=value``) and hands everything else to Typer: ``--help``, an unknown or
malformed option, a missing argument, a value out of range. Typer therefore still owns
the help and every usage error, and both paths run :func:`run`, so they give the same
output; ``tests/test_cli_fast.py`` checks the options against the Typer commands' and
the outputs of both paths against each other. Rich is imported only to print tables
(not for ``--json``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blackstart.faulttrees import PRIME_IMPLICANT_NODES

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["OPTIONS", "Option", "analyses", "main", "parse", "run"]


@dataclass(frozen=True)
class Option:
    """One option of a fast-path command, as its Typer command declares it."""

    names: tuple[str, ...]
    dest: str
    kind: str
    """``flag``, ``int``, ``str`` or ``list`` (repeatable string)."""
    default: Any = None
    minimum: int | None = None
    required: bool = False


_TARGETS = Option(("--target", "-t"), "target", "list")
_JSON = Option(("--json",), "as_json", "flag", False)
OPTIONS: dict[str, tuple[Option, ...]] = {
    "probability": (
        _TARGETS,
        Option(("--approximations",), "approximations", "flag", False),
        _JSON,
    ),
    "cutsets": (
        _TARGETS,
        Option(("--max-order",), "max_order", "int", None, minimum=1),
        Option(("--limit",), "limit", "int", 20, minimum=0),
        Option(("--method",), "method", "str", "auto"),
        Option(("--prime-implicants",), "prime_implicants", "flag", False),
        Option(("--budget",), "budget", "int", PRIME_IMPLICANT_NODES, minimum=1),
        _JSON,
    ),
    "importance": (Option(("--target", "-t"), "target", "str", required=True), _JSON),
}
"""The options of each fast-path command (the positional ``MODEL...`` besides), the same
names, kinds, defaults and bounds as its Typer command in :mod:`blackstart.cli.app`."""


def parse(command: str, args: Sequence[str]) -> dict[str, Any] | None:
    """The keyword arguments of :func:`run` for ``command``'s ``args``, or None when
    anything is not plain (Typer then parses them, and reports what is wrong)."""
    by_name = {n: o for o in OPTIONS[command] for n in o.names}
    values: dict[str, Any] = {o.dest: o.default for o in OPTIONS[command]}
    model: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if not a.startswith("-") or a == "-":
            model.append(a)
            continue
        name, eq, inline = a.partition("=")
        opt = by_name.get(name)
        if opt is None:
            return None  # --help, --, an unknown option, -tX: Typer's
        if opt.kind == "flag":
            if eq:
                return None
            values[opt.dest] = True
            continue
        if eq:
            raw = inline
        elif i < len(args):
            raw = args[i]
            i += 1
        else:
            return None
        if opt.kind == "int":
            try:
                n = int(raw)
            except ValueError:
                return None
            if opt.minimum is not None and n < opt.minimum:
                return None
            values[opt.dest] = n
        elif opt.kind == "list":
            values[opt.dest] = [*(values[opt.dest] or []), raw]
        else:
            values[opt.dest] = raw
    if not model or any(o.required and values[o.dest] is None for o in OPTIONS[command]):
        return None
    return {"model": model, **values}


def main() -> None:
    """Console-script entry point: the fast path when it applies, else Typer."""
    argv = sys.argv[1:]
    if argv and argv[0] in OPTIONS and not os.environ.get("BLACKSTART_NO_FAST_PATH"):
        kwargs = parse(argv[0], argv[1:])
        if kwargs is not None:
            sys.exit(run(argv[0], **kwargs))
    from blackstart.cli.app import app

    app()


# --------------------------------------------------------------------------- the commands


def analyses() -> dict[str, Callable[..., Any]]:
    """The functions the fault-tree commands call (``load`` reads the tree), which
    ``benchmarks/bench_faulttree.py`` times too."""
    from blackstart import faulttrees

    return {
        "load": faulttrees.load_tree,
        "probability": faulttrees.probabilities,
        "cutsets": faulttrees.cutsets,
        "importance": faulttrees.importance_of,
    }


def run(command: str, *, model: Sequence[Any], as_json: bool, **options: Any) -> int:
    """Run one fault-tree command and print its answer; the exit code (0 ok, 1 model or
    input error, 2 usage error)."""
    fn = analyses()
    target = options.pop("target")

    def analysis() -> dict[str, Any]:
        tree = fn["load"]([str(m) for m in model])
        result: dict[str, Any] = fn[command](tree, target, **options)
        return result

    code, payload = _guarded(as_json, analysis)
    if code:
        return code
    if as_json:
        _emit_json(payload)
        return 0
    from blackstart.cli import render

    renderer: Callable[[Console, Any], None] = getattr(render, _RENDERERS[command])
    renderer(_console(), payload)
    return 0


_RENDERERS = {"probability": "probabilities", "cutsets": "cutsets", "importance": "importance"}


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def _console(*, stderr: bool = False) -> Console:
    """Rich consoles configured as :mod:`blackstart.cli.app`'s ``out`` and ``err``."""
    from rich.console import Console

    if stderr:
        return Console(stderr=True, highlight=False)
    return Console(
        highlight=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140")),
    )


def _guarded(as_json: bool, action: Callable[[], Any]) -> tuple[int, Any]:
    """``(0, result)``, or the exit code after reporting a user error as
    :func:`blackstart.cli.options.guard` does (1 for model and input errors)."""
    from blackstart.errors import ModelError, UsageError

    try:
        return 0, action()
    except ModelError as exc:
        if as_json:
            _emit_json({"ok": False, "errors": [p.to_dict() for p in exc.problems]})
        else:
            from blackstart.cli import render

            render.problems(_console(stderr=True), exc.problems)
        return 1, None
    except UsageError as exc:
        if as_json:
            usage = {"code": "input", "message": exc.message, "suggestion": exc.suggestion}
            _emit_json({"ok": False, "errors": [usage]})
        else:
            _console(stderr=True).print(
                f"[bold red]error:[/] {exc.message}"
                + (f" — [green]{exc.suggestion}[/]" if exc.suggestion else "")
            )
        return 1, None
