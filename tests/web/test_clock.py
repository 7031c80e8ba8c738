"""The one clock of the pages (:mod:`blackstart.web.clock`) and the board's safety
checks (:mod:`blackstart.incident_now`), against closed forms written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blackstart import incident_now as now_
from blackstart.web import clock

PARIS = "Europe/Paris"


def test_times_are_shown_in_the_stated_zone() -> None:
    # 08:37 UTC is 10:37 in Paris in summer (CEST, UTC+2) and 09:37 in winter (CET)
    assert clock.when("2024-08-03T08:37:00+00:00", PARIS) == "2024-08-03 10:37"
    assert clock.when("2026-12-03T08:37:00+00:00", PARIS) == "2026-12-03 09:37"
    assert clock.when(None, PARIS) == "—"


def test_typed_times_come_back_as_typed() -> None:
    # a naive time is local to the zone: 10:00 typed is 10:00 shown, not 08:00
    assert clock.when("2024-08-05T10:00", PARIS) == "2024-08-05 10:00"
    assert clock.typed("2024-08-05T10:00", PARIS) == "2024-08-05T10:00"
    assert clock.typed("2024-08-05T08:00:00+00:00", PARIS) == "2024-08-05T10:00"


def test_days_in_words() -> None:
    now = "2024-08-02T12:00:00+02:00"  # a Friday
    assert clock.day_time("2024-08-02T15:00:00+02:00", PARIS, now) == "today 15:00"
    assert clock.day_time("2024-08-03T09:10:00+02:00", PARIS, now) == "tomorrow 09:10"
    assert clock.day_time("2024-08-01T23:00:00+02:00", PARIS, now) == "yesterday 23:00"
    assert clock.day_time("2024-08-05T08:00:00+02:00", PARIS, now) == "Mon 5 Aug 08:00"
    # the day is said once when both ends of a range fall on the same day
    assert clock.between("2024-08-02T15:00:00+02:00", "2024-08-02T23:45:00+02:00", PARIS, now) == (
        "today 15:00",
        "23:45",
    )


def test_days_and_relative_times_in_french() -> None:
    now = "2024-08-02T12:00:00+02:00"  # a Friday
    assert clock.day_time("2024-08-02T15:00:00+02:00", PARIS, now, "fr") == "aujourd'hui 15:00"
    assert clock.day_time("2024-08-03T09:10:00+02:00", PARIS, now, "fr") == "demain 09:10"
    assert clock.day_time("2024-08-01T23:00:00+02:00", PARIS, now, "fr") == "hier 23:00"
    assert clock.day_time("2024-08-05T08:00:00+02:00", PARIS, now, "fr") == "lun. 5 août 08:00"
    assert clock.between(
        "2024-08-02T15:00:00+02:00", "2024-08-02T23:45:00+02:00", PARIS, now, "fr"
    ) == ("aujourd'hui 15:00", "23:45")
    t = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
    assert clock.relative(t + timedelta(hours=2), t, "fr") == "dans 2 h"
    assert clock.relative(t - timedelta(minutes=12), t, "fr") == "il y a 12 min"
    assert clock.relative(t + timedelta(days=1, hours=3, minutes=5), t, "fr") == "dans 1 j 3 h"
    assert clock.relative(t, t, "fr") == "maintenant"


def test_relative_times() -> None:
    now = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
    assert clock.relative(now + timedelta(hours=2), now) == "in 2 h"
    assert clock.relative(now - timedelta(minutes=12), now) == "12 min ago"
    assert clock.relative(now + timedelta(days=1, hours=3, minutes=5), now) == "in 1 d 3 h"
    assert clock.relative(now, now) == "now"


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_relative_is_antisymmetric(minutes: int) -> None:
    now = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
    later = clock.relative(now + timedelta(minutes=minutes), now)
    earlier = clock.relative(now - timedelta(minutes=minutes), now)
    if minutes == 0:
        assert later == earlier == "now"
    else:
        a, b = (later, earlier) if minutes > 0 else (earlier, later)
        assert a.startswith("in ") and b.endswith(" ago") and a[3:] == b[:-4]


# --------------------------------------------------------------------------- chance kept

AS_OF = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)
Q = {
    "p50": (AS_OF + timedelta(hours=10)).isoformat(),
    "p80": (AS_OF + timedelta(hours=16)).isoformat(),
    "p95": (AS_OF + timedelta(hours=22)).isoformat(),
}


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(0, 0.0), (5, 0.25), (10, 0.5), (13, 0.65), (16, 0.8), (22, 0.95), (28, 1.0), (40, 1.0)],
)
def test_chance_kept_is_exact_at_the_quantiles(hours: float, expected: float) -> None:
    assert now_.chance_kept(AS_OF + timedelta(hours=hours), AS_OF, Q) == pytest.approx(expected)


@given(st.floats(min_value=-5, max_value=50), st.floats(min_value=-5, max_value=50))
def test_chance_kept_is_monotone(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    c_lo = now_.chance_kept(AS_OF + timedelta(hours=lo), AS_OF, Q)
    c_hi = now_.chance_kept(AS_OF + timedelta(hours=hi), AS_OF, Q)
    assert 0.0 <= c_lo <= c_hi <= 1.0


# --------------------------------------------------------------------------- marks


def test_order_warnings() -> None:
    prereqs = {"b/restart": ["a/verify"], "a/verify": ["a/restart"], "c/restart": ["x/restore"],
               "x/restore": ["a/verify"]}  # fmt: skip
    states = {"a/restart": "done", "a/verify": "todo", "b/restart": "todo", "c/restart": "todo"}
    end = datetime(2024, 8, 3, 14, 30, tzinfo=UTC)
    kw = {"states": states, "prereqs": prereqs, "waiters": {"a/restart"}, "failure_end": end}
    w = now_.order_warnings("b/restart", "done", end, **kw)  # type: ignore[arg-type]
    assert len(w) == 1 and "a/verify" in w[0]
    # a prerequisite not on the board (a skipped restore) stands for its own
    w = now_.order_warnings("c/restart", "done", end, **kw)  # type: ignore[arg-type]
    assert len(w) == 1 and "a/verify" in w[0]
    assert now_.order_warnings("a/verify", "done", end, **kw) == []  # type: ignore[arg-type]
    early = end - timedelta(minutes=1)
    w = now_.order_warnings("a/restart", "done", early, **kw)  # type: ignore[arg-type]
    assert len(w) == 1 and "before the failure ended" in w[0]


def test_valid_marks() -> None:
    assert now_.valid_marks("todo") == ["started", "done"]
    assert now_.valid_marks("started") == ["done"]
    assert now_.valid_marks("done") == ["verified"]
    assert now_.valid_marks("verified") == []


def test_undo_window_and_owner() -> None:
    t0 = datetime(2024, 8, 3, 12, 0, tzinfo=UTC)

    def ev(i: int, kind: str, user: str = "olga") -> dict[str, object]:
        return {"id": i, "task": "a", "kind": kind, "user": user,
                "recorded_at": (t0 + timedelta(minutes=i)).isoformat()}  # fmt: skip

    events = [ev(0, "started"), ev(1, "done")]
    last = now_.undoable(events, "a", "olga", t0 + timedelta(minutes=3))
    assert last is not None and last["kind"] == "done"
    assert now_.undoable(events, "a", "vic", t0 + timedelta(minutes=3)) is None
    assert now_.undoable(events, "a", "olga", t0 + timedelta(minutes=7)) is None
    # after undoing "done", the live mark is "started"
    events.append(ev(2, "undo-done"))
    last = now_.undoable(events, "a", "olga", t0 + timedelta(minutes=3))
    assert last is not None and last["kind"] == "started"
