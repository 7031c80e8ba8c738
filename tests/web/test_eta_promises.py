"""The board's "announced vs current P80: kept / at risk" table and its forecast in day
words. The oracle of the chance kept is an independent piecewise-linear interpolation
(numpy.interp) of the forecast's distribution through (as of, 0), (P50, .5), (P80, .8),
(P95, .95) and 1 an interval P95 − P80 after P95, on hand-made forecasts; "kept" means
announced at or after the P80."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import blackstart.api as bs
from blackstart import incident_now
from blackstart.web import create_app, eta_chart
from tests.web._board import add_users, declare, login
from tests.web.conftest import serve

AS_OF = datetime(2024, 8, 3, 10, 0, tzinfo=UTC)


def _at(hours: float) -> str:
    return (AS_OF + timedelta(hours=hours)).isoformat()


def _band(p50: float, p80: float, p95: float) -> dict[str, str]:
    return {"p50": _at(p50), "p80": _at(p80), "p95": _at(p95)}


def oracle(eta: datetime, as_of: datetime, band: dict[str, str]) -> float:
    """numpy's linear interpolation through the forecast's quantiles."""
    ts = [as_of.timestamp()] + [datetime.fromisoformat(band[q]).timestamp() for q in
                                ("p50", "p80", "p95")]  # fmt: skip
    ts.append(ts[-1] + (ts[-1] - ts[-2]))
    return float(np.interp(eta.timestamp(), ts, [0.0, 0.5, 0.8, 0.95, 1.0]))


FORECAST = {
    "as_of": AS_OF.isoformat(),
    "tiers": {
        "vital": _band(4, 6, 10),
        "care": _band(2, 3, 5),
        "administrative": _band(20, 30, 40),
    },
    "all": _band(20, 30, 40),
}


def _board(announcements: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "forecast": FORECAST,
        "announcements": [
            {"tier": t, "eta": _at(h), "announced_at": _at(0), "user": "olga"}
            for t, h in announcements
        ],
    }


def test_standing_announcements_on_a_hand_made_forecast() -> None:
    # vital first at 2 h (replaced by 5 h), care at 4 h, everything exactly at its P80
    board = _board([("vital", 2), ("care", 4), ("vital", 5), ("all", 30)])
    rows = {r["tier"]: r for r in incident_now.standing_announcements(board)}
    assert set(rows) == {"vital", "care", "all"}
    # by hand: vital 5 h is halfway from P50 (4 h, .5) to P80 (6 h, .8): .65
    assert rows["vital"]["chance"] == pytest.approx(0.65)
    assert rows["vital"]["eta"] == _at(5) and rows["vital"]["verdict"] == "at risk"
    # care 4 h is halfway from P80 (3 h, .8) to P95 (5 h, .95): .875
    assert rows["care"]["chance"] == pytest.approx(0.875)
    assert rows["care"]["verdict"] == "kept"
    assert rows["all"]["chance"] == pytest.approx(0.8) and rows["all"]["verdict"] == "kept"
    assert rows["vital"]["p80"] == FORECAST["tiers"]["vital"]["p80"]


def test_no_forecast_no_rows() -> None:
    assert incident_now.standing_announcements({"forecast": None, "announcements": []}) == []


@given(
    st.sampled_from(["vital", "care", "administrative", "all"]),
    st.floats(min_value=-2, max_value=60, allow_nan=False),
)
def test_kept_means_at_least_the_p80(tier: str, hours: float) -> None:
    (row,) = incident_now.standing_announcements(_board([(tier, hours)]))
    band = FORECAST["all"] if tier == "all" else FORECAST["tiers"][tier]
    expected = oracle(AS_OF + timedelta(hours=hours), AS_OF, band)
    assert row["chance"] == pytest.approx(expected, abs=1e-6)
    kept = AS_OF + timedelta(hours=hours) >= datetime.fromisoformat(band["p80"])
    assert (row["verdict"] == "kept") == kept
    assert (row["chance"] >= 0.8 - 1e-9) == kept


# --------------------------------------------------------------------------- the board


@pytest.fixture
def board(tmp_path: Path) -> Iterator[httpx.Client]:
    app = create_app(bs.example_path(), f"sqlite:///{tmp_path / 'promises.db'}")
    add_users(app)
    with serve(app) as client:
        yield client


def _words(iso: str, now: datetime, zone: ZoneInfo) -> str:
    """Independent of web/clock.py: today / tomorrow / yesterday, else "Fri 4 Dec"."""
    local, ref = datetime.fromisoformat(iso).astimezone(zone), now.astimezone(zone)
    named = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((local.date() - ref.date()).days)
    day = named or f"{local:%a} {local.day} {local:%b}"
    return f"{day} {local:%H:%M}"


def test_board_shows_day_words_and_the_kept_table(board: httpx.Client) -> None:
    csrf = login(board, "olga")
    start = datetime.now(UTC) - timedelta(hours=2)
    end = (start + timedelta(hours=1)).isoformat()
    iid = declare(board, csrf, start=start.isoformat(), failure_end=end)["incident"]["id"]
    h = {"x-csrf-token": csrf}
    data = board.get(f"/api/incidents/{iid}").json()
    fc = data["forecast"]
    early = fc["tiers"]["vital"]["p50"]
    late = (datetime.fromisoformat(fc["tiers"]["care"]["p95"]) + timedelta(hours=1)).isoformat()
    for tier, eta in (("vital", early), ("care", late)):
        r = board.post(f"/api/incidents/{iid}/announcements", json={"tier": tier, "eta": eta},
                       headers=h)  # fmt: skip
        assert r.status_code == 201, r.text
    data = board.get(f"/api/incidents/{iid}").json()
    fc, now = data["forecast"], datetime.fromisoformat(data["now"])
    html = board.get(f"/incidents/{iid}").text
    zone = ZoneInfo(re.search(r"all times ([\w/+-]+)", html).group(1))  # type: ignore[union-attr]
    # the forecast table: every cell in day words, the exact time kept in <time datetime>
    table = html[
        html.index('<table id="forecast">') : html.index(
            "</table>", html.index('<table id="forecast">')
        )
    ]
    cells = re.findall(r'<td class="p\d\d"><time datetime="([^"]+)">([^<]+)</time></td>', table)
    assert len(cells) == 3 * 4
    for iso, text in cells:
        assert text == _words(iso, now, zone)
        assert not re.search(r"\d{4}-\d\d-\d\d", text)
    # the kept / at risk table
    rows = dict(re.findall(r'<tr data-tier="(\w+)" data-verdict="([\w ]+)">', html))
    assert rows == {"vital": "at risk", "care": "kept"}
    as_of = datetime.fromisoformat(fc["as_of"])
    for tier, eta in (("vital", early), ("care", late)):
        row = re.search(rf'<tr data-tier="{tier}" data-verdict[^>]*>(.*?)</tr>', html)
        assert row, tier
        chance = round(100 * oracle(datetime.fromisoformat(eta), as_of, fc["tiers"][tier]))
        assert f'<td class="chance">{chance} %</td>' in row.group(1)
        assert _words(eta, now, zone) in row.group(1)
        assert _words(fc["tiers"][tier]["p80"], now, zone) in row.group(1)
    assert '<details id="eta-history-table">' in html


# --------------------------------------------------------------------------- the chart


def _one_forecast_board(start: datetime, now: datetime) -> dict[str, Any]:
    return {
        "plan": {"start": start.isoformat()},
        "now": now.isoformat(),
        "forecasts": [{"as_of": now.isoformat(), **{k: FORECAST[k] for k in ("tiers", "all")}}],
        "announcements": [],
    }


@pytest.mark.parametrize("minutes", [0, 7, 90, 26 * 60, 9 * 1440])
def test_one_forecast_draws_dots_on_round_unique_ticks(minutes: int) -> None:
    start = AS_OF - timedelta(minutes=minutes)
    svg = eta_chart.svg(_one_forecast_board(start, AS_OF), "Europe/Paris")
    assert "<polyline" not in svg  # one point: no line to draw
    dots = re.findall(r'<circle class="point eta-(\w+)-(p\d\d)" cx="([\d.]+)"', svg)
    assert len(dots) == 6
    # the dots sit at the forecast's time, on an axis from the start to now (10 min at least)
    right = eta_chart.W - eta_chart.RIGHT
    x = eta_chart.LEFT + (right - eta_chart.LEFT) * minutes * 60 / max(minutes * 60, 600)
    assert all(float(cx) == pytest.approx(x, abs=0.06) for *_, cx in dots)
    for axis in ("x", "y"):
        labels = re.findall(
            rf'<text class="{axis}-tick" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)<', svg
        )
        assert len(labels) >= 2, axis
        texts = [t for *_, t in labels]
        assert len(set(texts)) == len(texts), texts  # no label twice, none empty
        assert all(t.strip() for t in texts)
        for x, y, _ in labels:  # inside the chart
            assert 0 <= float(x) <= eta_chart.W and 0 <= float(y) <= eta_chart.H
    xs = [float(x) for x in re.findall(r'<text class="x-tick" x="([\d.]+)"', svg)]
    assert all(eta_chart.LEFT - 0.1 <= x <= right + 0.1 for x in xs)
