"""The inputs of the mapping model: a GEMM problem, a design (array, storage levels,
per-access energies) and a mapping, and their packing into the kernels' arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import DATAFLOW_CODES
from hwsim.kernels.layout import OBJ_DRAM, OBJ_EDP, OBJ_ENERGY, OBJ_LATENCY
from hwsim.mapping.geometry import NO_CONV, ConvGeometry

OBJECTIVES = {"energy": OBJ_ENERGY, "latency": OBJ_LATENCY, "edp": OBJ_EDP, "dram": OBJ_DRAM}
LEVELS = ("dram", "buffer", "accumulator")
OPERANDS = ("A", "B", "output")


@dataclass(frozen=True, slots=True)
class GemmProblem:
    """C[M x N] = A[M x K] B[K x N], `count` times; `bits` = widths of A, B, the output and the
    accumulator (partial sums); `conv` when an operand is a convolution's view (A's M x K, or
    B's K x N in a backward-weight pass)."""

    M: int
    N: int
    K: int
    bits: tuple[float, float, float, float] = (8, 8, 8, 32)
    count: int = 1
    conv: ConvGeometry | None = None

    def __post_init__(self) -> None:
        if self.conv is not None:
            mnk = (self.M, self.N, self.K)
            pix, taps = self.conv.dims
            if self.conv.gemm != (mnk[pix], mnk[taps]):
                names = "MNK"
                raise ValueError(f"conv geometry gives {names[pix]}, {names[taps]} = "
                                 f"{self.conv.gemm}, problem has {(mnk[pix], mnk[taps])}")


@dataclass(frozen=True, slots=True)
class MappingDesign:
    """A rows x cols systolic array with a fixed dataflow under DRAM, one on-chip buffer level
    and an optional accumulator.

    `buffer_holds` (A, B, output): operands the buffer keeps; the others bypass it. With
    `unified`, the operands it holds share `buffer_bits[0]`; otherwise operand o has
    `buffer_bits[o]`. `accumulator_bits` > 0 adds an accumulator at the array edge holding one
    fold's outputs (double-buffered if `double_buffer_accumulator`). `bandwidth_bits_per_cycle`
    of DRAM, buffer and accumulator (0 = unlimited). `energy_pj_per_bit[level, operand,
    read/write]` prices every access; `mac_pj` each MAC; `static_pj_per_cycle` each cycle.
    """

    rows: int
    cols: int
    dataflow: str
    buffer_holds: tuple[bool, bool, bool] = (True, True, True)
    unified: bool = True
    buffer_bits: tuple[float, float, float] = (8.0 * 2**20, 0.0, 0.0)
    accumulator_bits: float = 0.0
    double_buffer: bool = True
    double_buffer_accumulator: bool = True
    bandwidth_bits_per_cycle: tuple[float, float, float] = (0.0, 0.0, 0.0)
    energy_pj_per_bit: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((3, 3, 2)))
    mac_pj: float = 0.0
    static_pj_per_cycle: float = 0.0

    def __post_init__(self) -> None:
        if self.dataflow not in DATAFLOW_CODES:
            raise ValueError(f"dataflow: expected one of {sorted(DATAFLOW_CODES)}, "
                             f"got {self.dataflow!r}")
        if self.rows < 1 or self.cols < 1:
            raise ValueError(f"rows, cols: expected positive integers, got {self.rows}, "
                             f"{self.cols}")
        if np.shape(self.energy_pj_per_bit) != (3, 3, 2):
            raise ValueError("energy_pj_per_bit: expected shape (3 levels, 3 operands, "
                             f"read/write), got {np.shape(self.energy_pj_per_bit)}")

    def int_row(self) -> npt.NDArray[np.int64]:
        return np.array([self.rows, self.cols, DATAFLOW_CODES[self.dataflow],
                         *(int(h) for h in self.buffer_holds), int(self.unified),
                         int(self.accumulator_bits > 0), 2 if self.double_buffer else 1,
                         2 if self.double_buffer_accumulator else 1], dtype=np.int64)

    def float_row(self) -> npt.NDArray[np.float64]:
        return np.array([*self.buffer_bits, self.accumulator_bits,
                         *self.bandwidth_bits_per_cycle, self.mac_pj, self.static_pj_per_cycle],
                        dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Mapping:
    """Fold chunk `t0` (elements of the temporal dimension per fold), the buffer tile
    (M, N, K elements; spatial ones multiples of rows or cols or the whole dimension) and the
    innermost loop dimension (0 = M, 1 = N, 2 = K) of the DRAM level and of the buffer level;
    the other two loops of a level run in ascending dimension order, outermost first."""

    t0: int
    buffer_tile: tuple[int, int, int]
    inner: tuple[int, int] = (2, 2)

    def as_row(self) -> npt.NDArray[np.int64]:
        return np.array([self.t0, *self.buffer_tile, *self.inner], dtype=np.int64)

    @classmethod
    def from_row(cls, row: npt.NDArray[np.int64]) -> Mapping:
        r = [int(x) for x in row]
        return cls(r[0], (r[1], r[2], r[3]), (r[4], r[5]))


@dataclass(frozen=True, slots=True)
class PackedProblems:
    mnk: npt.NDArray[np.int64]
    bits: npt.NDArray[np.float64]
    conv: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PackedDesigns:
    ints: npt.NDArray[np.int64]
    floats: npt.NDArray[np.float64]
    energy: npt.NDArray[np.float64]


def pack_problems(problems: list[GemmProblem]) -> PackedProblems:
    return PackedProblems(
        np.array([[p.M, p.N, p.K] for p in problems], dtype=np.int64).reshape(-1, 3),
        np.array([p.bits for p in problems], dtype=np.float64).reshape(-1, 4),
        np.array([NO_CONV if p.conv is None else p.conv.as_row() for p in problems],
                 dtype=np.int64).reshape(-1, NO_CONV.size),
        np.array([p.count for p in problems], dtype=np.int64))


def pack_designs(designs: list[MappingDesign]) -> PackedDesigns:
    return PackedDesigns(np.array([d.int_row() for d in designs]).reshape(-1, 10),
                         np.array([d.float_row() for d in designs]).reshape(-1, 9),
                         np.array([np.asarray(d.energy_pj_per_bit, dtype=np.float64)
                                   for d in designs]).reshape(-1, 3, 3, 2))
