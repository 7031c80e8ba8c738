"""Synthetic model generator: a realistic layered hospital information system of any size.

Owns ``blackstart generate``: build a model of exactly N components as plain data (the
same dicts and lists a YAML file would load to), deterministically from a seed, and
write it fast as several YAML or JSON files. Used by tests and benchmarks; it knows the
file format but not the loader, the engine or the interfaces.

Shape (every requirement points to an entity created earlier, so there are no cycles)::

    sites       shared colocation sites (run by a provider, other tenants), own data
                centres, hospitals; the count grows like sqrt(N)
    power       utility feeds (energy provider), generators, UPS {any_of: feeds+gens},
                cooling, rack PDUs (A side on UPS A, B side on UPS B)
    network     carrier links, routers, firewalls, core switches {any_of}, top-of-rack
                switches, DNS servers, hospital PBX
    storage     storage arrays on both PDU sides and the core switches
    compute     hosts on {any_of: PDUs} + ToR switch + cooling; clusters {at_least: n-1, of}
    vms         VMs on a cluster and a storage array of the same site
    services    directory servers, middleware and messaging on VMs
    databases   databases on a VM, a quarter {any_of} two replicas on different sites
    apps        applications on a database, a VM, {any_of: DNS}, {any_of: directory},
                sometimes middleware or a SaaS; SaaS components at a provider
    functions   on one application, two (all of) or {any_of} two on different sites

With ``establishments=K`` (a region) the colocation sites and all providers are shared by
K hospital groups, each with its own data centres, hospitals, teams and components (ids
prefixed ``g2-``, ``g3-``…; group 1 has no prefix). Each function then names its
establishment (``establishment: g1`` … ``gK``, see :func:`establishment_id`), which is
how impact and sweep results are grouped; with K = 1 the field is left out. In a region
each function is also delivered at its group's hospitals (``delivered_at``, places of
delivery): it needs each hospital's campus core switch (``{place}-core``; telephony, the
hospital's PBX ``{place}-pbx``), so a hospital's loss takes it down there only.

Measured (seed 0, 10^6 components): 2.36 leaf requirement references per component
(2.36 at 2*10^4, see ``tests/test_generate.py``), 125 sites, 5000 functions; generation
6-9 s, writing 9-11 s as YAML (144 MB) or 7 s as JSON (176 MB); peak RSS 660 MB.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np

__all__ = [
    "LAYERS",
    "count_requirement_edges",
    "establishment_id",
    "generate_model",
    "layer_of",
    "write_model",
]

MIN_COMPONENTS = 50
MAX_FUNCTIONS = 5000
TIMEZONE = "Europe/Paris"

Comp = dict[str, Any]

# --------------------------------------------------------------------------- layers

LAYERS: tuple[str, ...] = (
    "power",
    "network",
    "storage",
    "compute",
    "vms",
    "services",
    "databases",
    "applications",
)
"""Component files written by :func:`write_model`, lowest layer first."""

_KIND_LAYER: dict[str, str] = {
    "power": "power",
    "ups": "power",
    "generator": "power",
    "cooling": "power",
    "network": "network",
    "link": "network",
    "switch": "network",
    "router": "network",
    "firewall": "network",
    "dns": "network",
    "pbx": "network",
    "telephony": "network",
    "storage": "storage",
    "backup": "storage",
    "compute": "compute",
    "cluster": "compute",
    "vm": "vms",
    "container": "vms",
    "directory": "services",
    "middleware": "services",
    "messaging": "services",
    "database": "databases",
}


def layer_of(kind: str) -> str:
    """The file (layer) a component of this kind is written to."""
    return _KIND_LAYER.get(kind, "applications")


# --------------------------------------------------------------------------- reference data

_PROVIDERS: dict[str, Comp] = {
    "northgate-colo": {
        "kind": "colocation",
        "name": "Northgate Data Centres",
        "owner": "Northgate Holdings (majority foreign-owned)",
        "jurisdiction": "GB",
    },
    "meridian-colo": {
        "kind": "colocation",
        "name": "Meridian Interxchange",
        "owner": "Meridian Infrastructure Fund",
        "jurisdiction": "NL",
    },
    "nimbus-cloud": {
        "kind": "cloud",
        "name": "Nimbus Cloud",
        "owner": "Nimbus SA",
        "jurisdiction": "FR",
    },
    "grid-energy": {
        "kind": "energy",
        "name": "Regional grid operator",
        "owner": "State",
        "jurisdiction": "FR",
    },
    "telco-a": {
        "kind": "telecom",
        "name": "Carrier A",
        "owner": "Carrier A SA",
        "jurisdiction": "FR",
    },
    "telco-b": {
        "kind": "telecom",
        "name": "Carrier B",
        "owner": "Carrier B Group",
        "jurisdiction": "FR",
    },
    "mailcloud": {
        "kind": "saas",
        "name": "MailCloud",
        "owner": "MailCloud Inc.",
        "jurisdiction": "US",
    },
    "ehr-vendor": {
        "kind": "software",
        "name": "Patient record vendor",
        "owner": "EHR Software SAS",
        "jurisdiction": "FR",
    },
    "hw-vendor": {
        "kind": "hardware",
        "name": "Server maintenance",
        "owner": "Hardware Corp.",
        "jurisdiction": "US",
    },
}
_COLO_PROVIDERS = ("northgate-colo", "meridian-colo")
_COLO_TENANTS = ("nimbus-cloud", "telco-b")
_SAAS_PROVIDERS = ("mailcloud", "ehr-vendor")

# team -> (skill, weekday people, weekend on call, night on call)
_TEAMS: dict[str, tuple[str, int, int, int]] = {
    "facilities": ("power", 4, 1, 1),
    "network": ("network", 6, 1, 1),
    "storage": ("storage", 3, 1, 0),
    "systems": ("systems", 8, 1, 1),
    "dba": ("database", 4, 1, 0),
    "apps": ("apps", 12, 1, 0),
    "telecom": ("telephony", 3, 1, 1),
}

_KIND_TEAM: dict[str, str] = {
    "power": "facilities",
    "ups": "facilities",
    "generator": "facilities",
    "cooling": "facilities",
    "link": "network",
    "router": "network",
    "firewall": "network",
    "switch": "network",
    "dns": "network",
    "pbx": "telecom",
    "storage": "storage",
    "compute": "systems",
    "cluster": "systems",
    "vm": "systems",
    "directory": "systems",
    "middleware": "apps",
    "messaging": "apps",
    "database": "dba",
    "application": "apps",
    "saas": "apps",
}

# kind -> (share with recovery data, recovery variants); skill filled from the team.
_RECOVERY: dict[str, tuple[float, tuple[Comp, ...]]] = {
    "ups": (0.8, ({"restart": "15min..45min", "verify": "10min..30min"},)),
    "generator": (0.8, ({"restart": "10min..30min", "verify": "15min"},)),
    "cooling": (0.8, ({"restart": "30min..1h", "verify": "30min"},)),
    "router": (0.7, ({"boot": "5min..10min", "verify": "15min..45min"},)),
    "firewall": (0.7, ({"boot": "5min..15min", "verify": "30min..1h"},)),
    "switch": (
        0.6,
        ({"boot": "3min..8min", "verify": "10min..30min"}, {"restart": "10min..30min"}),
    ),
    "dns": (0.7, ({"restart": "5min..15min", "verify": "10min"},)),
    "pbx": (0.8, ({"restart": "30min..2h", "verify": "1h..3h"},)),
    "storage": (
        0.9,
        (
            {"restart": "45min..2h", "data_check": "1h..4h", "verify": "1h..2h..4h"},
            {"restart": "1h..3h", "verify": "2h..6h"},
        ),
    ),
    "compute": (0.5, ({"boot": "5min..15min", "verify": "5min..20min"},)),
    "cluster": (0.8, ({"restart": "20min..1h", "verify": "30min..1h30min"},)),
    "vm": (0.3, ({"boot": "2min..8min"}, {"boot": "2min..5min", "verify": "5min..15min"})),
    "directory": (0.9, ({"restart": "15min..45min", "verify": "30min..1h"},)),
    "middleware": (0.8, ({"restart": "20min..1h", "verify": "1h..3h"},)),
    "messaging": (0.8, ({"restart": "30min..1h", "verify": "1h..2h"},)),
    "database": (
        0.8,
        (
            {
                "restart": "20min..1h",
                "data_check": "1h..6h",
                "restore": {"lognormal": {"median": "6h", "p90": "18h"}},
                "restart_fails": 0.1,
                "verify": "30min..2h",
            },
            {"restart": "15min..45min", "data_check": "30min..2h", "verify": "1h..3h"},
        ),
    ),
    "application": (
        0.7,
        (
            {"restart": "20min..1h", "verify": "2h..6h"},
            {"restart": "30min..1h30min", "verify": "1h..4h..12h"},
            {"restart": "10min..30min", "verify": "30min..2h"},
        ),
    ),
}

# kind -> (share with failure data, (mtbf, mttr) variants)
_FAILURE: dict[str, tuple[float, tuple[tuple[str, str], ...]]] = {
    "power": (0.9, (("2000h", "2h"), ("4000h", "3h"))),
    "generator": (0.7, (("1000h", "8h"),)),
    "ups": (0.6, (("50000h", "6h"),)),
    "cooling": (0.6, (("20000h", "8h"),)),
    "link": (0.8, (("4000h", "6h"), ("8000h", "4h"))),
    "router": (0.5, (("100000h", "4h"),)),
    "switch": (0.4, (("150000h", "4h"),)),
    "storage": (0.6, (("200000h", "12h"),)),
    "compute": (0.5, (("50000h", "24h"), ("80000h", "12h"))),
    "database": (0.3, (("20000h", "4h"),)),
    "application": (0.3, (("8000h", "2h"), ("15000h", "4h"))),
    "saas": (0.9, (("4000h", "3h"),)),
}

# function themes: (id stem, tier, patient safety, rto, degraded procedure, holds for)
_THEMES: tuple[tuple[str, str, bool, str, str, str], ...] = (
    ("lab-results", "vital", True, "4h", "phone results to wards, paper reports", "72h"),
    ("emergency-admissions", "vital", True, "1h", "paper admission forms", "48h"),
    ("medication", "vital", True, "4h", "paper prescriptions, double check", "72h"),
    ("imaging-results", "care", True, "8h", "radiologist reads on modality console", "48h"),
    ("doctor-messaging", "care", False, "8h", "phone and pager", "1w"),
    ("patient-record", "care", True, "4h", "printed summaries, paper notes", "72h"),
    ("telephony", "care", False, "4h", "mobile phones and runners", "72h"),
    ("bed-management", "care", False, "24h", "whiteboard and phone rounds", "1w"),
    ("scheduling", "care", False, "24h", "printed day lists", "72h"),
    ("billing", "administrative", False, "1w", "deferred batch entry", "2w"),
    ("payroll", "administrative", False, "1w", "previous month repeated", "4w"),
    ("procurement", "administrative", False, "72h", "paper orders", "2w"),
    ("reporting", "administrative", False, "2w", "none, postponed", "4w"),
    ("email", "administrative", False, "24h", "phone and SMS", "1w"),
)


# --------------------------------------------------------------------------- builder


@dataclass
class _Sizing:
    n_colo: int
    dc_per_group: list[int]
    hosp_per_group: list[int]
    functions_per_group: list[int]
    redundancy: int


@dataclass
class _Site:
    id: str
    kind: str
    local: str  # the id without the group prefix
    ups: list[str] = field(default_factory=list)
    cooling: str | None = None
    core: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def _fresh(d: Comp) -> Comp:
    """A copy of a small nested mapping, so no two entities share mutable data."""
    return {k: _fresh(v) if isinstance(v, dict) else v for k, v in d.items()}


def _split(total: int, parts: int) -> list[int]:
    """``total`` split in ``parts`` near-equal integers (first ones larger)."""
    q, r = divmod(total, parts)
    return [q + (1 if i < r else 0) for i in range(parts)]


def _apportion(total: int, weights: list[float], minimum: int) -> list[int]:
    """Largest-remainder apportionment of ``total`` with a per-part minimum."""
    n = len(weights)
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0:
        return base
    wsum = sum(weights)
    raw = [rest * w / wsum for w in weights]
    out = [b + int(x) for b, x in zip(base, raw, strict=True)]
    left = total - sum(out)
    order = sorted(range(n), key=lambda i: (int(raw[i]) - raw[i], i))
    for i in order[:left]:
        out[i] += 1
    return out


def _sizing(components: int, establishments: int) -> _Sizing:
    sites_total = max(1 + 2 * establishments, round(math.sqrt(components) / 8))
    n_colo = max(1, min(sites_total // 12, 2 * len(_COLO_PROVIDERS)))
    own = _split(sites_total - n_colo, establishments)
    dcs = [max(1, s // 4) for s in own]
    hosps = [max(1, s - d) for s, d in zip(own, dcs, strict=True)]
    redundancy = 2 if components >= 400 else 1
    n_fn = min(MAX_FUNCTIONS, max(3 * establishments, components // 50))
    return _Sizing(n_colo, dcs, hosps, _split(n_fn, establishments), redundancy)


class _Builder:
    """Accumulates components; every ``requires`` only names ids added before."""

    def __init__(self, rng: np.random.Generator, redundancy: int) -> None:
        self.rng = rng
        self.r = redundancy
        self.components: dict[str, Comp] = {}
        self.prefix = ""
        self.places = False
        """In a region: hospitals are places of delivery, their core switch and PBX are
        named after the site (``{place}-core``, ``{place}-pbx``)."""
        self._rec_cache: dict[tuple[str, str], tuple[Comp, ...]] = {}

    # -- single components

    def add(self, cid: str, comp: Comp) -> str:
        if cid in self.components:
            raise AssertionError(f"duplicate id {cid}")
        self.components[cid] = comp
        return cid

    def team(self, kind: str) -> str:
        return self.prefix + _KIND_TEAM[kind]

    def decorate(self, kind: str, comps: list[Comp]) -> None:
        """Attach team, recovery and failure data to components of one kind (vectorised)."""
        n = len(comps)
        if n == 0:
            return
        team = self.team(kind) if kind in _KIND_TEAM else None
        rec = _RECOVERY.get(kind)
        fail = _FAILURE.get(kind)
        rng = self.rng
        rec_pick: list[int] = []
        fail_pick: list[int] = []
        variants: tuple[Comp, ...] = ()
        if rec is not None:
            share, base = rec
            key = (kind, _KIND_TEAM.get(kind, "apps"))
            if key not in self._rec_cache:
                skill = _TEAMS[key[1]][0]
                self._rec_cache[key] = tuple(
                    {**v, "skill": skill}
                    if any(k in v for k in ("restart", "data_check", "verify"))
                    else dict(v)
                    for v in base
                )
            variants = self._rec_cache[key]
            draw = rng.random(n)
            which = rng.integers(0, len(variants), n)
            rec_pick = np.where(draw < share, which, -1).tolist()
        if fail is not None:
            fshare, fvars = fail
            draw = rng.random(n)
            which = rng.integers(0, len(fvars), n)
            fail_pick = np.where(draw < fshare, which, -1).tolist()
        for i, c in enumerate(comps):
            if team is not None:
                c["team"] = team
            if rec_pick and rec_pick[i] >= 0:
                c["recovery"] = _fresh(variants[rec_pick[i]])
            if fail_pick and fail is not None and fail_pick[i] >= 0:
                mtbf, mttr = fail[1][fail_pick[i]]
                c["failure"] = {"mtbf": mtbf, "mttr": mttr}

    def simple(
        self, kind: str, ids: list[str], site: str | list[str] | None, requires: list[Any]
    ) -> None:
        comps: list[Comp] = []
        for i, (cid, req) in enumerate(zip(ids, requires, strict=True)):
            c: Comp = {"kind": kind}
            where = site[i] if isinstance(site, list) else site
            if where is not None:
                c["site"] = where
            if req is not None:
                c["requires"] = req
            self.add(cid, c)
            comps.append(c)
        self.decorate(kind, comps)

    # -- site infrastructure

    def power_chain(self, site: _Site, *, hospital: bool, provider: str | None) -> None:
        s, r, p, loc = site.id, self.r, self.prefix, site.local
        feeds = [f"{p}feed-{loc}-{i + 1}" for i in range(1 if hospital else r)]
        gens = [f"{p}gen-{loc}-{i + 1}" for i in range(1 if hospital else (2 if r == 2 else 1))]
        upss = [f"{p}ups-{loc}-{x}" for x in ("ab"[: 1 if hospital else r])]
        comps: list[Comp] = []
        for f in feeds:
            c: Comp = {"kind": "power", "site": s, "provider": "grid-energy"}
            comps.append(c)
            self.add(f, c)
        self.decorate("power", comps)
        gen_comps: list[Comp] = []
        for g in gens:
            c = {"kind": "generator", "site": s}
            if provider is not None:
                c["provider"] = provider
            gen_comps.append(c)
            self.add(g, c)
        self.decorate("generator", gen_comps)
        ups_comps: list[Comp] = []
        for u in upss:
            c = {"kind": "ups", "site": s, "requires": {"any_of": [*feeds, *gens]}}
            if provider is not None:
                c["provider"] = provider
            ups_comps.append(c)
            self.add(u, c)
        self.decorate("ups", ups_comps)
        site.ups = upss
        if not hospital and r == 2:
            cid = f"{p}cooling-{loc}"
            c = {"kind": "cooling", "site": s, "requires": {"any_of": upss}}
            if provider is not None:
                c["provider"] = provider
            self.add(cid, c)
            self.decorate("cooling", [c])
            site.cooling = cid

    def ups_req(self, site: _Site) -> Any:
        return site.ups[0] if len(site.ups) == 1 else {"any_of": site.ups}

    def network(self, site: _Site, power_site: _Site, *, hospital: bool) -> None:
        """Links, routers, firewall and core switches of one group at one site."""
        s, r, p, loc = site.id, self.r, self.prefix, site.local
        power = self.ups_req(power_site)
        links: list[str] = []
        if r == 2:
            links = [f"{p}link-{loc}-{x}" for x in ("a", "b")]
            for cid, carrier in zip(links, ("telco-a", "telco-b"), strict=True):
                c: Comp = {"kind": "link", "site": s, "provider": carrier}
                self.add(cid, c)
                self.decorate("link", [c])
        n_rtr = 1 if hospital else r
        routers = [f"{p}rtr-{loc}-{i + 1}" for i in range(n_rtr)]
        rtr_comps = []
        for i, cid in enumerate(routers):
            req: list[Any] = [power]
            if links:
                req.append(links[i % len(links)] if not hospital else {"any_of": links})
            c = {"kind": "router", "site": s, "requires": req}
            self.add(cid, c)
            rtr_comps.append(c)
        self.decorate("router", rtr_comps)
        upstream: Any = routers[0] if len(routers) == 1 else {"any_of": routers}
        if r == 2 and not hospital:
            fw = f"{p}fw-{loc}"
            c = {"kind": "firewall", "site": s, "requires": [power, upstream]}
            self.add(fw, c)
            self.decorate("firewall", [c])
            upstream = fw
        n_core = 1 if hospital else r
        core = [f"{p}core-{loc}-{i + 1}" for i in range(n_core)]
        if hospital and self.places:
            core = [f"{s}-core"]
        self.simple("switch", core, s, [[power, upstream] for _ in core])
        site.core = core
        site.links = links


# --------------------------------------------------------------------------- generation


def establishment_id(group: int) -> str:
    """The establishment id of hospital group ``group`` (0-based): ``g1``, ``g2``…"""
    return f"g{group + 1}"


def _ids(stem: str, n: int, width: int = 0) -> list[str]:
    w = max(width, len(str(max(n, 1))))
    return [f"{stem}{i:0{w}d}" for i in range(1, n + 1)]


def _cluster_sizes(rng: np.random.Generator, hosts: int) -> list[int]:
    sizes: list[int] = []
    left = hosts
    while left > 0:
        s = int(rng.integers(4, 17))
        if left - s < 2:
            s = left
        sizes.append(s)
        left -= s
    return sizes


def _any(ids: list[str]) -> Any:
    return ids[0] if len(ids) == 1 else {"any_of": list(ids)}


def _other_site_pick(
    rng: np.random.Generator,
    site_of: np.ndarray,
    start: np.ndarray,
    count: np.ndarray,
    n_total: int,
    own: np.ndarray,
) -> np.ndarray:
    """For each index in ``own``, a random item of the same pool sorted by site, on another
    site when there is one (items are contiguous per site: ``start``/``count``)."""
    s = site_of[own]
    others = n_total - count[s]
    ok = others > 0
    off = (rng.random(len(own)) * np.where(ok, others, n_total)).astype(np.int64)
    off = np.where(ok & (off >= start[s]), off + count[s], off)
    return np.minimum(off, n_total - 1)


def _establishment(
    b: _Builder,
    g: int,
    budget: int,
    n_functions: int,
    colo: list[_Site],
    n_dc: int,
    n_hosp: int,
    functions: dict[str, Comp],
    establishment: str | None = None,
) -> None:
    rng = b.rng
    r = b.r
    p = f"g{g + 1}-" if g > 0 else ""
    b.prefix = p
    start = len(b.components)

    # ---- sites: own data centres and hospitals; colocation cages in shared sites
    dcs = [_Site(f"{p}dc-{i + 1:02d}", "datacenter", f"dc-{i + 1:02d}") for i in range(n_dc)]
    hosps = [_Site(f"{p}hosp-{i + 1:02d}", "hospital", f"hosp-{i + 1:02d}") for i in range(n_hosp)]
    for d in dcs:
        b.power_chain(d, hospital=False, provider=None)
    for h in hosps:
        b.power_chain(h, hospital=True, provider=None)
    compute_sites = [*colo, *dcs]
    for cs in compute_sites:
        b.network(cs, cs, hospital=False)
    for h in hosps:
        b.network(h, h, hospital=True)
    pbx = [f"{h.id}-pbx" if b.places else f"{p}pbx-{h.local}" for h in hosps]
    for cid, h in zip(pbx, hosps, strict=True):
        c: Comp = {"kind": "pbx", "site": h.id, "requires": [b.ups_req(h), h.core[0]]}
        b.add(cid, c)
        b.decorate("pbx", [c])
    n_cs = len(compute_sites)
    n_dns = 1 if r == 1 else min(n_cs, 2)
    dns_ids = [f"{p}dns-{i + 1}" for i in range(n_dns)]
    b.simple(
        "dns",
        dns_ids,
        [compute_sites[i].id for i in range(n_dns)],
        [[b.ups_req(compute_sites[i]), _any(compute_sites[i].core)] for i in range(n_dns)],
    )

    # ---- compute and storage per compute site (colocation weighs more: the main site)
    weights = [3.0 if s.kind == "colocation" else 2.0 for s in compute_sites]
    n_hosts = max(2 * n_cs, round(0.03 * budget))
    hosts_per = _apportion(n_hosts, weights, 2)
    cluster_ids: list[str] = []
    cluster_site: list[int] = []
    san_ids: list[str] = []
    san_start: list[int] = []
    san_count: list[int] = []
    for si, (cs, nh) in enumerate(zip(compute_sites, hosts_per, strict=True)):
        n_san = max(1, round(nh / 12))
        racks = max(1, math.ceil((nh + n_san) / 20))
        loc = cs.local
        rack_ids = [f"{loc}-r{k + 1:0{max(3, len(str(racks)))}d}" for k in range(racks)]
        pdus: list[list[str]] = []
        for rk in rack_ids:
            sides = [f"{p}pdu-{rk}{x}" for x in ("ab"[:r])]
            pdus.append(sides)
            b.simple("power", sides, cs.id, [cs.ups[k % len(cs.ups)] for k in range(len(sides))])
        tors: list[str] = []
        if r == 2:
            tors = [f"{p}tor-{rk}" for rk in rack_ids]
            b.simple("switch", tors, cs.id, [[_any(pdus[k]), _any(cs.core)] for k in range(racks)])
        sans = [f"{p}san-{loc}-{k + 1:0{max(2, len(str(n_san)))}d}" for k in range(n_san)]
        san_start.append(len(san_ids))
        san_count.append(n_san)
        san_ids.extend(sans)
        b.simple(
            "storage",
            sans,
            cs.id,
            [[_any(pdus[k % racks]), _any(cs.core)] for k in range(n_san)],
        )
        hosts = [f"{p}host-{loc}-{k + 1:0{max(3, len(str(nh)))}d}" for k in range(nh)]
        reqs: list[Any] = []
        for k in range(nh):
            ri = (k + n_san) % racks
            req: list[Any] = [_any(pdus[ri]), tors[ri] if tors else _any(cs.core)]
            if cs.cooling is not None:
                req.append(cs.cooling)
            reqs.append(req)
        b.simple("compute", hosts, cs.id, reqs)
        sizes = _cluster_sizes(rng, nh)
        k0 = 0
        creqs: list[Any] = []
        cw = max(2, len(str(len(sizes))))
        cids = [f"{p}cluster-{loc}-{k + 1:0{cw}d}" for k in range(len(sizes))]
        for size in sizes:
            members = hosts[k0 : k0 + size]
            k0 += size
            creqs.append({"at_least": max(1, size - 1), "of": members})
        b.simple("cluster", cids, cs.id, creqs)
        cluster_ids.extend(cids)
        cluster_site.extend([si] * len(cids))

    # ---- top layers share what is left of the budget
    n_dir = 1 if r == 1 else min(n_cs, 2)
    n_saas = 0 if budget < 300 else min(len(_SAAS_PROVIDERS) * 5, 1 + budget // 20_000)
    left = budget - (len(b.components) - start) - n_dir - n_saas
    n_vm = round(left * 0.52)
    n_db = round(left * 0.15)
    n_svc = round(left * 0.06)
    n_app = left - n_vm - n_db - n_svc
    if n_vm < 2 or n_db < 1 or n_app < 2:
        raise ValueError(
            f"too few components for the infrastructure: at least {MIN_COMPONENTS} per group"
        )

    # VMs: sorted by cluster, so each site's VMs are contiguous
    vm_cluster = np.sort(rng.integers(0, len(cluster_ids), n_vm))
    cl_site = np.asarray(cluster_site, dtype=np.int64)
    vm_site = cl_site[vm_cluster]
    s_start = np.asarray(san_start, dtype=np.int64)
    s_count = np.asarray(san_count, dtype=np.int64)
    vm_san = s_start[vm_site] + (rng.random(n_vm) * s_count[vm_site]).astype(np.int64)
    vm_ids = _ids(f"{p}vm-", n_vm, 6)
    site_ids = [s.id for s in compute_sites]
    vm_site_l = vm_site.tolist()
    vm_comps: list[Comp] = []
    for cid, c_i, s_i, sa in zip(
        vm_ids, vm_cluster.tolist(), vm_site_l, vm_san.tolist(), strict=True
    ):
        c = {"kind": "vm", "site": site_ids[s_i], "requires": [cluster_ids[c_i], san_ids[sa]]}
        b.components[cid] = c
        vm_comps.append(c)
    b.decorate("vm", vm_comps)
    del vm_comps
    vm_count_site = np.bincount(vm_site, minlength=n_cs)
    vm_start_site = np.concatenate(([0], np.cumsum(vm_count_site)[:-1]))

    # VMs handed out without replacement while they last, then at random
    perm = rng.permutation(n_vm)
    cursor = 0

    def take(n: int) -> np.ndarray:
        nonlocal cursor
        out = perm[cursor : cursor + n]
        cursor += len(out)
        if len(out) < n:
            out = np.concatenate((out, rng.integers(0, n_vm, n - len(out))))
        return out

    # ---- services: directory, middleware, messaging
    dir_vm = take(n_dir).tolist()
    dir_ids = [f"{p}dir-{i + 1}" for i in range(n_dir)]
    b.simple(
        "directory", dir_ids, [site_ids[vm_site_l[v]] for v in dir_vm], [vm_ids[v] for v in dir_vm]
    )
    directory = _any(dir_ids)
    dns = _any(dns_ids)
    svc_vm = take(n_svc).tolist()
    svc_msg = (rng.random(n_svc) < 0.3).tolist()
    svc_ids = _ids(f"{p}svc-", n_svc, 4)
    mw_comps: list[Comp] = []
    msg_comps: list[Comp] = []
    for cid, v, is_msg in zip(svc_ids, svc_vm, svc_msg, strict=True):
        if is_msg:
            c = {
                "kind": "messaging",
                "site": site_ids[vm_site_l[v]],
                "requires": [vm_ids[v], directory],
            }
            msg_comps.append(c)
        else:
            c = {"kind": "middleware", "site": site_ids[vm_site_l[v]], "requires": vm_ids[v]}
            mw_comps.append(c)
        b.components[cid] = c
    b.decorate("middleware", mw_comps)
    b.decorate("messaging", msg_comps)
    mw_only = [cid for cid, m in zip(svc_ids, svc_msg, strict=True) if not m]

    # ---- databases: a quarter replicated on two sites
    db_vm = take(n_db)
    db_rep = rng.random(n_db) < 0.25
    db_other = _other_site_pick(rng, vm_site, vm_start_site, vm_count_site, n_vm, db_vm)
    db_ids = _ids(f"{p}db-", n_db, 5)
    db_comps: list[Comp] = []
    db_site_l: list[int] = []
    for cid, v, rep, o in zip(
        db_ids, db_vm.tolist(), db_rep.tolist(), db_other.tolist(), strict=True
    ):
        if rep and o != v:  # replicas on two sites: no single site
            c = {"kind": "database", "requires": {"any_of": [vm_ids[v], vm_ids[o]]}}
        else:
            c = {"kind": "database", "site": site_ids[vm_site_l[v]], "requires": vm_ids[v]}
        b.components[cid] = c
        db_comps.append(c)
        db_site_l.append(vm_site_l[v])
    b.decorate("database", db_comps)
    del db_comps

    # ---- SaaS and applications
    saas_ids = [f"{p}saas-{i + 1:02d}" for i in range(n_saas)]
    for i, cid in enumerate(saas_ids):
        c = {"kind": "saas", "provider": _SAAS_PROVIDERS[i % len(_SAAS_PROVIDERS)]}
        b.components[cid] = c
        b.decorate("saas", [c])
    app_vm = take(n_app).tolist()
    app_db = rng.integers(0, n_db, n_app).tolist()
    u = rng.random((n_app, 4))
    use_dns = (u[:, 0] < 0.4).tolist()
    use_dir = (u[:, 1] < 0.3).tolist()
    use_mw = (u[:, 2] < 0.15).tolist() if mw_only else [False] * n_app
    use_saas = (u[:, 3] < 0.02).tolist() if saas_ids else [False] * n_app
    mw_pick = rng.integers(0, max(1, len(mw_only)), n_app).tolist()
    saas_pick = rng.integers(0, max(1, n_saas), n_app).tolist()
    app_ids = _ids(f"{p}app-", n_app, 6)
    app_comps: list[Comp] = []
    app_site: list[int] = []
    for i, cid in enumerate(app_ids):
        v = app_vm[i]
        req = [db_ids[app_db[i]], vm_ids[v]]
        if use_dns[i]:
            req.append(dns)
        if use_dir[i]:
            req.append(directory)
        if use_mw[i]:
            req.append(mw_only[mw_pick[i]])
        if use_saas[i]:
            req.append(saas_ids[saas_pick[i]])
        c = {"kind": "application", "site": site_ids[vm_site_l[v]], "requires": req}
        b.components[cid] = c
        app_comps.append(c)
        app_site.append(vm_site_l[v])
    b.decorate("application", app_comps)
    del app_comps
    if len(b.components) - start != budget:
        raise AssertionError(f"group {g + 1}: {len(b.components) - start} != {budget}")

    # ---- functions
    fa = rng.integers(0, n_app, n_functions).tolist()
    fb = rng.integers(0, n_app, n_functions).tolist()
    form = rng.random(n_functions).tolist()
    theme = rng.integers(0, len(_THEMES), n_functions).tolist()
    theme[: min(n_functions, 3)] = [0, 6, 9][: min(n_functions, 3)]  # one of each tier
    width = max(3, len(str(n_functions)))
    for i in range(n_functions):
        stem, tier, safety, rto, procedure, holds = _THEMES[theme[i]]
        fid = f"{p}{stem}-{i + 1:0{width}d}"
        a, bb = app_ids[fa[i]], app_ids[fb[i]]
        freq: Any
        if stem == "telephony":
            freq = [a, pbx[i % len(pbx)]]  # telephony of one hospital
        elif form[i] < 0.3 and a != bb:
            freq = {"any_of": [a, bb]}
        elif form[i] < 0.6 and a != bb:
            freq = [a, bb]
        else:
            freq = a
        functions[fid] = {
            "tier": tier,
            "requires": freq,
            "rto": rto,
            "patient_safety": safety,
            "degraded_mode": {"procedure": procedure, "holds_for": holds},
        }
        if establishment is not None:
            functions[fid]["establishment"] = establishment
            # delivered at the group's hospitals: each needs its own campus network, and
            # telephony its own PBX there
            functions[fid]["delivered_at"] = [h.id for h in hosps]
            local = "{place}-pbx" if stem == "telephony" else "{place}-core"
            if stem == "telephony":
                freq = [a, local]
            else:
                freq = [freq, local] if not isinstance(freq, list) else [*freq, local]
            functions[fid]["requires"] = freq


def generate_model(components: int, *, seed: int = 0, establishments: int = 1) -> dict[str, Any]:
    """A synthetic model of exactly ``components`` components, as plain YAML-ready data.

    Deterministic for a given ``seed`` (one :func:`numpy.random.default_rng`). With
    ``establishments=K``, K hospital groups share the providers and colocation sites.
    No two entities share a mutable dict or list (strings are shared).
    """
    if establishments < 1:
        raise ValueError("establishments must be at least 1")
    if components < MIN_COMPONENTS * establishments:
        raise ValueError(
            f"generate needs at least {MIN_COMPONENTS} components per establishment "
            f"(got {components} for {establishments})"
        )
    rng = np.random.default_rng(seed)
    sz = _sizing(components, establishments)
    b = _Builder(rng, sz.redundancy)
    shared_start = 0

    providers = {k: dict(v) for k, v in _PROVIDERS.items()}
    sites: dict[str, Comp] = {}
    colo: list[_Site] = []
    for i in range(sz.n_colo):
        op = _COLO_PROVIDERS[i % len(_COLO_PROVIDERS)]
        s = _Site(f"colo-{i + 1:02d}", "colocation", f"colo-{i + 1:02d}")
        sites[s.id] = {"kind": "colocation", "provider": op, "shared_with": list(_COLO_TENANTS)}
        b.power_chain(s, hospital=False, provider=op)  # operated by the provider, shared
        colo.append(s)

    budgets = _split(components - (len(b.components) - shared_start), establishments)
    functions: dict[str, Comp] = {}
    teams: dict[str, Comp] = {}
    b.places = establishments > 1
    for g in range(establishments):
        p = f"g{g + 1}-" if g > 0 else ""
        for i in range(sz.dc_per_group[g]):
            sites[f"{p}dc-{i + 1:02d}"] = {"kind": "datacenter"}
        for i in range(sz.hosp_per_group[g]):
            sites[f"{p}hosp-{i + 1:02d}"] = {"kind": "hospital"}
        # head-counts are sized for ~1,000 components; larger estates have larger teams
        # (staff ~ size^0.75, on-call ~ its square root) so recoveries stay feasible
        scale = max(1.0, budgets[g] / 1000) ** 0.75
        for t, (skill, people, weekend, night) in _TEAMS.items():
            teams[p + t] = {
                "skills": [skill],
                "timezone": TIMEZONE,
                "weekday": {"hours": "08:00-18:00", "people": round(people * scale)},
                "weekend": {"on_call": round(weekend * scale**0.5)},
                "night": {"on_call": round(night * scale**0.5)},
            }
        _establishment(
            b,
            g,
            budgets[g],
            sz.functions_per_group[g],
            colo,
            sz.dc_per_group[g],
            sz.hosp_per_group[g],
            functions,
            establishment_id(g) if establishments > 1 else None,
        )
    if len(b.components) != components:
        raise AssertionError(f"generated {len(b.components)} components, not {components}")

    scenarios: dict[str, Comp] = {
        "colo-power-cut": {
            "description": "Saturday power cut at the main colocation site",
            "start": "2024-08-03T11:00",
            "timezone": TIMEZONE,
            "fail": ["site:colo-01"],
            "duration": "3h",
        },
        "colo-operator-down": {
            "start": "2024-08-05T09:00",
            "timezone": TIMEZONE,
            "fail": [f"provider:{_COLO_PROVIDERS[0]}"],
            "duration": "12h",
        },
        "dc-fire": {
            "description": "Fire in the own data centre",
            "start": "2024-03-10T02:00",
            "timezone": TIMEZONE,
            "fail": ["site:dc-01"],
            "duration": "1w",
        },
    }
    return {
        "name": f"Synthetic hospital group ({components} components, seed {seed})",
        "description": f"Generated by blackstart generate: {establishments} establishment(s), "
        f"{len(sites)} sites, {len(functions)} functions.",
        "timezone": TIMEZONE,
        "providers": providers,
        "sites": sites,
        "components": b.components,
        "functions": functions,
        "teams": teams,
        "scenarios": scenarios,
    }


# --------------------------------------------------------------------------- measurement


def _leaves(req: Any) -> Iterator[str]:
    if req is None:
        return
    if isinstance(req, str):
        yield req
    elif isinstance(req, list):
        for x in req:
            yield from _leaves(x)
    elif isinstance(req, dict):
        for key in ("any_of", "all_of", "of"):
            if key in req:
                yield from _leaves(req[key])


def count_requirement_edges(data: dict[str, Any]) -> tuple[int, int]:
    """(leaf references in components' requires, in functions' requires)."""
    comp = sum(1 for c in data["components"].values() for _ in _leaves(c.get("requires")))
    fn = sum(1 for f in data["functions"].values() for _ in _leaves(f.get("requires")))
    return comp, fn


# --------------------------------------------------------------------------- writing

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _./()-]*[A-Za-z0-9_./)-]|[A-Za-z]")
_ID_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_DURATIONISH = re.compile(r"\d+(\.\d+)?[a-z]+(\.\.\d+(\.\d+)?[a-z]+)*")
_SPECIAL = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", "inf", ".nan", ".inf"]
)


_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def _yaml_str(s: str) -> str:
    """A string as a YAML scalar: plain when unambiguous, else JSON double-quoted."""
    if (_PLAIN.fullmatch(s) and "  " not in s and s.lower() not in _SPECIAL) or (
        _DURATIONISH.fullmatch(s)
    ):
        return s
    return _json(s)


def _yaml(v: Any) -> str:
    """One value in YAML flow style."""
    if isinstance(v, str):
        return _yaml_str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_yaml_str(k)}: {_yaml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join([_yaml(x) for x in v]) + "]"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v):
            return repr(v)
        return ".nan" if math.isnan(v) else (".inf" if v > 0 else "-.inf")
    raise TypeError(f"cannot write {type(v).__name__} as YAML")


class _Emitter:
    """Fast YAML flow emitter: ids known to be plain and repeated strings skip the checks."""

    def __init__(self, plain: tuple[dict[str, Any], ...] = ()) -> None:
        self.plain = plain
        self.cache: dict[str, str] = {}

    def s(self, v: str) -> str:
        out = self.cache.get(v)
        if out is not None:
            return out
        for ids in self.plain:
            if v in ids:
                return v
        out = _yaml_str(v)
        if len(self.cache) < 100_000:
            self.cache[v] = out
        return out

    def v(self, x: Any) -> str:
        t = type(x)
        if t is str:
            return self.s(x)
        if t is list:
            return "[" + ", ".join([self.v(y) for y in x]) + "]"
        if t is dict:
            return "{" + ", ".join([f"{self.s(k)}: {self.v(y)}" for k, y in x.items()]) + "}"
        return _yaml(x)


_MODEL_KEYS = ("name", "description", "timezone", "providers", "sites", "teams", "scenarios")
_CHUNK = 20_000


class _Writer:
    """One output file: a top-level mapping whose sections hold one entity per line."""

    def __init__(self, path: Path, fmt: Literal["yaml", "json"], emit: _Emitter) -> None:
        self.path = path
        self.emit = emit.v
        self.fmt = fmt
        self.f: TextIO = path.open("w", encoding="utf-8", newline="\n")
        self.buf: list[str] = []
        self.sections = 0
        self.entries = 0
        if fmt == "json":
            self.f.write("{")

    def scalar(self, key: str, value: Any) -> None:
        self._next_section()
        if self.fmt == "yaml":
            self.f.write(f"{key}: {self.emit(value)}\n")
        else:
            self.f.write(f"\n{_json(key)}: {_json(value)}")

    def begin(self, key: str, empty: bool) -> None:
        self._next_section()
        self.entries = 0
        if self.fmt == "yaml":
            self.f.write(f"{key}:{' {}' if empty else ''}\n")
        else:
            self.f.write(f"\n{_json(key)}: {{")

    def entry(self, key: str, value: Any) -> None:
        if self.fmt == "yaml":
            self.buf.append(f"  {key}: {self.emit(value)}\n")
        else:
            sep = "," if self.entries else ""
            self.buf.append(f"{sep}\n  {_json(key)}: {_json(value)}")
        self.entries += 1
        if len(self.buf) >= _CHUNK:
            self.flush()

    def end(self) -> None:
        self.flush()
        if self.fmt == "json":
            self.f.write("\n}")

    def flush(self) -> None:
        self.f.write("".join(self.buf))
        self.buf.clear()

    def _next_section(self) -> None:
        if self.fmt == "json" and self.sections:
            self.f.write(",")
        self.sections += 1

    def close(self) -> None:
        self.flush()
        if self.fmt == "json":
            self.f.write("\n}\n")
        self.f.close()


def _safe_id(key: str) -> str:
    if not _ID_PLAIN.fullmatch(key) or key.lower() in _SPECIAL:
        return _json(key)
    return key


def write_model(
    data: dict[str, Any], out_dir: Path, *, fmt: Literal["yaml", "json"] = "yaml"
) -> list[Path]:
    """Write a model as ``model`` (scalars, providers, sites, teams, scenarios), one file
    of components per layer (:data:`LAYERS`) and ``functions``; return the paths written.

    YAML is emitted by hand, one flow mapping per entity line; JSON has the same content.
    Loading the directory gives back ``data`` exactly.
    """
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unknown format {fmt!r}; use 'yaml' or 'json'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = fmt
    paths: list[Path] = []

    def write_section(w: _Writer, key: str, items: dict[str, Any]) -> None:
        w.begin(key, not items)
        for k, v in items.items():
            w.entry(_safe_id(k) if fmt == "yaml" else k, v)
        w.end()

    comps: dict[str, Any] = data.get("components", {})
    fns: dict[str, Any] = data.get("functions", {})
    # ids written plain as keys can be written plain wherever they are referenced
    plain = tuple(d for d in (comps, fns) if all(_safe_id(k) == k for k in d))
    emitter = _Emitter(plain)
    model = _Writer(out_dir / f"model.{ext}", fmt, emitter)
    for key in _MODEL_KEYS:
        if key not in data:
            continue
        if key in ("name", "description", "timezone"):
            model.scalar(key, data[key])
        else:
            write_section(model, key, data[key])
    for key, value in data.items():  # anything else goes to model too (e.g. include)
        if key not in _MODEL_KEYS and key not in ("components", "functions"):
            model.scalar(key, value)
    model.close()
    paths.append(model.path)

    # components: group by layer (one pass, all layer files open together)
    present = {layer_of(c.get("kind", "other")) for c in comps.values()}
    writers = {
        layer: _Writer(out_dir / f"{layer}.{ext}", fmt, emitter)
        for layer in LAYERS
        if layer in present
    }
    for w in writers.values():
        w.begin("components", False)
    for k, c in comps.items():
        writers[layer_of(c.get("kind", "other"))].entry(_safe_id(k) if fmt == "yaml" else k, c)
    for layer in LAYERS:
        if layer in writers:
            writers[layer].end()
            writers[layer].close()
            paths.append(writers[layer].path)

    if "functions" in data:
        fw = _Writer(out_dir / f"functions.{ext}", fmt, emitter)
        write_section(fw, "functions", data["functions"])
        fw.close()
        paths.append(fw.path)
    return paths
