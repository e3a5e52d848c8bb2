"""Workload files: YAML round trip of every shipped workload, the embedding layer, SCALE-Sim
topologies. (MAC counts of the zoo and its generator: test_zoo.py.)"""

from __future__ import annotations

import pytest

from hwsim.api import load_workload
from hwsim.lowering import lower
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Embedding, Workload
from hwsim.spec.workload_io import load_workload as load_yaml
from hwsim.spec.workload_io import workload_to_yaml
from tests_paths import WORKLOADS


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


def test_embedding_loads_dumps_and_lowers_to_memory_only_vector_work(tmp_path):
    """GPT-2's token table read for 128 tokens: 128 x 768 elements moved, 0 ops each, no MACs;
    the elements are table rows, so they carry the weights' width (int4 here)."""
    int4 = TensorPrecision.default().with_overrides({"weights": parse_format("int4")})
    wte = Embedding("wte", 50257, 768, 128)
    path = tmp_path / "e.yaml"
    path.write_text(workload_to_yaml(Workload("e", "test", 2, int4, (wte,))))
    assert "{name: wte, op: embedding, num_embeddings: 50257, embedding_dim: 768, tokens: 128}" \
        in path.read_text()
    loaded = load_yaml(path)
    assert loaded.layers == (wte,)
    t = lower(loaded)
    assert (t.is_vector[0], t.vector_elements[0], t.vector_ops_per_element[0]) == \
        (1, 2 * 128 * 768, 0)
    assert (int(t.macs[0]), int(t.a_bits[0])) == (0, 4)


def test_embedding_fields_are_validated(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nname: b\nsource: t\nlayers:\n  - {name: e, op: embedding, "
                    "num_embeddings: 10, embedding_dim: 0}\n")
    with pytest.raises(SpecError) as err:
        load_yaml(path)
    assert [str(i) for i in err.value.issues] == [
        f"{path}:5: layers[0].embedding_dim: expected a positive integer, got 0",
        f"{path}:5: layers[0].tokens: required field is missing"]
