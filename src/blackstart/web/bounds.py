"""The ranges every id, time, duration and count must fall in at the API edge, so that
what is stored can always be computed on (issue 17, findings 4 and 5: a 3,000,000-day
estimate, ids ≥ 2^63, years 0001 and 9999, a drill clock pushed 10^9 days on).

- ids (incidents, messages, versions): 1 … :data:`MAX_ID` (2^31 − 1, the store's
  integer columns on PostgreSQL);
- times: from :data:`EARLIEST` to :data:`LATEST` (an incident in 1999 or after 2100 is a
  typo; outside, datetime arithmetic overflows);
- durations (an unplanned task's estimate, a drill clock's step): at most
  :data:`MAX_DURATION` (a year).

A value outside is a :class:`~blackstart.errors.UsageError` (422 with ``error`` and
``suggestion``), raised before anything is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Path

from blackstart.errors import UsageError
from blackstart.units import parse_seconds

MAX_ID = 2**31 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_DURATION = timedelta(days=366)

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id below 2^31.")]


def check_time(when: datetime, what: str) -> datetime:
    """``when`` if it lies within [EARLIEST, LATEST)."""
    if when.year < EARLIEST.year or when.year >= LATEST.year or not EARLIEST <= when < LATEST:
        raise UsageError(
            f"{what}: {when.date().isoformat()} is out of range",
            suggestion=f"a time between {EARLIEST.year} and {LATEST.year - 1}",
        )
    return when


def duration_seconds(text: str, what: str, example: str) -> int:
    """A duration with units, in whole seconds, at most :data:`MAX_DURATION`."""
    try:
        seconds = parse_seconds(text.strip())
    except ValueError as exc:
        raise UsageError(f"{what}: {exc}", suggestion=f"e.g. {example}") from None
    if not 0 <= seconds <= MAX_DURATION.total_seconds():
        raise UsageError(
            f"{what}: {text.strip()!r} is longer than {MAX_DURATION.days} days",
            suggestion=f"at most {MAX_DURATION.days}d, e.g. {example}",
        )
    return int(seconds)
