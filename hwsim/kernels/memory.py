"""hwsim's own memory model: DRAM traffic and stall cycles of a GEMM on a systolic array.

SCALE-Sim gives no closed form for this, so hwsim uses an analytical double-buffering model
(documented in docs/memory_model.md; its error against SCALE-Sim's USER-bandwidth simulation is
measured in reports/memory_model_error.md). Folds run in SCALE-Sim's order: column folds outer,
row folds inner. Each operand is classified by the array axes its dimensions span:

- ``SPANS_BOTH`` (rows and cols axes): every fold needs a new tile; each element moves once.
- ``SPANS_COLS`` (cols axis and time): the tile is the same for all row folds of a column fold,
  so it is fetched once per column fold when two tiles fit in its buffer (current + prefetch),
  else every fold.
- ``SPANS_ROWS`` (rows axis and time): tiles change every fold and repeat for every column fold;
  the operand is fetched once when it fits its buffer whole, else once per column fold.

The output accumulates over row folds when it spans the cols axis and time (ws, is): partial sums
(accumulator width) stay on chip when two tiles fit, else each row fold writes them out and the
next reads them back. With a unified buffer, double-buffered tiles of all three operands are
reserved first and whole-operand residency is granted greedily by bytes saved.

Stalls: fold i+1's inputs are fetched while fold i computes, so a fold stalls by
max(0, transfer cycles - fold cycles); the first fold's fetch and the last output drain are
exposed. Transfers share one DRAM port or use one port per operand (`per_operand`).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from hwsim.kernels._jit import jit, jit_over_designs
from hwsim.kernels.systolic import ceil_div, fold_geometry, fold_length

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
SPANS_BOTH, SPANS_COLS, SPANS_ROWS = 0, 1, 2


@jit
def operand_class(d1: int, d2: int, dims: I64) -> int:
    """Class of an operand whose GEMM dimensions are `d1`, `d2` under `dims` (Sr, Sc, T)."""
    rows_axis = d1 == dims[0] or d2 == dims[0]
    cols_axis = d1 == dims[1] or d2 == dims[1]
    if rows_axis and cols_axis:
        return SPANS_BOTH
    return SPANS_COLS if cols_axis else SPANS_ROWS


@jit
def tile_elements(d1: int, d2: int, dims: I64, extents: tuple[int, int, int]) -> int:
    """Elements of one full fold's tile of an operand spanning GEMM dimensions d1, d2."""
    size = 1
    for d in (d1, d2):
        for axis in range(3):
            if dims[axis] == d:
                size *= extents[axis]
    return size


@jit
def reuse_flags(cls: tuple[int, int, int], tile_bits: tuple[float, float, float],
                total_bits: tuple[float, float, float], caps_bits: F64,
                unified: bool) -> tuple[bool, bool, bool]:
    """Whether A, B and the output keep their reusable data on chip (see module doc)."""
    if not unified:
        return (_fits_split(cls[0], tile_bits[0], total_bits[0], caps_bits[0]),
                _fits_split(cls[1], tile_bits[1], total_bits[1], caps_bits[1]),
                _fits_split(cls[2], tile_bits[2], total_bits[2], caps_bits[2]))
    free = caps_bits[0] - 2.0 * (tile_bits[0] + tile_bits[1] + tile_bits[2])
    if free < 0:
        return False, False, False
    keep_a, keep_b = cls[0] == SPANS_COLS, cls[1] == SPANS_COLS
    extra_a, extra_b = total_bits[0] - 2.0 * tile_bits[0], total_bits[1] - 2.0 * tile_bits[1]
    if total_bits[0] >= total_bits[1]:  # the larger operand saves more: it asks first
        if cls[0] == SPANS_ROWS and extra_a <= free:
            keep_a, free = True, free - extra_a
        keep_b = keep_b or (cls[1] == SPANS_ROWS and extra_b <= free)
    else:
        if cls[1] == SPANS_ROWS and extra_b <= free:
            keep_b, free = True, free - extra_b
        keep_a = keep_a or (cls[0] == SPANS_ROWS and extra_a <= free)
    return keep_a, keep_b, cls[2] == SPANS_COLS


@jit
def _fits_split(cls: int, tile_bits: float, total_bits: float, cap_bits: float) -> bool:
    """With one buffer per operand: two tiles fit (SPANS_COLS) or the whole operand does
    (SPANS_ROWS)."""
    if cls == SPANS_COLS:
        return 2.0 * tile_bits <= cap_bits
    if cls == SPANS_ROWS:
        return total_bits <= cap_bits
    return False


@jit
def transfer_cycles(a_bits: float, b_bits: float, o_bits: float, bw_bits: float,
                    per_operand: bool) -> float:
    """Cycles to move the given bits over one shared DRAM port or one port per operand; a
    bandwidth of 0 is unlimited (no cycles)."""
    if bw_bits <= 0.0:
        return 0.0
    if per_operand:
        return max(a_bits, b_bits, o_bits) / bw_bits
    return (a_bits + b_bits + o_bits) / bw_bits


@jit
def fold_fetch_bits(cls: int, keep: bool, tile: float, first_col_fold: bool,
                    first_row_fold: bool) -> float:
    """Bits of one input operand fetched for a fold of the given position."""
    if cls == SPANS_COLS and keep and not first_row_fold:
        return 0.0
    if cls == SPANS_ROWS and keep and not first_col_fold:
        return 0.0
    return tile


@jit
def gemm_memory(m: int, n: int, k: int, a_unique: int, bits: F64, rows: int, cols: int,
                df: int, role_dims: I64, row_coef: I64, caps_bits: F64, unified: bool,
                bw_bits: float, per_operand: bool, k_pack: int = 1, t_steps: int = 1,
                m_pack: int = 1, preload: int = 1) -> tuple[float, float, float, float, float]:
    """One GEMM: DRAM bits (A read, B read, output written, partial sums read) and stalls.

    `bits` holds the stored widths of A, B, the output and the accumulator (float: a
    block-scaled format's scales add a fraction of a bit per element); `k_pack`,
    `t_steps`, `m_pack` and `preload` are the precision-scalable factors of `systolic_gemm`
    (folds over ceil(K/k_pack), `t_steps` cycles per streaming step; A and B tiles hold k_pack
    elements per position).
    """
    dims = role_dims[df]
    sr, sc, t, fr, fc = fold_geometry(ceil_div(m, m_pack), n, ceil_div(k, k_pack), rows, cols,
                                      dims)
    extents = (min(rows, sr), min(cols, sc), t)
    # A = M x K, B = K x N, output = M x N (GEMM dimensions 0 = M, 1 = N, 2 = K)
    cls = (operand_class(0, 2, dims), operand_class(2, 1, dims), operand_class(0, 1, dims))
    unique_ratio = a_unique / (m * k)
    accumulates = cls[2] != SPANS_BOTH and fr > 1
    out_tile = float(tile_elements(0, 1, dims, extents)) * m_pack
    out_tile_bits = out_tile * bits[2]
    tile = (float(tile_elements(0, 2, dims, extents)) * (bits[0] * unique_ratio * k_pack *
                                                         m_pack),
            float(tile_elements(2, 1, dims, extents)) * (bits[1] * k_pack),
            out_tile * (bits[3] if accumulates else bits[2]))
    total = (float(a_unique * bits[0]), float(k * n * bits[1]), float(m * n * bits[2]))
    keep = reuse_flags(cls, tile, total, caps_bits, unified)
    moved_a = total[0] * (_repeats(cls[0], fr, fc) if not keep[0] else 1)
    moved_b = total[1] * (_repeats(cls[1], fr, fc) if not keep[1] else 1)
    o_write, o_read = total[2], 0.0
    if accumulates and not keep[2]:
        o_read = m * n * bits[3] * (fr - 1.0)
        o_write += o_read
    fold_cycles = fold_length(row_coef[df], rows, cols, t, t_steps, preload)
    out_per_fold = (o_write + o_read) / (fr * fc)
    stall = transfer_cycles(tile[0], tile[1], 0.0, bw_bits, per_operand)
    for first_col, first_row, folds in ((True, False, fr - 1), (False, True, fc - 1),
                                        (False, False, (fc - 1) * (fr - 1))):
        fa = fold_fetch_bits(cls[0], keep[0], tile[0], first_col, first_row)
        fb = fold_fetch_bits(cls[1], keep[1], tile[1], first_col, first_row)
        busy = transfer_cycles(fa, fb, out_per_fold, bw_bits, per_operand)
        stall += folds * max(0.0, busy - fold_cycles)
    stall += transfer_cycles(0.0, 0.0, out_tile_bits, bw_bits, per_operand)
    return moved_a, moved_b, o_write, o_read, stall


@jit
def _repeats(cls: int, fr: int, fc: int) -> int:
    """How often an input operand that is not kept on chip is fetched whole: once per row fold
    (SPANS_COLS), once per column fold (SPANS_ROWS), once (SPANS_BOTH)."""
    if cls == SPANS_COLS:
        return fr
    if cls == SPANS_ROWS:
        return fc
    return 1


@jit
def vector_memory(elements: int, ops: int, bits_per_element: float, in_dram: bool, lanes: int,
                  act_cap_bits: float, bw_bits: float) -> tuple[float, float, float]:
    """Vector op: (cycles, DRAM bits moved, stall cycles).

    One operation per lane per cycle. The tensors it reads and writes (`bits_per_element` per
    output element) stay on chip when they fit the activation buffers together and do not live
    in DRAM (`in_dram`, e.g. optimizer state); otherwise all of them move over DRAM. A DRAM
    bandwidth `bw_bits` of 0 is unlimited: no stall.
    """
    cycles = float(ceil_div(elements * ops, lanes))
    tensor_bits = float(elements) * bits_per_element
    dram = tensor_bits if in_dram or tensor_bits > act_cap_bits else 0.0
    stall = 0.0 if bw_bits <= 0.0 else max(0.0, dram / bw_bits - cycles)
    return cycles, dram, stall


@jit
def sram_stall(accesses: tuple[int, int, int], bits: F64, compute_cycles: int,
               sram_bw_bits: F64, unified: bool) -> float:
    """Cycles beyond `compute_cycles` the SRAM ports need for A reads, B reads and output
    writes (`accesses` in elements, widths `bits`); a port of bandwidth 0 never limits."""
    need = 0.0
    total = 0.0
    for i in range(3):
        moved = accesses[i] * float(bits[i])
        total += moved
        if not unified and sram_bw_bits[i] > 0:
            need = max(need, moved / sram_bw_bits[i])
    if unified and sram_bw_bits[0] > 0:
        need = total / sram_bw_bits[0]
    return max(0.0, need - compute_cycles)


@jit_over_designs("rows")
def memory_model(m: I64, n: I64, k: I64, count: I64, is_vector: I64, a_unique: I64,
                 bits: F64, vec: F64, sram_counts: I64, rows: I64, cols: I64, dataflow: I64,
                 caps_bits: F64, sram_bw_bits: F64, unified: I64, dram_bw_bits: F64,
                 per_operand: I64, lanes: I64, role_dims: I64, row_coef: I64, k_pack: I64,
                 t_steps: I64, m_pack: I64, preload: I64) -> tuple[F64, F64, F64]:
    """All problems (P) on all designs (D).

    `bits[P, 4]`: A, B, output, accumulator stored widths; `vec[P, 4]` (float64, the counts
    whole numbers): vector elements, ops per element, bits read and written per element, 1 if
    its tensors live in DRAM;
    `sram_counts[D, P, 5]` from `systolic_compute`; the packing factors are [D, P]. Returns
    ``dram_bits[D, P, 4]`` (A read, B read, output write, partial-sum read), ``stall[D, P]``
    (DRAM plus SRAM-port stall cycles) and ``vector_cycles[D, P]``.
    """
    n_designs, n_problems = rows.shape[0], m.shape[0]
    dram = np.zeros((n_designs, n_problems, 4), dtype=np.float64)
    stall = np.zeros((n_designs, n_problems), dtype=np.float64)
    vector_cycles = np.zeros((n_designs, n_problems), dtype=np.float64)
    for d in numba.prange(n_designs):
        uni = unified[d] == 1
        for p in range(n_problems):
            if is_vector[p]:
                act_cap = caps_bits[d, 0] + (0.0 if uni else caps_bits[d, 2])
                cyc, moved, st = vector_memory(int(vec[p, 0]), int(vec[p, 1]),
                                               vec[p, 2], vec[p, 3] == 1,
                                               lanes[d], act_cap, dram_bw_bits[d])
                vector_cycles[d, p] = cyc
                dram[d, p, 0] = moved
                stall[d, p] = st
                continue
            res = gemm_memory(m[p], n[p], k[p], a_unique[p], bits[p], rows[d], cols[d],
                              dataflow[d], role_dims, row_coef, caps_bits[d], uni,
                              dram_bw_bits[d], per_operand[d] == 1, k_pack[d, p],
                              t_steps[d, p], m_pack[d, p], preload[d, p])
            for i in range(4):
                dram[d, p, i] = res[i] * count[p]
            one = sram_counts[d, p]  # of all `count` GEMMs: cycles, folds, A, B, output
            c = count[p]
            port = sram_stall((one[2] // c, one[3] // c, one[4] // c), bits[p], one[0] // c,
                              sram_bw_bits[d], uni)
            stall[d, p] = (res[4] + port) * count[p]
    return dram, stall, vector_cycles
