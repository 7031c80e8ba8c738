"""Duration distributions (:mod:`blackstart.units`): their means against scipy, and the
one ``Z90`` constant of the package."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

from blackstart.engine.durations import Z90
from blackstart.units import parse_distribution

SRC = Path(__file__).resolve().parent.parent / "src" / "blackstart"


def test_z90_is_the_normal_90th_percentile_and_defined_once() -> None:
    assert abs(Z90 - stats.norm.ppf(0.9)) < 1e-15
    defined = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if "1.28155" in p.read_text("utf-8")
    ]
    assert defined == ["engine/durations.py"]


@pytest.mark.parametrize(
    ("text", "mean"),
    [
        ("45min", 2700.0),
        ("1h..4h", stats.uniform(loc=3600, scale=3 * 3600).mean()),
        ("1h..2h..6h", stats.triang(c=0.2, loc=3600, scale=5 * 3600).mean()),
        (
            {"lognormal": {"median": "2h", "p90": "6h"}},
            stats.lognorm(s=math.log(3) / stats.norm.ppf(0.9), scale=7200).mean(),
        ),
    ],
    ids=["fixed", "uniform", "triangular", "lognormal"],
)
def test_mean_of_each_distribution(text: object, mean: float) -> None:
    assert parse_distribution(text).mean == pytest.approx(mean, rel=1e-12)
