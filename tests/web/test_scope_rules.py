"""The rules under scoped notifications and SMS texts, on generated inputs:

- :meth:`Scope.matches` agrees with its definition written out by brute force;
- :func:`notify.concerned` on the example model: the pairs whose generated state or ETA
  changed, plus every pair not up when the incident itself changed — computed here from
  the generated states, not from the public rows the code reads;
- :func:`sms.fit` never exceeds 160 septets, keeps the tail, counts the items it leaves
  out, and writes only GSM-7.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import blackstart.api as bs
from blackstart.incident import public_functions
from blackstart.model.schema import TIERS
from blackstart.store.scope import Scope
from blackstart.web import notify
from blackstart.web.sms import _BASIC, _EXTENDED, fit, septets

MODEL = bs.load(bs.example_path())
PAIRS = sorted(
    (fid, place) for fid in MODEL.functions for place in (MODEL.places.get(fid) or ("",))
)
AS_OF = datetime(2024, 8, 4, 12, 0, tzinfo=UTC)
ETAS = [AS_OF + timedelta(hours=h) for h in (2, 5, 9)]
names = st.sampled_from(["a", "b", "c", "d"])


@given(
    st.lists(names, max_size=3),
    st.lists(names, max_size=3),
    st.lists(st.tuples(names, st.sampled_from(["", "a", "b", "c", "d"])), max_size=5),
)
def test_scope_matching_is_its_definition(
    fs: list[str], ps: list[str], pairs: list[tuple[str, str]]
) -> None:
    scope = Scope(tuple(fs), tuple(ps))
    brute = False
    for f, p in pairs:
        function_ok = len(fs) == 0 or f in fs
        place_ok = len(ps) == 0 or p == "" or p in ps
        brute = brute or (function_ok and place_ok)
    assert scope.matches(pairs) == brute


State = tuple[str, int]  # ("up" | "down" | "restored", index of the ETA)
states = st.dictionaries(
    st.sampled_from(PAIRS),
    st.tuples(st.sampled_from(["down", "restored"]), st.integers(0, len(ETAS) - 1)),
    max_size=12,
)


def _summary(pairs: dict[tuple[str, str], State]) -> dict[str, Any]:
    """A forecast summary with the generated state of each pair (others up)."""

    def times(state: str, k: int) -> dict[str, Any]:
        end = ETAS[k] if state == "down" else AS_OF - timedelta(hours=1)
        iso = end.isoformat()
        return {"was_down": True, "p50": iso, "p80": iso, "p95": iso}

    functions = []
    for fid in MODEL.functions:
        places = MODEL.places.get(fid)
        if not places:
            if (fid, "") in pairs:
                functions.append({"id": fid, **times(*pairs[(fid, "")])})
            continue
        lines = [
            {"place": p, **times(*pairs[(fid, p)])} if (fid, p) in pairs
            else {"place": p, "was_down": False}
            for p in places
        ]  # fmt: skip
        if any(line["was_down"] for line in lines):
            worst = max((line for line in lines if line["was_down"]), key=lambda x: x["p95"])
            functions.append({**{k: worst[k] for k in ("p50", "p80", "p95")}, "id": fid,
                              "was_down": True, "places": lines})  # fmt: skip
    return {"as_of": AS_OF.isoformat(), "functions": functions}


def _payload(pairs: dict[tuple[str, str], State], message: str) -> dict[str, Any]:
    table = public_functions(MODEL, _summary(pairs))
    return {
        "incident": True,
        "tiers": [{"tier": t, "functions": table[t]} for t in TIERS],
        "messages": [{"published_at": "x", "body": message}],
        "updated_at": "now",
    }


def _public(pairs: dict[tuple[str, str], State], pair: tuple[str, str]) -> Any:
    state, k = pairs.get(pair, ("up", 0))
    return (state, k if state == "down" else None)


@settings(max_examples=60, deadline=None)
@given(states, states, st.booleans())
def test_an_update_concerns_what_changed_and_what_the_incident_touches(
    before: dict[tuple[str, str], State], after: dict[tuple[str, str], State], news: bool
) -> None:
    got = notify.concerned(_payload(before, "m"), _payload(after, "n" if news else "m"), MODEL)
    expected = {p for p in PAIRS if _public(before, p) != _public(after, p)}
    if news:
        expected |= set(before) | set(after)
    assert got == expected


lines = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80)


@given(lines, st.lists(st.tuples(lines, lines), max_size=8), st.text("abc/:.", max_size=60))
def test_an_sms_fits_in_160_gsm7_characters(
    header: str, items: list[tuple[str, str]], link: str
) -> None:
    items = [(label, "\x1e: " + text) for label, text in items]
    tail = f"Info/STOP https://x/s/{link}"
    text = fit(header, items, "+\x00 more", tail)
    assert septets(text) <= 160
    assert all(c in _BASIC or c in _EXTENDED for c in text)
    assert text.endswith("\n" + tail)
    shown = text.split("\n")[1:-1]
    counted = [int(m.group(1)) for line in shown if (m := re.fullmatch(r"\+(\d+) more", line))]
    placed = len(shown) - len(counted)
    assert counted in ([], [len(items) - placed])  # the others are counted, once


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(sorted(MODEL.functions)), min_size=1, max_size=4), st.data())
def test_a_maintenance_window_concerns_every_place_of_the_functions_it_takes_down(
    taken: set[str], data: st.DataObject
) -> None:
    """A window declared (or changed) concerns each function it takes down at every place
    that function is delivered, and nothing else; an unchanged window concerns nothing.
    Oracle: the pairs written out from the model's places, not from the code's lookup."""
    fn = MODEL.functions
    shown = [{"name": fn[f].public_name or fn[f].name or f, "state": "scheduled"} for f in taken]
    window = {"id": "w1", "status": "scheduled", "functions": shown}
    before: dict[str, Any] = {"tiers": [], "maintenance": []}
    after: dict[str, Any] = {"tiers": [], "maintenance": [window]}
    expected = {(f, p) for f in taken for p in (MODEL.places.get(f) or ("",))}
    assert notify.concerned(before, after, MODEL) == expected
    assert notify.concerned(after, after, MODEL) == frozenset()
    live = {**window, "status": "in_progress"}
    assert notify.concerned(after, {"tiers": [], "maintenance": [live]}, MODEL) == expected
    other = data.draw(st.sampled_from([p for p in PAIRS if p[0] not in taken] or PAIRS))
    follows_other = Scope(functions=(other[0],))
    update = notify.Update(pairs=frozenset(expected), payload=after)
    assert update.concerns(follows_other) == (other[0] in taken)
