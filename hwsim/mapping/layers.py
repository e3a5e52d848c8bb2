"""The searched mapping inside an estimate or a sweep.

`mapping_inputs` turns designs into what the search takes (`hwsim.mapping.model`): their
storage levels, capacities and bandwidths from the arch, and the energies `hwsim.energy.price`
charges (per bit per level and operand, per MAC, per array access, static power per cycle), so
that the mapping minimising a design's objective is priced with the same numbers afterwards.
`searched_counts` searches the GEMM problems of every design whose `Arch.mapping.strategy` is
``searched`` and puts the search's counts, cycles and stalls in place of SCALE-Sim's fold
order's (`hwsim.evaluate.run_kernels` calls it). Identical GEMMs of a table (the same shape,
widths, formats, convolution geometry and so the same throughput factors and energies) are
searched once; the (design, problem) pairs run on all cores.

Arch to mapping design:

- an operand is held by the buffer that lists it in `holds` (default: a unified buffer holds
  every operand, a per-operand buffer its own); the others bypass it;
- capacities in bits; the buffer and the accumulator are double-buffered unless the arch says
  `double_buffered: false` (per-operand buffers: double-buffered if any of them is);
- bandwidths in bits per cycle, 0 unlimited: DRAM's, times three with a port per operand;
  the buffer's (per-operand buffers: the sum of their ports, unlimited if one is);
  the accumulator's;
- a GEMM where no mapping fits the capacities keeps SCALE-Sim's fold order (whose model spills
  instead of refusing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import ROLE_DIMS, ROW_COEF
from hwsim.energy.price import Executed, mapping_energy
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import DesignArrays, KernelCounts, LayerMappings, LevelCounts
from hwsim.lowering import Pass, ProblemTable
from hwsim.mapping.geometry import NO_CONV, ConvGeometry
from hwsim.mapping.model import MappingDesign, PackedDesigns, pack_designs
from hwsim.spec.arch import OPERANDS, Arch
from hwsim.spec.workload import Conv2d, Workload

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
LEVEL_INDEX = {"dram": 0, "sram": 1, "accumulator": 2}


@dataclass(frozen=True, slots=True)
class MappingInputs:
    """What the search needs beyond the problem table and the kernels' designs: `conv[P, 14]`
    (each GEMM's convolution geometry, `NO_CONV` for a plain one), the designs as mapping
    designs (`designs`, D of them), `fixed_pj[D, P]` (one GEMM's energy no mapping changes)
    and `array_pj[D, P, 3]` (pJ per element the array reads or writes at its innermost holder)."""

    conv: I64
    designs: PackedDesigns
    fixed_pj: F64
    array_pj: F64


def conv_rows(table: ProblemTable, workload: Workload) -> I64:
    """`ConvGeometry` rows of the forward GEMMs of `table` lowered from a convolution of
    `workload` (whose im2col view is the GEMM's A); `NO_CONV` for every other problem."""
    rows = np.tile(NO_CONV, (len(table), 1))
    forward = Pass.FWD.code
    for p in np.flatnonzero((table.from_conv == 1) & (table.is_vector == 0)
                            & (table.pass_code == forward)).tolist():
        layer = workload.layers[int(table.layer_index[p])]
        if not isinstance(layer, Conv2d):
            continue
        pixels = layer.out_h * layer.out_w
        if int(table.M[p]) % pixels:
            continue
        geo = ConvGeometry.from_layer(layer, int(table.M[p]) // pixels)
        if geo.gemm == (int(table.M[p]), int(table.K[p])):
            rows[p] = geo.as_row()
    return rows


def mapping_design(arch: Arch, level_pj_per_bit: F64, static_pj_per_cycle: float) -> MappingDesign:
    """`arch` as the search models it (module doc), priced with `level_pj_per_bit[3, 3, 2]`."""
    mem = arch.memory
    if mem.unified:
        buffer = mem.buffers[0]
        held = set(buffer.holds if buffer.holds is not None else OPERANDS)
        caps = (buffer.size_bytes * 8.0,) * 3
        buffer_bw = buffer.bandwidth_bytes_per_cycle * 8.0
    else:
        by_name = {b.name: b for b in mem.buffers}
        held = {o for o in OPERANDS if o in by_name and
                (by_name[o].holds is None or o in by_name[o].holds)}
        caps = tuple(by_name[o].size_bytes * 8.0 if o in by_name else 0.0 for o in OPERANDS)
        ports = [b.bandwidth_bytes_per_cycle for b in mem.buffers]
        buffer_bw = 0.0 if min(ports) <= 0 else sum(ports) * 8.0
    dram_bw = mem.dram_bandwidth_bytes_per_cycle * 8.0 * (3 if mem.dram_ports == "per_operand"
                                                          else 1)
    acc = mem.accumulator
    return MappingDesign(
        arch.compute.rows, arch.compute.cols, arch.compute.dataflow,
        buffer_holds=(OPERANDS[0] in held, OPERANDS[1] in held, OPERANDS[2] in held),
        unified=mem.unified, buffer_bits=(caps[0], caps[1], caps[2]),
        accumulator_bits=0.0 if acc is None else acc.size_bytes * 8.0,
        double_buffer=any(b.double_buffered for b in mem.buffers),
        double_buffer_accumulator=acc is None or acc.double_buffered,
        bandwidth_bits_per_cycle=(dram_bw, buffer_bw,
                                  0.0 if acc is None else acc.bandwidth_bytes_per_cycle * 8.0),
        energy_pj_per_bit=level_pj_per_bit, static_pj_per_cycle=static_pj_per_cycle)


def mapping_inputs(table: ProblemTable, workload: Workload, designs: DesignArrays,
                   archs: Sequence[Arch], tables: Sequence[EnergyTable],
                   executed: Sequence[Executed]) -> MappingInputs:
    """The search's inputs for `table` (lowered from `workload`) on `archs` (packed as
    `designs`), priced with their energy tables and executed formats as `price` prices."""
    from hwsim.dataflow.scalable import throughput_factors
    k_pack, t_steps, _, _ = throughput_factors(
        designs.kind, designs.serial, designs.bits_per_cycle, designs.window_lanes,
        designs.word_bits, designs.dataflow, table.a_bits, table.b_bits, table.from_conv)
    levels, fixed, array, static = mapping_energy(table, k_pack, t_steps, archs, tables,
                                                  executed)
    packed = pack_designs([mapping_design(a, levels[d], float(static[d]))
                           for d, a in enumerate(archs)])
    return MappingInputs(conv_rows(table, workload), packed, fixed, array)


def problem_keys(table: ProblemTable, conv: I64) -> tuple[I64, I64]:
    """(first problem of each distinct GEMM, the distinct GEMM of every GEMM problem): GEMMs
    agree when their shape, widths, formats and convolution geometry do, and so their
    throughput factors and energies on every design."""
    gemm = np.flatnonzero(table.is_vector == 0)
    columns = [table.M, table.N, table.K, table.a_bits, table.b_bits, table.b_store_bits,
               table.out_bits, table.acc_bits, table.format_index, table.from_conv]
    keys = np.concatenate([np.stack([np.asarray(c, dtype=np.float64) for c in columns],
                                    axis=1), conv.astype(np.float64)], axis=1)[gemm]
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return gemm[first], inverse.reshape(-1)


def searched_counts(table: ProblemTable, designs: DesignArrays, inputs: MappingInputs,
                    counts: KernelCounts, factors: tuple[I64, I64, I64, I64]) -> KernelCounts:
    """`counts` (SCALE-Sim's fold order for every design) with the GEMMs of the searched
    designs replaced by their searched mappings' counts, cycles and stalls."""
    from hwsim.kernels.mapping import (R_ARRAY_A, R_ARRAY_B, R_ARRAY_OUT, R_CYCLES, R_FOLDS,
                                       R_STALL, search_mappings)
    sel = np.flatnonzero(designs.searched)
    first, inverse = problem_keys(table, inputs.conv)
    if not sel.size or not first.size:
        return counts
    bits = np.stack([table.a_bits, table.b_store_bits, table.out_bits, table.acc_bits],
                    axis=1).astype(np.float64)[first]
    mnk = np.stack([table.M, table.N, table.K], axis=1).astype(np.int64)[first]
    packed = np.stack(factors, axis=-1)[np.ix_(sel, first)]
    dp = inputs.designs
    best, rows, found = search_mappings(
        np.ascontiguousarray(mnk), np.ascontiguousarray(bits),
        np.ascontiguousarray(inputs.conv[first]), np.ascontiguousarray(packed),
        np.ascontiguousarray(inputs.fixed_pj[np.ix_(sel, first)]),
        np.ascontiguousarray(inputs.array_pj[np.ix_(sel, first)]), dp.ints[sel],
        dp.floats[sel], dp.energy[sel], ROLE_DIMS, ROW_COEF, designs.objective[sel])
    gemm = np.flatnonzero(table.is_vector == 0)
    best, rows, found = best[:, inverse], rows[:, inverse], found[:, inverse]
    fits = np.isfinite(best[:, :, 0])
    d_idx, g_idx = np.nonzero(fits)
    d, p = sel[d_idx], gemm[g_idx]
    count = table.count[p].astype(np.float64)

    def put(target: npt.NDArray[np.generic], values: F64) -> npt.NDArray[np.generic]:
        out = target.copy()
        out[d, p] = values * count if out.dtype.kind == "f" else \
            np.rint(values * count).astype(out.dtype)
        return out

    def level(lv: LevelCounts) -> LevelCounts:
        index = LEVEL_INDEX[lv.name]
        level_counts = found[d_idx, g_idx, index]
        return LevelCounts(lv.name, lv.unit,
                           {o: put(lv.reads[o], level_counts[:, i, 0])
                            for i, o in enumerate(OPERANDS)},
                           {o: put(lv.writes[o], level_counts[:, i, 1])
                            for i, o in enumerate(OPERANDS)})

    chosen = best[d_idx, g_idx]
    array = counts.array
    searched = counts.mappings.searched.copy()
    searched[d, p] = 1
    mapping_rows = counts.mappings.rows.copy()
    mapping_rows[d, p] = rows[d_idx, g_idx]
    return replace(
        counts,
        compute_cycles=put(counts.compute_cycles, chosen[:, R_CYCLES]),
        folds=put(counts.folds, chosen[:, R_FOLDS]),
        stall_cycles=put(counts.stall_cycles, chosen[:, R_STALL]),
        array=LevelCounts(array.name, array.unit,
                          {"ifmap": put(array.reads["ifmap"], chosen[:, R_ARRAY_A]),
                           "filter": put(array.reads["filter"], chosen[:, R_ARRAY_B]),
                           "ofmap": array.reads["ofmap"]},
                          {"ifmap": array.writes["ifmap"], "filter": array.writes["filter"],
                           "ofmap": put(array.writes["ofmap"], chosen[:, R_ARRAY_OUT])}),
        sram=level(counts.sram), accumulator=level(counts.accumulator),
        dram=level(counts.dram),
        mappings=LayerMappings(searched, mapping_rows, counts.mappings.objective))
