"""Numba kernels of the mapping model: convolution halos, per-level traffic of one mapping,
its cycles and stalls, and the exhaustive search over the pruned mapping space.

The model, the counting rule and the search space are stated in `hwsim.mapping` (module
docstring) and docs/mapping.md; these kernels are its closed forms. Conventions shared by all
kernels:

- GEMM dimensions 0 = M, 1 = N, 2 = K; operands 0 = A (M x K), 1 = B (K x N), 2 = output
  (M x N). Operand o does not depend on one dimension: A on N, B on M, the output on K.
- Storage levels 0 = DRAM, 1 = on-chip buffer, 2 = accumulator (output only).
- `tiles[3, 3]`: tile extents in elements per level of loops and dimension: row 0 the whole
  problem, row 1 the buffer tile, row 2 one fold (rows x cols x t0 in Sr, Sc, T). Loops of
  level 0 walk buffer tiles, loops of level 1 walk folds inside a buffer tile.
- `inner0`, `inner1`: the innermost loop dimension of levels 0 and 1; the other two loops of
  a level run in ascending dimension order, outermost first.
- `ntl` (`tile_counts`, a tuple): tiles of each level along each dimension, level-major.
- Scratch arrays are allocated once per design (`search_mappings`), and the cost of one
  mapping (`mapping_cost`, run for every candidate) calls only kernels of scalars and tuples,
  inlined: Numba counts references to the array arguments of a kernel that calls another,
  with atomic operations costing more than the arithmetic.
- Counts are bits: ``counts[level, operand, 0 = reads / 1 = writes]``.
- `conv[15]`: batch, P, Q, R, S, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w,
  C (per group), H, W, kind (`hwsim.mapping.geometry`): the viewed operand (`conv_operand`)
  runs over the P x Q pixel grid along `pixel_dim` and over C x R x S along `channel_dim`, and
  reads a C x H x W tensor; batch 0 means a plain GEMM (a row of 14 zeros is also read as
  one). "Halo" below is that operand's distinct elements per tile.
- `bits[4]` (float64: block-scaled formats store fractional bits per value): A, B, output,
  accumulator widths.
- `factors[4]`: the precision-scalable PE's k_pack, t_steps, m_pack, preload
  (`hwsim.arrays.throughput`); a fold spans rows x m_pack (M) or rows x k_pack (K) elements
  along a spatial packed dimension and streams ceil(t / pack) steps of t_steps cycles along T.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from hwsim.kernels._jit import jit, jit_inline, jit_over_designs
from hwsim.kernels.layout import (CONV_TRANSPOSED, CONV_WEIGHT_GRAD, MAP_WIDTH, OBJ_DRAM,
                                  OBJ_EDP, OBJ_ENERGY, OBJ_LATENCY, R_ARRAY_A, R_ARRAY_B,
                                  R_ARRAY_OUT, R_CYCLES, R_FOLDS, R_OBJ, R_PJ, R_STALL,
                                  RESULT_WIDTH)
from hwsim.kernels.systolic import ceil_div, fold_length

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

OP_A, OP_B, OP_OUT = 0, 1, 2
# Design integer columns.
D_ROWS, D_COLS, D_DATAFLOW, D_HOLD_A, D_HOLD_B, D_HOLD_OUT, D_UNIFIED, D_HAS_ACC, D_DB_BUF, \
    D_DB_ACC = range(10)
# Design float columns (capacities in bits, bandwidths in bits per cycle, 0 = unlimited).
F_CAP_A, F_CAP_B, F_CAP_OUT, F_CAP_ACC, F_BW_DRAM, F_BW_BUF, F_BW_ACC, F_MAC_PJ, F_STATIC_PJ = \
    range(9)
# Factor columns.
FAC_K_PACK, FAC_T_STEPS, FAC_M_PACK, FAC_PRELOAD = range(4)
# Candidate lists hold at most this many sizes per dimension.
MAX_CANDS = 64
# `inner[0]` of a lower bound over every loop order (`least_reuse`).
LEAST = -1
# Fitting buffer tiles of one fold chunk the search lists with their lower bounds.
BOUND_SLOTS = 1024


@jit
def halo_axis(a: int, b: int, stride: int, dil: int, kernel: int, pad: int, size: int) -> int:
    """Distinct input coordinates in [0, size) read by outputs a..b-1 along one axis: the union
    over kernel taps r of {p*stride + r*dil - pad}. Taps whose offsets agree modulo the stride
    form one lattice class; within a class each tap covers an interval of lattice indices, and
    the intervals (ascending with r) are merged."""
    count = 0
    for r in range(kernel):
        c = (r * dil) % stride
        seen = False
        for r0 in range(r):
            if (r0 * dil) % stride == c:
                seen = True
                break
        if seen:
            continue
        lo = ceil_div(pad - c, stride)              # first lattice index inside the input
        end = lo
        top = (size - 1 + pad - c) // stride + 1    # one past the last index inside
        for r2 in range(r, kernel):
            if (r2 * dil) % stride != c:
                continue
            q = (r2 * dil) // stride
            s, e = max(a + q, end), min(b + q, top)
            if e > s:
                count += e - s
                end = e
    return count


@jit
def transposed_axis(a: int, b: int, stride: int, dil: int, kernel: int, pad: int,
                    size: int) -> int:
    """Distinct coordinates y in [0, size) of the tensor a transposed convolution reads for
    grid coordinates a..b-1 along one axis: those with y*stride + r*dil - pad in [a, b) for a
    tap r. Per tap they form the interval [ceil((a + pad - r*dil) / stride),
    ceil((b + pad - r*dil) / stride)); both ends fall as r grows, so walking the taps from the
    last one the intervals ascend and merge by their running end."""
    count = 0
    end = 0
    for r in range(kernel - 1, -1, -1):
        lo = max(ceil_div(a + pad - r * dil, stride), end)
        hi = min(ceil_div(b + pad - r * dil, stride), size)
        if hi > lo:
            count += hi - lo
            end = hi
    return count


@jit
def axis_reads(kind: int, a: int, b: int, stride: int, dil: int, kernel: int, pad: int,
               size: int) -> int:
    """Distinct coordinates of the tensor read along one axis by grid coordinates a..b-1:
    `halo_axis` for a forward convolution, `transposed_axis` for a transposed one."""
    if kind == CONV_TRANSPOSED:
        return transposed_axis(a, b, stride, dil, kernel, pad, size)
    return halo_axis(a, b, stride, dil, kernel, pad, size)


@jit
def m_tile_halo(sm: int, conv: I64) -> tuple[int, int]:
    """(sum over the tiles of `sm` consecutive grid pixels, largest tile) of the pixels per
    channel such a tile of the viewed operand reads. Its pixel dimension (`pixel_dim`: M, or K
    in a backward-weight pass) is batch*P*Q (q fastest); `sm` is a multiple of Q (whole grid
    rows, which may straddle images) or a divisor of Q (part of one row). Rows and columns
    read are counted per axis (`axis_reads`): a tile's pixels are the product of its rows'
    and columns'."""
    batch, p_out, q_out, kr, ks = conv[0], conv[1], conv[2], conv[3], conv[4]
    sth, stw, dh, dw, ph, pw, h_in, w_in = (conv[5], conv[6], conv[7], conv[8], conv[9],
                                            conv[10], conv[12], conv[13])
    kind = conv[14]
    if sm % q_out == 0:
        k = sm // q_out
        cols = axis_reads(kind, 0, q_out, stw, dw, ks, pw, w_in)
        total, biggest = 0, 0
        for start in range(0, batch * p_out, k):
            end = min(start + k, batch * p_out)
            px = 0
            img = start // p_out
            while img * p_out < end:
                lo, hi = max(start, img * p_out) - img * p_out, min(end, (img + 1) * p_out)
                px += axis_reads(kind, lo, hi - img * p_out, sth, dh, kr, ph, h_in)
                img += 1
            total += px * cols
            biggest = max(biggest, px * cols)
        return total, biggest
    rsum, rmax, csum, cmax = 0, 0, 0, 0
    for p in range(p_out):
        h = axis_reads(kind, p, p + 1, sth, dh, kr, ph, h_in)
        rsum, rmax = rsum + h, max(rmax, h)
    for q0 in range(0, q_out, sm):
        w = axis_reads(kind, q0, q0 + sm, stw, dw, ks, pw, w_in)
        csum, cmax = csum + w, max(cmax, w)
    return batch * rsum * csum, rmax * cmax


@jit
def conv_operand(conv: I64) -> int:
    """The operand a convolution row views: B in a backward-weight pass, A otherwise."""
    return OP_B if conv[14] == CONV_WEIGHT_GRAD else OP_A


@jit
def pixel_dim(conv: I64) -> int:
    """The GEMM dimension over the viewed operand's pixel grid: K in a backward-weight pass,
    M otherwise."""
    return 2 if conv[14] == CONV_WEIGHT_GRAD else 0


@jit
def channel_dim(conv: I64) -> int:
    """The GEMM dimension over the viewed operand's channels x kernel taps: N in a
    backward-weight pass, K otherwise."""
    return 1 if conv[14] == CONV_WEIGHT_GRAD else 2


@jit_inline
def loop_dim(inner: int, pos: int) -> int:
    """Dimension of the loop at position `pos` counted from the innermost (0) of a level whose
    innermost loop is `inner` (the other two ascending, outermost first)."""
    if pos == 0:
        return inner
    lo, hi = (1, 2) if inner == 0 else ((0, 2) if inner == 1 else (0, 1))
    return hi if pos == 1 else lo


@jit
def copy_row(tiles: I64, dst: int, src: I64) -> None:
    """tiles[dst, d] = src[d] for the three dimensions. Element by element: a slice
    assignment would compile numpy's shape-mismatch error path into every kernel using it."""
    for d in range(3):
        tiles[dst, d] = src[d]


@jit
def tile_counts(tiles: I64) -> tuple[int, int, int, int, int, int, int, int, int]:
    """ntl[3*j + d] = ceil(extent_d / tiles[j, d]), the number of level-j tiles along d (1 at
    level 0, the whole problem). With tiles nested regularly, the level-j loop over d has a
    trip count above 1 exactly when ntl[3*(j + 1) + d] > ntl[3*j + d]. A tuple, not an array:
    the functions taking it pay no reference counting."""
    return (1, 1, 1, ceil_div(tiles[0, 0], tiles[1, 0]), ceil_div(tiles[0, 1], tiles[1, 1]),
            ceil_div(tiles[0, 2], tiles[1, 2]), ceil_div(tiles[0, 0], tiles[2, 0]),
            ceil_div(tiles[0, 1], tiles[2, 1]), ceil_div(tiles[0, 2], tiles[2, 2]))


@jit_inline
def least_reuse(e: int, level: int, ntl: tuple[int, ...]) -> int:
    """The smallest `reuse_mult` of any loop order: e's loop innermost at every level above
    `level`. Any other order meets a relevant loop no later and so stops at a level no further
    out, and tiles per dimension only grow inwards (ntl[3*(j + 1) + e] >= ntl[3*j + e])."""
    jstar = level
    for j in range(level - 1, -1, -1):
        if ntl[3 * j + 3 + e] > ntl[3 * j + e]:
            jstar = j
        for d in range(3):
            if d != e and ntl[3 * j + 3 + d] > ntl[3 * j + d]:
                return ntl[3 * jstar + e]
    return ntl[3 * jstar + e]


@jit_inline
def reuse_mult(e: int, level: int, ntl: tuple[int, ...], inner0: int, inner1: int) -> int:
    """How many times each element of an operand held at storage `level` is filled, given that
    `e` is the dimension it does not depend on: the number of e-tiles at the granularity of the
    outermost e-loop that sits inside every relevant loop (trip > 1) of the levels above it.
    `inner0`, `inner1`: the innermost loop dims of levels 0 and 1 (`tile_counts` gives `ntl`);
    ``inner0 == LEAST`` asks for the least count over every loop order (`least_reuse`)."""
    if inner0 == LEAST:
        return least_reuse(e, level, ntl)
    jstar = level
    for j in range(level - 1, -1, -1):
        for pos in range(3):
            d = loop_dim(inner0 if j == 0 else inner1, pos)
            if ntl[3 * j + 3 + d] <= ntl[3 * j + d]:
                continue
            if d != e:
                return ntl[3 * jstar + e]
            jstar = j
    return ntl[3 * jstar + e]


@jit
def dim_pack(d: int, factors: I64) -> int:
    """Elements of GEMM dimension `d` one PE step covers: m_pack along M, k_pack along K."""
    if d == 0:
        return factors[FAC_M_PACK]
    if d == 2:
        return factors[FAC_K_PACK]
    return 1


@jit
def mapping_cycles(tiles: I64, dims: I64, rows: int, cols: int, row_coef: int,
                   factors: I64) -> int:
    """Compute cycles: every (row fold, column fold, T chunk) is one fold of `fold_length`,
    a chunk of t elements streaming ceil(t / pack) steps of t_steps cycles; with T untiled
    this is `systolic_gemm`'s count exactly."""
    fr = ceil_div(tiles[0, dims[0]], tiles[2, dims[0]])
    fc = ceil_div(tiles[0, dims[1]], tiles[2, dims[1]])
    t, t0 = tiles[0, dims[2]], tiles[2, dims[2]]
    pack = dim_pack(dims[2], factors)
    steps, preload = factors[FAC_T_STEPS], factors[FAC_PRELOAD]
    full = t // t0
    rem = t - full * t0
    per = full * fold_length(row_coef, rows, cols, ceil_div(t0, pack), steps, preload)
    if rem > 0:
        per += fold_length(row_coef, rows, cols, ceil_div(rem, pack), steps, preload)
    return fr * fc * per - 1


@jit_inline
def array_elements(tiles: I64, ntl: tuple[int, ...]) -> tuple[float, float, float]:
    """The array's A reads, B reads and output writes (elements) at its innermost holders:
    every fold reads its A and B tiles and delivers its output increments."""
    return (float(tiles[0, 0] * tiles[0, 2]) * ntl[7], float(tiles[0, 2] * tiles[0, 1]) * ntl[6],
            float(tiles[0, 0] * tiles[0, 1]) * ntl[8])


@jit_inline
def level_stall(moved_bits: float, steps: int, bw_bits: float, cycles: float,
                overlap: bool) -> float:
    """Stall cycles of one level's transfers, spread evenly over `steps` tiles: double
    buffered, each tile costs the slower of compute and transfer and the first transfer is
    exposed; otherwise every transfer is exposed. A bandwidth of 0 never stalls."""
    if bw_bits <= 0.0 or moved_bits <= 0.0:
        return 0.0
    x = moved_bits / (steps * bw_bits)
    if not overlap:
        return steps * x
    return (steps - 1) * max(0.0, x - cycles / steps) + x


@jit_inline
def tile_count(ntl: tuple[int, ...], level: int) -> int:
    """Number of tiles of `level` in the whole problem."""
    return ntl[3 * level] * ntl[3 * level + 1] * ntl[3 * level + 2]


@jit
def fits(tiles: I64, dint: I64, dflt: F64, bits: F64, a_tile: int, conv_op: int) -> bool:
    """Whether the buffer and accumulator hold their (double-buffered when so declared) tiles.
    `a_tile` is the largest tile of operand `conv_op` (A or B) of the buffer in elements (its
    halo for the operand a convolution row views, `conv_footprint`); the other input's tile
    is its block."""
    out_w = bits[3] if tiles[0, 2] > tiles[2, 2] else bits[2]
    a_el = a_tile if conv_op == OP_A else tiles[1, 0] * tiles[1, 2]
    b_el = a_tile if conv_op == OP_B else tiles[1, 2] * tiles[1, 1]
    need = (a_el * bits[0], float(b_el) * bits[1], float(tiles[1, 0] * tiles[1, 1]) * out_w)
    db = float(dint[D_DB_BUF])
    total = 0.0
    for o in range(3):
        if dint[D_HOLD_A + o] == 1:
            total += need[o] * db
            if dint[D_UNIFIED] == 0 and need[o] * db > dflt[F_CAP_A + o]:
                return False
    if dint[D_UNIFIED] == 1 and total > dflt[F_CAP_A]:
        return False
    acc = float(tiles[2, 0] * tiles[2, 1]) * out_w * dint[D_DB_ACC]
    return dint[D_HAS_ACC] == 0 or acc <= dflt[F_CAP_ACC]


@jit_inline
def level_bits(counts: F64, level: int) -> float:
    """Bits read and written at storage `level` over all operands (``counts[level].sum()``,
    summed in the same order, without compiling a slice reduction)."""
    total = 0.0
    for o in range(3):
        for rw in range(2):
            total += counts[level, o, rw]
    return total


@jit_inline
def fill_counts(counts: F64, value: float) -> None:
    """Every entry of `counts[3, 3, 2]` set to `value`."""
    for lv in range(3):
        for o in range(3):
            for rw in range(2):
                counts[lv, o, rw] = value


@jit
def copy_counts(dst: F64, src: F64) -> None:
    """dst[3, 3, 2] = src, element by element (see `copy_row`)."""
    for lv in range(3):
        for o in range(3):
            for rw in range(2):
                dst[lv, o, rw] = src[lv, o, rw]


@jit
def mapping_cost(tiles: I64, ntl: tuple[int, ...], inner0: int, inner1: int, dint: I64,
                 dflt: F64, energy: F64, bits: F64, a_fill: int, conv_op: int, objective: int,
                 fixed_pj: float, array_pj: F64, cycles: float, stalls: bool,
                 counts: F64) -> tuple[float, float, float]:
    """(objective, energy pJ, stall cycles) of the mapping in `tiles` (`ntl`: its
    `tile_counts`) with innermost loops `inner0`, `inner1` (``inner0 == LEAST``: each
    operand's least reuse over every loop order, see `reuse_mult`) whose compute takes
    `cycles` (`mapping_cycles`); its counts into `counts` (zeroed first). Without `stalls` the
    objective counts no stall.

    Inputs (A, B): a held operand's fills are read at DRAM and written to the buffer, `a_fill`
    (>= 0 for the operand `conv_op` a convolution row views, else -1; `conv_footprint`)
    replacing that operand's plain fill elements by their halo; the array reads each fold's
    tile from the innermost holder. Output: the array delivers each fold's increments to the
    innermost holder, which adds them to what it holds (a read for every increment but an
    element's first); a storage level drains its tile to its parent when the tile is replaced
    (final values at the output width, partial sums at the accumulator width) and reads
    partial sums back when a tile returns. Energy: every bit read or written at a level times
    that level's and operand's pJ/bit, plus each element the array reads or writes at its
    innermost holder times `array_pj` (per A read, B read, output write), plus the energy no
    mapping changes (`fixed_pj`: MACs and what scales with them), plus static energy per cycle
    (compute and stall).

    One function calling only functions of scalars and tuples: Numba counts references to
    every array argument of a function that calls another kernel, which would cost more than
    this arithmetic."""
    fill_counts(counts, 0.0)
    for o in range(2):                  # A ignores N, B ignores M
        e = 1 - o
        elems = tiles[0, 0] * tiles[0, 2] if o == OP_A else tiles[0, 2] * tiles[0, 1]
        h = 0
        if dint[D_HOLD_A + o] == 1:
            plain = a_fill < 0 or o != conv_op
            fill = float(elems if plain else a_fill) * reuse_mult(e, 1, ntl, inner0, inner1)
            counts[0, o, 0] += fill * bits[o]
            counts[1, o, 1] += fill * bits[o]
            h = 1
        counts[h, o, 0] += float(elems) * ntl[6 + e] * bits[o]
    held_buf, has_acc = dint[D_HOLD_OUT] == 1, dint[D_HAS_ACC] == 1
    out_bits, acc_bits = bits[2], bits[3]
    mn = float(tiles[0, 0] * tiles[0, 1])
    fk = ntl[8]
    h = 2 if has_acc else (1 if held_buf else 0)
    counts[h, OP_OUT, 1] += mn * fk * (acc_bits if fk > 1 else out_bits)
    counts[h, OP_OUT, 0] += mn * (fk - 1) * acc_bits
    parent = 0
    for level in range(1, 3):
        if (level == 1 and not held_buf) or (level == 2 and not has_acc):
            continue
        back = mn * reuse_mult(2, level, ntl, inner0, inner1) - mn
        counts[parent, OP_OUT, 0] += back * acc_bits
        counts[level, OP_OUT, 1] += back * acc_bits
        drain = mn * out_bits + back * acc_bits
        counts[level, OP_OUT, 0] += drain
        counts[parent, OP_OUT, 1] += drain
        parent = level
    stall = 0.0
    if stalls:
        folds = tile_count(ntl, 2)
        stall = level_stall(level_bits(counts, 0), tile_count(ntl, 1), dflt[F_BW_DRAM], cycles,
                            dint[D_DB_BUF] == 2)
        stall += level_stall(level_bits(counts, 1), folds, dflt[F_BW_BUF], cycles, True)
        stall += level_stall(level_bits(counts, 2), folds, dflt[F_BW_ACC], cycles, True)
    array_el = array_elements(tiles, ntl)
    pj = fixed_pj + (cycles + stall) * dflt[F_STATIC_PJ]
    for o in range(3):
        pj += array_el[o] * array_pj[o]
    for lv in range(3):
        for o in range(3):
            pj += counts[lv, o, 0] * energy[lv, o, 0] + counts[lv, o, 1] * energy[lv, o, 1]
    if objective == OBJ_ENERGY:
        return pj, pj, stall
    if objective == OBJ_LATENCY:
        return cycles + stall, pj, stall
    if objective == OBJ_EDP:
        return pj * (cycles + stall), pj, stall
    reads, writes = 0.0, 0.0
    for o in range(3):
        reads += counts[0, o, 0]
        writes += counts[0, o, 1]
    return (reads + writes) / 8.0, pj, stall


@jit
def add_candidate(out: I64, n: int, value: int) -> int:
    """Insert `value` into the ascending, duplicate-free `out[:n]`; returns the new length."""
    for i in range(n):
        if out[i] == value:
            return n
        if out[i] > value:
            for j in range(min(n, out.shape[0] - 1), i, -1):
                out[j] = out[j - 1]
            out[i] = value
            return min(n + 1, out.shape[0])
    if n < out.shape[0]:
        out[n] = value
        return n + 1
    return n


@jit
def size_candidates(extent: int, unit: int, align: int, out: I64) -> int:
    """Tile sizes (elements, ascending) of a dimension of `extent` tiled in multiples of `unit`:
    with n = ceil(extent/unit) units, unit counts that are powers of two, multiples
    align*2^k, and n (the whole dimension)."""
    n = ceil_div(extent, unit)
    count = 0
    f = 1
    while f < n:
        count = add_candidate(out, count, f * unit)
        if align * f < n:
            count = add_candidate(out, count, align * f * unit)
        f *= 2
    return add_candidate(out, count, extent)


@jit
def chunk_candidates(extent: int, align: int, unit_of_align: int, out: I64) -> int:
    """Fold chunks t0 of the temporal dimension (ascending): even splits ceil(extent/2^k) and,
    for a convolution, splits aligned to `unit_of_align` (output rows or whole channels,
    `align` of them in all)."""
    count = 0
    f = 1
    while f <= extent:
        count = add_candidate(out, count, ceil_div(extent, f))
        if unit_of_align > 1 and f <= align:
            count = add_candidate(out, count, ceil_div(align, f) * unit_of_align)
        f *= 2
    return count


@jit
def alignment_grain(dim: int, conv: I64) -> int:
    """Elements of GEMM dimension `dim` in one aligned unit of the operand a convolution row
    views: a grid row (Q) along `pixel_dim`, a channel's R*S taps along `channel_dim`, 1
    along the third dimension."""
    if dim == pixel_dim(conv):
        return conv[2]
    return conv[3] * conv[4] if dim == channel_dim(conv) else 1


@jit
def alignment(dim: int, unit: int, conv: I64, halo: bool) -> int:
    """Units per aligned buffer tile: the buffer's tile of the operand a convolution row views
    spans whole grid rows along `pixel_dim` and whole channels along `channel_dim` (1 when no
    alignment applies)."""
    if not halo:
        return 1
    grain = alignment_grain(dim, conv)
    g = grain
    u = unit
    while u:
        g, u = u, g % u
    return grain // g


@jit
def tiles_valid(tiles: I64) -> bool:
    """The buffer tile nests the folds regularly (a multiple of the fold extent or the whole
    dimension) and its edge tile keeps more than one fold wherever a full tile has more than
    one."""
    return (axis_valid(tiles[0, 0], tiles[1, 0], tiles[2, 0]) and
            axis_valid(tiles[0, 1], tiles[1, 1], tiles[2, 1]) and
            axis_valid(tiles[0, 2], tiles[1, 2], tiles[2, 2]))


@jit
def axis_valid(whole: int, buf: int, fold: int) -> bool:
    """`tiles_valid` along one dimension of extent `whole`, buffer tile `buf`, fold `fold`."""
    if buf != whole and buf % fold != 0:
        return False
    if ceil_div(buf, fold) > 1:
        edge = whole - (ceil_div(whole, buf) - 1) * buf
        if edge <= fold:
            return False
    return True


@jit
def axis_tables(whole: int, fold: int, sizes: I64, n: int, axis: int, out: I64) -> None:
    """For each of the first `n` buffer tile extents in `sizes` along a dimension of extent
    `whole` folded by `fold`: out[0, axis, i] the number of buffer tiles along it (row 1 of
    `tile_counts`), out[1, axis, i] whether it is valid (`axis_valid`). Computed once per fold
    chunk, so the scan over the tiles they combine into divides nothing."""
    for i in range(n):
        out[0, axis, i] = ceil_div(whole, sizes[i])
        out[1, axis, i] = 1 if axis_valid(whole, sizes[i], fold) else 0


@jit
def conv_aligned(tiles: I64, conv: I64) -> bool:
    """Whether the buffer's tile of the operand a convolution row views moves its halo: it
    spans whole channels along `channel_dim` and, along `pixel_dim`, whole grid rows or a
    divisor of a row. Any other tile moves its block of the GEMM view."""
    sm, q = tiles[1, pixel_dim(conv)], conv[2]
    return (sm % q == 0 or q % sm == 0) and tiles[1, channel_dim(conv)] % (conv[3] * conv[4]) == 0


@jit
def conv_footprint(tiles: I64, conv: I64, halo: bool, halo_sum: int,
                   halo_max: int) -> tuple[int, int]:
    """(fill elements over the problem per pass, largest tile) at the buffer of the operand a
    convolution row views (`conv_operand`; A for a plain GEMM), given the pixels per channel
    of the buffer's tiles along `pixel_dim` (`m_tile_halo`: summed, largest; -1 when the
    extent is not aligned). A plain GEMM's fill, or an unaligned convolution tile's
    (`conv_aligned`), is -1: counted as the GEMM view's block by `mapping_cost`."""
    if not halo:
        return -1, tiles[1, 0] * tiles[1, 2]
    cd = channel_dim(conv)
    if halo_sum < 0 or tiles[1, cd] % (conv[3] * conv[4]) != 0:
        return -1, tiles[1, pixel_dim(conv)] * tiles[1, cd]
    return conv[11] * halo_sum, tiles[1, cd] // (conv[3] * conv[4]) * halo_max


@jit
def halo_table(sizes: I64, n: int, conv: I64, out: I64) -> None:
    """`m_tile_halo` of each of the first `n` pixel-dimension extents in `sizes` into out[0]
    (sum) and out[1] (largest); extents that are neither whole rows nor a divisor of a row get
    -1."""
    q = conv[2]
    for i in range(n):
        if sizes[i] % q == 0 or q % sizes[i] == 0:
            out[0, i], out[1, i] = m_tile_halo(sizes[i], conv)
        else:
            out[0, i], out[1, i] = -1, -1


@jit
def order_choices(tiles: I64, level: int) -> tuple[int, tuple[int, int, int]]:
    """(n, dims): the innermost-loop dimensions of one level worth trying, dims[:n]: those
    with a trip count above 1 (each gives a distinct reuse class), or just K when every loop
    of the level is trivial."""
    n, dims = 0, (2, 2, 2)
    for d in range(3):
        if ceil_div(tiles[level, d], tiles[level + 1, d]) > 1:
            dims = (d, dims[0], dims[1]) if n == 0 else (
                (dims[0], d, dims[2]) if n == 1 else (dims[0], dims[1], d))
            n += 1
    return max(n, 1), dims


@jit
def set_fold(tiles: I64, dims: I64, rows: int, cols: int, t0: int, factors: I64) -> None:
    """Row 2 of `tiles`: one fold, rows x cols PEs (each covering `dim_pack` elements) x t0
    along Sr, Sc, T (clipped to the problem)."""
    tiles[2, dims[0]] = min(rows * dim_pack(dims[0], factors), tiles[0, dims[0]])
    tiles[2, dims[1]] = min(cols * dim_pack(dims[1], factors), tiles[0, dims[1]])
    tiles[2, dims[2]] = t0


@jit
def try_orders(tiles: I64, ntl: tuple[int, ...], dims: I64, dint: I64, dflt: F64,
               energy: F64, bits: F64, a_fill: int, conv_op: int, objective: int,
               fixed_pj: float, array_pj: F64, cycles: float, scratch: F64, ties: bool,
               best: F64, best_map: I64, best_counts: F64) -> bool:
    """Evaluate every distinct loop-order class of the buffer tile in `tiles` (`ntl`: its
    `tile_counts`; `a_fill` the fill of operand `conv_op`, `conv_footprint`); keep a strictly
    better one in `best` (`RESULT_WIDTH` columns), `best_map`, `best_counts`, or with `ties`
    (the tile comes before the best found's in the scan order) the first equal one. Returns
    whether `best` changed."""
    replaced = False
    n0, choices0 = order_choices(tiles, 0)
    n1, choices1 = order_choices(tiles, 1) if dint[D_HAS_ACC] == 1 else (1, (2, 2, 2))
    for i0 in range(n0):
        for i1 in range(n1):
            inner0, inner1 = choices0[i0], choices1[i1]
            value, pj, stall = mapping_cost(tiles, ntl, inner0, inner1, dint, dflt, energy,
                                            bits, a_fill, conv_op, objective, fixed_pj,
                                            array_pj, cycles, True, scratch)
            if value < best[0] or (ties and value == best[0]):
                ties, replaced = False, True
                array_el = array_elements(tiles, ntl)
                best[R_OBJ], best[R_CYCLES], best[R_STALL], best[R_PJ] = value, cycles, stall, pj
                best[R_ARRAY_A], best[R_ARRAY_B], best[R_ARRAY_OUT] = array_el
                best[R_FOLDS] = tile_count(ntl, 2)
                best_map[0] = tiles[2, dims[2]]
                best_map[1], best_map[2], best_map[3] = tiles[1, 0], tiles[1, 1], tiles[1, 2]
                best_map[4], best_map[5] = inner0, inner1
                best_map[6], best_map[7], best_map[8] = tiles[2, 0], tiles[2, 1], tiles[2, 2]
                copy_counts(best_counts, scratch)
    return replaced


@jit
def chunk_bound(tiles: I64, dint: I64, dflt: F64, energy: F64, bits: F64, objective: int,
                fixed_pj: float, array_pj: F64, cycles: float, whole_a: int, conv_op: int,
                scratch: F64) -> float:
    """A lower bound of the objective of every mapping of the current fold chunk (row 2 of
    `tiles`): the whole problem as one buffer tile, each operand moved once (reuse count 1),
    the viewed operand's (`conv_op`) fill its compulsory halo `whole_a` (-1: plain, its
    block), no stall. Every mapping of the
    chunk has the same compute cycles and array accesses and at least these fills, drains and
    read-backs (a sum of tile halos covers the whole halo; an im2col block covers every pixel
    it reads), so, as the tile bound of `scan_buffer_tiles`, the bound never exceeds a
    mapping's objective. Row 1 of `tiles` is left as the whole problem."""
    copy_row(tiles, 1, tiles[0])
    return mapping_cost(tiles, tile_counts(tiles), LEAST, LEAST, dint, dflt, energy, bits,
                        whole_a, conv_op, objective, fixed_pj, array_pj, cycles, False,
                        scratch)[0]


@jit
def by_dim(sr_dim: int, sc_dim: int, n_sr: int, n_sc: int, n_t: int,
           folds: tuple[int, int, int]) -> tuple[int, int, int, int, int, int, int, int, int]:
    """`tile_counts` of a buffer tile from its tiles along the Sr, Sc and T dimensions (Sr on
    dimension `sr_dim`, Sc on `sc_dim`) and the fold's tiles along M, N, K."""
    n = (n_sr if sr_dim == 0 else (n_sc if sc_dim == 0 else n_t),
         n_sr if sr_dim == 1 else (n_sc if sc_dim == 1 else n_t),
         n_sr if sr_dim == 2 else (n_sc if sc_dim == 2 else n_t))
    return (1, 1, 1, n[0], n[1], n[2], folds[0], folds[1], folds[2])


@jit
def scan_buffer_tiles(tiles: I64, dims: I64, cands: I64, ns: I64, axes: I64, conv: I64,
                      halo: bool, halos: I64, dint: I64, dflt: F64, energy: F64, bits: F64,
                      objective: int,
                      fixed_pj: float, array_pj: F64, cycles: float, bound: float,
                      collect: bool, bounds: F64, slots: I64, scratch: F64,
                      best: F64, best_map: I64, best_counts: F64) -> int:
    """All buffer tiles of the current fold: T, Sr, Sc extents ascending (rows 2, 0, 1 of
    `cands`; Sc innermost). Capacity needs grow with every extent and validity is decided per
    dimension (an unaligned convolution tile, moving its im2col block, needs at least what
    any smaller tile's halo needs), so a tile that overflows ends its Sc scan, and when the
    first valid Sc extent already overflows, the Sr scan (or, at the first valid Sr, the T
    scan) ends too; an overflowing im2col tile ends nothing, since a larger aligned one may
    need less. `axes` holds `axis_tables` of the candidate rows, `halos` `halo_table` of the
    M dimension's.

    A tile's bound is the objective of the counts with each operand's least reuse count over
    the loop orders (`mapping_cost` with `LEAST`): every count and so every stall grows with
    the reuse counts, the per-bit energies are non-negative, and the bound runs the same
    arithmetic as `try_orders` on smaller or equal operands, so (rounding being monotone) it
    never exceeds any order's objective as computed there.

    With `collect`, only lists the fitting tiles: in visiting order, each one's bound in
    `bounds` and its buffer M, N, K extents and the viewed operand's fill (`conv_footprint`)
    in `slots`, as far
    as they have room; returns how many fit. Otherwise evaluates the loop orders of every
    fitting tile whose bound (from `bounds` where the listing kept it) is below the best found
    (none of the others can be strictly better) and returns 1, ending the search, once the
    best objective reaches `bound` (`objective_floor`), else 0."""
    pd = pixel_dim(conv) if halo else 0
    m_axis = 0 if dims[0] == pd else (1 if dims[1] == pd else 2)
    conv_op = conv_operand(conv) if halo else OP_A
    folds = (ceil_div(tiles[0, 0], tiles[2, 0]), ceil_div(tiles[0, 1], tiles[2, 1]),
             ceil_div(tiles[0, 2], tiles[2, 2]))
    visit = 0
    for it in range(ns[2]):
        if axes[1, 2, it] == 0:         # an invalid extent: no tile with it counts
            continue
        tiles[1, dims[2]] = cands[2, it]
        t_state = 0                     # 0: nothing valid yet, 1: something fit, 2: overflow
        for ir in range(ns[0]):
            if axes[1, 0, ir] == 0:
                continue
            tiles[1, dims[0]] = cands[0, ir]
            r_state = 0
            for ic in range(ns[1]):
                if axes[1, 1, ic] == 0:
                    continue
                tiles[1, dims[1]] = cands[1, ic]
                im = ir if m_axis == 0 else (ic if m_axis == 1 else it)
                a_fill, a_tile = conv_footprint(tiles, conv, halo, halos[0, im], halos[1, im])
                if not fits(tiles, dint, dflt, bits, a_tile, conv_op):
                    if halo and a_fill < 0:     # an im2col tile: a larger aligned one may fit
                        continue
                    r_state = 2 if r_state == 0 else r_state
                    break
                r_state = 1
                slot = visit
                visit += 1
                ntl = by_dim(dims[0], dims[1], axes[0, 0, ir], axes[0, 1, ic], axes[0, 2, it],
                             folds)
                if collect or slot >= bounds.shape[0]:
                    lb = mapping_cost(tiles, ntl, LEAST, LEAST, dint, dflt, energy, bits,
                                      a_fill, conv_op, objective, fixed_pj, array_pj, cycles,
                                      True, scratch)[0]
                else:
                    lb = bounds[slot]
                if collect:
                    if slot < bounds.shape[0]:
                        bounds[slot] = lb
                        slots[slot, 0], slots[slot, 1] = tiles[1, 0], tiles[1, 1]
                        slots[slot, 2], slots[slot, 3] = tiles[1, 2], a_fill
                    continue
                if lb >= best[0]:
                    continue
                try_orders(tiles, ntl, dims, dint, dflt, energy, bits, a_fill, conv_op,
                           objective, fixed_pj, array_pj, cycles, scratch, False, best,
                           best_map, best_counts)
                if best[0] <= bound:
                    return 1
            if r_state == 2:
                t_state = 2 if t_state == 0 else t_state
                break
            if r_state == 1:
                t_state = 1
        if t_state == 2:
            break
    return visit if collect else 0


@jit
def stable_order(keys: F64, n: int, order: I64, work: I64) -> None:
    """order[:n] = the indices of keys[:n] (no NaN) by ascending key, equal keys by index (what
    ``np.argsort(keys[:n], kind="mergesort")`` gives, as a bottom-up merge sort written out,
    which compiles far faster); `work[:n]` is scratch."""
    for i in range(n):
        order[i] = i
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j = lo, mid
            for k in range(lo, hi):
                if i < mid and (j >= hi or keys[order[i]] <= keys[order[j]]):
                    work[k] = order[i]
                    i += 1
                else:
                    work[k] = order[j]
                    j += 1
        for k in range(n):
            order[k] = work[k]
        width *= 2


@jit
def search_one(mnk: I64, bits: F64, conv: I64, factors: I64, fixed_pj: float, array_pj: F64,
               dint: I64, dflt: F64, energy: F64, role_dims: I64, row_coef: I64,
               objective: int, least_dram: float, whole_halo: int, tiles: I64, scratch: F64,
               cands: I64, ns: I64, axes: I64, halos: I64, bounds: F64, slots: I64,
               order: I64, work: I64, best: F64, best_map: I64, best_counts: F64) -> None:
    """The best mapping of one GEMM on one design (see `search_mappings`); `best[0]` stays
    +inf when no mapping fits. `least_dram` is the problem's `dram_floor`, `whole_halo` the
    compulsory fill of the operand a convolution row views (`whole_halos`); `tiles` to `work`
    are scratch, allocated once per design by `search_mappings`.

    Per fold chunk t0 (descending), unless its `chunk_bound` cannot beat the best found: the
    fitting buffer tiles are listed with their bounds (`scan_buffer_tiles`), then evaluated
    in ascending bound until a bound exceeds the best found. A tile listed earlier than the
    best found's wins on an equal objective, one listed later only on a better one, so the
    result is the first best mapping of the scan order, as without the bounds. A chunk with
    more fitting tiles than `BOUND_SLOTS` is scanned in order instead."""
    dims = role_dims[dint[D_DATAFLOW]]
    halo = conv[0] > 0 and dint[D_HOLD_A + conv_operand(conv)] == 1
    conv_op = conv_operand(conv) if halo else OP_A
    copy_row(tiles, 0, mnk)
    for r in range(best.shape[0]):
        best[r] = np.inf
    t_dim = int(dims[2])
    grain = alignment_grain(t_dim, conv) if halo else 1
    floor = min(mnk[t_dim], max(dint[D_ROWS], dint[D_COLS]) * dim_pack(t_dim, factors))
    nt0 = add_candidate(cands[3], chunk_candidates(mnk[t_dim], mnk[t_dim] // grain, grain,
                                                   cands[3]), floor)
    whole_a = whole_halo if halo else -1
    for i0 in range(nt0 - 1, -1, -1):
        if cands[3, i0] < floor:
            break
        set_fold(tiles, dims, dint[D_ROWS], dint[D_COLS], cands[3, i0], factors)
        cycles = float(mapping_cycles(tiles, dims, dint[D_ROWS], dint[D_COLS],
                                      int(row_coef[dint[D_DATAFLOW]]), factors))
        bound = objective_floor(objective, cycles, fixed_pj, dflt, least_dram)
        if bound >= best[0]:
            break
        if chunk_bound(tiles, dint, dflt, energy, bits, objective, fixed_pj, array_pj, cycles,
                       whole_a, conv_op, scratch) >= best[0]:
            continue
        for axis in range(3):
            d = dims[axis]
            ns[axis] = size_candidates(int(mnk[d]), tiles[2, d], alignment(d, tiles[2, d], conv,
                                                                       halo), cands[axis])
            axis_tables(int(mnk[d]), tiles[2, d], cands[axis], ns[axis], axis, axes)
        if halo:
            pd = pixel_dim(conv)
            m_axis = 0 if dims[0] == pd else (1 if dims[1] == pd else 2)
            halo_table(cands[m_axis], ns[m_axis], conv, halos)
        listed = scan_buffer_tiles(tiles, dims, cands, ns, axes, conv, halo, halos, dint, dflt,
                                   energy, bits, objective, fixed_pj, array_pj, cycles, bound,
                                   True, bounds, slots, scratch, best, best_map, best_counts)
        if listed > BOUND_SLOTS:
            if scan_buffer_tiles(tiles, dims, cands, ns, axes, conv, halo, halos, dint, dflt,
                                 energy, bits, objective, fixed_pj, array_pj, cycles, bound, False,
                                 bounds, slots, scratch, best, best_map, best_counts):
                break
            continue
        best_slot = -1                  # the best found comes from an earlier chunk
        stable_order(bounds, listed, order, work)
        for i in range(listed):
            slot = order[i]
            lb = bounds[slot]
            if lb > best[0]:
                break
            if lb == best[0] and slot > best_slot:
                continue                # it could only tie, and comes later
            tiles[1, 0], tiles[1, 1], tiles[1, 2] = slots[slot, 0], slots[slot, 1], slots[slot, 2]
            if try_orders(tiles, tile_counts(tiles), dims, dint, dflt, energy, bits,
                          slots[slot, 3], conv_op, objective, fixed_pj, array_pj, cycles, scratch,
                          slot < best_slot, best, best_map, best_counts):
                best_slot = slot
        if best[0] <= bound:
            break


@jit
def whole_halos(mnk: I64, conv: I64) -> I64:
    """Per problem, the elements of the operand a convolution row views read at least once
    (channels times `m_tile_halo` of the whole pixel dimension), -1 for a plain GEMM: that
    operand's compulsory fill, the same on every design."""
    out = np.empty(mnk.shape[0], dtype=np.int64)
    for p in range(mnk.shape[0]):
        out[p] = (conv[p, 11] * m_tile_halo(mnk[p, pixel_dim(conv[p])], conv[p])[0]
                  if conv[p, 0] > 0 else -1)
    return out


@jit
def dram_floor(mnk: I64, bits: F64, whole_halo: int, conv_op: int) -> float:
    """Bytes every mapping moves over DRAM at least: each A and B element once (of the operand
    `conv_op` a convolution row views, each pixel it uses: `whole_halo`, -1 for a plain GEMM)
    and each output once (at the narrower of the output and accumulator widths)."""
    a, b = float(mnk[0] * mnk[2]), float(mnk[2] * mnk[1])
    if whole_halo >= 0:
        used = float(whole_halo)
        if conv_op == OP_A:
            a = used
        else:
            b = used
    return (a * bits[0] + b * bits[1] +
            float(mnk[0] * mnk[1]) * min(bits[2], bits[3])) / 8.0


@jit
def objective_floor(objective: int, cycles: float, fixed_pj: float, dflt: F64,
                    least_dram: float) -> float:
    """A lower bound of the objective of every mapping whose compute takes `cycles` or more
    (per-bit energies are non-negative): no stall, no access energy but the MACs' and the
    static energy, the DRAM floor. Shorter fold chunks only lengthen compute, so once the
    best found reaches the bound of a chunk, no later candidate can beat it."""
    if objective == OBJ_DRAM:
        return least_dram
    pj = fixed_pj + cycles * dflt[F_STATIC_PJ]
    if objective == OBJ_ENERGY:
        return pj
    if objective == OBJ_LATENCY:
        return cycles
    return pj * cycles


@jit_over_designs("dint")
def search_mappings(mnk: I64, bits: F64, conv: I64, factors: I64, fixed_pj: F64,
                    array_pj: F64, dint: I64, dflt: F64, energy: F64, role_dims: I64,
                    row_coef: I64, objective: I64) -> tuple[F64, I64, F64]:
    """Best mapping of every problem (P) on every design (D), per GEMM (not times `count`).

    `mnk[P, 3]`, `bits[P, 4]` (A, B, output, accumulator), `conv[P, 14]`; per (design,
    problem): `factors[D, P, 4]`, `fixed_pj[D, P]` (energy no mapping changes),
    `array_pj[D, P, 3]` (pJ per element the array reads or writes at its innermost holder:
    A, B, output); per design: `dint[D, 10]`, `dflt[D, 9]`, `energy[D, 3, 3, 2]` (pJ per bit
    by level, operand, read/write), `objective[D]`. Returns ``best[D, P, RESULT_WIDTH]``
    (objective, compute cycles, stall cycles, energy pJ, the array's A, B, output accesses,
    folds; objective +inf when nothing fits), ``mapping[D, P, MAP_WIDTH]`` (t0, buffer tile
    M, N, K, innermost dims of levels 0 and 1, fold M, N, K) and ``counts[D, P, 3, 3, 2]``
    (bits by level, operand, read/write). The (design, problem) pairs run on all cores, or
    one after another for a single design.
    """
    n_designs, n_problems = dint.shape[0], mnk.shape[0]
    best = np.empty((n_designs, n_problems, RESULT_WIDTH), dtype=np.float64)
    mapping = np.zeros((n_designs, n_problems, MAP_WIDTH), dtype=np.int64)
    counts = np.zeros((n_designs, n_problems, 3, 3, 2), dtype=np.float64)
    halos = whole_halos(mnk, conv)
    floors = np.empty(n_problems, dtype=np.float64)
    for p in range(n_problems):
        floors[p] = dram_floor(mnk[p], bits[p], halos[p], conv_operand(conv[p]))
    for d in numba.prange(n_designs):
        tiles = np.empty((3, 3), dtype=np.int64)
        scratch = np.empty((3, 3, 2), dtype=np.float64)
        cands = np.empty((4, MAX_CANDS), dtype=np.int64)
        ns = np.empty(3, dtype=np.int64)
        axes = np.empty((2, 3, MAX_CANDS), dtype=np.int64)
        halo_rows = np.empty((2, MAX_CANDS), dtype=np.int64)
        bounds = np.empty(BOUND_SLOTS, dtype=np.float64)
        slots = np.empty((BOUND_SLOTS, 4), dtype=np.int64)
        order = np.empty(BOUND_SLOTS, dtype=np.int64)
        work = np.empty(BOUND_SLOTS, dtype=np.int64)
        for p in range(n_problems):
            search_one(mnk[p], bits[p], conv[p], factors[d, p], fixed_pj[d, p], array_pj[d, p],
                       dint[d], dflt[d], energy[d], role_dims, row_coef, objective[d],
                       floors[p], halos[p], tiles, scratch, cands, ns, axes, halo_rows, bounds,
                       slots, order, work, best[d, p], mapping[d, p], counts[d, p])
    return best, mapping, counts


@jit
def evaluate_mapping(mnk: I64, bits: F64, conv: I64, factors: I64, fixed_pj: float,
                     array_pj: F64, dint: I64, dflt: F64, energy: F64, role_dims: I64,
                     row_coef: I64, objective: int, mapping: I64,
                     counts: F64) -> tuple[int, float, float, float, float]:
    """One given mapping: (status, objective, compute cycles, stall cycles, energy pJ), counts
    into `counts`. Status 0: valid and fits; 1: the tiles break the space's rules
    (`tiles_valid`); 2: they overflow a capacity (counts are still filled)."""
    dims = role_dims[dint[D_DATAFLOW]]
    halo = conv[0] > 0 and dint[D_HOLD_A + conv_operand(conv)] == 1
    conv_op = conv_operand(conv) if halo else OP_A
    tiles = np.empty((3, 3), dtype=np.int64)
    copy_row(tiles, 0, mnk)
    tiles[1, 0], tiles[1, 1], tiles[1, 2] = mapping[1], mapping[2], mapping[3]
    set_fold(tiles, dims, dint[D_ROWS], dint[D_COLS], mapping[0], factors)
    if not tiles_valid(tiles):
        return 1, np.inf, 0.0, 0.0, 0.0
    halo_sum, halo_max = (m_tile_halo(tiles[1, pixel_dim(conv)], conv)
                          if halo and conv_aligned(tiles, conv) else (-1, -1))
    a_fill, a_tile = conv_footprint(tiles, conv, halo, halo_sum, halo_max)
    status = 0 if fits(tiles, dint, dflt, bits, a_tile, conv_op) else 2
    cycles = float(mapping_cycles(tiles, dims, dint[D_ROWS], dint[D_COLS],
                                  int(row_coef[dint[D_DATAFLOW]]), factors))
    value, pj, stall = mapping_cost(tiles, tile_counts(tiles), mapping[4], mapping[5], dint,
                                    dflt, energy, bits, a_fill, conv_op, objective, fixed_pj,
                                    array_pj, cycles, True, counts)
    return status, value, cycles, stall, pj
