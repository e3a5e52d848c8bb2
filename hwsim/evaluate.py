"""Run the kernels for one workload on one or many designs: pack, call, name the outputs.

This is the only module that turns specs into the kernels' struct-of-arrays and the only one
that reads the kernels' positional outputs: everything downstream (pricing, totals, results)
reads the named [D, P] arrays of `KernelCounts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.arrays import array_kind
from hwsim.arrays.throughput import KIND_CODES, throughput_factors
from hwsim.lowering import ProblemTable
from hwsim.spec.arch import MAPPING_OBJECTIVES, OPERANDS, Arch

if TYPE_CHECKING:
    from hwsim.mapping.layers import MappingInputs

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Array = npt.NDArray[Any]
# The search's storage levels (`hwsim.kernels.mapping`) by `LevelCounts.name`.
SEARCH_LEVELS = {"dram": 0, "sram": 1, "accumulator": 2}


@dataclass(frozen=True, slots=True)
class DesignArrays:
    """Designs as arrays of length D (capacities and bandwidths in bits)."""

    rows: I64
    cols: I64
    dataflow: I64
    caps_bits: F64
    sram_bw_bits: F64
    unified: I64
    dram_bw_bits: F64
    per_operand: I64
    lanes: I64
    kind: I64            # KIND_CODES
    serial: I64          # serial .. window_lanes: the kind's option columns (hwsim.arrays)
    bits_per_cycle: I64
    window_lanes: I64
    word_bits: I64
    searched: I64        # 1: the design's GEMMs take the searched mapping (`Arch.mapping`)
    objective: I64       # the searched mapping's objective, index in MAPPING_OBJECTIVES
    pe_register_file: I64   # 1: PE register files (`EnergySpec.pe_register_file`)


@dataclass(frozen=True, slots=True)
class LevelCounts:
    """Traffic at one storage level for D designs x P problems: [D, P] arrays per operand
    (`hwsim.spec.arch.OPERANDS`) in `unit` ("elements" or "bits").

    `reads` and `writes` are the level's own accesses; an operand a level neither reads nor
    writes has zeros. Every storage level counts bits (`KernelCounts.levels`); the array's
    own accesses (`KernelCounts.array`) count elements.
    """

    name: str
    unit: str
    reads: dict[str, Array]
    writes: dict[str, Array]

    def design(self, d: int) -> LevelCounts:
        """This level's counts of design `d` alone (D = 1)."""
        return LevelCounts(self.name, self.unit, {k: v[d:d + 1] for k, v in self.reads.items()},
                           {k: v[d:d + 1] for k, v in self.writes.items()})

    def spread(self, rows: I64) -> LevelCounts:
        """Problem j's counts are problem `rows[j]`'s of these (`KernelCounts.spread`)."""
        return LevelCounts(self.name, self.unit, {k: v[:, rows] for k, v in self.reads.items()},
                           {k: v[:, rows] for k, v in self.writes.items()})


@dataclass(frozen=True, slots=True)
class LayerMappings:
    """Which mapping each GEMM took, [D, P]: `searched` (1: the searched mapping, 0: SCALE-Sim's
    fold order, also for vector problems and searched designs' GEMMs where no mapping fits),
    `rows[D, P, 9]` (t0, buffer tile M, N, K, innermost loop dimension at DRAM and at the
    buffer, as `hwsim.mapping.Mapping`; the fold's M, N, K extents), `objective[D]` (index
    in `MAPPING_OBJECTIVES`)."""

    searched: I64
    rows: I64
    objective: I64

    def design(self, d: int) -> LayerMappings:
        return LayerMappings(self.searched[d:d + 1], self.rows[d:d + 1],
                             self.objective[d:d + 1])

    def spread(self, rows: I64) -> LayerMappings:
        """Problem j's mapping is problem `rows[j]`'s of these (`KernelCounts.spread`)."""
        return LayerMappings(self.searched[:, rows], self.rows[:, rows], self.objective)


@dataclass(frozen=True, slots=True)
class KernelCounts:
    """What the kernels count for D designs x P problems, by name (each a [D, P] array).

    - `compute_cycles`, `folds`, `mapping_efficiency`, `compute_utilization`: GEMMs on the
      array (0 for vector problems), `hwsim.kernels.systolic`, or for a searched mapping
      `hwsim.kernels.mapping` (its compute cycles include a fold's fixed overhead per extra
      chunk of the temporal dimension; efficiency and utilisation stay SCALE-Sim's);
    - `vector_cycles`: vector problems on the vector unit (0 for GEMMs);
    - `stall_cycles`: DRAM plus SRAM-port stalls, `hwsim.kernels.memory` (SCALE-Sim's fold
      order) or the searched mapping's stalls per storage boundary;
    - `k_pack`, `t_steps`: products a PE completes per cycle and cycles it spends per MAC
      (`hwsim.arrays.throughput`);
    - `array` (elements): what the array reads from and writes to its innermost holders, as
      SCALE-Sim counts SRAM accesses: A reads (``ifmap``), B reads (``filter``), output
      writes (``ofmap``, partial sums included);
    - storage levels, all in bits: `buffer` (name ``sram``; reads and writes per operand,
      partial sums at the accumulator width, a vector problem's inputs and outputs),
      `accumulator`, `dram` (reads of A, B and partial sums read back, writes of outputs; a
      vector problem moves all of its tensors or none), `register_file` (PE register files:
      per MAC, reads of both operands and a read and a write of the partial sum; zeros for
      designs without them);
    - `mappings`: which mapping each GEMM took (`LayerMappings`).
    """

    compute_cycles: I64
    folds: I64
    vector_cycles: F64
    stall_cycles: F64
    mapping_efficiency: F64
    compute_utilization: F64
    k_pack: I64
    t_steps: I64
    array: LevelCounts
    sram: LevelCounts
    accumulator: LevelCounts
    dram: LevelCounts
    register_file: LevelCounts
    mappings: LayerMappings

    @property
    def levels(self) -> tuple[LevelCounts, ...]:
        """Storage levels (bits) from the array outwards."""
        return (self.register_file, self.accumulator, self.sram, self.dram)

    def design(self, d: int) -> KernelCounts:
        """The counts of design `d` alone (D = 1)."""
        def one(x: Array) -> Array:
            return x[d:d + 1]

        return KernelCounts(one(self.compute_cycles), one(self.folds), one(self.vector_cycles),
                            one(self.stall_cycles), one(self.mapping_efficiency),
                            one(self.compute_utilization), one(self.k_pack), one(self.t_steps),
                            self.array.design(d), self.sram.design(d),
                            self.accumulator.design(d), self.dram.design(d),
                            self.register_file.design(d), self.mappings.design(d))

    def spread(self, rows: I64) -> KernelCounts:
        """The counts of a table whose problem j equals problem `rows[j]` of the one counted
        (`hwsim.lowering.ProblemTable.distinct`): the kernels count each problem on its own, so
        equal problems have equal counts."""
        def each(x: Array) -> Array:
            return x[:, rows]

        return KernelCounts(each(self.compute_cycles), each(self.folds),
                            each(self.vector_cycles), each(self.stall_cycles),
                            each(self.mapping_efficiency), each(self.compute_utilization),
                            each(self.k_pack), each(self.t_steps), self.array.spread(rows),
                            self.sram.spread(rows), self.accumulator.spread(rows),
                            self.dram.spread(rows), self.register_file.spread(rows),
                            self.mappings.spread(rows))


def pack_designs(archs: Sequence[Arch]) -> DesignArrays:
    """Struct-of-arrays view of archs (systolic arrays)."""
    def buffers(arch: Arch, attr: str) -> list[float]:
        mem = arch.memory
        if mem.unified:
            value = float(getattr(mem.buffers[0], attr))
            return [value, value, value]
        by_name = {b.name: float(getattr(b, attr)) for b in mem.buffers}
        return [by_name[o] for o in OPERANDS]

    def ints(values: list[int]) -> I64:
        return np.asarray(values, dtype=np.int64)

    options = [array_kind(a.compute.kind).option_columns(a.compute.options) for a in archs]

    return DesignArrays(
        rows=ints([a.compute.rows for a in archs]),
        cols=ints([a.compute.cols for a in archs]),
        dataflow=ints([DATAFLOW_CODES[a.compute.dataflow] for a in archs]),
        caps_bits=np.asarray([buffers(a, "size_bytes") for a in archs], dtype=np.float64) * 8,
        sram_bw_bits=np.asarray([buffers(a, "bandwidth_bytes_per_cycle") for a in archs],
                                dtype=np.float64) * 8,
        unified=ints([int(a.memory.unified) for a in archs]),
        dram_bw_bits=np.asarray([a.memory.dram_bandwidth_bytes_per_cycle * 8 for a in archs],
                                dtype=np.float64),
        per_operand=ints([int(a.memory.dram_ports == "per_operand") for a in archs]),
        lanes=ints([a.vector.lanes for a in archs]),
        kind=ints([KIND_CODES[a.compute.kind] for a in archs]),
        serial=ints([columns[0] for columns in options]),
        bits_per_cycle=ints([columns[1] for columns in options]),
        window_lanes=ints([columns[2] for columns in options]),
        word_bits=ints([a.compute.word_bits for a in archs]),
        searched=ints([int(a.mapping.strategy == "searched") for a in archs]),
        pe_register_file=ints([int(a.energy.pe_register_file) for a in archs]),
        objective=ints([MAPPING_OBJECTIVES.index(a.mapping.objective) for a in archs]),
    )


def stored_widths(table: ProblemTable) -> F64:
    """[P, 4] bits per element that memory moves for A, B, the output and the partial sums:
    stored widths (float64: block formats' scales add a fraction of a bit)."""
    return np.stack([table.a_store_bits, table.b_store_bits, table.out_store_bits,
                     table.acc_bits], axis=1).astype(np.float64)


def throughput(table: ProblemTable, designs: DesignArrays) -> tuple[I64, I64, I64, I64]:
    """The throughput factors (k_pack, t_steps, m_pack, preload; [D, P] each,
    `hwsim.arrays.throughput`) of every problem of `table` on every design."""
    return throughput_factors(
        designs.kind, designs.serial, designs.bits_per_cycle, designs.window_lanes,
        designs.word_bits, designs.dataflow, table.a_bits, table.b_bits, table.from_conv)


def run_kernels(table: ProblemTable, designs: DesignArrays,
                mapping: MappingInputs | None = None, *,
                factors: tuple[I64, I64, I64, I64] | None = None) -> KernelCounts:
    """Evaluate every problem of `table` on every design: GEMMs in SCALE-Sim's fold order
    (`hwsim.kernels.systolic`, `hwsim.kernels.memory`), then, given `mapping`
    (`hwsim.energy.mapping_inputs.searched_inputs`), the GEMMs of designs whose strategy is
    ``searched`` with their searched mappings (`searched_counts`).
    Without `mapping` every design keeps SCALE-Sim's fold order. `factors` are the problems'
    `throughput` factors where the caller has them already."""
    # The entry kernels: ahead-of-time compiled when the package was built with them, else
    # Numba's (`hwsim.kernels.compiled`); neither is loaded by `import hwsim`.
    from hwsim.kernels.compiled import memory_model, systolic_compute
    k_pack, t_steps, m_pack, preload = factors or throughput(table, designs)
    sram_counts, ratios = systolic_compute(
        table.M, table.N, table.K, table.count, table.is_vector, designs.rows, designs.cols,
        designs.dataflow, ROLE_DIMS, ROW_COEF, UTIL_COEFS, OFMAP_WRITE_QUIRK, k_pack, t_steps,
        m_pack, preload)
    # memory moves operands at their stored widths (float64: block formats' scales add a
    # fraction of a bit); compute (above) uses the widths they are used at
    bits = stored_widths(table)
    vec = np.stack([table.vector_elements, table.vector_ops_per_element,
                    table.vector_read_bits + table.vector_write_bits, table.vector_in_dram],
                   axis=1).astype(np.float64)
    dram_bits, stall, vector_cycles = memory_model(
        table.M, table.N, table.K, table.count, table.is_vector, table.a_unique,
        np.ascontiguousarray(bits), np.ascontiguousarray(vec), sram_counts, designs.rows,
        designs.cols, designs.dataflow, designs.caps_bits, designs.sram_bw_bits,
        designs.unified, designs.dram_bw_bits, designs.per_operand, designs.lanes, ROLE_DIMS,
        ROW_COEF, k_pack, t_steps, m_pack, preload)
    counts = _named(table, designs, sram_counts, ratios, dram_bits, stall, vector_cycles,
                    k_pack, t_steps)
    if mapping is None or not designs.searched.any():
        return counts
    return searched_counts(table, designs, mapping, counts, bits,
                           (k_pack, t_steps, m_pack, preload))


def _named(table: ProblemTable, designs: DesignArrays, sram_counts: I64, ratios: F64,
           dram_bits: F64, stall: F64, vector_cycles: F64, k_pack: I64,
           t_steps: I64) -> KernelCounts:
    """Name the kernels' positional outputs (their layouts are in the kernels' docstrings:
    `sram_counts[D, P, 5]` compute cycles, folds, A reads, B reads, output writes;
    `ratios[D, P, 2]` mapping efficiency, compute utilisation; `dram_bits[D, P, 4]` A read,
    B read, output write, partial-sum read, or for a vector problem all its bits in the
    first). This is the only place that reads those positions."""
    vector = table.is_vector.astype(bool)
    zeros = np.zeros(dram_bits.shape[:2])
    final = table.M * table.N * table.count  # each output's last write; earlier: partial sums
    # a vector problem moved elements x (read + write bits) or nothing: split it
    moved = np.where(vector & (dram_bits[:, :, 0] > 0),
                     table.vector_elements.astype(np.float64), 0.0)
    array = LevelCounts("array", "elements",
                        reads={"ifmap": sram_counts[:, :, 2], "filter": sram_counts[:, :, 3],
                               "ofmap": np.zeros_like(sram_counts[:, :, 2])},
                        writes={"ifmap": np.zeros_like(sram_counts[:, :, 2]),
                                "filter": np.zeros_like(sram_counts[:, :, 3]),
                                "ofmap": sram_counts[:, :, 4]})
    # the buffer in bits (A and the output at their stored widths: a block format's scales
    # included): each output's final write at the output width, the earlier partial
    # sums' writes and their read-backs at the accumulator's; a vector problem's inputs and
    # outputs at the bits it reads and writes per element
    elements = table.vector_elements.astype(np.float64)
    final_bits = final * table.out_store_bits
    partial = np.maximum(0, sram_counts[:, :, 4] - final).astype(np.float64) * table.acc_bits
    sram = LevelCounts("sram", "bits",
                       reads={"ifmap": np.where(vector, elements * table.vector_read_bits,
                                                (sram_counts[:, :, 2] * table.a_store_bits)
                                                .astype(np.float64)),
                              "filter": np.where(vector, 0.0,
                                                 (sram_counts[:, :, 3] * table.b_store_bits)
                                                 .astype(np.float64)),
                              "ofmap": np.where(vector, 0.0, partial)},
                       writes={"ifmap": zeros, "filter": zeros,
                               "ofmap": np.where(vector, elements * table.vector_write_bits,
                                                 final_bits + partial)})
    dram = LevelCounts("dram", "bits",
                       reads={"ifmap": np.where(vector, moved * table.vector_read_bits,
                                                dram_bits[:, :, 0]),
                              "filter": np.where(vector, 0.0, dram_bits[:, :, 1]),
                              "ofmap": np.where(vector, 0.0, dram_bits[:, :, 3])},
                       writes={"ifmap": zeros, "filter": zeros,
                               "ofmap": np.where(vector, moved * table.vector_write_bits,
                                                 dram_bits[:, :, 2])})
    macs = table.macs.astype(np.float64)
    pe_rf = designs.pe_register_file[:, None] == 1
    a, b, acc = (macs * table.a_bits, macs * table.b_bits, macs * table.acc_bits)
    register_file = LevelCounts("register_file", "bits",
                                reads={"ifmap": np.where(pe_rf, a, 0.0),
                                       "filter": np.where(pe_rf, b, 0.0),
                                       "ofmap": np.where(pe_rf, acc, 0.0)},
                                writes={"ifmap": zeros, "filter": zeros,
                                        "ofmap": np.where(pe_rf, acc, 0.0)})
    accumulator = LevelCounts("accumulator", "bits", {o: zeros for o in OPERANDS},
                              {o: zeros for o in OPERANDS})
    n_designs, n_problems = zeros.shape
    mappings = LayerMappings(np.zeros((n_designs, n_problems), dtype=np.int64),
                             np.zeros((n_designs, n_problems, 9), dtype=np.int64),
                             designs.objective)
    return KernelCounts(compute_cycles=sram_counts[:, :, 0], folds=sram_counts[:, :, 1],
                        vector_cycles=vector_cycles, stall_cycles=stall,
                        mapping_efficiency=ratios[:, :, 0], compute_utilization=ratios[:, :, 1],
                        k_pack=k_pack, t_steps=t_steps, array=array, sram=sram,
                        accumulator=accumulator, dram=dram, register_file=register_file,
                        mappings=mappings)


def searched_counts(table: ProblemTable, designs: DesignArrays, inputs: MappingInputs,
                    counts: KernelCounts, bits: F64,
                    factors: tuple[I64, I64, I64, I64]) -> KernelCounts:
    """`counts` (SCALE-Sim's fold order for every design) with the GEMMs of the searched
    designs replaced by their searched mappings' counts, cycles and stalls; `bits` are the
    problems' `stored_widths`."""
    from hwsim.kernels.compiled import search_mappings
    from hwsim.kernels.layout import (R_ARRAY_A, R_ARRAY_B, R_ARRAY_OUT, R_CYCLES, R_FOLDS,
                                      R_STALL)
    from hwsim.mapping.layers import problem_keys
    sel = np.flatnonzero(designs.searched)
    first, inverse = problem_keys(table, inputs.conv)
    if not sel.size or not first.size:
        return counts
    bits = bits[first]
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
    d_idx, g_idx = np.nonzero(np.isfinite(best[:, :, 0])[:, inverse])
    d, p = sel[d_idx], gemm[g_idx]
    u_idx = inverse[g_idx]              # the distinct problem each fitting GEMM took
    count = table.count[p].astype(np.float64)

    def put(target: npt.NDArray[np.generic], values: F64) -> npt.NDArray[np.generic]:
        out = target.copy()
        out[d, p] = values * count if out.dtype.kind == "f" else \
            np.rint(values * count).astype(out.dtype)
        return out

    def level(lv: LevelCounts) -> LevelCounts:
        index = SEARCH_LEVELS[lv.name]
        level_counts = found[d_idx, u_idx, index]
        return LevelCounts(lv.name, lv.unit,
                           {o: put(lv.reads[o], level_counts[:, i, 0])
                            for i, o in enumerate(OPERANDS)},
                           {o: put(lv.writes[o], level_counts[:, i, 1])
                            for i, o in enumerate(OPERANDS)})

    chosen = best[d_idx, u_idx]
    array = counts.array
    searched = counts.mappings.searched.copy()
    searched[d, p] = 1
    mapping_rows = counts.mappings.rows.copy()
    mapping_rows[d, p] = rows[d_idx, u_idx]
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
