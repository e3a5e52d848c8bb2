"""Every validation error of the workload and arch loaders: file, field path, expectation."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hwsim.api import load_arch, load_workload
from hwsim.spec.errors import SpecError

GOOD_LAYER = ("{name: c1, op: conv2d, in_channels: 3, out_channels: 8, input: 16, kernel: 3,"
              " padding: 1}")
GOOD_ARCH = """version: 1
name: a
compute: {kind: systolic, rows: 4, cols: 4, dataflow: os, clock_mhz: 100}
vector: {lanes: 4}
memory:
  sram: {ifmap: {size_kib: 1}, filter: {size_kib: 1}, ofmap: {size_kib: 1}}
  dram: {bandwidth_bytes_per_cycle: 8}
"""


def errors_of(tmp_path, text, loader=load_workload, name="w.yaml"):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        loader(path)
    return [str(issue) for issue in info.value.issues]


def workload(layers, extra=""):
    head = f"version: 1\nname: w\nsource: hand-written test\n{extra}layers:\n"
    return head + "".join(f"  - {x}\n" for x in layers)


def test_good_files_load(tmp_path):
    (tmp_path / "w.yaml").write_text(workload([GOOD_LAYER]))
    (tmp_path / "a.yaml").write_text(GOOD_ARCH)
    assert load_workload(tmp_path / "w.yaml").layers[0].out_h == 16
    assert load_arch(tmp_path / "a.yaml").compute.rows == 4


def test_negative_dimension_names_field(tmp_path):
    text = workload([GOOD_LAYER, "{name: m, op: matmul, M: 4, N: 4, K: -1}"])
    # line 6: version, name, source, layers, then the second layer
    assert errors_of(tmp_path, text) == [
        f"{tmp_path}/w.yaml:6: layers[1].K: expected a positive integer, got -1"]


def test_zero_dimension_and_all_errors_collected(tmp_path):
    text = workload(["{name: a, op: linear, in_features: 0, out_features: 4}",
                     "{name: b, op: relu, elements: 0}"])
    errs = errors_of(tmp_path, text)
    assert len(errs) == 2
    assert "layers[0].in_features: expected a positive integer, got 0" in errs[0]
    assert "layers[1].elements: expected a positive integer, got 0" in errs[1]


def test_unknown_key_suggests_closest(tmp_path):
    text = workload(["{name: c, op: conv2d, in_channels: 3, out_chanels: 8, input: 8, "
                     "kernel: 3}"])
    errs = errors_of(tmp_path, text)
    assert any("layers[0].out_chanels: unknown field (did you mean 'out_channels'?)" in e
               for e in errs)
    assert any("layers[0].out_channels: required field is missing" in e for e in errs)


def test_unknown_op_suggests(tmp_path):
    errs = errors_of(tmp_path, workload(["{name: x, op: conv2, elements: 3}"]))
    assert "layers[0].op: expected one of" in errs[0] and "did you mean 'conv2d'?" in errs[0]


def test_kernel_larger_than_padded_input(tmp_path):
    text = workload(["{name: c, op: conv2d, in_channels: 1, out_channels: 1, input: 4, "
                     "kernel: 7, padding: 1}"])
    assert errors_of(tmp_path, text) == [
        f"{tmp_path}/w.yaml:5: layers[0].kernel: expected a kernel no larger than the padded "
        "input (6x6), got 7x7 (dilated)"]


def test_groups_must_divide_channels(tmp_path):
    text = workload(["{name: c, op: conv2d, in_channels: 6, out_channels: 4, input: 8, "
                     "kernel: 3, groups: 4}"])
    assert "layers[0].in_channels: expected a multiple of groups (4), got 6" in \
        errors_of(tmp_path, text)[0]


def test_malformed_yaml_gives_line(tmp_path):
    errs = errors_of(tmp_path, "version: 1\nlayers: [\n  {name: a\n")
    assert len(errs) == 1 and re.match(rf"{re.escape(str(tmp_path))}/w.yaml:\d+: malformed YAML",
                                       errs[0]), errs


def test_version_required_and_checked(tmp_path):
    assert "version: required field is missing" in \
        errors_of(tmp_path, "name: w\nlayers: [" + GOOD_LAYER + "]\n")[0]
    assert "version: expected 1, got 2" in \
        errors_of(tmp_path, "version: 2\nlayers: [" + GOOD_LAYER + "]\n")[0]


def test_bad_precision_format(tmp_path):
    errs = errors_of(tmp_path, workload([GOOD_LAYER], "precision: {weights: int0}\n"))
    assert "precision.weights: expected a number format such as int8" in errs[0]


def test_duplicate_layer_names(tmp_path):
    errs = errors_of(tmp_path, workload([GOOD_LAYER, GOOD_LAYER]))
    assert "layers[1].name: expected a unique layer name, got duplicate 'c1'" in errs[0]


def test_unknown_dataflow(tmp_path):
    errs = errors_of(tmp_path, GOOD_ARCH.replace("dataflow: os", "dataflow: rs"), load_arch,
                     "a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:3: compute.dataflow: expected one of os, ws, is, "
                    "got 'rs'"]


def test_unknown_array_kind_suggests(tmp_path):
    errs = errors_of(tmp_path, GOOD_ARCH.replace("kind: systolic", "kind: bitserail"),
                     load_arch, "a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:3: compute.kind: expected one of systolic, bitserial, "
                    "bitfusion, lns, mx, got 'bitserail' (did you mean 'bitserial'?)"]


def test_field_of_another_array_kind_is_named(tmp_path):
    # `serial` is a bit-serial array's option: on a systolic array it is an error naming it
    text = GOOD_ARCH.replace("clock_mhz: 100", "clock_mhz: 100, serial: both")
    errs = errors_of(tmp_path, text, load_arch, "a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:3: compute.serial: not a field of a systolic array (a "
                    "field of bitserial arrays)"]


def test_array_kind_options_are_checked_by_the_kind(tmp_path):
    text = GOOD_ARCH.replace("kind: systolic", "kind: bitserial").replace(
        "clock_mhz: 100", "clock_mhz: 100, serial: weights, window_lanes: 0")
    errs = errors_of(tmp_path, text, load_arch, "a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:3: compute.serial: expected one of activations, both, "
                    "got 'weights'",
                    f"{tmp_path}/a.yaml:3: compute.window_lanes: expected a positive integer, "
                    "got 0"]


def test_arch_yaml_round_trips_kind_options(tmp_path):
    from hwsim.archfile.io import arch_to_yaml
    for name in ("loom_like", "tpu_like", "bitfusion_like", "lns_madam_like"):
        arch = load_arch(name)
        path = tmp_path / f"{name}.yaml"
        path.write_text(arch_to_yaml(arch))
        back = load_arch(path)
        assert back.compute == arch.compute, name


def test_arch_missing_section_and_bad_bandwidth(tmp_path):
    text = GOOD_ARCH.replace("vector: {lanes: 4}\n", "").replace(
        "bandwidth_bytes_per_cycle: 8", "bandwidth_bytes_per_cycle: -3")
    errs = errors_of(tmp_path, text, load_arch, "a.yaml")
    assert any(e.endswith("vector: required field is missing") for e in errs)
    # 0 is accepted (unlimited bandwidth), so a negative one is "not non-negative"
    assert any("memory.dram.bandwidth_bytes_per_cycle: expected a non-negative number, got -3"
               in e for e in errs)


def test_arch_empty_section(tmp_path):
    # `vector:` with nothing after it is YAML null: a required section given no mapping.
    errs = errors_of(tmp_path, GOOD_ARCH.replace("vector: {lanes: 4}", "vector:"), load_arch,
                     "a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:4: vector: expected a mapping, got None"]


def test_scalesim_csv_missing_column(tmp_path):
    errs = errors_of(tmp_path, "Layer name, IFMAP Height, IFMAP Width, Filter Height, "
                     "Channels, Num Filter, Strides,\nc, 8, 8, 3, 3, 4, 1,\n", name="t.csv")
    assert errs == [f"{tmp_path}/t.csv: header: missing column 'Filter Width' "
                    "(did you mean 'Filter Height'?)"]


def test_scalesim_csv_bad_value_and_short_row(tmp_path):
    header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, " \
             "Num Filter, Strides,\n"
    errs = errors_of(tmp_path, header + "c, 8, 8, 3, 3, 4, -2, 1,\nd, 8, 8,\n", name="t.csv")
    assert "line 2.Num Filter: expected a positive integer, got '-2'" in errs[0]
    assert "line 3: expected 8 columns, got 3" in errs[1]


def test_scalesim_cfg_missing_field(tmp_path):
    errs = errors_of(tmp_path, "[architecture_presets]\nArrayHeight: 8\n", load_arch, "c.cfg")
    assert f"{tmp_path}/c.cfg: architecture_presets.ArrayWidth: required field is missing" \
        in errs


def test_forwarding_energy_may_be_zero_but_not_negative(tmp_path):
    """A zero PE-to-PE forwarding energy states a network that costs nothing (Timeloop's
    Eyeriss-like example charges none); a negative one is an error."""
    (tmp_path / "a.yaml").write_text(GOOD_ARCH + "energy: {forwarding_pj_per_bit: 0}\n")
    assert load_arch(tmp_path / "a.yaml").energy.forwarding_pj_per_bit == 0.0
    errs = errors_of(tmp_path, GOOD_ARCH + "energy: {forwarding_pj_per_bit: -1}\n",
                     loader=load_arch, name="a.yaml")
    assert errs == [f"{tmp_path}/a.yaml:8: energy.forwarding_pj_per_bit: expected a "
                    "non-negative number, got -1"]


def test_double_buffered_defaults_true_and_reaches_the_mapping_design(tmp_path):
    """`double_buffered: false` on a buffer or the accumulator gives the searched mapping one
    tile in the whole capacity (Timeloop's single-buffered levels); the default keeps two."""
    from hwsim.mapping.layers import mapping_design
    from hwsim.archfile.io import arch_to_yaml
    zeros = np.zeros((3, 3, 2))
    (tmp_path / "a.yaml").write_text(GOOD_ARCH)
    default = load_arch(tmp_path / "a.yaml")
    design = mapping_design(default, zeros, 0.0)
    assert design.double_buffer and design.double_buffer_accumulator
    assert "double_buffered" not in arch_to_yaml(default)
    single = GOOD_ARCH.replace(
        "  sram: {ifmap: {size_kib: 1}, filter: {size_kib: 1}, ofmap: {size_kib: 1}}",
        "  sram: {unified: {size_kib: 3, double_buffered: false}}\n"
        "  accumulator: {size_kib: 1, double_buffered: false}")
    (tmp_path / "s.yaml").write_text(single)
    arch = load_arch(tmp_path / "s.yaml")
    design = mapping_design(arch, zeros, 0.0)
    assert not design.double_buffer and not design.double_buffer_accumulator
    (tmp_path / "back.yaml").write_text(arch_to_yaml(arch))
    assert load_arch(tmp_path / "back.yaml").memory.accumulator.double_buffered is False
