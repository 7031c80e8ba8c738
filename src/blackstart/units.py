"""Durations with units, and duration distributions.

Owns the text grammar for durations used everywhere in model files and on the command
line. Does not know about models or files; callers turn `ValueError` into located
problems.

Grammar (whitespace ignored)::

    duration     := number unit { number unit }      e.g. 90s, 45min, 3h, 1h30min, 2d, 1.5w
    unit         := s | sec | min | m | h | d | w
    fixed        := duration                         a fixed duration
    range        := duration ".." duration           uniform between the two bounds
    triangular   := duration ".." duration ".." duration   (min, mode, max)
    lognormal    := {lognormal: {median: D, p90: D}}       (mapping form)

>>> parse_seconds("1h30min")
5400.0
>>> parse_distribution("1h..4h").kind
'uniform'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

UNIT_SECONDS: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")

DistributionKind = Literal["fixed", "uniform", "triangular", "lognormal"]


def parse_seconds(text: str | int | float) -> float:
    """Parse one duration with units (``"45min"``, ``"1h30min"``) into seconds.

    Bare numbers are refused: ``3`` could be seconds, minutes or hours.
    """
    if isinstance(text, str):
        return _parse_seconds_text(text)
    return _parse_seconds(text)


@lru_cache(maxsize=4096)
def _parse_seconds_text(text: str) -> float:
    return _parse_seconds(text)


def _parse_seconds(text: str | int | float) -> float:
    if isinstance(text, (bool, int, float)):
        raise ValueError(f"{text!r} has no unit; write it with one, e.g. '{text}h' or '{text}min'")
    s = str(text).strip().lower().replace(" ", "")
    if not s:
        raise ValueError("empty duration; write e.g. '45min' or '3h'")
    pos = 0
    total = 0.0
    for m in _PART.finditer(s):
        if m.start() != pos:
            break
        unit = m.group(2)
        if unit not in UNIT_SECONDS:
            raise ValueError(
                f"unknown unit {unit!r} in {text!r}; use one of s, min, h, d, w (e.g. '45min')"
            )
        total += float(m.group(1)) * UNIT_SECONDS[unit]
        pos = m.end()
    if pos != len(s) or pos == 0:
        if re.fullmatch(r"\d+(\.\d+)?", s):
            raise ValueError(f"{text!r} has no unit; write e.g. '{s}h' or '{s}min'")
        raise ValueError(f"cannot read duration {text!r}; write e.g. '90s', '45min', '3h', '2d'")
    return total


def format_seconds(seconds: float) -> str:
    """Render seconds compactly with the largest sensible units (``5400 -> '1h30min'``)."""
    if seconds < 0:
        return "-" + format_seconds(-seconds)
    if seconds < 60:
        return f"{seconds:g}s"
    out = []
    rest = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if rest >= size:
            q, rest = divmod(rest, size)
            out.append(f"{q}{unit}")
    return "".join(out)


@dataclass(frozen=True)
class Distribution:
    """A duration distribution, all parameters in seconds.

    ``fixed``: ``low == high``. ``uniform``: between ``low`` and ``high``.
    ``triangular``: ``low``, ``mode``, ``high``. ``lognormal``: ``median`` and ``p90``
    (the 90th percentile), i.e. mu = ln(median), sigma = ln(p90/median) / z(0.9).
    """

    kind: DistributionKind
    low: float
    high: float
    mode: float | None = None
    median: float | None = None
    p90: float | None = None

    @property
    def mean(self) -> float:
        """Expected value in seconds."""
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return (self.low + self.high) / 2
        if self.kind == "triangular":
            assert self.mode is not None
            return (self.low + self.mode + self.high) / 3
        assert self.median is not None and self.p90 is not None
        # one Z90 for the whole package; imported here, on use, so that parsing durations
        # does not load the engine (numba, scipy)
        from blackstart.engine.durations import Z90

        sigma = math.log(self.p90 / self.median) / Z90
        return self.median * math.exp(sigma * sigma / 2)

    def text(self) -> str:
        """The canonical text form, parseable by :func:`parse_distribution`."""
        if self.kind == "fixed":
            return format_seconds(self.low)
        if self.kind == "uniform":
            return f"{format_seconds(self.low)}..{format_seconds(self.high)}"
        if self.kind == "triangular":
            assert self.mode is not None
            return "..".join(format_seconds(x) for x in (self.low, self.mode, self.high))
        assert self.median is not None and self.p90 is not None
        return f"lognormal(median={format_seconds(self.median)}, p90={format_seconds(self.p90)})"


def parse_distribution(value: Any) -> Distribution:
    """Parse a fixed duration, a range, a triangular triple or a lognormal mapping."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, str):
        return _parse_distribution_text(value)
    return _parse_distribution(value)


@lru_cache(maxsize=4096)
def _parse_distribution_text(value: str) -> Distribution:
    return _parse_distribution(value)


def _parse_distribution(value: Any) -> Distribution:
    if isinstance(value, dict):
        if set(value) != {"lognormal"} or not isinstance(value["lognormal"], dict):
            raise ValueError(
                "a duration mapping must be {lognormal: {median: 2h, p90: 6h}}; "
                "otherwise write '45min', '1h..4h' or '1h..2h..6h'"
            )
        params = value["lognormal"]
        unknown = set(params) - {"median", "p90"}
        if unknown or "median" not in params or "p90" not in params:
            raise ValueError(
                "lognormal takes exactly 'median' and 'p90', e.g. {median: 2h, p90: 6h}"
            )
        median = parse_seconds(params["median"])
        p90 = parse_seconds(params["p90"])
        if not 0 < median < p90:
            raise ValueError(f"lognormal needs 0 < median < p90 (got median {median}s, p90 {p90}s)")
        return Distribution("lognormal", low=0.0, high=math.inf, median=median, p90=p90)
    if isinstance(value, str) and ".." in value:
        parts = [parse_seconds(p) for p in value.split("..")]
        if len(parts) == 2:
            low, high = parts
            if low > high:
                raise ValueError(f"range {value!r} runs backwards; write the smaller bound first")
            return Distribution("uniform", low=low, high=high)
        if len(parts) == 3:
            low, mode, high = parts
            if not low <= mode <= high:
                raise ValueError(f"triangular {value!r} must be ordered min..mode..max")
            return Distribution("triangular", low=low, high=high, mode=mode)
        raise ValueError(f"{value!r}: a range has two bounds (1h..4h) or three (1h..2h..6h)")
    seconds = parse_seconds(value)
    return Distribution("fixed", low=seconds, high=seconds)
