"""Risk sweeps: axes, keys and seeds, and hand-derived answers on a tiny model.

The tiny model has one site, one application (restart 30 min, verify 30 min, fixed)
staffed around the clock, and one function per tier. A failure of the site for ``d``
hours brings the application back at ``d + 1`` hours, whatever the random draws.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from blackstart.errors import UsageError
from blackstart.model.load import load_data
from blackstart.model.model import Model
from blackstart.sweep import parse_axes, rank, run_sweep, scenarios

ALWAYS = {
    "hours": "00:00-24:00",
    "people": 1,
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}


def tiny(*, backup_team: bool = False, establishments: bool = False) -> Model:
    teams: dict[str, Any] = {"apps": {"skills": ["apps"], "weekday": ALWAYS}}
    if backup_team:
        teams["vendor"] = {"skills": ["apps"], "weekday": ALWAYS}

    def fn(tier: str, rto: str, est: str) -> dict[str, Any]:
        out: dict[str, Any] = {"tier": tier, "requires": "app", "rto": rto}
        if establishments:
            out["establishment"] = est
        return out

    return load_data(
        {
            "name": "tiny",
            "timezone": "Europe/Paris",
            "providers": {"colo": {"kind": "colocation"}, "idle": {"kind": "other"}},
            "sites": {"dc": {"kind": "datacenter", "provider": "colo"}},
            "components": {
                "feed": {"kind": "power", "site": "dc"},
                "pdu": {"kind": "power", "site": "dc", "requires": "feed"},
                "app": {
                    "kind": "application",
                    "site": "dc",
                    "team": "apps",
                    "recovery": {"restart": "30min", "verify": "30min", "skill": "apps"},
                },
            },
            "functions": {
                "vital-fn": fn("vital", "1h", "east"),
                "care-fn": fn("care", "4h", "west"),
                "admin-fn": fn("administrative", "1w", "west"),
            },
            "teams": teams,
            "scenarios": {
                "outage": {"start": "2024-08-03T11:00", "fail": ["site:dc"], "duration": "2h"}
            },
        }
    )


def _rows(model: Model, **axes: Any) -> dict[str, dict[str, Any]]:
    report = run_sweep(model, parse_axes(model, **axes), runs=64, seed=3, workers=1)
    return {r["key"]: r for r in report.to_dict()["rows"]}


def test_axes_span_every_what_duration_and_start() -> None:
    m = tiny()
    axes = parse_axes(
        m, over="site,provider,power,team", durations="1h,4h", starts="Mon 10:00,Sat 11:00"
    )
    specs = scenarios(m, axes)
    whats = sorted({s.what for s in specs})
    # power: kind power or generator requiring nothing (the feed, not the PDU)
    assert whats == [
        "component:feed",
        "incident:outage",
        "provider:colo",
        "provider:idle",
        "site:dc",
        "team:apps",
    ]
    # 5 whats × 2 durations × 2 starts, and the incident alone once per start
    assert len(specs) == 5 * 2 * 2 + 2
    alone = [s for s in specs if s.kind == "incident"]
    assert [(s.fail, s.duration_s, s.absent_team) for s in alone] == [
        (("site:dc",), 7200, None)
    ] * 2
    assert len({s.key for s in specs}) == len(specs)
    # the reference week is the week of the first scenario (Sat 3 Aug 2024)
    sat = next(s for s in specs if s.start_label == "Sat 11:00")
    assert sat.start == datetime(2024, 8, 3, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    mon = next(s for s in specs if s.start_label == "Mon 10:00")
    assert mon.start.date().isoformat() == "2024-07-29"
    team = next(s for s in specs if s.what == "team:apps" and s.duration_s == 3600)
    assert (team.fail, team.failure_s, team.absent_team) == (("site:dc",), 7200, "apps")


def test_scenario_seed_is_a_hash_of_master_seed_and_key() -> None:
    m = tiny()
    [spec] = scenarios(m, parse_axes(m, over="site", durations="4h", starts="Sat 11:00"))
    assert spec.key == "site:dc|14400s|Sat 11:00"
    expected = int.from_bytes(hashlib.sha256(b"7\x00site:dc|14400s|Sat 11:00").digest()[:16], "big")
    assert spec.seed(7) == expected
    assert spec.seed(8) != expected


def test_known_answer_site_failure() -> None:
    """Site down d hours: the app (and every function) is back at d + 1 h."""
    rows = _rows(tiny(), over="site,provider", durations="1h,4h", starts="Sat 11:00")
    one = rows["site:dc|3600s|Sat 11:00"]
    assert one["functions_down"] == 3
    assert one["tiers"]["vital"]["p50_h"] == one["tiers"]["vital"]["p95_h"] == 2.0
    assert one["tiers"]["vital"]["rto_breach_probability"] == 1.0  # RTO 1h < 2h
    assert one["tiers"]["care"]["rto_breach_probability"] == 0.0  # RTO 4h > 2h
    # care-hours lost: 2 × 2 h (vital) + 1 × 2 h (care) + 0 × 2 h (administrative)
    assert one["care_hours_lost"] == 6.0
    assert one["tiers"]["administrative"]["function_hours"] == 2.0
    four = rows["site:dc|14400s|Sat 11:00"]
    assert four["care_hours_lost"] == 3 * 5.0
    assert four["tiers"]["care"]["rto_breach_probability"] == 1.0  # 5 h > 4 h
    # the provider operating the site takes it down: same answer
    assert rows["provider:colo|3600s|Sat 11:00"]["care_hours_lost"] == 6.0
    # a provider hosting nothing takes nothing down
    idle = rows["provider:idle|3600s|Sat 11:00"]
    assert (idle["care_hours_lost"], idle["functions_down"]) == (0.0, 0)
    ranked = [r["key"] for r in rank(list(rows.values()))]
    assert ranked[0] in ("provider:colo|14400s|Sat 11:00", "site:dc|14400s|Sat 11:00")
    assert ranked[-1] == "provider:idle|3600s|Sat 11:00"  # ties broken by key


def test_team_away_delays_recovery_or_hands_over() -> None:
    """The incident: the site down 2 h. The apps team away 4 h: the restart waits until
    4 h, so the app is back at 5 h. With a vendor team holding the skill, it takes over:
    back at 3 h, as with everybody present."""
    alone = _rows(tiny(), over="team", durations="4h", starts="Sat 11:00")
    row = alone["team:apps|14400s|Sat 11:00"]
    assert row["tiers"]["vital"]["p50_h"] == 5.0
    assert row["care_hours_lost"] == 3 * 5.0
    # the incident alone: the site down 2 h, everything back at 3 h: 3 × 3 care-hours
    assert alone["incident:outage|7200s|Sat 11:00"]["care_hours_lost"] == 3 * 3.0
    assert row["added_care_hours"] == 15.0 - 9.0
    helped = _rows(tiny(backup_team=True), over="team", durations="4h", starts="Sat 11:00")
    assert helped["team:apps|14400s|Sat 11:00"]["tiers"]["vital"]["p50_h"] == 3.0
    assert helped["team:vendor|14400s|Sat 11:00"]["tiers"]["vital"]["p50_h"] == 3.0


def test_results_group_by_establishment() -> None:
    rows = _rows(tiny(establishments=True), over="site", durations="1h", starts="Sat 11:00")
    row = rows["site:dc|3600s|Sat 11:00"]
    # vital-fn belongs to east (2 × 2 h), care-fn and admin-fn to west (1 × 2 h + 0)
    assert row["by_establishment"] == {
        "east": {"care_hours_lost": 4.0, "functions_down": 1},
        "west": {"care_hours_lost": 2.0, "functions_down": 2},
    }
    assert (
        "by_establishment"
        not in _rows(tiny(), over="site", durations="1h", starts="Sat 11:00")[
            "site:dc|3600s|Sat 11:00"
        ]
    )


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    from blackstart import api

    m = api.load(api.example_path())
    a = _rows(m, over="site", durations="4h", starts="Sat 11:00")
    b = _rows(m, over="site", durations="4h", starts="Sat 11:00")
    assert a == b
    c = run_sweep(
        m,
        parse_axes(m, over="site", durations="4h", starts="Sat 11:00"),
        runs=64,
        seed=4,
        workers=1,
    )
    other = {r["key"]: r for r in c.to_dict()["rows"]}
    assert any(other[k]["care_hours_lost"] != a[k]["care_hours_lost"] for k in a)


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ({"over": "site,building"}, "cannot sweep over 'building'"),
        ({"over": ""}, "--over is empty"),
        ({"durations": "4h,soon"}, "--durations"),
        ({"durations": "30s"}, "shorter than a minute"),
        ({"starts": "Caturday 10:00"}, "not a weekday"),
        ({"starts": "Mon 25:00"}, "no such time of day"),
        ({"starts": "yesterday"}, "cannot read 'yesterday'"),
        ({"incident": "outge"}, "no scenario 'outge'"),
    ],
)
def test_bad_axes_are_usage_errors(axes: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_axes(tiny(), **axes)


def test_team_sweep_without_an_incident() -> None:
    data = tiny()
    bare = load_data({"name": "bare", "components": {"x": {"kind": "other"}},
                      "teams": {"t": {"skills": ["s"], "weekday": ALWAYS}}})  # fmt: skip
    with pytest.raises(UsageError, match="needs an incident") as exc:
        parse_axes(bare, over="team")
    assert exc.value.suggestion is not None
    axes = parse_axes(bare, over="site,team", over_given=False)
    assert axes.over == ("site",) and "teams not swept" in axes.warnings[0]
    assert parse_axes(data, over="team").incident == "outage"


def test_restricted_axes_keep_only_some_whats_and_are_another_sweep() -> None:
    from blackstart.sweep.scenarios import sweep_key

    m = tiny()
    axes = parse_axes(m, over="site,provider", durations="1h", starts="Sat 11:00")
    some = axes.restricted({"provider:idle"})
    assert [s.key for s in scenarios(m, some)] == ["provider:idle|3600s|Sat 11:00"]
    assert sweep_key(m, some, runs=8, seed=0) != sweep_key(m, axes, runs=8, seed=0)
