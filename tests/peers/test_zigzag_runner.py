"""The ZigZag harness: its outputs agree with ZigZag's own definitions and with each other.

Live tests (marked ``slow`` and ``peer``) run ZigZag 3.9.1 on two ResNet-18 layers
(layer1.0.conv1 and fc) on the bundled tpu_like hardware from a workload YAML, which takes
about ten seconds. They skip when zigzag-dse is not installed, except in CI with
``HWSIM_PEERS=1``, where a missing ZigZag is a failure. The hardware-reader tests need no ZigZag.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any

import pytest

from peers.zigzag_runner import (DIRECTIONS, READ_DIRECTIONS, ZigZagError, ZigZagRun,
                                 bundled_arch, check_environment, conv_layer, read_hardware,
                                 run_zigzag, write_workload_yaml)
from tests_paths import REPO

RAW_REPORT = REPO / "reports" / "zigzag_resnet18_raw.json"

LAYERS = [conv_layer(3, "layer1.0.conv1", k=64, c=64, ox=56, oy=56, fx=3, fy=3, padding=1),
          conv_layer(48, "fc", k=1000, c=512, ox=1, oy=1, fx=1, fy=1)]
"""ResNet-18 layers as ZigZag's ONNX parser sees them (same ids, dims, padding, precisions)."""

ONNX_NAMES = {"layer1.0.conv1": "/layer1/layer1.0/conv1/Conv", "fc": "/fc/Gemm"}


def require_zigzag() -> None:
    try:
        check_environment()
    except ZigZagError as exc:
        if os.environ.get("CI") == "true" and os.environ.get("HWSIM_PEERS") == "1":
            pytest.fail(f"HWSIM_PEERS=1 in CI but ZigZag is not usable: {exc}")
        pytest.skip(f"ZigZag not usable here ({exc}); set HWSIM_PEERS=1 in CI to require it")


@pytest.fixture(scope="module")
def tpu(tmp_path_factory: pytest.TempPathFactory) -> tuple[ZigZagRun, dict[str, Any], Path]:
    """The two layers on tpu_like, run from an empty cwd; returns (run, hardware, that cwd)."""
    require_zigzag()
    hardware, mapping = bundled_arch("tpu_like")
    base = tmp_path_factory.mktemp("zigzag")
    cwd = base / "cwd"
    cwd.mkdir()
    workload = write_workload_yaml(base / "resnet18_two_layers.yaml", LAYERS)
    handlers = list(logging.getLogger().handlers)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        run = run_zigzag(workload, hardware, mapping)
    assert logging.getLogger().handlers == handlers, "ZigZag's basicConfig leaked a handler"
    return run, read_hardware(hardware), cwd


@pytest.mark.slow
@pytest.mark.peer
def test_run_leaves_the_cwd_empty(tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    run, _, cwd = tpu
    assert list(cwd.iterdir()) == []
    assert [layer["layer_name"] for layer in run.layers] == ["layer1.0.conv1", "fc"]


@pytest.mark.slow
@pytest.mark.peer
def test_energies_add_up(tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    """layer = MAC + memory; memory = sum over operands, levels and directions; run = sum."""
    run, _, _ = tpu
    for layer in run.layers:
        assert layer["mac_energy_pj"] > 0 and layer["memory_energy_pj_total"] > 0
        assert layer["energy_total_pj"] == pytest.approx(
            layer["mac_energy_pj"] + layer["memory_energy_pj_total"], rel=1e-12)
        per_operand = [level for op in layer["memory_energy_pj"].values() for level in op.values()]
        assert all(level[d] >= 0 for level in per_operand for d in DIRECTIONS)
        assert sum(level["total"] for level in per_operand) == pytest.approx(
            layer["memory_energy_pj_total"], rel=1e-12)
        assert sum(layer["memory_energy_by_level_pj"].values()) == pytest.approx(
            layer["memory_energy_pj_total"], rel=1e-12)
        assert layer["latency_cycles"] >= layer["ideal_cycles"] >= layer["macs"] / 1024
    assert run.energy_total_pj == pytest.approx(
        sum(layer["energy_total_pj"] for layer in run.layers), rel=1e-12)


@pytest.mark.slow
@pytest.mark.peer
def test_mac_energy_is_unit_energy_times_macs(tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    run, hardware, _ = tpu
    for layer in run.layers:
        assert layer["macs"] == math.prod(layer["dims"].values())
        assert layer["mac_energy_pj"] == pytest.approx(hardware["mac_energy_pj"] * layer["macs"],
                                                       rel=1e-12)


@pytest.mark.slow
@pytest.mark.peer
def test_accesses_times_cost_per_access_is_the_energy(
        tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    """Every (operand, memory, direction): pJ = accesses x r_cost (reads) or w_cost (writes)."""
    run, hardware, _ = tpu
    memories = {m["name"]: m for m in hardware["memories"]}
    checked = 0
    for layer in run.layers:
        for op, levels in layer["accesses"].items():
            for level, counts in levels.items():
                for direction in DIRECTIONS:
                    cost = memories[level]["read_pj" if direction in READ_DIRECTIONS else
                                           "write_pj"]
                    assert layer["memory_energy_pj"][op][level][direction] == pytest.approx(
                        counts[direction] * cost, rel=1e-12, abs=1e-9)
                    checked += counts[direction] > 0
    assert checked >= 10


@pytest.mark.slow
@pytest.mark.peer
def test_dram_accesses_are_tensor_bits_over_port_width(
        tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    """layer1.0.conv1 moves each tensor through DRAM once, in 64-bit accesses: weights and
    (unpadded) inputs read, final 8-bit outputs written."""
    run, hardware, _ = tpu
    layer = run.layers[0]
    d, bits = layer["dims"], layer["operand_precision_bits"]
    dram = next(m for m in hardware["memories"] if m["name"] == "dram")
    weights = d["K"] * d["C"] * d["FX"] * d["FY"] * bits["W"] / dram["read_bits"]
    inputs = d["C"] * layer["input_size"]["IX"] * layer["input_size"]["IY"] * bits["I"]
    outputs = d["K"] * d["OX"] * d["OY"] * bits["O_final"] / dram["write_bits"]
    # K C FX FY x 8 bits / 64 = 64 x 64 x 3 x 3 / 8 = 4608; C IX IY x 8 / 64 = 64 x 56 x 56 / 8
    # = 25088 inputs; K OX OY x 8 / 64 = 25088 outputs
    assert layer["accesses"]["W"]["dram"]["rd_out_to_low"] == weights == 4608
    assert layer["accesses"]["I"]["dram"]["rd_out_to_low"] == inputs / dram["read_bits"] == 25088
    assert layer["accesses"]["O"]["dram"]["wr_in_by_low"] == outputs == 25088


@pytest.mark.slow
@pytest.mark.peer
def test_yaml_layers_reproduce_the_onnx_run(tpu: tuple[ZigZagRun, dict[str, Any], Path]) -> None:
    """The same layers from bundled resnet18.onnx (frozen in the raw report) cost the same."""
    if not RAW_REPORT.is_file():
        pytest.skip(f"{RAW_REPORT} not generated (python bench/zigzag_energy.py)")
    report = json.loads(RAW_REPORT.read_text(encoding="utf-8"))["archs"]["tpu_like"]
    if report["opt"] != "latency":
        pytest.skip("raw report was made with another --opt")
    frozen = {layer["layer_name"]: layer for layer in report["layers"]}
    run, _, _ = tpu
    for layer in run.layers:
        onnx = frozen[ONNX_NAMES[layer["layer_name"]]]
        assert layer["macs"] == onnx["macs"]
        assert layer["energy_total_pj"] == pytest.approx(onnx["energy_total_pj"], rel=1e-12)
        assert layer["latency_cycles"] == onnx["latency_cycles"]


@pytest.mark.slow
@pytest.mark.peer
def test_mac_energy_ignores_precision(tpu: tuple[ZigZagRun, dict[str, Any], Path],
                                      tmp_path: Path) -> None:
    """At 4-bit W/I/O_final fc costs the same MAC energy as at 8 bits, and half the DRAM energy.

    (Wider partial sums than 16 bits do not fit tpu_like's 16-bit output register: ZigZag then
    finds no mapping.)"""
    run8 = tpu[0].layers[1]
    narrow = conv_layer(48, "fc", k=1000, c=512, ox=1, oy=1, fx=1, fy=1,
                        precision={"W": 4, "I": 4, "O": 16, "O_final": 4})
    (layer4,) = run_zigzag([narrow], *bundled_arch("tpu_like"), out_dir=tmp_path).layers
    assert layer4["operand_precision_bits"]["W"] == 4
    assert layer4["mac_energy_pj"] == run8["mac_energy_pj"]
    assert layer4["memory_energy_by_level_pj"]["dram"] == pytest.approx(
        run8["memory_energy_by_level_pj"]["dram"] / 2, rel=0.01)
    assert (tmp_path / "overall_simple.json").is_file()


@pytest.mark.peer
def test_missing_inputs_raise_zigzag_error(tmp_path: Path) -> None:
    require_zigzag()
    hardware, mapping = bundled_arch("tpu_like")
    with pytest.raises(ZigZagError, match="workload file not found"):
        run_zigzag(tmp_path / "none.yaml", hardware, mapping)
    with pytest.raises(ZigZagError, match="unknown bundled arch"):
        bundled_arch("tpu")


HW_YAML = """
name: toy
memories:
  rf:
    size: 64
    r_cost: 0.5
    w_cost: 0.75
    latency: 1
    operands: [I2]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 8, bandwidth_max: 8, allocation: ["I2, tl"]}
      - {name: w_port_1, type: write, bandwidth_min: 8, bandwidth_max: 8, allocation: ["I2, fh"]}
    served_dimensions: [D2]
  dram:
    size: 1000000
    r_cost: 640
    w_cost: 700
    latency: 1
    operands: [I1, I2, O]
    ports:
      - {name: rw_port_1, type: read_write, bandwidth_min: 16, bandwidth_max: 64,
         allocation: ["I1, tl", "I2, tl", "O, fl"]}
    served_dimensions: [D1, D2]
operational_array:
  unit_energy: 0.25
  unit_area: 1
  dimensions: [D1, D2]
  sizes: [4, 3]
"""


def test_read_hardware_gives_costs_widths_and_instances(tmp_path: Path) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(HW_YAML, encoding="utf-8")
    hw = read_hardware(path)
    assert (hw["name"], hw["mac_energy_pj"], hw["array"]["pes"]) == ("toy", 0.25, 12)
    rf, dram = hw["memories"]
    assert (rf["size_bits"], rf["read_pj"], rf["write_pj"], rf["read_bits"]) == (64, 0.5, 0.75, 8)
    assert rf["instances"] == 4  # replicated along D1, the dimension it does not serve
    assert (dram["read_bits"], dram["write_bits"], dram["read_min_bits"]) == (64, 64, 16)
    assert dram["read_pj_per_bit"] == 10.0 and dram["instances"] == 1
    assert hw["levels"] == {"I2": ["rf", "dram"], "I1": ["dram"], "O": ["dram"]}


def test_read_hardware_names_a_missing_cost(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HW_YAML.replace("    r_cost: 640\n", ""), encoding="utf-8")
    with pytest.raises(ZigZagError, match=r"memories\.dram\.r_cost is missing"):
        read_hardware(path)


def test_conv_layer_has_the_onnx_parser_shape() -> None:
    layer = conv_layer(0, "conv1", k=64, c=3, ox=112, oy=112, fx=7, fy=7, stride=2, padding=3,
                       input_size=224)
    assert dict(zip(layer["loop_dims"], layer["loop_sizes"], strict=True)) == {
        "B": 1, "K": 64, "G": 1, "OX": 112, "OY": 112, "C": 3, "FX": 7, "FY": 7}
    assert layer["dimension_relations"] == ["ix=2*ox+1*fx", "iy=2*oy+1*fy"]
    assert layer["pr_loop_sizes"] == [224, 224] and layer["padding"] == [[3, 3], [3, 3]]
    assert layer["operand_precision"] == {"W": 8, "I": 8, "O": 16, "O_final": 8}
    assert conv_layer(1, "x", k=1, c=1, ox=56, oy=56, fx=3, fy=3, padding=1)["pr_loop_sizes"] == \
        [56, 56]
