"""Shipped workloads: MAC counts against published figures, YAML round trip, generator sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsim.api import load_workload
from hwsim.lower import lower
from hwsim.spec.workload_io import workload_to_yaml
from hwsim.zoo.resnet import resnet

WORKLOADS = Path(__file__).resolve().parents[2] / "workloads"


@pytest.mark.parametrize(("name", "published_gmacs"), [
    # torchvision's model table (docs.pytorch.org/vision/stable/models.html, "GFLOPS" column,
    # which counts multiply-accumulates): ResNet-18 1.81, ResNet-50 4.09 at 224x224.
    ("resnet18", 1.81), ("resnet50", 4.09)])
def test_resnet_macs_match_published(name, published_gmacs):
    macs = int(lower(load_workload(WORKLOADS / f"{name}.yaml")).macs.sum())
    assert abs(macs / 1e9 - published_gmacs) < 0.01


@pytest.mark.parametrize("depth", [18, 50])
def test_committed_files_equal_generator(depth):
    assert (WORKLOADS / f"resnet{depth}.yaml").read_text() == workload_to_yaml(resnet(depth))


@pytest.mark.parametrize("path", sorted(WORKLOADS.glob("*.yaml")), ids=lambda p: p.name)
def test_yaml_round_trip(path, tmp_path):
    first = load_workload(path)
    copy = tmp_path / path.name
    copy.write_text(workload_to_yaml(first))
    second = load_workload(copy)
    assert [first.layer_precision(x) for x in first.layers] == \
        [second.layer_precision(x) for x in second.layers]
    strip = lambda w: [type(x)(*[getattr(x, f) for f in x.__slots__ if f != "precision"])  # noqa: E731
                       for x in w.layers]
    assert strip(first) == strip(second)
    assert (first.name, first.source, first.batch) == (second.name, second.source, second.batch)


def test_scalesim_resnet18_topology_is_shipped():
    """SCALE-Sim's unpadded ResNet-18 (Conv1 gives 110x110): 7x7/2 on 224 without padding,
    ceil((224 - 7 + 2)/2) = 110."""
    w = load_workload(WORKLOADS / "scalesim" / "resnet18.csv")
    assert (w.layers[0].out_h, w.layers[0].out_w) == (110, 110)
