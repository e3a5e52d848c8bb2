"""Run the kernels for one workload on one or many designs: pack, call, name the outputs.

This is the only module that turns specs into the kernels' struct-of-arrays and the only one
that reads the kernels' positional outputs: everything downstream (pricing, totals, results)
reads the named [D, P] arrays of `KernelCounts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.arrays import array_kind
from hwsim.arrays.throughput import KIND_CODES, throughput_factors
from hwsim.lowering import ProblemTable
from hwsim.spec.arch import OPERANDS, Arch

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Array = npt.NDArray[Any]


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


@dataclass(frozen=True, slots=True)
class LevelCounts:
    """Traffic at one storage level for D designs x P problems: [D, P] arrays per operand
    (`hwsim.spec.arch.OPERANDS`) in `unit` ("elements" or "bits").

    `reads` and `writes` are the level's own accesses; an operand a level neither reads nor
    writes has zeros. A deeper hierarchy adds levels (`KernelCounts.levels`), each with the
    same per-operand arrays.
    """

    name: str
    unit: str
    reads: dict[str, Array]
    writes: dict[str, Array]


@dataclass(frozen=True, slots=True)
class KernelCounts:
    """What the kernels count for D designs x P problems, by name (each a [D, P] array).

    - `compute_cycles`, `folds`, `mapping_efficiency`, `compute_utilization`: GEMMs on the
      array (0 for vector problems), `hwsim.kernels.systolic`;
    - `vector_cycles`: vector problems on the vector unit (0 for GEMMs);
    - `stall_cycles`: DRAM plus SRAM-port stalls, `hwsim.kernels.memory`;
    - `k_pack`, `t_steps`: products a PE completes per cycle and cycles it spends per MAC
      (`hwsim.arrays.throughput`);
    - `sram` (elements): A reads (``ifmap``), B reads (``filter``), output writes (``ofmap``,
      partial sums included) and the partial sums' read-backs (``ofmap`` reads: every write
      but each output's last) of GEMMs;
    - `dram` (bits): reads of A, B and spilled partial sums (``ofmap``), writes of outputs.
      A vector problem moves all of its tensors or none: its reads and writes are then its
      elements times the bits it reads and writes per element.
    """

    compute_cycles: I64
    folds: I64
    vector_cycles: F64
    stall_cycles: F64
    mapping_efficiency: F64
    compute_utilization: F64
    k_pack: I64
    t_steps: I64
    sram: LevelCounts
    dram: LevelCounts

    @property
    def levels(self) -> tuple[LevelCounts, ...]:
        """Storage levels from the array outwards."""
        return (self.sram, self.dram)

    def design(self, d: int) -> KernelCounts:
        """The counts of design `d` alone (D = 1)."""
        def one(x: Array) -> Array:
            return x[d:d + 1]

        def level(lv: LevelCounts) -> LevelCounts:
            return LevelCounts(lv.name, lv.unit, {k: one(v) for k, v in lv.reads.items()},
                               {k: one(v) for k, v in lv.writes.items()})

        return KernelCounts(one(self.compute_cycles), one(self.folds), one(self.vector_cycles),
                            one(self.stall_cycles), one(self.mapping_efficiency),
                            one(self.compute_utilization), one(self.k_pack), one(self.t_steps),
                            level(self.sram), level(self.dram))


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
    )


def run_kernels(table: ProblemTable, designs: DesignArrays) -> KernelCounts:
    """Evaluate every problem of `table` on every design."""
    # Imported here so that `import hwsim` does not load Numba (about half its start-up time).
    from hwsim.kernels.memory import memory_model
    from hwsim.kernels.systolic import systolic_compute
    k_pack, t_steps, m_pack, preload = throughput_factors(
        designs.kind, designs.serial, designs.bits_per_cycle, designs.window_lanes,
        designs.word_bits, designs.dataflow, table.a_bits, table.b_bits, table.from_conv)
    sram_counts, ratios = systolic_compute(
        table.M, table.N, table.K, table.count, table.is_vector, designs.rows, designs.cols,
        designs.dataflow, ROLE_DIMS, ROW_COEF, UTIL_COEFS, OFMAP_WRITE_QUIRK, k_pack, t_steps,
        m_pack, preload)
    # memory moves operands at their stored widths (float64: block formats' scales add a
    # fraction of a bit); compute (above) uses the widths they are used at
    bits = np.stack([table.a_store_bits, table.b_store_bits, table.out_store_bits,
                     table.acc_bits], axis=1).astype(np.float64)
    vec = np.stack([table.vector_elements, table.vector_ops_per_element,
                    table.vector_read_bits + table.vector_write_bits, table.vector_in_dram],
                   axis=1).astype(np.float64)
    dram_bits, stall, vector_cycles = memory_model(
        table.M, table.N, table.K, table.count, table.is_vector, table.a_unique,
        np.ascontiguousarray(bits), np.ascontiguousarray(vec), sram_counts, designs.rows,
        designs.cols, designs.dataflow, designs.caps_bits, designs.sram_bw_bits,
        designs.unified, designs.dram_bw_bits, designs.per_operand, designs.lanes, ROLE_DIMS,
        ROW_COEF, k_pack, t_steps, m_pack, preload)
    return _named(table, sram_counts, ratios, dram_bits, stall, vector_cycles, k_pack, t_steps)


def _named(table: ProblemTable, sram_counts: I64, ratios: F64, dram_bits: F64, stall: F64,
           vector_cycles: F64, k_pack: I64, t_steps: I64) -> KernelCounts:
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
    sram = LevelCounts("sram", "elements",
                       reads={"ifmap": sram_counts[:, :, 2], "filter": sram_counts[:, :, 3],
                              "ofmap": np.maximum(0, sram_counts[:, :, 4] - final)},
                       writes={"ifmap": np.zeros_like(sram_counts[:, :, 2]),
                               "filter": np.zeros_like(sram_counts[:, :, 3]),
                               "ofmap": sram_counts[:, :, 4]})
    dram = LevelCounts("dram", "bits",
                       reads={"ifmap": np.where(vector, moved * table.vector_read_bits,
                                                dram_bits[:, :, 0]),
                              "filter": np.where(vector, 0.0, dram_bits[:, :, 1]),
                              "ofmap": np.where(vector, 0.0, dram_bits[:, :, 3])},
                       writes={"ifmap": zeros, "filter": zeros,
                               "ofmap": np.where(vector, moved * table.vector_write_bits,
                                                 dram_bits[:, :, 2])})
    return KernelCounts(compute_cycles=sram_counts[:, :, 0], folds=sram_counts[:, :, 1],
                        vector_cycles=vector_cycles, stall_cycles=stall,
                        mapping_efficiency=ratios[:, :, 0], compute_utilization=ratios[:, :, 1],
                        k_pack=k_pack, t_steps=t_steps, sram=sram, dram=dram)
