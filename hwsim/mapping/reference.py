"""A literal walk of a mapping's loop nest, for checking the closed forms on small problems.

It shares no counting code with `hwsim.kernels.mapping`: it runs the two levels of loops fold
by fold, keeps at every storage level the identity of the tile resident there, and when that
changes moves the tile's elements one by one: the buffer's tiles of the operand a convolution
views (`ConvGeometry`: A, or B in a backward-weight pass), when they span whole channels and
whole grid rows (or a divisor of a row), as the set of tensor pixels they cover (the halo),
everything else as the GEMM elements of the tile. Each
output element carries how many increments it has received, which decides whether a drained
value is final (output width) or a partial sum (accumulator width) and whether a returning
tile needs a read-back. Cost grows with the problem: keep M, N, K to a few dozen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import DATAFLOW_CODES, ROLE_DIMS, ROW_COEF
from hwsim.mapping.model import GemmProblem, Mapping, MappingDesign

Range = tuple[int, int]
OPERAND_DIMS = ((0, 2), (2, 1), (0, 1))   # A = M x K, B = K x N, output = M x N


@dataclass(frozen=True, slots=True)
class ReferenceCounts:
    """`counts_bits[level, operand, read/write]`; compute `cycles`; the largest tile of each
    operand in the buffer (`buffer_tile_bits`) and of the accumulator, in bits."""

    counts_bits: npt.NDArray[np.float64]
    cycles: int
    buffer_tile_bits: tuple[float, float, float]
    accumulator_tile_bits: float


def level_order(inner: int) -> list[int]:
    """Loop dimensions of one level, outermost first."""
    return [*sorted({0, 1, 2} - {inner}), inner]


def walk(mnk: tuple[int, ...], buffer_tile: tuple[int, ...], fold: tuple[int, ...],
         inner: tuple[int, int]) -> Iterator[tuple[list[Range], list[Range]]]:
    """Every fold in loop-nest order: (buffer tile ranges, fold ranges) per dimension."""
    loops = [(0, d) for d in level_order(inner[0])] + [(1, d) for d in level_order(inner[1])]
    r1: list[Range] = [(0, 0)] * 3
    r2: list[Range] = [(0, 0)] * 3

    def rec(i: int) -> Iterator[tuple[list[Range], list[Range]]]:
        if i == len(loops):
            yield list(r1), list(r2)
            return
        level, d = loops[i]
        lo, hi, step = (0, mnk[d], buffer_tile[d]) if level == 0 else (*r1[d], fold[d])
        for s in range(lo, hi, step):
            (r1 if level == 0 else r2)[d] = (s, min(s + step, hi))
            yield from rec(i + 1)

    yield from rec(0)


def fold_of(problem: GemmProblem, design: MappingDesign, t0: int,
            factors: tuple[int, int, int, int] = (1, 1, 1, 1)) -> tuple[int, int, int]:
    """One fold's M, N, K extents: a PE covers m_pack elements of M and k_pack of K."""
    dims = ROLE_DIMS[DATAFLOW_CODES[design.dataflow]]
    mnk = (problem.M, problem.N, problem.K)
    pack = (factors[2], 1, factors[0])
    fold = [0, 0, 0]
    fold[dims[0]] = min(design.rows * pack[dims[0]], mnk[dims[0]])
    fold[dims[1]] = min(design.cols * pack[dims[1]], mnk[dims[1]])
    fold[dims[2]] = t0
    return fold[0], fold[1], fold[2]


class _Walker:
    """Resident tiles and counters of one walk (see module docstring)."""

    def __init__(self, problem: GemmProblem, design: MappingDesign, fk: int,
                 tile: tuple[int, ...]) -> None:
        self.p, self.d, self.fk = problem, design, fk
        conv = problem.conv
        self.halo_operand = -1 if conv is None else conv.operand
        if conv is not None:
            pix, taps = tile[conv.dims[0]], tile[conv.dims[1]]
            if not ((pix % conv.Q == 0 or conv.Q % pix == 0) and taps % (conv.R * conv.S) == 0):
                self.halo_operand = -1
        self.counts = np.zeros((3, 3, 2))
        self.resident: dict[tuple[int, int], tuple[Range, ...] | None] = {}
        self.contrib: dict[tuple[int, ...], int] = {}
        self.biggest = [0.0, 0.0, 0.0, 0.0]  # buffer A, B, output; accumulator

    def elements(self, o: int, ranges: tuple[Range, ...], halo: bool) -> set[tuple[int, ...]]:
        grid = set(product(*(range(*r) for r in ranges)))
        if not halo:
            return grid
        conv = self.p.conv
        assert conv is not None
        # A's ranges are (M, K), B's (K, N): (pixels, taps) for the operand the view covers
        return {px for m, k in grid if (px := conv.input_pixel(m, k)) is not None}

    def holders(self, o: int) -> list[int]:
        held = [0] + ([1] if self.d.buffer_holds[o] else [])
        return held + ([2] if o == 2 and self.d.accumulator_bits > 0 else [])

    def input_fold(self, o: int, r1: list[Range], r2: list[Range]) -> None:
        bits = self.p.bits[o]
        if self.d.buffer_holds[o]:
            key = tuple(r1[d] for d in OPERAND_DIMS[o])
            if self.resident.get((1, o)) != key:
                n = len(self.elements(o, key, o == self.halo_operand))
                self.counts[0, o, 0] += n * bits
                self.counts[1, o, 1] += n * bits
                self.biggest[o] = max(self.biggest[o], n * bits)
                self.resident[(1, o)] = key
        n = len(self.elements(o, tuple(r2[d] for d in OPERAND_DIMS[o]), False))
        self.counts[1 if self.d.buffer_holds[o] else 0, o, 0] += n * bits

    def drain(self, level: int, parent: int) -> None:
        key = self.resident.get((level, 2))
        if key is None:
            return
        _, _, out_w, acc_w = self.p.bits
        for e in self.elements(2, key, False):
            w = out_w if self.contrib.get(e, 0) == self.fk else acc_w
            self.counts[level, 2, 0] += w
            self.counts[parent, 2, 1] += w
        self.resident[(level, 2)] = None

    def output_fold(self, r1: list[Range], r2: list[Range]) -> None:
        _, _, out_w, acc_w = self.p.bits
        tile_w = acc_w if self.fk > 1 else out_w
        chain = self.holders(2)
        keys = {1: (r1[0], r1[1]), 2: (r2[0], r2[1])}
        changed = [lv for lv in chain[1:] if self.resident.get((lv, 2)) != keys[lv]]
        for i in range(len(chain) - 1, 0, -1):      # drains, innermost first
            if chain[i] in changed:
                self.drain(chain[i], chain[i - 1])
        for i in range(1, len(chain)):              # refills, outermost first
            lv, parent = chain[i], chain[i - 1]
            if lv not in changed:
                continue
            tile = self.elements(2, keys[lv], False)
            back = sum(1 for e in tile if self.contrib.get(e, 0) > 0)
            self.counts[parent, 2, 0] += back * acc_w
            self.counts[lv, 2, 1] += back * acc_w
            slot = 2 if lv == 1 else 3
            self.biggest[slot] = max(self.biggest[slot], len(tile) * tile_w)
            self.resident[(lv, 2)] = keys[lv]
        h = chain[-1]
        for e in self.elements(2, keys[2], False):
            if self.contrib.get(e, 0) > 0:
                self.counts[h, 2, 0] += acc_w
            self.counts[h, 2, 1] += tile_w
            self.contrib[e] = self.contrib.get(e, 0) + 1

    def finish(self) -> None:
        chain = self.holders(2)
        for i in range(len(chain) - 1, 0, -1):
            self.drain(chain[i], chain[i - 1])


def reference_counts(problem: GemmProblem, design: MappingDesign, mapping: Mapping,
                     factors: tuple[int, int, int, int] = (1, 1, 1, 1)) -> ReferenceCounts:
    """Walk `mapping` of one GEMM on `design` (see module docstring). `factors`: a
    precision-scalable PE's (k_pack, t_steps, m_pack, preload): a fold streams ceil(t / pack)
    steps of t_steps cycles (pack the T dimension's k_pack or m_pack) after a preload of
    (row_coef - 1) x rows x preload cycles."""
    mnk = (problem.M, problem.N, problem.K)
    dims = ROLE_DIMS[DATAFLOW_CODES[design.dataflow]]
    fold = fold_of(problem, design, mapping.t0, factors)
    k_pack, t_steps, m_pack, preload = factors
    t_pack = (m_pack, 1, k_pack)[dims[2]]
    tile = tuple(min(t, n) for t, n in zip(mapping.buffer_tile, mnk, strict=True))
    fk = -(-problem.K // fold[2])
    walker = _Walker(problem, design, fk, tile)
    row_coef = int(ROW_COEF[DATAFLOW_CODES[design.dataflow]])
    cycles = -1
    for r1, r2 in walk(mnk, tile, fold, mapping.inner):
        walker.input_fold(0, r1, r2)
        walker.input_fold(1, r1, r2)
        walker.output_fold(r1, r2)
        t = -(-(r2[dims[2]][1] - r2[dims[2]][0]) // t_pack)
        cycles += (row_coef * design.rows + (row_coef - 1) * design.rows * (preload - 1)
                   + design.cols + t * t_steps - 2)
    walker.finish()
    b = walker.biggest
    return ReferenceCounts(walker.counts, cycles, (b[0], b[1], b[2]), b[3])
