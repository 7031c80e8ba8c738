"""WCAG 2.2 AA contrast of the tier colours on white (text: at least 4.5:1), computed
from the stylesheet with the WCAG relative-luminance formula."""

from __future__ import annotations

import re

import pytest

from blackstart.web.render import STATIC


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_formula_against_published_values() -> None:
    # black on white is 21:1, white on white 1:1 (WCAG 2.2, definition of contrast ratio)
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("var", ["vital", "care", "admin", "ok", "accent"])
def test_tier_colours_pass_aa_on_white(var: str) -> None:
    css = (STATIC / "style.css").read_text()
    found = re.search(rf"--{var}: (#[0-9a-fA-F]{{6}})", css)
    assert found, var
    assert _contrast(found.group(1), "#ffffff") >= 4.5
