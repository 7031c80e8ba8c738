"""The validated, named model: what the loader returns and the compiler reads.

Owns the frozen :class:`Model` (entities by id, parsed requirements, provenance) and
the reference syntax ``kind:name`` used by scenarios and the command line. Does not
load files (:mod:`blackstart.model.load`) or compute anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from blackstart.model.requirements import Requirement
from blackstart.model.schema import (
    ChangeCost,
    Component,
    ForecastSettings,
    Function,
    Organisation,
    Provider,
    Scenario,
    Site,
    StatusPage,
    Team,
)

RefKind = Literal["site", "provider", "component", "function"]
FAILABLE: tuple[RefKind, ...] = ("site", "provider", "component")


@dataclass(frozen=True)
class ElementRef:
    """A typed reference such as ``site:dc-north``."""

    kind: RefKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def _frozen(d: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Model:
    """A validated model. Every reference in it resolves and it has no cycle."""

    name: str
    description: str | None
    timezone: str | None
    providers: Mapping[str, Provider]
    sites: Mapping[str, Site]
    components: Mapping[str, Component]
    functions: Mapping[str, Function]
    teams: Mapping[str, Team]
    scenarios: Mapping[str, Scenario]
    requirements: Mapping[str, Requirement | None]
    """Parsed ``requires`` of every component and function, by id."""
    sources: tuple[str, ...] = ()
    """The files the model was read from, in load order."""
    hash: str = ""
    """sha256 of the canonical content (independent of comments, layout and file split)."""
    origin: Mapping[str, str] = field(default_factory=_frozen)  # type: ignore[arg-type]
    """``kind:id`` -> file it is defined in."""
    costs: Mapping[str, ChangeCost] = field(default_factory=dict)
    """Cost of each kind of change ``improve`` proposes, by change kind (may be empty)."""
    places: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Places of delivery: function id -> the site ids it is delivered at, for the
    functions that name them (:mod:`blackstart.model.places`); empty in a model
    without places."""
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    """The ``forecast:`` section: the pace prior."""
    status_page: StatusPage | None = None
    """Where the public status page is hosted, if the model says."""
    organisation: Organisation | None = None
    """Name, helpline and instructions for the public status page."""

    def scenario_start(self, name: str) -> datetime:
        """The scenario's start as an aware datetime (its zone, else the model's)."""
        sc = self.scenarios[name]
        if sc.start.tzinfo is not None:
            return sc.start
        tz = sc.timezone or self.timezone or "UTC"
        return sc.start.replace(tzinfo=ZoneInfo(tz))

    def hosted(self) -> dict[str, list[str]]:
        """Site id -> ids of the components it hosts."""
        out: dict[str, list[str]] = {s: [] for s in self.sites}
        for cid, comp in self.components.items():
            if comp.site is not None:
                out[comp.site].append(cid)
        return out

    def exists(self, ref: ElementRef) -> bool:
        """Whether a typed reference names an entity of this model."""
        table: Mapping[str, object] = {
            "site": self.sites,
            "provider": self.providers,
            "component": self.components,
            "function": self.functions,
        }[ref.kind]
        return ref.name in table

    def names(self, kind: RefKind) -> list[str]:
        """All ids of one kind."""
        table: Mapping[str, object] = {
            "site": self.sites,
            "provider": self.providers,
            "component": self.components,
            "function": self.functions,
        }[kind]
        return list(table)


def parse_ref(text: str) -> ElementRef:
    """Parse ``kind:name``; raise ``ValueError`` with a suggestion otherwise.

    >>> str(parse_ref("site:dc-north"))
    'site:dc-north'
    """
    kind, sep, name = text.partition(":")
    if not sep or not name:
        raise ValueError(
            f"'{text}' is not a reference; write site:NAME, provider:NAME or component:NAME"
        )
    kind = kind.strip().lower()
    if kind not in ("site", "provider", "component", "function"):
        raise ValueError(
            f"'{kind}' is not a kind of element; write site:NAME, provider:NAME or component:NAME"
        )
    return ElementRef(kind, name.strip())  # type: ignore[arg-type]
