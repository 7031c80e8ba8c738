"""What a subscriber of the public status follows: some functions and/or some places of
delivery, or everything (both empty). Stored as two JSON lists of ids beside the
subscriber (columns ``functions`` and ``places``, migration ``0009_subscription_scope``),
so erasing the subscriber erases its choice with it.

A published update *concerns* a set of (function id, place id) pairs
(:mod:`blackstart.web.notify`); ``place`` is ``""`` for a function the model delivers
without places (delivered group-wide, so it concerns every place). Owns the value and its
matching rule; validation against the model is :mod:`blackstart.web.scopes`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

Pair = tuple[str, str]
"""(function id, place id or ``""``)."""


@dataclass(frozen=True)
class Scope:
    functions: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.functions and not self.places

    def matches(self, pairs: Iterable[Pair]) -> bool:
        """Whether one of ``pairs`` is in this scope.

        >>> Scope(("lab",), ("north",)).matches([("lab", "south"), ("lab", "north")])
        True
        >>> Scope(places=("north",)).matches([("billing", "")])  # delivered everywhere
        True
        >>> Scope(("lab",)).matches([("phone", "north")])
        False
        """
        fs, ps = set(self.functions), set(self.places)
        return any((not fs or f in fs) and (not ps or not p or p in ps) for f, p in pairs)

    def columns(self) -> tuple[str | None, str | None]:
        """The two stored columns (``None`` for "any")."""
        return (
            json.dumps(list(self.functions)) if self.functions else None,
            json.dumps(list(self.places)) if self.places else None,
        )

    @classmethod
    def from_columns(cls, functions: str | None, places: str | None) -> Scope:
        return cls(
            tuple(json.loads(functions)) if functions else (),
            tuple(json.loads(places)) if places else (),
        )

    def key(self) -> str:
        """One string per distinct scope (to render a message once per scope)."""
        return "|".join(self.functions) + "@" + "|".join(self.places)


EVERYTHING = Scope()
