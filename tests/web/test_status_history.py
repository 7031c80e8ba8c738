"""The public 90-day history, against a hand-made incident whose announcements and
return times are known: every announced ETA and every range the page showed is judged
kept / early / late with deltas computed here by hand; drills and incidents older than 90
days are left out; nothing internal appears (authors, titles, comments, ids); the page is
served for real, French with no English left, and published in the snapshot."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import blackstart.api as bs
from blackstart.cli import app as cli_app
from blackstart.incident_history import compare
from blackstart.model.model import Model
from blackstart.store import incident_status
from blackstart.store.incidents import IncidentStore
from blackstart.web import create_app
from blackstart.web.dashboard import Dashboard
from tests.web.conftest import serve
from tests.web.test_status_i18n import _catalog
from tests.web.test_status_publish import assert_nothing_internal

runner = CliRunner()
H = timedelta(hours=1)
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
T0 = NOW - timedelta(days=10)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _pick(model: Model) -> tuple[str, str]:
    """A vital and a care function of the model (the hand-made incident's two)."""
    vital = next(f for f, fn in sorted(model.functions.items()) if fn.tier == "vital")
    care = next(f for f, fn in sorted(model.functions.items()) if fn.tier == "care")
    return vital, care


def _fn(fid: str, tier: str, p50: datetime, p80: datetime, p95: datetime) -> dict[str, Any]:
    return {
        "id": fid,
        "tier": tier,
        "was_down": True,
        "p50": _iso(p50),
        "p80": _iso(p80),
        "p95": _iso(p95),
    }


def _forecast(as_of: datetime, functions: list[dict[str, Any]]) -> dict[str, Any]:
    q = {"p50": _iso(as_of), "p80": _iso(as_of), "p95": _iso(as_of)}
    return {
        "as_of": _iso(as_of),
        "tiers": {t: q for t in ("vital", "care", "administrative")},
        "all": q,
        "functions": functions,
    }


def _incident(
    store: IncidentStore,
    model: Model,
    *,
    start: datetime,
    drill: bool = False,
    title: str = "Internal title: GS colo",
) -> int:
    row = store.create_incident(
        by="olga",
        title=title,
        scenario="colo-power-cut",
        fail=["site:colo-paris"],
        start_at=start,
        failure_end_at=None,
        drill=drill,
        clock="real",
        sim_now=None,
        model_hash=model.hash,
        plan={"tasks": []},
    )
    return row.id


def _build(url: str, model: Model) -> tuple[str, str]:
    """The hand-made store: one incident to judge, a drill, an incident 100 days old."""
    vital, care = _pick(model)
    dash = Dashboard.open(bs.example_path(), url)
    try:
        store = IncidentStore(dash.store)
        iid = _incident(store, model, start=T0)
        # what the page showed: forecast A then B (P50–P80 ranges), then the final one
        store.add_forecast(
            iid,
            1,
            T0 + timedelta(minutes=10),
            _forecast(
                T0 + timedelta(minutes=10),
                [
                    _fn(vital, "vital", T0 + 6 * H, T0 + 8 * H, T0 + 12 * H),
                    _fn(care, "care", T0 + 10 * H, T0 + 14 * H, T0 + 20 * H),
                ],
            ),
        )
        store.add_forecast(
            iid,
            2,
            T0 + 50 * timedelta(minutes=1),
            _forecast(
                T0 + timedelta(minutes=50),
                [
                    _fn(vital, "vital", T0 + 7 * H, T0 + 9 * H, T0 + 12 * H),
                    _fn(care, "care", T0 + 20 * H, T0 + 27 * H, T0 + 30 * H),
                ],
            ),
        )
        # what happened: vital back at T0+5h, care at T0+26h (back in every run)
        store.add_forecast(
            iid,
            3,
            T0 + 29 * H,
            _forecast(
                T0 + 29 * H,
                [
                    _fn(vital, "vital", T0 + 5 * H, T0 + 5 * H, T0 + 5 * H),
                    _fn(care, "care", T0 + 26 * H, T0 + 26 * H, T0 + 26 * H),
                ],
            ),
        )
        incident_status.set_state(
            store, iid, "investigating", user="olga", at=T0 + timedelta(minutes=15)
        )
        incident_status.set_state(store, iid, "identified", user="olga", at=T0 + H)
        store.announce(iid, tier="vital", eta=T0 + 6 * H, user="olga", at=T0 + 2 * H)
        store.announce(iid, tier="care", eta=T0 + 24 * H, user="olga", at=T0 + 2 * H)
        store.announce(iid, tier="all", eta=T0 + 48 * H, user="olga", at=T0 + 3 * H)
        store.draft_message(iid, body="Résultats de biologie par téléphone.", user="olga")
        mid = store.snapshot(iid).messages[-1].id  # type: ignore[union-attr]
        store.publish_message(iid, mid, user="ada")
        store.draft_message(iid, body="Internal draft never published", user="olga")
        incident_status.set_state(store, iid, "resolved", user="olga", at=T0 + 30 * H)
        store.add_event(
            iid,
            task="core-switch/restart",
            kind="done",
            at=T0 + 4 * H,
            user="olga",
            comment="Internal comment: swapped PSU",
        )
        store.close(iid, at=T0 + 31 * H, review={}, user="olga")
        # a drill: never public
        did = _incident(store, model, start=NOW - 2 * H, drill=True, title="Drill title")
        store.announce(did, tier="vital", eta=NOW, user="olga", at=NOW - H)
        store.close(did, at=NOW - H, review={}, user="olga")
        # an incident whose last activity is 100 days ago: out of the 90 days
        old = _incident(store, model, start=NOW - timedelta(days=101), title="Old title")
        store.close(old, at=NOW - timedelta(days=100), review={}, user="olga")
    finally:
        dash.close()
    return vital, care


def _name(model: Model, fid: str) -> str:
    fn = model.functions[fid]
    return fn.public_name or fn.name or fid


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, model: Model) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("history") / "h.db"
    url = f"sqlite:///{path}"
    vital, care = _build(url, model)
    with serve(create_app(bs.example_path(), url)) as client:
        yield client, url, vital, care


def test_announcements_judged_against_what_happened(setup: Any, model: Model) -> None:
    client, _url, vital, care = setup
    h = client.get("/status/history.json").json()
    assert h["days"] == 90
    [inc] = h["incidents"]  # neither the drill nor the 100-day-old incident
    assert inc["state"] == "resolved" and inc["resolved_at"] == _iso(T0 + 30 * H)
    assert inc["started_at"] == _iso(T0 + timedelta(minutes=15))
    rows = [
        (
            r["kind"],
            r.get("function") or r["tier"],
            r["announced_at"],
            r["from"],
            r["to"],
            r["actual"],
            r["outcome"],
            r["delta_s"],
        )
        for r in inc["announced"]
    ]
    t = lambda d: _iso(T0 + d)  # noqa: E731
    v, c = _name(model, vital), _name(model, care)
    expected = [
        # announced ETAs ("back by"): vital back 1 h ahead, care 2 h late, all 22 h ahead
        ("eta", "vital", t(2 * H), t(6 * H), t(6 * H), t(5 * H), "kept", -3600),
        ("eta", "care", t(2 * H), t(24 * H), t(24 * H), t(26 * H), "late", 7200),
        ("eta", "all", t(3 * H), t(48 * H), t(48 * H), t(26 * H), "kept", -22 * 3600),
        # ranges shown at "investigating" (forecast A): vital early by 1 h, care late by 12 h
        ("range", v, t(timedelta(minutes=15)), t(6 * H), t(8 * H), t(5 * H), "early", -3600),
        ("range", c, t(timedelta(minutes=15)), t(10 * H), t(14 * H), t(26 * H), "late", 12 * 3600),
        # at "identified" (forecast B): vital early by 2 h, care inside its range
        ("range", v, t(H), t(7 * H), t(9 * H), t(5 * H), "early", -7200),
        ("range", c, t(H), t(20 * H), t(27 * H), t(26 * H), "kept", 0),
    ]

    def norm(r: tuple[Any, ...]) -> tuple[Any, ...]:
        """Times compared as instants (any offset)."""
        return tuple(
            _iso(datetime.fromisoformat(x)) if isinstance(x, str) and x[:2] == "20" else x
            for x in r
        )

    assert sorted(map(norm, rows)) == sorted(map(norm, expected))
    assert inc["outcomes"] == {"kept": 3, "early": 2, "late": 2, "pending": 0}
    timeline = [(e["at"], e.get("state") or e.get("message")) for e in inc["timeline"]]
    assert timeline[:3] == [
        (t(timedelta(minutes=15)), "investigating"),
        (t(H), "identified"),
        (t(30 * H), "resolved"),
    ]
    assert timeline[3][1] == "Résultats de biologie par téléphone."  # published now
    assert {a["name"]: a["back_at"] for a in inc["affected"]} == {v: t(5 * H), c: t(26 * H)}


def test_compare_pending_and_late_at_least() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert compare(now + H, now + 2 * H, None, now, point=False)["outcome"] == "pending"
    late = compare(now - 3 * H, now - 2 * H, None, now, point=False)
    assert (late["outcome"], late["delta_s"], late["at_least"]) == ("late", 7200, True)
    assert compare(now, now, now, now, point=True) == {
        "outcome": "kept",
        "position": "at",
        "delta_s": 0,
    }


def test_nothing_internal_and_french_page(setup: Any, model: Model) -> None:
    client, _url, _v, _c = setup
    for path in ("/status/history", "/status/history?lang=en", "/status/history.json"):
        r = client.get(path)
        assert r.status_code == 200
        assert_nothing_internal(model, r.text, path)
        for word in (
            "olga",
            "ada",
            "Internal",
            "Drill title",
            "Old title",
            "core-switch",
            "swapped PSU",
            "colo-paris",
        ):
            assert word not in r.text, (path, word)
    fr = client.get("/status/history", headers={"accept-language": "fr"}).text
    assert '<html lang="fr">' in fr and "Historique des incidents" in fr
    assert "en retard de 2 h" in fr and "tenue, avec 1 h d’avance" in fr
    assert "plus tôt que la fourchette de 1 h" in fr
    english = {k for k, (v, _) in _catalog().items() if v != k and len(k) > 12}
    visible = re.sub(r"<[^>]+>", " ", fr)
    assert not sorted(k for k in english if k in visible)
    en = client.get("/status/history?lang=en").text
    assert "late by 2 h" in en and "kept, 1 h ahead" in en and "<script" not in en
    assert client.get("/status").status_code == 200
    assert 'href="/status/history?lang=fr"' in client.get("/status?lang=fr").text


def test_history_in_the_snapshot(setup: Any, model: Model, tmp_path: Path) -> None:
    client, url, _v, _c = setup
    out = tmp_path / "site"
    r = runner.invoke(cli_app, ["status", "publish", "--db", url, "--to", str(out)])
    assert r.exit_code == 0, r.output
    published = json.loads((out / "history.json").read_text("utf-8"))
    served = client.get("/status/history.json").json()
    assert published["incidents"] == served["incidents"]
    page = (out / "history.html").read_text("utf-8")
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert 'href="index.html"' in page and 'href="history.en.html"' in page
    assert 'href="history.html"' in (out / "index.html").read_text("utf-8")
    for name in ("history.html", "history.en.html", "history.json"):
        assert_nothing_internal(model, (out / name).read_text("utf-8"), name)


def test_completed_maintenance_in_the_history(tmp_path: Path, model: Model) -> None:
    """A window that ended (hand-made, stored directly) leaves /status for the history."""
    from blackstart.store import maintenance as rows
    from blackstart.store import open_store

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = open_store(url)
    vital, _care = _pick(model)
    start = NOW - 3 * 24 * H
    fc = _forecast(start, [_fn(vital, "vital", start + 5 * H, start + 6 * H, start + 7 * H)])
    fc["all"] = {"p50": _iso(start + 5 * H), "p80": _iso(start + 6 * H), "p95": _iso(start + 7 * H)}
    rows.add(
        store,
        name="Travaux terminés",
        message="",
        scenario="colo-power-cut",
        start=start,
        end=start + 4 * H,
        forecast=fc,
        user="olga",
    )
    store.close()
    with serve(create_app(bs.example_path(), url)) as client:
        time.sleep(0.1)
        assert client.get("/status.json").json()["maintenance"] == []
        [w] = client.get("/status/history.json").json()["maintenance"]
        assert w["status"] == "completed" and w["completed_at"] == _iso(start + 7 * H)
        assert [f["state"] for f in w["functions"]] == ["restored"]
        assert "Travaux terminés" in client.get("/status/history").text
        assert "Maintenances terminées" in client.get("/status/history?lang=fr").text


def test_ranges_hidden_while_the_page_showed_the_announced_eta(model: Model) -> None:
    """After a person chose to show the announced ETA, a tier with an announcement shows
    no range (none is judged); a tier without one still shows its live range."""
    from types import SimpleNamespace

    from blackstart.incident_history import history_of

    vital, care = _pick(model)
    inc = SimpleNamespace(created_at=T0, drill=False, closed_at=None)
    a = _forecast(
        T0,
        [
            _fn(vital, "vital", T0 + 5 * H, T0 + 6 * H, T0 + 8 * H),
            _fn(care, "care", T0 + 8 * H, T0 + 9 * H, T0 + 10 * H),
        ],
    )
    b_at = T0 + timedelta(minutes=105)
    b = _forecast(
        b_at,
        [
            _fn(vital, "vital", T0 + 5.5 * H, T0 + 6.5 * H, T0 + 8 * H),
            _fn(care, "care", T0 + 8.5 * H, T0 + 9.5 * H, T0 + 10 * H),
        ],
    )
    c = _forecast(
        T0 + 10 * H,
        [
            _fn(vital, "vital", T0 + 6 * H, T0 + 6 * H, T0 + 6 * H),
            _fn(care, "care", T0 + 9 * H, T0 + 9 * H, T0 + 9 * H),
        ],
    )
    out = history_of(
        model,
        inc,
        states=[(T0, "investigating"), (T0 + 2 * H, "identified")],
        messages=[],
        announcements=[(T0 + H, "vital", T0 + 7 * H)],
        forecasts=[a, b, c],
        modes=[(T0 + 1.5 * H, "announced")],
        now=T0 + 11 * H,
    )
    ranges = [
        (r["function"], r["announced_at"], r["outcome"], r["delta_s"])
        for r in out["announced"]
        if r["kind"] == "range"
    ]
    v, cn = _name(model, vital), _name(model, care)
    assert sorted(ranges) == sorted(
        [
            (v, _iso(T0), "kept", 0),  # back at 6 h, inside 5–6 h
            (cn, _iso(T0), "kept", 0),  # back at 9 h, inside 8–9 h
            (cn, _iso(T0 + 2 * H), "kept", 0),  # 8.5–9.5 h; vital's new range never shown
        ]
    )
    [eta] = [r for r in out["announced"] if r["kind"] == "eta"]
    assert (eta["outcome"], eta["delta_s"]) == ("kept", -3600)
