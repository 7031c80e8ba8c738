"""``blackstart generate --establishments K``: a region of K hospital groups sharing
providers and colocation sites; a provider failure shows every establishment hit."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from blackstart.cli.app import app
from blackstart.generate import generate_model
from blackstart.model.load import load_data


def test_region_functions_name_their_establishment() -> None:
    data = generate_model(900, seed=2, establishments=3)
    prefix = re.compile(r"^g(\d+)-")
    for fid, f in data["functions"].items():
        m = prefix.match(fid)
        assert f["establishment"] == (f"g{m.group(1)}" if m else "g1"), fid
    assert {f["establishment"] for f in data["functions"].values()} == {"g1", "g2", "g3"}
    # colocation sites are shared: components of every group run in colo-01
    groups_in_colo = {
        (m.group(1) if (m := prefix.match(cid)) else "1")
        for cid, c in data["components"].items()
        if c.get("site") == "colo-01"
    }
    assert groups_in_colo == {"1", "2", "3"}
    model = load_data(data)
    assert model.functions[next(iter(model.functions))].establishment == "g1"


def test_one_establishment_has_no_field() -> None:
    data = generate_model(300, seed=2)
    assert all("establishment" not in f for f in data["functions"].values())


def test_generate_region_and_its_impact(tmp_path: Path) -> None:
    out = tmp_path / "region"
    result = CliRunner().invoke(
        app, ["generate", "-n", "600", "--establishments", "3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "of 3 establishments" in result.stdout
    hit = CliRunner().invoke(
        app, ["impact", str(out), "--fail", "provider:northgate-colo", "--json"]
    )
    assert hit.exit_code == 0, hit.output
    payload = json.loads(hit.stdout)
    # recount by hand from the functions down and their id prefixes (g2-, g3-; none = g1)
    count: dict[str, int] = {}
    for f in payload["functions_down"]:
        m = re.match(r"g(\d+)-", f["id"])
        est = f"g{m.group(1)}" if m else "g1"
        assert f["establishment"] == est
        count[est] = count.get(est, 0) + 1
    assert set(count) == {"g1", "g2", "g3"}  # the shared colocation hits every group
    assert {e: sum(n.values()) for e, n in payload["establishments_hit"].items()} == count
    table = CliRunner().invoke(app, ["impact", str(out), "--fail", "provider:northgate-colo"])
    assert "Establishments hit: 3" in table.stdout


def test_generate_too_small_for_the_region(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "-n", "100", "-k", "3", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "at least --components 150" in " ".join(result.output.split())


def test_region_sweep_groups_by_establishment() -> None:
    """A provider row of a regional sweep names every establishment the provider's
    failure reaches, with the same functions down as ``impact`` finds."""
    from blackstart import api
    from blackstart.sweep import parse_axes, run_sweep

    model = load_data(generate_model(600, seed=1, establishments=3))
    axes = parse_axes(model, over="provider", durations="4h", starts="Sat 11:00")
    payload = run_sweep(model, axes, runs=16, seed=0, workers=1).to_dict()
    assert payload["establishments"] == ["g1", "g2", "g3"]
    for row in payload["rows"]:
        provider = row["what"]
        impact = api.impact(model, fail=[provider]).to_dict()
        expected = {e: sum(n.values()) for e, n in impact.get("establishments_hit", {}).items()}
        got = {e: x["functions_down"] for e, x in row["by_establishment"].items()}
        assert {e: n for e, n in got.items() if n} == expected, provider
        total = sum(x["care_hours_lost"] for x in row["by_establishment"].values())
        assert abs(total - row["care_hours_lost"]) < 1e-3
    colo = next(r for r in payload["rows"] if r["what"] == "provider:northgate-colo")
    assert all(x["functions_down"] > 0 for x in colo["by_establishment"].values())
    summary = payload["by_establishment"]
    for e in ("g1", "g2", "g3"):
        hits = [r for r in payload["rows"] if r["by_establishment"][e]["functions_down"]]
        assert summary[e]["scenarios_hit"] == len(hits)
        assert summary[e]["worst_care_hours_lost"] == max(
            r["by_establishment"][e]["care_hours_lost"] for r in hits
        )
