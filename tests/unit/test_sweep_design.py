"""Field paths of a sweep: which exist, what a value does to the arch, policy and schedule."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from hwsim.api import load_arch, load_workload
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.precision.schedule import Schedule, ScheduleError
from hwsim.spec.arch import KindOptions
from hwsim.archfile.io import arch_to_yaml
from hwsim.archfile.io import load_arch as load_arch_yaml
from hwsim.spec.errors import SpecError
from hwsim.sweep import design
from tests_paths import WORKLOADS

CHANGES = {
    "tpu_like": {"compute.rows": 64, "compute.cols": 32, "compute.dataflow": "os",
                 "compute.clock_mhz": 1234, "compute.word_bits": 8,
                 "compute.native_formats": "int8,fp16", "compute.unsupported_formats": "error",
                 "vector.lanes": 16, "memory.sram.unified.size_kib": 2048.5,
                 "memory.sram.unified.bandwidth_bytes_per_cycle": 512,
                 "memory.dram.bandwidth_bytes_per_cycle": 100, "memory.dram.ports": "per_operand",
                 "energy.node_nm": 7, "energy.static_power_mw": 250, "energy.vdd_v": 0.7},
    "scalesim_default": {"memory.sram.ifmap.size_kib": 32, "memory.sram.ofmap.size_kib": 128,
                         "memory.sram.filter.bandwidth_bytes_per_cycle": 16,
                         "energy.dram_pj_per_bit": 10, "energy.pe_register_file": True},
}


def _loaded_with(arch_name: str, values: dict, tmp_path) -> object:
    """The reference: the base arch's YAML with the values written in, read by the loader."""
    doc = yaml.safe_load(arch_to_yaml(load_arch(arch_name)))
    for path, value in values.items():
        target = doc
        keys = path.split(".")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value.split(",") if keys[-1] == "native_formats" else value
    file = tmp_path / "arch.yaml"
    file.write_text(yaml.safe_dump(doc))
    return load_arch_yaml(file)


@pytest.mark.parametrize("arch_name", sorted(CHANGES))
def test_apply_arch_equals_the_loader_on_the_edited_yaml(arch_name, tmp_path):
    base = load_arch(arch_name)
    for path, value in CHANGES[arch_name].items():
        assert path in design.arch_paths(base), path
        expected = _loaded_with(arch_name, {path: value}, tmp_path)
        got = design.apply_arch(base, {path: value})
        assert replace(got, path="", sha256="") == replace(expected, path="", sha256=""), path
    every = _loaded_with(arch_name, CHANGES[arch_name], tmp_path)
    assert replace(design.apply_arch(base, CHANGES[arch_name]), path="", sha256="") == \
        replace(every, path="", sha256="")


def test_kind_change_starts_from_the_new_kinds_defaults(tmp_path):
    """Sweeping compute.kind away from a bit-serial base drops its serial fields (a systolic
    array has none); to bitserial from a systolic base gives the bit-serial defaults, as the
    loader does on the edited YAML."""
    loom = load_arch("loom_like")
    design.check_arch_values(loom, {"compute.kind": ["systolic", "bitfusion"]}, "s.yaml")
    assert design.apply_arch(loom, {"compute.kind": "systolic"}).compute.options == \
        KindOptions()
    got = design.apply_arch(load_arch("tpu_like"), {"compute.kind": "bitserial"})
    assert got.compute == _loaded_with("tpu_like", {"compute.kind": "bitserial"},
                                       tmp_path).compute
    # a kind's own field swept with it is checked by the new kind
    with pytest.raises(SpecError, match="not a field of a systolic array"):
        design.check_arch_values(loom, {"compute.kind": ["systolic"],
                                        "compute.serial": ["both"]}, "s.yaml")


def test_unknown_path_suggests_the_closest():
    base, workload = load_arch("tpu_like"), load_workload(WORKLOADS / "resnet18.yaml")
    with pytest.raises(SpecError) as err:
        design.path_kind("compute.rowz", design.arch_paths(base), workload, "s.yaml")
    issue = err.value.issues[0]
    assert issue.field_path == "space.compute.rowz"
    assert "unknown field path (did you mean 'compute.rows'?)" in issue.message
    with pytest.raises(SpecError, match=r"did you mean 'memory.sram.unified.size_kib'"):
        design.path_kind("memory.sram.unified.size_kb", design.arch_paths(base), workload, "s")
    # per-operand buffers do not exist on a unified-buffer arch
    with pytest.raises(SpecError, match="unknown field path"):
        design.path_kind("memory.sram.ifmap.size_kib", design.arch_paths(base), workload, "s")


def test_path_kinds_and_rule_patterns():
    base, workload = load_arch("tpu_like"), load_workload(WORKLOADS / "resnet18.yaml")
    known = design.arch_paths(base)
    kinds = {p: design.path_kind(p, known, workload, "s") for p in (
        "compute.rows", "precision.weights", "precision.default.gradients",
        "precision.rules.first.weights", "precision.rules[layer4.*].activations",
        "schedule.bits", "workload.batch")}
    assert kinds == {"compute.rows": "arch", "precision.weights": "precision",
                     "precision.default.gradients": "precision",
                     "precision.rules.first.weights": "precision",
                     "precision.rules[layer4.*].activations": "precision",
                     "schedule.bits": "schedule", "workload.batch": "workload"}
    with pytest.raises(SpecError, match=r"rule pattern 'layer9.*' matches no layer"):
        design.path_kind("precision.rules[layer9.*].weights", known, workload, "s")


def test_bad_arch_values_get_the_loaders_message():
    base = load_arch("tpu_like")
    with pytest.raises(SpecError) as err:
        design.check_arch_values(base, {"compute.rows": [8, 16], "compute.dataflow":
                                        ["os", "xs"]}, "s.yaml")
    issue = err.value.issues[0]
    assert (issue.file, issue.field_path) == ("s.yaml", "space.compute.dataflow")
    assert issue.message.startswith("value 'xs': compute.dataflow: expected one of os, ws, is")
    with pytest.raises(SpecError, match=r"value 5: energy.node_nm: expected a node"):
        design.check_arch_values(base, {"energy.node_nm": [7, 5]}, "s.yaml")
    design.check_arch_values(base, {"compute.rows": [8, 16, 32], "energy.node_nm": [7]}, "s")


def test_policy_for_sets_defaults_then_appends_rules():
    base = Policy({"gradients": parse_format("int16")}, (Rule("last", {"weights":
                                                                        parse_format("int8")}),))
    got = design.policy_for(base, {"precision.weights": 4, "precision.default.activations":
                                   "fp8_e4m3", "precision.rules.first.weights": "int8",
                                   "precision.rules[layer4.*].activations": 6})
    assert got.default == {"gradients": parse_format("int16"), "weights": parse_format("int4"),
                           "activations": parse_format("fp8_e4m3")}
    assert got.rules == (Rule("last", {"weights": parse_format("int8")}),
                         Rule("first", {"weights": parse_format("int8")}),
                         Rule("layer4.*", {"activations": parse_format("int6")}))


def test_schedule_for():
    cyclic = Schedule("cyclic", (3, 8), (8, 8), 32)
    assert design.schedule_for(cyclic, {"schedule.bits": "4:6"}) == \
        Schedule("cyclic", (4, 6), (8, 8), 32)
    # a single bit count in a cyclic schedule means min = max, as on the command line
    assert design.schedule_for(None, {"schedule.kind": "cyclic", "schedule.bits": 6,
                                      "schedule.cycles": 8}) == Schedule("cyclic", (6, 6),
                                                                         (8, 8), 8)
    assert design.schedule_for(None, {"schedule.kind": "list", "schedule.bits": "8,6,4"}) == \
        Schedule("list", (8, 6, 4), (8,), 32)
    with pytest.raises(ScheduleError, match="did you mean 'cyclic'"):
        design.schedule_for(None, {"schedule.kind": "cyclc"})
    with pytest.raises(ScheduleError, match="min:max with min <= max"):
        design.schedule_for(cyclic, {"schedule.bits": "8:3"})
