"""Every flow a deployment points at imports and is a Prefect flow, as a worker would load it."""

from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parent.parent


def yaml_entrypoints() -> list[str]:
    spec = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())
    return [d["entrypoint"] for d in spec["deployments"]]


MODULE_ENTRYPOINTS = sorted(set(yaml_entrypoints()) | {
    "newsmill.flows.ingest:ingest",
    "newsmill.flows.refresh:refresh",
    "newsmill.flows.reenrich:reenrich",
    "newsmill.flows.scaleout:worker",
    "newsmill.flows.scaleout:merge",
})


def test_prefect_yaml_names_its_flows():
    assert set(yaml_entrypoints()) >= {"newsmill.flows.ingest:ingest", "newsmill.flows.refresh:refresh"}


@pytest.mark.parametrize("entrypoint", MODULE_ENTRYPOINTS)
def test_entrypoint_loads_a_flow(entrypoint):
    flow = load_flow_from_entrypoint(entrypoint)
    assert isinstance(flow, Flow)
