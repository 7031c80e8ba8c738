"""How ``--help`` reads: paragraphs that wrap to the terminal, the model shown as
``MODEL``, option values as ``TEXT``, ``INTEGER``, ``PATH``… and flags with no type.

Owns :func:`polish`, applied to the application once every command is registered: it
reflows each command's docstring (the source's line breaks are not the terminal's) and
adjusts how Typer names parameter types in help (Typer shows ``<bool>`` after every flag
and ``{MODEL}`` for a required argument). Formatting only.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer import core

_LABELS = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH", "bool": ""}


def reflow(doc: str) -> str:
    """Join the lines of each paragraph; keep the blank lines between paragraphs."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _label(raw: str) -> str | None:
    inner = raw.strip("<>")
    while inner.startswith("list[") and inner.endswith("]"):
        inner = inner[5:-1]
    label = _LABELS.get(inner.lower(), inner if "|" in inner else inner.upper())
    return label or None


def _option_type(self: Any, ctx: Any) -> str | None:
    if self.metavar is not None:
        return str(self.metavar)
    if self.is_flag or self.count:
        return None
    return _label(self.display_type(ctx))


def _argument_type(self: Any, ctx: Any) -> str | None:
    return None


def _argument_usage(self: Any) -> str:
    name = str(self.display_name_raw).upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def _patch_typer() -> None:
    core.TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]


def polish(app: typer.Typer) -> None:
    """Reflow the help of every command of ``app`` (and of its groups); patch the type
    labels of Typer's help."""
    _patch_typer()
    for info in app.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback else None)
        if doc:
            info.help = reflow(doc)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            polish(group.typer_instance)
