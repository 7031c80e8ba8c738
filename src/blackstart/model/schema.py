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
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
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
    """What people do with the system (lab results to wards, telephony, billing…)."""

    tier: Tier
    name: str | None = None
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


class Document(Strict):
    """One model file. A model is one or more of these (a directory, or ``include:``)."""

    name: str | None = None
    description: str | None = None
    timezone: str | None = Field(None, description="Default time zone of the model.")
    organisation: Organisation | None = Field(
        None, description="Name, helpline and instructions for the public status page."
    )
    include: list[str] = Field(default_factory=list, description="Other files, relative paths.")
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

    _tz = field_validator("timezone")(_check_timezone)


SECTIONS: dict[str, type[Strict]] = {
    "providers": Provider,
    "sites": Site,
    "components": Component,
    "functions": Function,
    "teams": Team,
    "scenarios": Scenario,
}
"""Section key -> entity class. Entities in a section are keyed by id."""

TOP_LEVEL_SCALARS = ("name", "description", "timezone", "organisation", "include")


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
