"""The one exception tree of blackstart, and the located :class:`Problem` record.

Owns how a user error is described: what is wrong, where (file, line, column, key),
which element, and a suggestion. Does not format for a terminal or a web page: front
ends render problems (a Rich table, a JSON ``errors`` list).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as known."""

    code: str
    """Stable kind of problem, e.g. ``unknown-reference``, ``cycle``, ``unknown-key``."""
    message: str
    file: str | None = None
    line: int | None = None
    """1-based line."""
    column: int | None = None
    """1-based column."""
    key: str | None = None
    """Dotted path of the offending key, e.g. ``components.lab-app.requires[1]``."""
    element: str | None = None
    """The element concerned, as a reference, e.g. ``component:lab-app``."""
    suggestion: str | None = None

    @property
    def where(self) -> str:
        """``file:line:column`` (as much of it as known)."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.key:
            text += f" [{self.key}]"
        if self.suggestion:
            text += f" — {self.suggestion}"
        return text


class BlackstartError(Exception):
    """Root of every error blackstart raises on purpose."""


class ModelError(BlackstartError):
    """The model could not be loaded or is invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0))
        )
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the model"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class UsageError(BlackstartError):
    """A bad request from the caller (unknown scenario, malformed reference…)."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        self.message = message
        self.suggestion = suggestion
        super().__init__(message + (f" — {suggestion}" if suggestion else ""))


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 3) -> str | None:
    """A ``did you mean …?`` suggestion for an unknown name, or ``None``.

    Uses :func:`difflib.get_close_matches` (Ratcliff/Obershelp similarity), after a
    case-insensitive exact match and a prefix match, which cover the common typos.
    """
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        return f"did you mean '{lowered[name.lower()]}'?"
    import difflib  # on first use: it costs start-up to every command

    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.6)
    if not close:
        close = [c for c in pool if c.startswith(name) or name.startswith(c)][:n]
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
