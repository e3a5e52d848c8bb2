"""Search and evaluate mappings: Python entry points over the kernels of
`hwsim.kernels.mapping`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import DATAFLOW_CODES, ROLE_DIMS, ROW_COEF
from hwsim.kernels import mapping as km
from hwsim.mapping.geometry import NO_CONV
from hwsim.mapping.model import (OBJECTIVES, GemmProblem, Mapping, MappingDesign,
                                 pack_designs, pack_problems)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
UNPACKED = (1, 1, 1, 1)   # k_pack, t_steps, m_pack, preload of a bit-parallel PE


@dataclass(frozen=True, slots=True)
class MappingSearch:
    """Best mapping per design (D) and problem (P). `objective[D, P]` is per GEMM (+inf: no
    mapping fits); the other quantities cover all `count` GEMMs of a problem:
    `counts_bits[D, P, level, operand, read/write]`, `cycles` (compute), `stall_cycles`,
    `energy_pj`, `dram_bytes`. `mappings[D][P]` is None where nothing fits."""

    objective: F64
    mappings: list[list[Mapping | None]]
    counts_bits: F64
    cycles: F64
    stall_cycles: F64
    energy_pj: F64
    dram_bytes: F64


@dataclass(frozen=True, slots=True)
class MappingCost:
    """One mapping of one GEMM (not times `count`): `status` 0 valid, 1 outside the space's
    rules, 2 over a capacity; bits by level, operand, read/write; cycles; energy."""

    status: int
    objective: float
    counts_bits: F64
    cycles: float
    stall_cycles: float
    energy_pj: float

    @property
    def dram_bytes(self) -> float:
        return float(self.counts_bits[0].sum()) / 8.0


def objective_code(objective: str) -> int:
    if objective not in OBJECTIVES:
        raise ValueError(f"objective: expected one of {sorted(OBJECTIVES)}, got {objective!r}")
    return OBJECTIVES[objective]


def distinct_problems(mnk: I64, bits: F64, conv: I64, factors: I64) -> tuple[I64, I64]:
    """(first problem of each distinct one, the distinct problem of every problem): problems
    with the same shape, widths, convolution geometry and throughput factors on every design
    (`factors[D, P, 4]`) have the same search on every design, so each is searched once."""
    per_problem = np.moveaxis(factors, 1, 0).reshape(mnk.shape[0], factors.shape[0] * 4)
    keys = np.concatenate([mnk, bits, conv, per_problem], axis=1, dtype=np.float64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def search(problems: list[GemmProblem], designs: list[MappingDesign],
           objective: str = "energy", factors: I64 | None = None) -> MappingSearch:
    """Exhaustive search of the pruned mapping space for every problem on every design.
    `factors[D, P, 4]`: precision-scalable PEs' (k_pack, t_steps, m_pack, preload), default
    all 1 (`hwsim.arrays.throughput`). Identical problems are searched once
    (`distinct_problems`)."""
    code = objective_code(objective)
    pp, pd = pack_problems(problems), pack_designs(designs)
    shape = (len(designs), len(problems))
    if factors is None:
        factors = np.ones((*shape, 4), dtype=np.int64)
    factors = np.asarray(factors, dtype=np.int64)
    first, inverse = distinct_problems(pp.mnk, pp.bits, pp.conv, factors)
    mnk = pp.mnk[first]
    macs = (mnk[:, 0] * mnk[:, 1] * mnk[:, 2]).astype(np.float64)
    fixed = macs[None, :] * pd.floats[:, km.F_MAC_PJ][:, None]
    best, rows, counts = km.search_mappings(
        np.ascontiguousarray(mnk), np.ascontiguousarray(pp.bits[first]),
        np.ascontiguousarray(pp.conv[first]), np.ascontiguousarray(factors[:, first]), fixed,
        np.zeros((len(designs), first.size, 3)), pd.ints, pd.floats, pd.energy, ROLE_DIMS,
        ROW_COEF, np.full(len(designs), code, dtype=np.int64))
    best, rows, counts = best[:, inverse, :4], rows[:, inverse], counts[:, inverse]
    count = pp.count.astype(np.float64)[None, :]
    mappings = [[Mapping.from_row(rows[d, p, :6]) if np.isfinite(best[d, p, 0]) else None
                 for p in range(len(problems))] for d in range(len(designs))]
    scaled = counts * count[:, :, None, None, None]
    return MappingSearch(best[:, :, 0], mappings, scaled, best[:, :, 1] * count,
                         best[:, :, 2] * count, best[:, :, 3] * count,
                         scaled[:, :, 0].sum(axis=(2, 3)) / 8.0)


def evaluate(problem: GemmProblem, design: MappingDesign, mapping: Mapping,
             objective: str = "energy",
             factors: tuple[int, int, int, int] = UNPACKED) -> MappingCost:
    """Counts, cycles and objective of one mapping of one GEMM (`factors` as in `search`)."""
    pp, pd = pack_problems([problem]), pack_designs([design])
    counts = np.zeros((3, 3, 2), dtype=np.float64)
    macs = float(problem.M * problem.N * problem.K)
    status, value, cycles, stall, pj = km.evaluate_mapping(
        pp.mnk[0], pp.bits[0], pp.conv[0] if problem.conv else NO_CONV,
        np.asarray(factors, dtype=np.int64), macs * design.mac_pj, np.zeros(3), pd.ints[0],
        pd.floats[0], pd.energy[0], ROLE_DIMS, ROW_COEF, objective_code(objective),
        mapping.as_row(), counts)
    return MappingCost(int(status), float(value), counts, float(cycles), float(stall),
                       float(pj))


def scalesim_mapping(problem: GemmProblem, design: MappingDesign,
                     factors: tuple[int, int, int, int] = UNPACKED) -> Mapping:
    """SCALE-Sim's fold order: the temporal dimension untiled, the buffer holding one fold's
    tiles, column folds outer and row folds inner (the DRAM level's innermost loop is Sr)."""
    dims = ROLE_DIMS[DATAFLOW_CODES[design.dataflow]]
    mnk = (problem.M, problem.N, problem.K)
    pack = (factors[2], 1, factors[0])     # elements per PE step along M, N, K
    tile = [0, 0, 0]
    tile[dims[0]] = min(design.rows * pack[dims[0]], mnk[dims[0]])
    tile[dims[1]] = min(design.cols * pack[dims[1]], mnk[dims[1]])
    tile[dims[2]] = mnk[dims[2]]
    return Mapping(mnk[dims[2]], (tile[0], tile[1], tile[2]), (int(dims[0]), 2))
