"""Layout helpers that keep human output readable in an 80-column terminal.

Owns :class:`Table` (Rich's table with light rules and cells that *fold* rather than
cut: a name too long for its column goes on with the next line, never ends in "…"),
:func:`labelled` (a label and a text that wraps under itself, not under the label) and
the short time format of the tables. Formatting only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table as _RichTable
from rich.text import Text


class Table(_RichTable):
    """A Rich table with a head rule only (fewer columns spent on borders) whose cells
    fold instead of being cut with an ellipsis."""

    def __init__(self, *headers: Any, **kwargs: Any) -> None:
        kwargs.setdefault("box", box.SIMPLE_HEAD)
        kwargs.setdefault("pad_edge", False)
        kwargs.setdefault("collapse_padding", True)
        super().__init__(*headers, **kwargs)

    def add_column(self, header: RenderableType = "", *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(header, *args, **kwargs)


def labelled(label: str, text: Text | str, *, indent: int = 6, style: str = "dim") -> _RichTable:
    """``label`` then ``text``, the text wrapping under itself (a hanging indent), so a
    long causal chain stays readable in a narrow terminal and in piped output."""
    grid = _RichTable.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent + label, style=style), text)
    return grid


def short_time(iso: str) -> str:
    """``2024-08-04T21:37+02:00`` -> ``Sun 21:37`` (the day of the week is enough within
    a recovery; the date is in the heading)."""
    return datetime.fromisoformat(iso).strftime("%a %H:%M")
