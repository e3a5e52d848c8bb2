"""Run the kernels for one workload on one or many designs: pack, call, return raw arrays.

This is the only module that turns specs into the kernels' struct-of-arrays; `result.py` turns
the arrays back into named results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.arrays import array_kind
from hwsim.dataflow.scalable import KIND_CODES, throughput_factors
from hwsim.kernels.memory import memory_model
from hwsim.kernels.systolic import systolic_compute
from hwsim.lowering import ProblemTable
from hwsim.spec.arch import OPERANDS, Arch

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


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
class RawCounts:
    """Kernel outputs for D designs x P problems (see the kernels' docstrings)."""

    sram_counts: I64   # [D, P, 5]: compute cycles, folds, A reads, B reads, output writes
    ratios: F64        # [D, P, 2]: mapping efficiency, compute utilisation
    dram_bits: F64     # [D, P, 4]: A read, B read, output write, partial-sum read
    stall_cycles: F64  # [D, P]
    vector_cycles: F64 # [D, P]
    k_pack: I64        # [D, P]: products a PE completes per cycle (hwsim.dataflow.scalable)
    t_steps: I64       # [D, P]: cycles a PE spends per MAC


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


def run_kernels(table: ProblemTable, designs: DesignArrays) -> RawCounts:
    """Evaluate every problem of `table` on every design."""
    k_pack, t_steps, m_pack, preload = throughput_factors(
        designs.kind, designs.serial, designs.bits_per_cycle, designs.window_lanes,
        designs.word_bits, designs.dataflow, table.a_bits, table.b_bits, table.from_conv)
    sram_counts, ratios = systolic_compute(
        table.M, table.N, table.K, table.count, table.is_vector, designs.rows, designs.cols,
        designs.dataflow, ROLE_DIMS, ROW_COEF, UTIL_COEFS, OFMAP_WRITE_QUIRK, k_pack, t_steps,
        m_pack, preload)
    # memory moves B at its stored width; compute (above) uses the width it is used at
    bits = np.stack([table.a_bits, table.b_store_bits, table.out_bits, table.acc_bits], axis=1)
    vec = np.stack([table.vector_elements, table.vector_ops_per_element,
                    table.vector_read_bits + table.vector_write_bits, table.vector_in_dram],
                   axis=1)
    dram_bits, stall, vector_cycles = memory_model(
        table.M, table.N, table.K, table.count, table.is_vector, table.a_unique,
        np.ascontiguousarray(bits), np.ascontiguousarray(vec), sram_counts, designs.rows,
        designs.cols, designs.dataflow, designs.caps_bits, designs.sram_bw_bits,
        designs.unified, designs.dram_bw_bits, designs.per_operand, designs.lanes, ROLE_DIMS,
        ROW_COEF, k_pack, t_steps, m_pack, preload)
    return RawCounts(sram_counts, ratios, dram_bits, stall, vector_cycles, k_pack, t_steps)
