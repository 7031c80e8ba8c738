"""The plan page's Gantt chart and header, read from the served HTML: the critical path
drawn over the chart is the longest path of the plan's precedence (brute force over every
path of small generated models), the automatic lane folds into one lane and unfolds into
lanes that do not overlap, every tooltip says the day, and the page leads with the
forecast and names the median-duration schedule as such."""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from blackstart.model.load import load_data
from blackstart.web import charts, create_app
from blackstart.web.dashboard import Dashboard
from blackstart.web.recovery_views import plan_charts
from tests.engine._recovery_checks import steps, team, tiny
from tests.web.conftest import serve

WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
RECT = re.compile(
    r'<rect class="(task[^"]*)" data-task="([^"]*)" x="([\d.]+)" y="([\d.]+)" '
    r'width="([\d.]+)"[^>]*><title>([^<]*)</title>'
)


def chain_model(
    parents: list[list[int]], minutes: list[tuple[int, int]], needs: list[int]
) -> dict[str, Any]:
    """Components ``c0..`` in one failed site, ``ci`` requiring ``c{parents[i]}``, with a
    restart and a verify of the given minutes; one vital function ``f`` requiring
    ``c{needs}``; ten people around the clock, so nothing waits for a person."""
    comps = {
        f"c{i}": {
            "kind": "application",
            "site": "dc",
            **({"requires": [f"c{j}" for j in ps]} if ps else {}),
            "recovery": steps(restart=f"{r}min", verify=f"{v}min"),
        }
        for i, (ps, (r, v)) in enumerate(zip(parents, minutes, strict=True))
    }
    return tiny(comps, {"f": {"tier": "vital", "requires": [f"c{j}" for j in needs]}},
                {"ops": team(10)})  # fmt: skip


def longest_path(
    parents: list[list[int]], minutes: list[tuple[int, int]], needs: list[int]
) -> tuple[set[str], bool]:
    """Brute force: every path from ``f`` down the requirements to a component that needs
    nothing, its length the sum of its components' steps; the tasks of the longest, and
    whether it is the only longest one."""

    def paths(i: int) -> Iterator[list[int]]:
        if not parents[i]:
            yield [i]
        for j in parents[i]:
            for rest in paths(j):
                yield [i, *rest]

    every = [p for n in needs for p in paths(n)]
    length = [sum(sum(minutes[i]) for i in p) for p in every]
    best = max(length)
    winners = {tuple(p) for p, n in zip(every, length, strict=True) if n == best}
    path = next(iter(winners))
    tasks = {f"c{i}/{a}" for i in path for a in ("restart", "verify")}
    return tasks, len(winners) == 1


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[list[int]], list[tuple[int, int]], list[int]]:
    n = draw(st.integers(min_value=2, max_value=6))
    parents = [
        sorted(draw(st.sets(st.integers(0, i - 1), max_size=2))) if i else [] for i in range(n)
    ]
    minutes = [(draw(st.integers(1, 12)) * 10, draw(st.integers(1, 12)) * 5) for _ in range(n)]
    needs = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)))
    return parents, minutes, needs


def _dash(data: dict[str, Any], tmp: Path) -> Dashboard:
    path = tmp / "model.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return Dashboard.open(path, f"sqlite:///{tmp / 'store.db'}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_critical_path_drawn_is_the_longest_path(
    dag: tuple[list[list[int]], list[tuple[int, int]], list[int]],
) -> None:
    parents, minutes, needs = dag
    expected, unique = longest_path(parents, minutes, needs)
    assume(unique)
    with tempfile.TemporaryDirectory() as tmp:
        dash = _dash(chain_model(parents, minutes, needs), Path(tmp))
        try:
            plan = dash.plan("s")
            svg = str(plan_charts(dash, plan, "f")["gantt"])
        finally:
            dash.close()
    bars = RECT.findall(svg)
    assert len(bars) == len(plan["tasks"])
    drawn = {task for cls, task, *_ in bars if "critical" in cls.split()}
    assert drawn == expected
    assert all("dimmed" in cls.split() for cls, task, *_ in bars if task not in expected)


def test_the_oracle_finds_the_long_branch() -> None:
    """c2 needs c0 (30+10) and c1 (100+60): the long branch goes through c1."""
    tasks, unique = longest_path([[], [], [0, 1]], [(30, 10), (100, 60), (10, 5)], [2])
    assert unique and tasks == {"c1/restart", "c1/verify", "c2/restart", "c2/verify"}


# --------------------------------------------------------------------------- example


@pytest.fixture(scope="module")
def example(client: httpx.Client) -> dict[str, Any]:
    return {
        "plan": client.get("/api/plan", params={"scenario": "colo-site-loss"}).json(),
        "folded": client.get("/plan", params={"scenario": "colo-site-loss"}).text,
        "expanded": client.get(
            "/plan", params={"scenario": "colo-site-loss", "automatic": "expanded"}
        ).text,
    }


def _team_rects(html: str, team: str) -> list[tuple[str, ...]]:
    group = re.search(rf'<g class="team" data-team="{re.escape(team)}"[^>]*>(.*?)</g>', html)
    assert group, team
    return RECT.findall(group.group(1))


def test_automatic_lane_folds_and_unfolds(example: dict[str, Any]) -> None:
    automatic = [t for t in example["plan"]["tasks"] if t["team"] is None]
    assert len(automatic) > 1
    folded = _team_rects(example["folded"], "(automatic)")
    assert len(folded) == len(automatic)
    assert len({y for _cls, _task, _x, y, _w, _title in folded}) == 1  # one lane
    assert 'data-team="(automatic)" data-lanes="1" data-folded="true"' in example["folded"]
    assert f"{len(automatic)} steps, folded" in example["folded"]
    expanded = _team_rects(example["expanded"], "(automatic)")
    assert len(expanded) == len(automatic)
    lanes: dict[str, list[tuple[float, float]]] = {}
    for _cls, _task, x, y, w, _title in expanded:
        lanes.setdefault(y, []).append((float(x), float(x) + float(w)))
    assert len(lanes) > 1
    for spans in lanes.values():
        for (_a0, a1), (b0, _b1) in itertools.combinations(sorted(spans), 2):
            assert a1 <= b0 + 1.6, "bars of one lane overlap"  # 1.5 px: a minimum width
    assert 'id="expand-automatic"' in example["folded"]
    assert 'id="fold-automatic"' in example["expanded"]


def test_every_tooltip_says_the_day_the_task_starts(example: dict[str, Any]) -> None:
    zone = ZoneInfo("Europe/Paris")
    starts = {
        t["id"]: datetime.fromisoformat(t["start"]).astimezone(zone)
        for t in example["plan"]["tasks"]
    }
    rects = RECT.findall(example["folded"])
    assert len(rects) == len(starts)
    for _cls, task, *_geometry, title in rects:
        day = starts[task]
        assert WEEKDAY.search(title), title
        assert f"{day:%a} {day.day} {day:%b} {day:%H:%M}" in title, title


def test_plan_leads_with_the_forecast(client: httpx.Client, example: dict[str, Any]) -> None:
    html = example["folded"]
    fc = client.get(
        "/api/forecast", params={"scenario": "colo-site-loss", "runs": 1000, "seed": 0}
    ).json()
    head = html.index('id="forecast-tiers"')
    usual = html.index("The schedule if every step takes its usual time")
    gantt = html.index('<div class="gantt">')
    assert head < usual < gantt
    zone = ZoneInfo("Europe/Paris")
    for tier, band in [*fc["tiers"].items(), ("all", fc["all"])]:
        row = re.search(rf'<tr[^>]*data-tier="{tier}">(.*?)</tr>', html[head:usual])
        assert row, tier
        for q in ("p50", "p80", "p95"):
            local = datetime.fromisoformat(band[q]).astimezone(zone)
            assert f"{local:%Y-%m-%d %H:%M}" in row.group(1), (tier, q)
    back = datetime.fromisoformat(example["plan"]["all"]["restored_at"]).astimezone(zone)
    sentence = html[usual : html.index("</p>", usual)]
    assert f"everything back {back:%Y-%m-%d %H:%M}" in sentence
    assert "everything back" not in html[:usual]  # one "back" time said once, and named


def test_gantt_and_bands_have_their_data_as_tables(
    client: httpx.Client, example: dict[str, Any]
) -> None:
    html = client.get(
        "/plan", params={"scenario": "colo-site-loss", "function": "lab-results"}
    ).text
    table = html[
        html.index('<details id="gantt-table">') : html.index(
            "</details>", html.index('<details id="gantt-table">')
        )
    ]
    assert table.count("<tr>") == len(example["plan"]["tasks"]) + 1
    for t in example["plan"]["tasks"]:
        assert f"<code>{t['id']}</code>" in table
    assert '<details id="eta-table">' in html and '<details id="breakdown-table">' in html
    for svg in re.findall(r"<svg[^>]*>", html):
        assert 'role="img"' in svg and "aria-label=" in svg, svg


@pytest.mark.parametrize("query", [{"automatic": "sideways"}, {"zoom": "3x"}, {"zoom": "16"}])
def test_bad_plan_options_are_a_clear_4xx(client: httpx.Client, query: dict[str, str]) -> None:
    r = client.get("/plan", params={"scenario": "colo-site-loss", **query})
    assert r.status_code == 422
    assert next(iter(query)) in r.text


def test_tiny_model_serves(tmp_path: Path) -> None:
    """The generated models above are valid for the dashboard as a whole."""
    data = chain_model([[], [0]], [(30, 10), (20, 5)], [1])
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    load_data(data)
    with serve(create_app(path, f"sqlite:///{tmp_path / 's.db'}")) as c:
        r = c.get("/plan", params={"scenario": "s", "function": "f"})
        assert r.status_code == 200
        assert r.text.count('class="task critical"') == 4


# --------------------------------------------------------------------------- labels


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.integers(1, 300), st.sampled_from(["ab", "x" * 9])),
        min_size=1,
        max_size=12,
    ),
    st.booleans(),
)
def test_labels_drawn_where_the_free_room_holds_them(
    spans: list[tuple[int, int, str]], folded: bool
) -> None:
    """The room of a bar by brute force over every other bar: to its end, or to the
    nearest bar of the same row starting inside it (painted over it); the label shown is
    the name if it fits, else the short name if it fits, else none."""
    bars = [
        charts.Bar(f"t{i}", a, a + d, "restart", name=f"{name}{i}/restart", short=f"{name}{i}")
        for i, (a, d, name) in enumerate(spans)
    ]
    svg = str(
        charts.gantt(
            datetime(2024, 8, 5, 9, tzinfo=ZoneInfo("Europe/Paris")),
            {"t": bars},
            {},
            failure_end=0.0,
            folded=frozenset({"t"}) if folded else frozenset(),
        )
    )
    rects = [(t, float(x), float(y), float(w)) for _c, t, x, y, w, _ in RECT.findall(svg)]
    shown = dict(re.findall(r'<text class="bar-label" data-task="([^"]+)"[^>]*>([^<]+)<', svg))
    assert len(rects) == len(bars)
    for i, (task, x, y, w) in enumerate(rects):
        end = x + w
        for j, (_t2, x2, y2, _w2) in enumerate(rects):
            if j != i and y2 == y and x <= x2 < end and (x2 > x or j > i):
                end = x2
        room = end - x
        short = task.split("/")[0]
        # the SVG writes positions to 0.1 px: at the boundary either answer is right
        want = {
            next((t for t in (task, short) if charts.label_fits(t, r)), None)
            for r in (room - 0.1, room + 0.1)
        }
        assert shown.get(task) in want, (task, room)
