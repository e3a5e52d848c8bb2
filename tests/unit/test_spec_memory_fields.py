"""The arch fields of the memory hierarchy and its energies: buffer `holds`, the accumulator,
the DRAM technology and an omitted DRAM bandwidth, per-operand register-file energies,
`mac_pj` and `mapping`. For each: the parsed value, the written YAML read back, the sweep's
dotted path, and every bad input's one-line message (file:line: path: message)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
import yaml

from hwsim.unit_energy.data import dram_technologies
from hwsim.energy.table import energy_table
from hwsim.precision import parse_format
from hwsim.spec.arch import DRAM_TECHNOLOGIES, OPERANDS, Arch
from hwsim.archfile.io import arch_to_yaml, load_arch
from hwsim.spec.errors import SpecError
from hwsim.sweep import design
from tests_paths import REPO, assert_one_line_error

OPERAND_FORMAT = parse_format("int8")  # the array's native format, for `EnergyTable.entries`
HEAD = """version: 1
name: a
description: test arch
compute: {kind: systolic, rows: 4, cols: 4, dataflow: os, clock_mhz: 100}
vector: {lanes: 4}
"""
UNIFIED = HEAD + """memory:
  sram:
    unified: {size_kib: 64}
  dram: {bandwidth_bytes_per_cycle: 8}
"""
PER_OPERAND = HEAD + """memory:
  sram:
    ifmap: {size_kib: 1}
    filter: {size_kib: 1}
    ofmap: {size_kib: 1}
  dram: {bandwidth_bytes_per_cycle: 8}
"""


def load(tmp_path, text: str) -> Arch:
    path = tmp_path / "a.yaml"
    path.write_text(text)
    return load_arch(path)


def errors(tmp_path, text: str) -> list[str]:
    path = tmp_path / "a.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_arch(path)
    return [str(issue).replace(str(path), "a.yaml") for issue in info.value.issues]


def round_trip(tmp_path, arch: Arch) -> Arch:
    """`arch` written by arch_to_yaml and read back (path and digest are the file's)."""
    path = tmp_path / "back.yaml"
    path.write_text(arch_to_yaml(arch))
    return replace(load_arch(path), path=arch.path, sha256=arch.sha256)


def swept(arch: Arch, path: str, value) -> Arch:
    design.check_arch_values(arch, {path: [value]}, "s.yaml")
    return design.apply_arch(arch, {path: value})


# -- memory.sram.<buffer>.holds -------------------------------------------------------------

def test_holds_defaults_to_every_operand_or_the_buffers_own(tmp_path):
    unified, split = load(tmp_path, UNIFIED), load(tmp_path, PER_OPERAND)
    assert unified.memory.buffers[0].holds is None
    assert unified.memory.buffers[0].held == OPERANDS
    assert [b.held for b in split.memory.buffers] == [("ifmap",), ("filter",), ("ofmap",)]
    assert "holds" not in arch_to_yaml(unified)  # the default is not written


def test_holds_is_read_in_file_spelling_and_stored_as_operands(tmp_path):
    arch = load(tmp_path, UNIFIED.replace("{size_kib: 64}",
                                          "{size_kib: 64, holds: [outputs, inputs]}"))
    assert arch.memory.buffers[0].holds == ("ofmap", "ifmap")
    assert "holds: [outputs, inputs]" in arch_to_yaml(arch)
    assert round_trip(tmp_path, arch) == arch


def test_a_per_operand_buffer_may_hold_nothing(tmp_path):
    arch = load(tmp_path, PER_OPERAND.replace("filter: {size_kib: 1}",
                                              "filter: {size_kib: 1, holds: []}"))
    assert [b.held for b in arch.memory.buffers] == [("ifmap",), (), ("ofmap",)]
    assert round_trip(tmp_path, arch) == arch


def test_holds_sweeps_by_dotted_path(tmp_path):
    base = load(tmp_path, UNIFIED)
    assert swept(base, "memory.sram.unified.holds", "inputs,outputs").memory.buffers[0].holds \
        == ("ifmap", "ofmap")
    split = load(tmp_path, PER_OPERAND)
    assert swept(split, "memory.sram.filter.holds", "").memory.buffers[1].held == ()
    with pytest.raises(SpecError, match=r"space.memory.sram.ifmap.holds: value 'weights': "
                       r"memory.sram.ifmap.holds\[0\]: a per-operand buffer holds only its "
                       r"own operand \(inputs\) or nothing, got weights"):
        design.check_arch_values(split, {"memory.sram.ifmap.holds": ["weights"]}, "s.yaml")


@pytest.mark.parametrize(("holds", "message"), [
    ("[inputs, psums]", "memory.sram.unified.holds[1]: expected one of inputs, weights, "
                        "outputs, got 'psums'"),
    ("[ifmap]", "memory.sram.unified.holds[0]: expected one of inputs, weights, outputs, "
                "got 'ifmap' (write inputs)"),
    ("[inputs, weights, inputs]", "memory.sram.unified.holds[2]: inputs is listed twice"),
    ("5", "memory.sram.unified.holds: expected a list of operands (inputs, weights, outputs), "
          "got 5"),
])
def test_bad_holds_on_the_unified_buffer(tmp_path, holds, message):
    text = UNIFIED.replace("{size_kib: 64}", f"{{size_kib: 64, holds: {holds}}}")
    assert errors(tmp_path, text) == [f"a.yaml:8: {message}"]


def test_a_per_operand_buffer_naming_another_operand(tmp_path):
    text = PER_OPERAND.replace("ofmap: {size_kib: 1}",
                               "ofmap: {size_kib: 1, holds: [outputs, weights]}")
    assert errors(tmp_path, text) == [
        "a.yaml:10: memory.sram.ofmap.holds[1]: a per-operand buffer holds only its own "
        "operand (outputs) or nothing, got weights"]


# -- memory.accumulator and energy.sram.accumulator -----------------------------------------

ACCUMULATOR = UNIFIED.replace("  dram:", "  accumulator: {size_kib: 4, "
                                        "bandwidth_bytes_per_cycle: 512}\n  dram:")


def test_accumulator_is_read_written_and_swept(tmp_path):
    arch = load(tmp_path, ACCUMULATOR)
    acc = arch.memory.accumulator
    assert acc is not None and (acc.size_bytes, acc.bandwidth_bytes_per_cycle) == (4096, 512.0)
    assert load(tmp_path, UNIFIED).memory.accumulator is None
    assert round_trip(tmp_path, arch) == arch
    bigger = swept(arch, "memory.accumulator.size_kib", 8).memory.accumulator
    assert bigger is not None and bigger.size_bytes == 8192
    assert "memory.accumulator.size_kib" not in design.arch_fields(load(tmp_path, UNIFIED))


def test_accumulator_energy_is_the_sram_fit_at_its_size_or_the_override(tmp_path):
    arch = load(tmp_path, ACCUMULATOR)
    table = energy_table(arch)
    # the fit of a 4 KiB SRAM (what a 4 KiB buffer would cost), at 45 nm: scale 1
    four_kib = replace(arch, memory=replace(arch.memory, buffers=(
        replace(arch.memory.buffers[0], size_bytes=4096),)))
    fit = energy_table(four_kib).buffer_read_pj_per_bit["unified"]
    assert table.accumulator_read_pj_per_bit == table.accumulator_write_pj_per_bit == fit
    assert energy_table(load(tmp_path, UNIFIED)).accumulator_read_pj_per_bit == 0.0
    override = load(tmp_path, ACCUMULATOR + "energy:\n  sram:\n    accumulator: "
                                            "{read_pj_per_bit: 0.05, write_pj_per_bit: 0.07}\n")
    table = energy_table(override)
    assert (table.accumulator_read_pj_per_bit, table.accumulator_write_pj_per_bit) == \
        (0.05, 0.07)
    assert round_trip(tmp_path, override) == override
    lines = [e for e in table.entries([], OPERAND_FORMAT) if e.action.startswith("accumulator")]
    assert [(e.action, e.energy_pj, e.source) for e in lines] == [
        ("accumulator read", 0.05, "arch override (energy.sram)"),
        ("accumulator write", 0.07, "arch override (energy.sram)")]


def test_bad_accumulator(tmp_path):
    text = UNIFIED.replace("  dram:", "  accumulator: {size_kib: 0}\n  dram:")
    assert errors(tmp_path, text) == [
        "a.yaml:9: memory.accumulator.size_kib: expected a positive number, got 0"]
    text = UNIFIED + "energy:\n  sram:\n    accumulator: {read_pj_per_bit: 0.05}\n"
    assert errors(tmp_path, text) == [
        "a.yaml:12: energy.sram.accumulator: energies of an accumulator the arch does not "
        "have (no memory.accumulator)"]


# -- memory.dram: technology, omitted bandwidth ---------------------------------------------

def test_dram_technology_sets_the_energy_per_bit_unless_overridden(tmp_path):
    text = UNIFIED.replace("{bandwidth_bytes_per_cycle: 8}",
                           "{bandwidth_bytes_per_cycle: 8, technology: hbm2}")
    arch = load(tmp_path, text)
    assert arch.memory.dram_technology == "hbm2"
    # hwsim/unit_energy/data/dram_technologies.yaml: HBM2 3.9 pJ/bit (O'Connor et al., MICRO 2017)
    assert energy_table(arch).dram_pj_per_bit == 3.9
    assert energy_table(load(tmp_path, UNIFIED)).dram_pj_per_bit == 20.0  # EIE, unchanged
    overridden = load(tmp_path, text + "energy: {dram_pj_per_bit: 7.5}\n")
    assert energy_table(overridden).dram_pj_per_bit == 7.5
    assert round_trip(tmp_path, arch) == arch
    assert swept(arch, "memory.dram.technology", "lpddr4").memory.dram_technology == "lpddr4"


def test_every_dram_technology_has_sourced_data():
    data = dram_technologies()
    assert set(data) == set(DRAM_TECHNOLOGIES)
    assert all(t.energy_pj_per_bit > 0 and t.source for t in data.values())


def test_bad_dram_technology(tmp_path):
    text = UNIFIED.replace("{bandwidth_bytes_per_cycle: 8}",
                           "{bandwidth_bytes_per_cycle: 8, technology: hbm}")
    assert errors(tmp_path, text) == [
        "a.yaml:9: memory.dram.technology: expected one of lpddr4, gddr5, hbm2, got 'hbm' "
        "(did you mean 'hbm2'?)"]


def test_dram_bandwidth_may_be_omitted_or_zero(tmp_path):
    omitted = load(tmp_path, UNIFIED.replace("{bandwidth_bytes_per_cycle: 8}", "{}"))
    zero = load(tmp_path, UNIFIED.replace("bandwidth_bytes_per_cycle: 8",
                                          "bandwidth_bytes_per_cycle: 0"))
    assert omitted.memory.dram_bandwidth_bytes_per_cycle == 0.0
    assert replace(zero, sha256="") == replace(omitted, sha256="")
    assert "bandwidth_bytes_per_cycle" not in yaml.safe_load(arch_to_yaml(omitted))["memory"][
        "dram"]
    assert round_trip(tmp_path, omitted) == omitted


def test_estimate_with_unlimited_dram_bandwidth_has_no_dram_stall(tmp_path):
    from hwsim.api import estimate
    from tests_paths import WORKLOADS
    limited = load(tmp_path, UNIFIED.replace("64}", "1}"))  # 1 KiB: traffic spills to DRAM
    unlimited = replace(limited, memory=replace(limited.memory,
                                                dram_bandwidth_bytes_per_cycle=0.0))
    slow = estimate(WORKLOADS / "resnet18.yaml", limited)
    free = estimate(WORKLOADS / "resnet18.yaml", unlimited)
    assert sum(x.stall_cycles for x in slow.layers) > 0
    assert sum(x.stall_cycles for x in free.layers) == 0
    assert [x.dram_bytes for x in free.layers] == [x.dram_bytes for x in slow.layers]


# -- energy.register_file_pj_per_bit per operand, energy.mac_pj -----------------------------

def test_register_file_energy_one_number_or_per_operand(tmp_path):
    one = load(tmp_path, UNIFIED + "energy: {register_file_pj_per_bit: 0.03}\n")
    assert one.energy.register_file_pj_per_bit == (0.03, 0.03, 0.03)
    assert "register_file_pj_per_bit: 0.03" in arch_to_yaml(one)
    assert energy_table(one).register_file_pj_per_bit == 0.03
    per = load(tmp_path, UNIFIED + "energy:\n  register_file_pj_per_bit: "
                                   "{inputs: 0.01, weights: 0.02, outputs: 0.04}\n")
    assert per.energy.register_file_pj_per_bit == (0.01, 0.02, 0.04)
    table = energy_table(per)
    assert table.register_file_pj_per_bit_by_operand == (0.01, 0.02, 0.04)
    with pytest.raises(ValueError, match="differs per operand"):
        _ = table.register_file_pj_per_bit
    rf = [(e.action, e.energy_pj) for e in table.entries([], OPERAND_FORMAT)
          if e.action.startswith("register file")]
    assert rf == [("register file access (inputs)", 0.01),
                  ("register file access (weights)", 0.02),
                  ("register file access (outputs)", 0.04)]
    assert round_trip(tmp_path, per) == per and round_trip(tmp_path, one) == one
    assert swept(per, "energy.register_file_pj_per_bit", 0.5).energy.register_file_pj_per_bit \
        == (0.5, 0.5, 0.5)


@pytest.mark.parametrize(("value", "line", "message"), [
    ("{inputs: 0.01, weights: 0.02}", 11,
     "energy.register_file_pj_per_bit.outputs: required field is missing"),
    ("{inputs: 0.01, weights: 0.02, outputs: 0.04, psums: 1}", 11,
     "energy.register_file_pj_per_bit.psums: unknown field"),
    ("{inputs: 0.01, weights: -1, outputs: 0.04}", 11,
     "energy.register_file_pj_per_bit.weights: expected a positive number, got -1"),
    ("fast", 11, "energy.register_file_pj_per_bit: expected a positive number or a mapping of "
                 "inputs, weights, outputs to positive numbers, got 'fast'"),
])
def test_bad_register_file_energy(tmp_path, value, line, message):
    text = UNIFIED + f"energy:\n  register_file_pj_per_bit: {value}\n"
    assert errors(tmp_path, text) == [f"a.yaml:{line}: {message}"]


def test_mac_pj_is_read_written_swept_and_listed(tmp_path):
    arch = load(tmp_path, UNIFIED + "energy: {mac_pj: 2.2}\n")
    assert arch.energy.mac_pj == 2.2
    assert round_trip(tmp_path, arch) == arch
    assert swept(arch, "energy.mac_pj", 1.5).energy.mac_pj == 1.5
    table = energy_table(arch)
    assert table.native_mac_pj == 2.2 and energy_table(load(tmp_path, UNIFIED)).native_mac_pj \
        is None
    assert [(e.energy_pj, e.source) for e in table.entries([], OPERAND_FORMAT)
            if e.action == "mac at the native format"] == [(2.2, "arch override (energy.mac_pj)")]
    assert errors(tmp_path, UNIFIED + "energy: {mac_pj: 0}\n") == [
        "a.yaml:10: energy.mac_pj: expected a positive number, got 0"]


# -- mapping --------------------------------------------------------------------------------

def test_mapping_section_and_shorthand(tmp_path):
    assert (load(tmp_path, UNIFIED).mapping.strategy,
            load(tmp_path, UNIFIED).mapping.objective) == ("searched", "energy")
    short = load(tmp_path, UNIFIED + "mapping: scalesim\n")
    assert short.mapping.strategy == "scalesim"
    assert "mapping: scalesim" in arch_to_yaml(short)
    full = load(tmp_path, UNIFIED + "mapping: {strategy: searched, objective: edp}\n")
    assert (full.mapping.strategy, full.mapping.objective) == ("searched", "edp")
    assert "mapping: {objective: edp}" in arch_to_yaml(full)  # the default strategy is implied
    for arch in (short, full):
        assert round_trip(tmp_path, arch) == arch
    assert swept(full, "mapping.objective", "dram").mapping.objective == "dram"
    assert swept(full, "mapping.strategy", "scalesim").mapping.strategy == "scalesim"


@pytest.mark.parametrize(("value", "message"), [
    ("timeloop", "mapping: expected one of scalesim, searched, got 'timeloop'"),
    ("{objective: power}", "mapping.objective: expected one of energy, latency, edp, dram, got "
                           "'power'"),
    ("{strategy: scalesim, order: ws}", "mapping.order: unknown field"),
    ("3", "mapping: expected a strategy (scalesim, searched) or a mapping of strategy and "
          "objective, got 3"),
])
def test_bad_mapping(tmp_path, value, message):
    assert errors(tmp_path, UNIFIED + f"mapping: {value}\n") == [f"a.yaml:10: {message}"]


def test_scalesim_inputs_use_the_scalesim_mapping():
    from hwsim.api import load_arch as load_any
    assert load_any("scalesim_default").mapping.strategy == "scalesim"
    assert load_any(REPO / "tests/golden/scalesim/upstream/user_ws.cfg").mapping.strategy == \
        "scalesim"
    assert load_any("tpu_like").mapping.strategy == "searched"


def test_a_bad_field_exits_2_with_one_line(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(UNIFIED.replace("{size_kib: 64}", "{size_kib: 64, holds: [inputs, psums]}"))
    run = subprocess.run([sys.executable, "-m", "hwsim", "energy-table", "--arch", str(path)],
                         capture_output=True, text=True, cwd=REPO)
    assert_one_line_error(run, f"{path}:8: memory.sram.unified.holds[1]: expected one of "
                               "inputs, weights, outputs, got 'psums'")
