"""Alert mapping files and the model's ``monitoring:`` blocks: what maps, and each error
with its file, line and suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

import blackstart.api as bs
from blackstart.errors import ModelError
from blackstart.io.alert_map import read_alert_map
from blackstart.model.load import load_data
from blackstart.model.model import Model
from blackstart.web.alerts import AlertMapper


@pytest.fixture(scope="module")
def model() -> Model:
    return bs.load(bs.example_path())


def test_rules_map_after_the_model_blocks(model: Model, tmp_path: Path) -> None:
    f = tmp_path / "map.yaml"
    f.write_text(
        "rules:\n"
        "  - match: {alertname: ColoUtilityPowerLost}\n"
        "    ref: site:colo-paris\n"
        "  - match: {instance: 'colo-esx-01:9100'}\n"  # the model's block wins
        "    ref: component:colo-esx-02\n"
    )
    mapper = AlertMapper(model, read_alert_map(f, model))
    assert mapper.ref({"alertname": "ColoUtilityPowerLost", "x": "y"}) == "site:colo-paris"
    assert mapper.ref({"instance": "colo-esx-01:9100", "job": "node"}) == "component:colo-esx-01"
    assert mapper.ref({"job": "blackbox", "instance": "https://lis.hospital.example"}) == (
        "component:lis-app"
    )
    assert mapper.ref({"component": "db-ehr"}) == "component:db-ehr"
    assert mapper.ref({"blackstart_ref": "provider:global-switch"}) == "provider:global-switch"
    assert mapper.ref({"blackstart_ref": "provider:nobody", "job": "x"}) is None
    assert mapper.ref({"instance": "printer-7:9100"}) is None


def test_every_error_located(model: Model, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "rules:\n"
        "  - match: {job: lis}\n"
        "    ref: component:lis-ap\n"
        "  - match: {}\n"
        "    ref: site:colo-paris\n"
        "  - match: {job: x}\n"
        "    reff: site:colo-paris\n"
    )
    with pytest.raises(ModelError) as err:
        read_alert_map(f, model)
    got = {(p.code, p.line): p for p in err.value.problems}
    assert "'lis-app'" in (got[("unknown-reference", 3)].suggestion or "")
    assert ("bad-value", 4) in got
    assert got[("unknown-key", 7)].suggestion == "did you mean 'ref'?"
    with pytest.raises(ModelError, match="one key, 'rules'"):
        (tmp_path / "list.yaml").write_text("- a\n")
        read_alert_map(tmp_path / "list.yaml", model)
    with pytest.raises(ModelError, match="no alert mapping file"):
        read_alert_map(tmp_path / "missing.yaml", model)


def test_monitoring_block_shape() -> None:
    ok = load_data({"components": {"x": {"kind": "vm", "monitoring": {"labels": {"job": "a"}}}}})
    assert ok.components["x"].monitoring is not None
    assert ok.components["x"].monitoring.labels == [{"job": "a"}]
    with pytest.raises(ModelError) as err:
        load_data({"components": {"x": {"kind": "vm", "monitoring": {"label": {"job": "a"}}}}})
    assert any("label" in (p.key or "") for p in err.value.problems)
