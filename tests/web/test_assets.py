"""The dashboard's JavaScript: what is missing is said plainly, with how to get it; a
checkout without npm is told to install it, an installed package to use a wheel built
with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from blackstart.web import assets


@pytest.fixture
def empty_vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    vendor = tmp_path / "vendor"
    monkeypatch.setattr(assets, "VENDOR", vendor)
    return vendor


def test_everything_missing_is_named(empty_vendor: Path) -> None:
    assert assets.missing() == list(assets.FILES)
    (empty_vendor).mkdir()
    (empty_vendor / "dagre.min.js").write_text("/* */", "utf-8")
    assert "dagre.min.js" not in assets.missing()
    assert len(assets.missing()) == len(assets.FILES) - 1


def test_advice_in_a_checkout_names_npm(
    empty_vendor: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "checkout", lambda: tmp_path)
    text = assets.advice(assets.missing())
    assert "cytoscape.min.js" in text and "swagger-ui.css" in text
    assert "apt-get install nodejs npm" in text and "make vendor" in text
    assert "every page works" in text


def test_advice_when_installed_names_the_wheel(
    empty_vendor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "checkout", lambda: None)
    assert "wheel" in assets.advice(assets.missing())


def test_fetch_without_npm_changes_nothing(
    empty_vendor: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "checkout", lambda: tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    said: list[str] = []
    assert assets.fetch(said.append) == list(assets.FILES)
    assert said == [] and not empty_vendor.exists()


def test_this_checkout_is_found() -> None:
    root = assets.checkout()
    assert root is not None and (root / "package-lock.json").is_file()
