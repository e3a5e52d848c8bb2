"""Costs as reported, per problem and summed over problems, for D designs at once.

The kernels count in floats where time and traffic are fractional; results report whole units,
rounded as follows (the stable JSON interface, `hwsim.result`):

- compute cycles: a GEMM's as counted, a vector problem's rounded down;
- stall cycles: rounded up per problem;
- DRAM bytes: bits / 8 rounded up per stream (A read, B read, output write, partial-sum read);
- SRAM accesses, in elements: a GEMM's as the array reads and writes them at its innermost
  holders (`KernelCounts.array`); a vector problem reads its elements times the bits it
  reads per element, in elements of A's width, and writes its elements.

Totals sum the per-problem values; energies (pJ) are summed problem after problem, in order.
An estimate (D = 1) and a sweep (D designs) total the same way, so their totals agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.evaluate import KernelCounts
from hwsim.lowering.problem import INT64_MAX, ProblemTable, format_count
from hwsim.spec.errors import SpecError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
DRAM_KEYS = ("ifmap_read", "filter_read", "ofmap_write", "psum_read")


@dataclass(frozen=True, slots=True)
class ProblemCosts:
    """Reported integer costs of D designs x P problems ([D, P] int64 arrays; module doc)."""

    compute_cycles: I64
    stall_cycles: I64
    dram_bytes: dict[str, I64]     # keyed DRAM_KEYS
    sram_reads: dict[str, I64]     # ifmap, filter
    sram_writes: dict[str, I64]    # ofmap

    @property
    def total_cycles(self) -> I64:
        return self.compute_cycles + self.stall_cycles


def _whole(table: ProblemTable, values: F64, what: str) -> I64:
    """`values` (>= 0, already rounded) as int64; a SpecError naming the first problem whose
    value does not fit."""
    over = np.flatnonzero(np.any(values >= 2.0**63, axis=0))
    if over.size:
        p = int(over[0])
        raise SpecError.single(table.source, f"layers[{int(table.layer_index[p])}] "
                               f"({table.names[p]})", f"{what} = "
                               f"{format_count(int(values[:, p].max()))} exceeds the int64 "
                               "range of the count model")
    return values.astype(np.int64)


def problem_costs(table: ProblemTable, counts: KernelCounts) -> ProblemCosts:
    """Per-problem reported costs from the kernels' counts (module doc)."""
    vector = table.is_vector.astype(bool)
    dram = counts.dram
    streams = (dram.reads["ifmap"], dram.reads["filter"], dram.writes["ofmap"],
               dram.reads["ofmap"])
    elements = table.vector_elements
    vector_reads = np.floor_divide(elements * table.vector_read_bits,
                                   np.maximum(1, table.a_store_bits)).astype(np.int64)
    array = counts.array
    return ProblemCosts(
        compute_cycles=np.where(vector, _whole(table, np.floor(counts.vector_cycles),
                                               "vector cycles"), counts.compute_cycles),
        stall_cycles=_whole(table, np.ceil(counts.stall_cycles), "stall cycles"),
        dram_bytes={key: _whole(table, np.ceil(bits / 8), f"DRAM bytes ({key})")
                    for key, bits in zip(DRAM_KEYS, streams, strict=True)},
        sram_reads={"ifmap": np.where(vector, vector_reads, array.reads["ifmap"]),
                    "filter": np.where(vector, 0, array.reads["filter"])},
        sram_writes={"ofmap": np.where(vector, elements, array.writes["ofmap"])})


def _sum(table: ProblemTable, values: I64, what: str) -> I64:
    """Sum over problems ([D, P] -> [D]); a SpecError if a design's sum exceeds int64."""
    if values.shape[1] and float(np.max(values.sum(axis=1, dtype=np.float64))) >= 2.0**62:
        for row in values.tolist():
            total = sum(row)
            if total > INT64_MAX:
                raise SpecError.single(table.source, "totals", f"{what} = "
                                       f"{format_count(total)} exceeds the int64 range of the "
                                       "count model")
    return values.sum(axis=1)


def _sums(table: ProblemTable, named: list[tuple[str, I64]]) -> list[I64]:
    """`_sum` of each of several [D, P] arrays (name, values), screened together: the
    first whose sum exceeds int64, in the order given, is the SpecError."""
    stacked = np.stack([values for _, values in named])
    if stacked.shape[2] and float(np.max(stacked.sum(axis=2, dtype=np.float64))) >= 2.0**62:
        for what, values in named:
            _sum(table, values, what)
    return list(stacked.sum(axis=2))


def in_order_sum(values: F64) -> F64:
    """Sum over problems, the last axis ([..., P] -> [...]), adding one problem after another,
    as a running total does (numpy's `sum` adds pairwise, with other rounding)."""
    if not values.shape[-1]:
        return np.zeros(values.shape[:-1])
    return np.cumsum(values, axis=-1)[..., -1]


def step_totals(table: ProblemTable, costs: ProblemCosts,
                energy: dict[str, F64]) -> dict[str, Any]:
    """Totals over the problems of `table` per design (length-D arrays): ``cycles``,
    ``compute_cycles``, ``stall_cycles``, ``macs``, ``bitops``, ``dram_bytes`` (per stream),
    ``dram_bytes_total``, ``sram_reads``, ``sram_writes`` and ``energy_pj`` per component of
    `energy` ([D, P] pJ, `hwsim.energy.price.price`)."""
    n = costs.compute_cycles.shape[0]
    compute, stall, *streams = _sums(table, [
        ("compute cycles", costs.compute_cycles), ("stall cycles", costs.stall_cycles),
        *((f"DRAM bytes ({k})", v) for k, v in costs.dram_bytes.items())])
    dram = dict(zip(costs.dram_bytes, streams, strict=True))
    dram_total = _sum(table, np.stack(streams, axis=1), "DRAM bytes")
    macs = _sum(table, table.macs[None, :], "macs")
    bitops = _sum(table, table.bitops[None, :], "bitops")
    cycles = _sum(table, np.stack([compute, stall], axis=1), "cycles")
    sram = _sums(table, [*((f"SRAM reads ({k})", v) for k, v in costs.sram_reads.items()),
                         *((f"SRAM writes ({k})", v) for k, v in costs.sram_writes.items())])
    reads = dict(zip(costs.sram_reads, sram[:len(costs.sram_reads)], strict=True))
    writes = dict(zip(costs.sram_writes, sram[len(costs.sram_reads):], strict=True))
    return {"cycles": cycles,
            "compute_cycles": compute, "stall_cycles": stall,
            "macs": np.repeat(macs, n), "bitops": np.repeat(bitops, n),
            "dram_bytes": dram, "dram_bytes_total": dram_total,
            "sram_reads": reads, "sram_writes": writes,
            "energy_pj": _energy_sums(energy)}


def _energy_sums(energy: dict[str, F64]) -> dict[str, F64]:
    """`in_order_sum` of every component of `energy` ([D, P] pJ each), in one pass."""
    if not energy:
        return {}
    return dict(zip(energy, in_order_sum(np.stack(list(energy.values()))), strict=True))
