"""The model file schema: one pydantic class per section entry.

Owns the *shape* of every entity as written in YAML (keys, types, enumerations, units),
and the JSON Schema that editors use. Does not resolve references between entities or
detect cycles: that is :mod:`blackstart.model.validate`. Unknown keys are errors
(``extra="forbid"``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from blackstart.units import Distribution, parse_distribution, parse_seconds

# --------------------------------------------------------------------------- units

_DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*(s|sec|m|min|h|d|w)\s*)+$"
_DIST_PATTERN = (
    r"^\s*(\d+(\.\d+)?\s*(s|sec|m|min|h|d|w)\s*)+"
    r"(\.\.\s*(\d+(\.\d+)?\s*(s|sec|m|min|h|d|w)\s*)+){0,2}$"
)


def _to_seconds(value: Any) -> float:
    return parse_seconds(value)


Seconds = Annotated[
    float,
    BeforeValidator(_to_seconds),
    WithJsonSchema(
        {"type": "string", "pattern": _DURATION_PATTERN, "examples": ["90s", "45min", "3h", "2d"]}
    ),
]
"""A fixed duration with units in YAML, seconds in Python."""

DurationDist = Annotated[
    Distribution,
    BeforeValidator(parse_distribution),
    PlainSerializer(lambda d: d.text(), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": _DIST_PATTERN,
                    "description": "fixed (45min), uniform range (1h..4h) "
                    "or triangular min..mode..max (1h..2h..6h)",
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["lognormal"],
                    "properties": {
                        "lognormal": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["median", "p90"],
                            "properties": {
                                "median": {"type": "string", "pattern": _DURATION_PATTERN},
                                "p90": {"type": "string", "pattern": _DURATION_PATTERN},
                            },
                        }
                    },
                },
            ]
        }
    ),
]
"""A duration distribution: fixed, range, triangular or lognormal."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=200)]
"""An entity id: letters, digits, '-', '_', '.'; no ':' (kept for 'site:NAME' refs)."""

# Requirements are parsed by blackstart.model.requirements for precise messages; this
# is only their JSON Schema, for editors.
_REQ_SCHEMA: dict[str, Any] = {
    "description": "What this needs to be up. A name, a list (all of), or a mapping "
    "{all_of: [...]}, {any_of: [...]}, {at_least: K, of: [...]}; nestable.",
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"$ref": "#/$defs/Requirement"}},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["all_of"],
            "properties": {"all_of": {"type": "array", "items": {"$ref": "#/$defs/Requirement"}}},
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["any_of"],
            "properties": {"any_of": {"type": "array", "items": {"$ref": "#/$defs/Requirement"}}},
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["at_least", "of"],
            "properties": {
                "at_least": {"type": "integer", "minimum": 1},
                "of": {"type": "array", "items": {"$ref": "#/$defs/Requirement"}},
            },
        },
    ],
}
RequirementSpec = Annotated[Any, WithJsonSchema({"x-requirement": True})]


class Strict(BaseModel):
    """Base of every schema class: unknown keys are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --------------------------------------------------------------------------- entities


class Failure(Strict):
    """Reliability data of a component."""

    mtbf: Seconds | None = Field(None, description="Mean time between failures.")
    mttr: Seconds | None = Field(None, description="Mean time to repair.")
    probability: Probability | None = Field(
        None, description="Probability of being failed (unavailability), if known directly."
    )


ProviderKind = Literal[
    "colocation", "cloud", "telecom", "software", "saas", "energy", "hardware", "service", "other"
]


class Provider(Strict):
    """A third party: colocation operator, cloud, telecom carrier, software vendor."""

    kind: ProviderKind = "other"
    name: str | None = None
    owner: str | None = Field(None, description="Who owns the provider (group, shareholders).")
    jurisdiction: str | None = Field(
        None, description="ISO 3166-1 alpha-2 country code whose law governs the provider."
    )
    failure: Failure | None = Field(
        None,
        description="Reliability data of the provider as a whole (its own failure, as a "
        "common cause); diagnosis uses it as the prior, else a default per kind.",
    )
    description: str | None = None

    @field_validator("jurisdiction")
    @classmethod
    def _iso_country(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Z]{2}", v):
            raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-2 code; write e.g. 'FR' or 'GB'")
        return v


SiteKind = Literal[
    "datacenter", "colocation", "hospital", "telecom-room", "office", "cloud-region", "other"
]


class Site(Strict):
    """A place: data centre, hospital building, telecom room, cloud region."""

    kind: SiteKind = "other"
    name: str | None = None
    provider: Id | None = Field(None, description="The provider operating the site.")
    shared_with: list[Id] = Field(
        default_factory=list, description="Other tenants of the site (provider ids)."
    )
    city: str | None = None
    failure: Failure | None = Field(
        None,
        description="Reliability data of the whole site (power, access, fire): a common "
        "cause; diagnosis uses it as the prior, else a default per kind.",
    )
    description: str | None = None


ComponentKind = Literal[
    "power",
    "ups",
    "generator",
    "cooling",
    "network",
    "link",
    "switch",
    "router",
    "firewall",
    "dns",
    "storage",
    "backup",
    "compute",
    "cluster",
    "vm",
    "container",
    "database",
    "directory",
    "middleware",
    "application",
    "saas",
    "messaging",
    "pbx",
    "telephony",
    "endpoint",
    "other",
]


def _handover_cost(value: Any) -> float | bool:
    """A handover cost: a duration with units (seconds), or ``false`` (may not be handed
    over)."""
    if value is False:
        return False
    if value is True:
        raise ValueError(
            "handover: true is not a cost; write the work added at each handover "
            "(e.g. 30min), or false if the step may not be handed over"
        )
    seconds = parse_seconds(value)
    if seconds < 0:
        raise ValueError(f"handover must not be negative, got {value!r}")
    return seconds


HandoverCost = Annotated[
    float | bool,
    BeforeValidator(_handover_cost),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DURATION_PATTERN},
                {"const": False},
            ],
            "examples": ["30min", False],
        }
    ),
]
"""Work added each time a step is handed over to the next shift, or ``False``: the step
may not be handed over (it waits for a staffed stretch long enough to hold it)."""


class HandoverSteps(Strict):
    """Per manual step of a component, its handover cost or ``false``; steps not listed
    take their team's ``handover``."""

    restart: HandoverCost | None = None
    data_check: HandoverCost | None = None
    verify: HandoverCost | None = None

    @model_validator(mode="before")
    @classmethod
    def _automatic(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for auto in ("boot", "restore"):
                if auto in data:
                    raise ValueError(
                        f"handover of '{auto}': {auto} runs by itself, with no one to hand "
                        "it over; give handover for restart, data_check or verify"
                    )
        return data


HANDOVER_TAGS = frozenset({"handover-cost", "handover-steps"})
"""Union tags of :data:`HandoverSpec` (left out of error locations)."""


def _handover_form(v: Any) -> str:
    return "handover-steps" if isinstance(v, dict | HandoverSteps) else "handover-cost"


HandoverSpec = Annotated[
    Annotated[HandoverCost, Tag("handover-cost")] | Annotated[HandoverSteps, Tag("handover-steps")],
    Discriminator(_handover_form),
]
"""A component's ``recovery.handover``: one cost (or ``false``) for all its manual
steps, or one per step (``{verify: 1h, restart: false}``)."""


class Recovery(Strict):
    """How a component is brought back after a failure ends."""

    boot: DurationDist | None = Field(None, description="Automatic boot, no one needed.")
    restart: DurationDist | None = Field(None, description="Manual restart by the skill.")
    data_check: DurationDist | None = Field(None, description="Data consistency check.")
    restore: DurationDist | None = Field(
        None, description="Restore from backup, when the restart fails."
    )
    restart_fails: Probability = Field(
        0.0, description="Probability the restart fails and a restore is needed."
    )
    verify: DurationDist | None = Field(None, description="Verification before use.")
    skill: str | None = Field(None, description="Skill needed for the manual tasks.")
    handover: HandoverSpec | None = Field(
        None,
        description="Handing a manual step over to the next shift: the work added at each "
        "handover (30min), false (it may not be handed over: it waits for a long enough "
        "shift), or per step ({verify: 1h, restart: false}); default: the team's handover.",
    )

    def handover_of(self, action: str) -> float | bool | None:
        """This component's handover setting for ``action``: seconds, ``False`` (may not
        be handed over) or ``None`` (its team's)."""
        h = self.handover
        if isinstance(h, HandoverSteps):
            value: float | bool | None = getattr(h, action, None)
            return value
        return h


def _label_sets(v: Any) -> Any:
    return [v] if isinstance(v, dict) else v


class Monitoring(Strict):
    """How alerts from monitoring (Prometheus Alertmanager, a generic webhook) name a
    component: an alert is about the component when it carries every label of one of the
    label sets, with the same values."""

    labels: Annotated[list[dict[str, str]], BeforeValidator(_label_sets)] = Field(
        default_factory=list,
        description="Label sets (one mapping, or a list of them); an alert matches when "
        "all labels of one set are equal on the alert.",
    )


class Component(Strict):
    """Anything that can fail and must be brought back."""

    kind: ComponentKind
    name: str | None = None
    site: Id | None = Field(None, description="Where it runs; a site failure fails it.")
    provider: Id | None = Field(
        None, description="Third party it depends on (SaaS vendor, carrier); its failure fails it."
    )
    requires: RequirementSpec = None
    team: Id | None = Field(None, description="Team that owns and recovers it.")
    recovery: Recovery | None = None
    failure: Failure | None = None
    monitoring: Monitoring | None = Field(
        None, description="Alert labels that name this component (diagnosis, live alerts)."
    )
    tags: list[str] = Field(default_factory=list)
    description: str | None = None


Tier = Literal["vital", "care", "administrative"]
TIERS: tuple[Tier, ...] = ("vital", "care", "administrative")


class DegradedMode(Strict):
    """The fallback procedure while a function is down."""

    procedure: str
    holds_for: Seconds = Field(description="How long the fallback holds.")


class PlaceSelector(Strict):
    """Every site of one kind, as places of delivery (``{kind: hospital}``)."""

    kind: SiteKind = Field(description="Every site of this kind is a place of delivery.")


PLACE = "{place}"
"""In the ``requires`` of a function with places of delivery, stands for each place's id."""


def _places_form(v: Any) -> str:
    return "selector" if isinstance(v, dict | PlaceSelector) else "sites"


PlacesSpec = Annotated[
    Annotated[list[Id], Tag("sites")] | Annotated[PlaceSelector, Tag("selector")],
    Discriminator(_places_form),
]
"""A list of site ids, or ``{kind: K}``: only the form written is checked."""


NAME_LANGS = ("fr", "en")
"""Languages a function's name may be given in; the first is the default display name."""
_LOCALIZED_NAME_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {lang: {"type": "string"} for lang in NAME_LANGS},
            "additionalProperties": False,
            "minProperties": 1,
        },
        {"type": "null"},
    ],
    "description": "Display name: text, or one per language ({fr: …, en: …}).",
}


class Organisation(Strict):
    """Who runs the system, as the public status page names it."""

    name: str = Field(description="Shown at the top of the public status page.")
    helpline: str | None = Field(
        None, description="Who to call during an outage (a phone number or a short text)."
    )
    instructions: str | None = Field(
        None,
        description="What staff should do while services are down, shown first on the "
        "public status page (e.g. 'use the downtime procedures in the red binder').",
    )


class Function(Strict):
    """What people do with the system (lab results to wards, telephony, billing…).

    ``name`` may be plain text or one per language (``{fr: …, en: …}``): ``name`` is then
    the French one (else the first given), shown wherever one name is shown, and
    :attr:`names` keeps them all for the pages that speak a language."""

    tier: Tier
    name: Annotated[str | None, WithJsonSchema(_LOCALIZED_NAME_SCHEMA)] = None
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    delivered_at: PlacesSpec | None = Field(
        None,
        description="Places of delivery: the sites where the function is delivered to "
        "people (a list of site ids, or {kind: hospital} for every site of that kind). "
        "The function is then up or down at each place on its own; in 'requires', "
        "'{place}' stands for the place's id (e.g. '{place}-wan'), and a required function "
        "delivered at the same place is taken at that place.",
    )
    public_name: str | None = Field(
        None,
        description="Name on the public status page, in the words staff and the public use "
        "(no server, site or tier jargon); defaults to 'name'.",
    )
    requires: RequirementSpec = None
    rto: Seconds | None = Field(None, description="Recovery time objective.")
    mtpd: Seconds | None = Field(None, description="Maximum tolerable period of disruption.")
    rpo: Seconds | None = Field(
        None, description="Recovery point objective: the most data (as time) one may lose."
    )
    patient_safety: bool = False
    degraded_mode: DegradedMode | None = None
    owner: str | None = None
    establishment: Id | None = Field(
        None,
        description="The establishment (hospital group) whose care this function serves, "
        "in a regional model; impact and sweep results are grouped by it.",
    )
    description: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _localized_name(cls, data: Any, handler: Any) -> Any:
        names: dict[str, str] | None = None
        if isinstance(data, dict) and isinstance(data.get("name"), dict):
            given = data["name"]
            unknown = [k for k in given if k not in NAME_LANGS]
            if unknown:
                raise ValueError(
                    f"name: unknown language '{unknown[0]}' (names are given in "
                    + " and ".join(NAME_LANGS)
                    + ")"
                )
            if not given or not all(isinstance(v, str) and v.strip() for v in given.values()):
                raise ValueError("name: give each language's name as non-empty text")
            names = {k: str(v).strip() for k, v in given.items()}
            data = {**data, "name": names.get(NAME_LANGS[0]) or next(iter(names.values()))}
        obj = handler(data)
        if names:
            obj._names = names
        return obj

    @property
    def names(self) -> dict[str, str]:
        """The name in each language it was given in (empty for a plain-text name)."""
        return dict(self._names)

    def name_in(self, lang: str) -> str | None:
        """The name in ``lang`` if given, else the default name."""
        return self._names.get(lang, self.name)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Shift(Strict):
    """Working hours and head-count on weekdays."""

    hours: str = Field("08:00-18:00", pattern=_HOURS.pattern)

    @field_validator("hours")
    @classmethod
    def _same_day(cls, v: str) -> str:
        start, _, end = v.partition("-")
        if end <= start:
            raise ValueError(
                f"working hours {v!r} must end after they start on the same day; "
                "cover nights with 'night: {on_call: N}'"
            )
        return v

    people: int = Field(ge=0)
    days: list[Weekday] = Field(default_factory=lambda: list(WORKDAYS))


class OnCall(Strict):
    """Head-count on call outside working hours."""

    on_call: int = Field(ge=0)


def _check_timezone(v: str | None) -> str | None:
    if v is None:
        return v
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {v!r}; write an IANA name such as 'Europe/Paris'"
        ) from None
    return v


class Team(Strict):
    """People and skills, with a calendar."""

    name: str | None = None
    skills: list[str] = Field(min_length=1)
    timezone: str | None = None
    weekday: Shift
    weekend: OnCall = OnCall(on_call=0)
    night: OnCall = OnCall(on_call=0)
    call_in: Seconds = Field(3600.0, description="Delay for an on-call person to start work.")
    handover: HandoverCost = Field(
        1800.0,
        description="Work added each time one of the team's steps is handed over to the "
        "next shift, or false: its steps are never handed over (a step's own "
        "recovery.handover wins).",
    )
    contact: str | None = None

    _tz = field_validator("timezone")(_check_timezone)


class Scenario(Strict):
    """An incident: what fails, when, for how long."""

    description: str | None = None
    start: datetime = Field(
        description="Calendar start, ISO 8601 ('2024-08-03T11:00'); "
        "local to 'timezone' unless it carries an offset."
    )
    timezone: str | None = None
    fail: list[str] = Field(
        min_length=1, description="What fails: 'site:NAME', 'provider:NAME' or 'component:NAME'."
    )
    duration: Seconds

    _tz = field_validator("timezone")(_check_timezone)


ChangeKind = Literal["standby", "second-link", "second-unit", "move", "split-power"]
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    "standby",
    "second-link",
    "second-unit",
    "move",
    "split-power",
)
"""The changes ``blackstart improve`` proposes (see :mod:`blackstart.advice`)."""


class ChangeCost(Strict):
    """What one change costs, in the model's own unit (k€, person-days…), by the kind of
    the component changed; ``default`` for the other kinds."""

    default: float | None = Field(None, ge=0, description="Cost for any kind not listed.")
    by_kind: dict[ComponentKind, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="Cost by component kind (power, database, …)."
    )


class PacePriorSpec(Strict):
    """The prior on the pace: how much slower (or faster) than the model the work runs."""

    median: float = Field(1.0, gt=0, description="Median overall pace factor (1 = the model).")
    p90: float = Field(
        1.2, gt=0, description="90th percentile of the overall pace factor (>= median)."
    )
    team_p90: float = Field(
        1.15, ge=1, description="90th percentile of one team's pace relative to the overall."
    )
    action_p90: float = Field(
        1.1, ge=1, description="90th percentile of one action's pace relative to the overall."
    )

    @field_validator("p90")
    @classmethod
    def _above_median(cls, v: float, info: Any) -> float:
        median = info.data.get("median", 1.0)
        if v < median:
            raise ValueError(f"pace_prior p90 ({v}) must be at least its median ({median})")
        return v


class ForecastSettings(Strict):
    """How forecasts learn: the ``forecast:`` section of a model (docs/learning.md)."""

    pace_prior: PacePriorSpec = Field(
        default_factory=PacePriorSpec,
        description="Prior on the pace factors before any evidence of the incident.",
    )


class StatusPage(Strict):
    """Where the public status page is hosted: the components it runs on (all of them:
    if one is down, so is the page). ``impact`` warns when a failure takes it down."""

    components: list[Id] = Field(
        min_length=1, description="Components the status page runs on (all needed)."
    )
    url: str | None = Field(None, description="Its public address (shown, never fetched).")


class Document(Strict):
    """One model file. A model is one or more of these (a directory, or ``include:``)."""

    name: str | None = None
    description: str | None = None
    timezone: str | None = Field(None, description="Default time zone of the model.")
    organisation: Organisation | None = Field(
        None, description="Name, helpline and instructions for the public status page."
    )
    include: list[str] = Field(default_factory=list, description="Other files, relative paths.")
    status_page: StatusPage | None = Field(
        None, description="Where the public status page is hosted (the components it runs on)."
    )
    overlay: dict[str, dict[Id, dict[str, Any]]] = Field(
        default_factory=dict,
        description="Changes by id to entities defined in other files: section -> id -> "
        "keys (mappings merge, other values replace, null removes).",
    )
    providers: dict[Id, Provider] = Field(default_factory=dict)
    sites: dict[Id, Site] = Field(default_factory=dict)
    components: dict[Id, Component] = Field(default_factory=dict)
    functions: dict[Id, Function] = Field(default_factory=dict)
    teams: dict[Id, Team] = Field(default_factory=dict)
    scenarios: dict[Id, Scenario] = Field(default_factory=dict)
    costs: dict[ChangeKind, ChangeCost] = Field(
        default_factory=dict,
        description="Cost of each kind of change 'blackstart improve' proposes (standby, "
        "second-link, second-unit, move, split-power); 1 per change when not given.",
    )

    forecast: ForecastSettings | None = Field(
        None, description="How forecasts learn the pace of an incident (pace prior)."
    )

    _tz = field_validator("timezone")(_check_timezone)


SECTIONS: dict[str, type[Strict]] = {
    "providers": Provider,
    "sites": Site,
    "components": Component,
    "functions": Function,
    "teams": Team,
    "scenarios": Scenario,
    "costs": ChangeCost,
}
"""Section key -> entity class. Entities in a section are keyed by id."""

TOP_LEVEL_SCALARS = (
    "name",
    "description",
    "timezone",
    "organisation",
    "include",
    "forecast",
    "status_page",
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a model file, for editors (yaml-language-server, VS Code)."""
    schema: dict[str, Any] = _point_requirements(Document.model_json_schema(mode="validation"))
    schema.setdefault("$defs", {})["Requirement"] = _REQ_SCHEMA
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "blackstart model file"
    return schema


def _point_requirements(node: Any) -> Any:
    """Replace the requirement placeholders with a reference to the shared definition."""
    if isinstance(node, dict):
        if node.get("x-requirement"):
            return {"$ref": "#/$defs/Requirement"}
        return {k: _point_requirements(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_point_requirements(v) for v in node]
    return node
