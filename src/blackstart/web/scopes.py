"""What a subscriber may follow, as the public sees it: the functions and the places of
delivery of the model, by public name (per language) with an opaque key each — the form
and the API show names and send keys, the store keeps ids (:class:`Scope`), and no id
reaches a public page. Also: which public rows a scope keeps (a scoped e-mail or SMS
speaks only of what its reader follows).

Owns the choices, their validation against the model (at most :data:`MAX_CHOICES` of
each kind; an unknown name is a :class:`~blackstart.errors.UsageError` with the closest
one) and the filtering; not the matching of updates (:mod:`.notify`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from blackstart.errors import UsageError, did_you_mean
from blackstart.incident import place_name, public_order, worst
from blackstart.model.model import Model
from blackstart.model.schema import TIERS
from blackstart.store.scope import Scope

MAX_CHOICES = 30
"""At most this many functions, and this many places, per subscription."""


@dataclass(frozen=True)
class Choice:
    key: str
    """Opaque (12 hex digits): what the form sends."""
    id: str
    """The model's id: what the store keeps; never shown."""
    names: dict[str, str]
    """Public name per language."""


def _key(kind: str, ident: str) -> str:
    return hashlib.sha256(f"scope\x1f{kind}\x1f{ident}".encode()).hexdigest()[:12]


def function_choices(model: Model) -> list[Choice]:
    out = []
    for fid in public_order(model):
        fn = model.functions[fid]
        plain = fn.public_name or fn.name or fid.replace("-", " ").capitalize()
        names = {"fr": plain, "en": plain}
        if fn.names and not fn.public_name:
            names.update(fn.names)
        out.append(Choice(_key("function", fid), fid, names))
    return out


def place_choices(model: Model) -> list[Choice]:
    ids = sorted({p for places in model.places.values() for p in places})
    out = [
        Choice(_key("place", p), p, {"fr": place_name(model, p), "en": place_name(model, p)})
        for p in ids
    ]
    return sorted(out, key=lambda c: c.names["fr"].lower())


def choices(model: Model, lang: str) -> dict[str, list[dict[str, str]]]:
    """``{"functions": [{key, name}], "places": [{key, name}]}`` in ``lang``."""
    return {
        kind: sorted(
            ({"key": c.key, "name": c.names.get(lang, c.names["fr"])} for c in found),
            key=lambda c: c["name"].casefold(),
        )
        for kind, found in (
            ("functions", function_choices(model)),
            ("places", place_choices(model)),
        )
    }


def _resolve(kind: str, given: list[str], known: list[Choice]) -> tuple[str, ...]:
    values = [g.strip() for g in given if g.strip()]
    if len(set(values)) > MAX_CHOICES:
        raise UsageError(
            f"too many {kind}: {len(set(values))} (at most {MAX_CHOICES})",
            suggestion=f"follow everything: leave the {kind} empty",
        )
    by: dict[str, str] = {}
    for c in known:
        by[c.key] = c.id
        for name in c.names.values():
            by.setdefault(name.casefold(), c.id)
    out: list[str] = []
    for v in values:
        ident = by.get(v) or by.get(v.casefold())
        if ident is None:
            names = sorted({n for c in known for n in c.names.values()})
            raise UsageError(
                f"unknown {kind[:-1]}: {v!r}",
                suggestion=did_you_mean(v, names) or f"see /api/status/scopes for the {kind}",
            )
        if ident not in out:
            out.append(ident)
    return tuple(out)


def parse(model: Model, functions: list[str], places: list[str]) -> Scope:
    """The scope of the chosen functions and places (keys or public names, in any
    language); both empty: everything."""
    return Scope(
        _resolve("functions", functions, function_choices(model)),
        _resolve("places", places, place_choices(model)),
    )


def keys(model: Model, scope: Scope) -> tuple[list[str], list[str]]:
    """The opaque keys of ``scope`` (for a link that carries it)."""
    fk = {c.id: c.key for c in function_choices(model)}
    pk = {c.id: c.key for c in place_choices(model)}
    return [fk[f] for f in scope.functions if f in fk], [pk[p] for p in scope.places if p in pk]


def names(model: Model, scope: Scope, lang: str) -> dict[str, list[str]]:
    """The public names of what ``scope`` follows, in ``lang``."""
    fn = {c.id: c.names.get(lang, c.names["fr"]) for c in function_choices(model)}
    pl = {c.id: c.names.get(lang, c.names["fr"]) for c in place_choices(model)}
    return {
        "functions": [fn[f] for f in scope.functions if f in fn],
        "places": [pl[p] for p in scope.places if p in pl],
    }


def describe(model: Model, scope: Scope, lang: str) -> str:
    """The scope in words, for a confirmation (``""`` for everything)."""
    found = names(model, scope, lang)
    return " — ".join(", ".join(v) for v in (found["functions"], found["places"]) if v)


def row_ids(model: Model) -> dict[str, list[str]]:
    """Function ids per tier in the order of the public rows."""
    out: dict[str, list[str]] = {t: [] for t in TIERS}
    for fid in public_order(model):
        out[model.functions[fid].tier].append(fid)
    return out


def scoped(payload: dict[str, Any], model: Model, scope: Scope) -> dict[str, Any]:
    """The public payload keeping only the rows (and place lines) ``scope`` follows (the
    whole payload if its rows are not the model's: saying too much beats saying nothing)."""
    ids = row_ids(model)
    if scope.everything or any(
        len(ids[t["tier"]]) != len(t["functions"]) for t in payload["tiers"]
    ):
        return payload
    wanted_places = {place_name(model, p) for p in scope.places}
    tiers = []
    for t in payload["tiers"]:
        rows = []
        for fid, row in zip(ids[t["tier"]], t["functions"], strict=True):
            if scope.functions and fid not in scope.functions:
                continue
            if scope.places and fid in model.places:
                if not set(model.places[fid]) & set(scope.places):
                    continue
                row = _at(row, wanted_places)
            rows.append(row)
        tiers.append({**t, "functions": rows})
    return {**payload, "tiers": tiers}


def _at(row: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """A function's row seen from the ``wanted`` places only: their lines, the worst of
    their states and the latest of their ETAs (up if none of them went down)."""
    if "places" not in row:
        return row
    kept = [p for p in row["places"] if p["name"] in wanted]
    out = {k: v for k, v in row.items() if k != "eta"}
    out["places"] = kept
    out["state"] = worst([p["state"] for p in kept])
    etas = [p["eta"] for p in kept if p["state"] == "down" and "eta" in p]
    if out["state"] == "down" and etas:
        out["eta"] = max(etas, key=lambda e: e["to"])
    return out
