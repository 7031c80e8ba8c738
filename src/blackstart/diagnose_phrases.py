"""What to ask, in words a person on the phone understands: one template per kind.

Owns the phrasing of a check (an unobserved site's, provider's or component's state) as
a question, from the model's names: who to ask (the site's operator, the provider, the
component's team or the building's operator) and what to ask (power for a building or a
power component, "responds" for a network element, "accepts connections" for a
database…). Does not choose the checks (:mod:`blackstart.engine.checks`).
"""

from __future__ import annotations

from blackstart.model.model import Model

_PROVIDER_QUESTION = {
    "colocation": "ask {who} whether their buildings have power and are reachable",
    "cloud": "check {who}'s status page or ask their support whether the service is up",
    "saas": "check {who}'s status page or ask their support whether the service is up",
    "telecom": "ask the carrier {who} whether their links are down",
    "energy": "ask the grid operator {who} whether there is a power cut",
    "software": "ask the vendor {who} whether their service or licence server is down",
    "hardware": "ask {who} whether they know of a hardware fault",
}
_SITE_QUESTION = {
    "colocation": "ask {who} whether the building {site} has power and is reachable",
    "datacenter": "ask {who} whether the data centre {site} has power and cooling",
    "hospital": "call {site} and ask whether the building has power and network",
    "telecom-room": "ask {who} whether the telecom room {site} has power",
    "cloud-region": "check {who}'s status page for the region {site}",
    "office": "call {site} and ask whether the building has power and network",
}
_COMPONENT_QUESTION = {
    "power": "ask {who} whether {name}{at} has power",
    "ups": "ask {who} whether the UPS {name}{at} is feeding its load",
    "generator": "ask {who} whether the generator {name}{at} is running",
    "cooling": "ask {who} whether the cooling {name}{at} is running",
    "link": "ask {who} whether the link {name} is up",
    "network": "ask {who} whether {name}{at} responds",
    "switch": "ask {who} whether the switch {name}{at} responds",
    "router": "ask {who} whether the router {name}{at} responds",
    "firewall": "ask {who} whether the firewall {name}{at} passes traffic",
    "dns": "ask {who} whether the DNS server {name} answers",
    "storage": "ask {who} whether the storage {name}{at} serves its volumes",
    "backup": "ask {who} whether the backup system {name} is up",
    "compute": "ask {who} whether the hosts {name}{at} are running",
    "cluster": "ask {who} whether the cluster {name}{at} is running its VMs",
    "vm": "ask {who} whether the VM {name} is running",
    "container": "ask {who} whether {name} is running",
    "database": "ask {who} whether the database {name} accepts connections",
    "directory": "ask {who} whether the directory {name} answers logins",
    "messaging": "ask {who} whether {name} delivers messages",
    "pbx": "ask {who} whether the phone system {name} gives a dial tone",
    "telephony": "ask {who} whether the phones on {name} give a dial tone",
    "saas": "ask {who} whether {name} is up",
    "endpoint": "ask {who} whether {name} works",
}


def _provider_name(model: Model, pid: str | None) -> str | None:
    if pid is None or pid not in model.providers:
        return None
    return model.providers[pid].name or pid


def _team(model: Model, tid: str | None) -> str | None:
    if tid is None or tid not in model.teams:
        return None
    team = model.teams[tid]
    who = f"the {team.name or tid} team"
    return who + (f" ({team.contact})" if team.contact else "")


def question(model: Model, ref: str) -> str:
    """The check of ``ref`` (``site:X``, ``provider:Y``, ``component:Z``) as a question.

    >>> from blackstart import api
    >>> question(api.load(api.example_path()), "site:colo-paris")[:41]
    'ask the colocation provider (Global Switc'
    """
    kind, _, name = ref.partition(":")
    if kind == "provider":
        prov = model.providers[name]
        who = prov.name or name
        return _PROVIDER_QUESTION.get(prov.kind, "ask {who} whether they have an outage").format(
            who=who
        )
    if kind == "site":
        site = model.sites[name]
        operator = _provider_name(model, site.provider)
        if operator is not None:
            label = "colocation provider" if site.kind == "colocation" else "operator"
            who = f"the {label} ({operator})"
        else:
            who = "the site's facilities team"
        template = _SITE_QUESTION.get(site.kind, "ask {who} whether {site} has power")
        return template.format(who=who, site=name)
    comp = model.components[name]
    host = model.sites[comp.site] if comp.site is not None else None
    operator = _provider_name(model, host.provider) if host is not None else None
    who = (
        f"the colocation provider ({operator})"
        if comp.kind in ("power", "ups", "generator", "cooling") and operator is not None
        else _team(model, comp.team)
        or (f"the provider {_provider_name(model, comp.provider)}" if comp.provider else None)
        or "the team that runs it"
    )
    at = f" in {comp.site}" if host is not None else ""
    template = _COMPONENT_QUESTION.get(comp.kind, "ask {who} whether {name} is up")
    return template.format(who=who, name=name, at=at)
