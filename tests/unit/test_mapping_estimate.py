"""The searched mapping inside `hwsim estimate` and sweeps: lower bounds on every zoo workload x
shipped arch, the search's objective against SCALE-Sim's fold order, agreement between the
search's energy and the priced result, the precision-scalable kinds' compute cycles, the JSON
fields, the CLI flags, deduplication and a sweep mixing strategies."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

import hwsim
from hwsim.api import (estimate, executed_formats, load_arch, load_workload,
                       shipped_arch_names)
from hwsim.arrays import kind_names
from hwsim.arrays.throughput import throughput_factors
from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.energy.table import energy_table
from hwsim.energy.mapping_inputs import searched_inputs
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.kernels import mapping as km
from hwsim.kernels.systolic import systolic_gemm
from hwsim.lowering import lower
from hwsim.mapping import GemmProblem, scalesim_mapping
from hwsim.mapping.geometry import NO_CONV
from hwsim.mapping.layers import mapping_design, problem_keys
from hwsim.spec.arch import Accumulator, MappingSpec
from hwsim.spec.workload import Conv2d
from tests_paths import WORKLOADS, assert_one_line_error, for_arch, run_hwsim

ZOO = sorted(p.name for p in WORKLOADS.glob("*.yaml"))


def searched(arch, objective="energy"):
    return replace(arch, mapping=MappingSpec("searched", objective))


def compulsory_bits(workload, table, p: int) -> float:
    """Bits every mapping of GEMM problem `p` moves over DRAM at least, derived from the layer
    alone: A's input pixels a convolution reads (per group: images x channels x the input rows
    and columns some output and kernel tap touch; padding is never fetched) or A's elements,
    B's elements at their stored width, and each output once at the output width."""
    m, n, k, count = (int(table.M[p]), int(table.N[p]), int(table.K[p]), int(table.count[p]))
    layer = workload.layers[int(table.layer_index[p])]
    a_elements = m * k
    if table.from_conv[p] and table.pass_code[p] == 0 and isinstance(layer, Conv2d):
        rows = {q * layer.stride_h + r * layer.dilation_h - layer.pad_h
                for q in range(layer.out_h) for r in range(layer.kernel_h)}
        cols = {q * layer.stride_w + s * layer.dilation_w - layer.pad_w
                for q in range(layer.out_w) for s in range(layer.kernel_w)}
        used = (len({h for h in rows if 0 <= h < layer.in_h}) *
                len({w for w in cols if 0 <= w < layer.in_w}))
        images = m // (layer.out_h * layer.out_w)
        a_elements = min(a_elements, images * (layer.in_channels // layer.groups) * used)
    return count * (a_elements * float(table.a_bits[p]) + k * n * float(table.b_store_bits[p])
                    + m * n * float(table.out_bits[p]))


def design_context(workload, arch):
    """The problem table, packed designs, mapping inputs and counts of a searched estimate."""
    table = lower(workload)
    tables = [energy_table(arch)]
    executed = [executed_formats(table, workload, arch)]
    designs = pack_designs([arch])
    inputs = searched_inputs(table, workload, designs, [arch], tables, executed)
    return table, designs, inputs, run_kernels(table, designs, inputs)


def evaluate_row(table, designs, inputs, factors, p: int, row, objective: int):
    """(status, objective, energy pJ) of mapping `row` of problem `p` on design 0, with the
    estimate's own inputs."""
    counts = np.zeros((3, 3, 2))
    mnk = np.array([table.M[p], table.N[p], table.K[p]], dtype=np.int64)
    bits = np.array([table.a_bits[p], table.b_store_bits[p], table.out_bits[p],
                     table.acc_bits[p]], dtype=np.float64)
    status, value, _, _, pj = km.evaluate_mapping(
        mnk, bits, np.ascontiguousarray(inputs.conv[p]), factors[:, 0, p].copy(),
        float(inputs.fixed_pj[0, p]), inputs.array_pj[0, p].copy(), inputs.designs.ints[0],
        inputs.designs.floats[0], inputs.designs.energy[0], ROLE_DIMS, ROW_COEF, objective,
        np.asarray(row[:6], dtype=np.int64), counts)
    return status, value, pj


def factors_of(table, designs) -> np.ndarray:
    return np.stack(throughput_factors(designs.kind, designs.serial, designs.bits_per_cycle,
                                       designs.window_lanes, designs.word_bits,
                                       designs.dataflow, table.a_bits, table.b_bits,
                                       table.from_conv))


@pytest.mark.parametrize("arch_name", shipped_arch_names())
def test_zoo_dram_at_least_compulsory_and_never_worse_than_scalesim_order(arch_name):
    """Every zoo workload (inference) on the shipped arch, searched on its energy objective:
    each GEMM's DRAM traffic is at least its compulsory traffic; where SCALE-Sim's fold order
    fits, the searched mapping's objective is at most that order's under the same model and
    energies; and the priced layer energy is the search's own energy (they agree)."""
    arch = searched(load_arch(arch_name))
    checked = 0
    for name in ZOO:
        workload = for_arch(load_workload(WORKLOADS / name), arch_name)
        table, designs, inputs, counts = design_context(workload, arch)
        result = estimate(workload, arch)
        factors = factors_of(table, designs)
        for p in np.flatnonzero(table.is_vector == 0):
            dram_bits = sum(float(lv[o][0, p]) for lv in (counts.dram.reads, counts.dram.writes)
                            for o in lv)
            assert dram_bits >= compulsory_bits(workload, table, p) * (1 - 1e-12), \
                (name, table.names[p])
            if not counts.mappings.searched[0, p]:
                continue
            status, value, pj = evaluate_row(table, designs, inputs, factors, p,
                                             counts.mappings.rows[0, p], 0)
            assert status == 0
            layer = result.layers[p]
            assert layer.total_energy_pj == pytest.approx(pj * int(table.count[p]), rel=1e-9)
            bits = tuple(float(x) for x in (table.a_bits[p], table.b_store_bits[p],
                                            table.out_bits[p], table.acc_bits[p]))
            problem = GemmProblem(int(table.M[p]), int(table.N[p]), int(table.K[p]), bits)
            f = tuple(int(x) for x in factors[:, 0, p])
            base = scalesim_mapping(problem, mapping_design(arch, np.zeros((3, 3, 2)), 0.0), f)
            base_status, base_value, _ = evaluate_row(table, designs, inputs, factors, p,
                                                      [base.t0, *base.buffer_tile,
                                                       *base.inner], 0)
            if base_status == 0:
                assert value <= base_value * (1 + 1e-12), (name, table.names[p])
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("arch_name", shipped_arch_names())
def test_untiled_mapping_cycles_equal_systolic_compute(arch_name):
    """With T untiled (SCALE-Sim's order), the mapping's compute cycles are `systolic_gemm`'s
    with the array kind's throughput factors (k_pack, t_steps, m_pack, preload)."""
    arch = load_arch(arch_name)
    workload = for_arch(load_workload(WORKLOADS / "resnet18.yaml"), arch_name)
    table = lower(workload, batch=2)
    designs = pack_designs([arch])
    factors = factors_of(table, designs)
    design = mapping_design(arch, np.zeros((3, 3, 2)), 0.0)
    df = DATAFLOW_CODES[arch.compute.dataflow]
    for p in np.flatnonzero(table.is_vector == 0):
        f = tuple(int(x) for x in factors[:, 0, p])
        problem = GemmProblem(int(table.M[p]), int(table.N[p]), int(table.K[p]))
        mapping = scalesim_mapping(problem, design, f)
        cost = hwsim.mapping.evaluate(problem, replace(design, buffer_bits=(1e18,) * 3),
                                      mapping, factors=f)
        expected = systolic_gemm(problem.M, problem.N, problem.K, arch.compute.rows,
                                 arch.compute.cols, df, ROLE_DIMS, ROW_COEF, UTIL_COEFS,
                                 OFMAP_WRITE_QUIRK, *f)
        assert cost.cycles == expected[0], (table.names[p], f)


def test_every_array_kind_is_checked_with_packing():
    kinds = {load_arch(a).compute.kind for a in shipped_arch_names()}
    assert kinds == set(kind_names())
    packed = set()
    for a in shipped_arch_names():
        table = lower(for_arch(load_workload(WORKLOADS / "resnet18.yaml"), a))
        packed |= {i for i, row in enumerate(factors_of(table, pack_designs([load_arch(a)])))
                   if (row > 1).any()}
    assert packed == {0, 1, 2, 3}   # every factor above 1 somewhere


def test_json_mapping_and_accesses():
    arch = replace(load_arch("tpu_like"),
                   memory=replace(load_arch("tpu_like").memory,
                                  accumulator=Accumulator(4 * 2**20, 0.0)))
    out = estimate(WORKLOADS / "resnet18.yaml", arch).to_dict()
    levels = {"dram", "sram", "accumulator"}
    assert "accumulator" in out["totals"]["energy_breakdown_pj"]
    gemms = [layer for layer in out["layers"] if layer["kind"] == "gemm"]
    for layer in out["layers"]:
        access = layer["accesses"]
        assert set(access) == levels
        for per_operand in access.values():
            assert set(per_operand) == {"ifmap", "filter", "ofmap"}
            for rw in per_operand.values():
                assert set(rw) == {"read_bits", "write_bits"} and min(rw.values()) >= 0
        # the reported DRAM bytes are the accesses' bits / 8, rounded up per stream
        dram = access["dram"]
        assert layer["dram_bytes"] == {
            "ifmap_read": math.ceil(dram["ifmap"]["read_bits"] / 8),
            "filter_read": math.ceil(dram["filter"]["read_bits"] / 8),
            "ofmap_write": math.ceil(dram["ofmap"]["write_bits"] / 8),
            "psum_read": math.ceil(dram["ofmap"]["read_bits"] / 8)}
    for layer in gemms:
        mapping = layer["mapping"]
        assert mapping["strategy"] == "searched" and mapping["objective"] == "energy"
        assert set(mapping["levels"]) == {"dram", "sram", "accumulator", "array"}
        tile = mapping["levels"]["sram"]["tile"]
        fold = mapping["levels"]["array"]["tile"]
        for d in "MNK":
            assert fold[d] <= tile[d] <= layer[d]
        assert sorted(mapping["levels"]["dram"]["loop_order"]) == ["K", "M", "N"]
        assert mapping["levels"]["sram"]["bypassed"] == []
        assert 1 <= mapping["t0"] <= max(layer["M"], layer["N"], layer["K"])
    assert all("mapping" not in layer for layer in out["layers"] if layer["kind"] == "vector")
    scalesim = estimate(WORKLOADS / "resnet18.yaml",
                        replace(arch, mapping=MappingSpec("scalesim"))).to_dict()
    assert all("mapping" not in layer and "accesses" not in layer
               for layer in scalesim["layers"])


def test_cli_flags_override_the_arch():
    args = ["estimate", "workloads/alexnet.yaml", "--arch", "eyeriss_like", "--json"]
    runs = {flags: run_hwsim(*args, *flags) for flags in
            [(), ("--mapping", "scalesim"), ("--objective", "dram")]}
    for run in runs.values():
        assert run.returncode == 0, run.stderr
    out = {flags: json.loads(run.stdout) for flags, run in runs.items()}
    base = load_arch("eyeriss_like")
    lib = estimate(WORKLOADS / "alexnet.yaml", replace(base, mapping=MappingSpec("scalesim")))
    assert out[("--mapping", "scalesim")]["totals"]["energy_pj"] == lib.energy_pj
    assert out[()]["totals"]["energy_pj"] == estimate(WORKLOADS / "alexnet.yaml",
                                                      base).energy_pj
    # per layer, the dram objective moves no more DRAM bits than the energy objective
    for energy_layer, dram_layer in zip(out[()]["layers"], out[("--objective", "dram")]["layers"],
                                        strict=True):
        if energy_layer["kind"] != "gemm":
            continue
        assert dram_layer["mapping"]["objective"] == "dram"

        def bits(layer):
            return sum(v for rw in layer["accesses"]["dram"].values() for v in rw.values())
        assert bits(dram_layer) <= bits(energy_layer) * (1 + 1e-12)
    assert out[()]["totals"]["dram_bytes_total"] < \
        out[("--mapping", "scalesim")]["totals"]["dram_bytes_total"]
    assert_one_line_error(run_hwsim(*args, "--objective", "area"), "--objective")
    table = run_hwsim("estimate", "workloads/alexnet.yaml", "--arch", "eyeriss_like")
    assert "loops" in table.stdout.splitlines()[0]


def test_identical_gemms_are_searched_once():
    workload = load_workload(WORKLOADS / "resnet50.yaml")
    arch = searched(load_arch("eyeriss_like"))
    table, _, inputs, counts = design_context(workload, arch)
    first, inverse = problem_keys(table, inputs.conv)
    gemm = np.flatnonzero(table.is_vector == 0)
    assert len(first) < len(gemm)            # ResNet blocks repeat shapes
    for u in range(len(first)):
        same = gemm[inverse == u]
        for name in ("compute_cycles", "stall_cycles"):
            values = getattr(counts, name)[0, same] / table.count[same]
            assert np.all(values == values[0])
        assert np.all(counts.mappings.rows[0, same] == counts.mappings.rows[0, same[0]])


def test_sweep_mixing_strategies_equals_each_estimate():
    space = {"mapping.strategy": ["scalesim", "searched"],
             "mapping.objective": ["energy", "latency"]}
    workload = WORKLOADS / "alexnet.yaml"
    table = hwsim.sweep(workload, "eyeriss_like", space)
    base = load_arch("eyeriss_like")
    for i in range(len(table["energy_pj"])):
        arch = replace(base, mapping=MappingSpec(str(table["mapping.strategy"][i]),
                                                 str(table["mapping.objective"][i])))
        totals = estimate(workload, arch).totals()
        assert table["energy_pj"][i] == pytest.approx(totals["energy_pj"], rel=1e-12)
        assert table["cycles"][i] == totals["cycles"]
        assert table["dram_bytes"][i] == totals["dram_bytes_total"]
    assert len(set(np.asarray(table["dram_bytes"]).tolist())) > 1


def test_conv_geometry_reaches_the_search():
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    table, _, inputs, _ = design_context(workload, searched(load_arch("tpu_like")))
    conv = (table.from_conv == 1) & (table.is_vector == 0)
    assert np.all(inputs.conv[conv][:, 0] > 0)
    assert np.all(inputs.conv[~conv] == NO_CONV)


def test_bypassed_operand_never_touches_the_buffer():
    """Timeloop's Eyeriss keeps weights out of its global buffer: with `holds` listing inputs
    and outputs, the weights go between DRAM and the array, so the buffer neither reads nor
    writes them, and DRAM serves the array's every weight read."""
    base = load_arch("eyeriss_like")
    buffer = replace(base.memory.buffers[0], holds=("ifmap", "ofmap"))
    arch = replace(base, memory=replace(base.memory, buffers=(buffer,)))
    out = estimate(WORKLOADS / "alexnet.yaml", arch).to_dict()
    gemms = [layer for layer in out["layers"] if layer["kind"] == "gemm"]
    for layer in gemms:
        assert layer["mapping"]["levels"]["sram"]["bypassed"] == ["filter"]
        sram, dram = layer["accesses"]["sram"]["filter"], layer["accesses"]["dram"]["filter"]
        assert sram == {"read_bits": 0.0, "write_bits": 0.0}
        # every array read of B (elements; the zoo's weights are int8, 8 bits) comes from DRAM
        assert layer["precision"]["b"] == "int8" and "b_stored_bits" not in layer["precision"]
        assert dram["read_bits"] == layer["sram_reads"]["filter"] * 8
