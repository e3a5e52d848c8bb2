"""Compute cycles, SRAM accesses and utilisation of GEMMs on systolic arrays, SCALE-Sim-exact.

Closed forms of what SCALE-Sim v3's ``systolic_compute_{os,ws,is}`` builds as demand matrices;
the dataflow tables (`hwsim.dataflow.systolic`) say which GEMM dimension is Sr, Sc and T. For one
GEMM on a rows x cols array (R x C), with fr = ceil(Sr/R), fc = ceil(Sc/C), F = fr*fc folds:

- compute cycles = F * (ROW_COEF*R + C + T - 2) - 1. SCALE-Sim's `Total Cycles` in CALC mode is
  the index of the last demand-matrix row, hence the -1; `count` independent GEMMs (groups,
  attention heads, SCALE-Sim's per-channel depthwise layers) cost `count` times this.
- SRAM accesses, in elements: an operand is read once per fold along the array axis that its
  own dimensions do not span. A (M x K) is read ``M*K * folds(N)``, B (K x N) ``K*N * folds(M)``,
  the output written ``M*N * folds(K)``, where folds(d) is fr when d is Sr, fc when d is Sc and 1
  when d is T. OS additionally counts R + C writes per fold (`OFMAP_WRITE_QUIRK`).
- mapping efficiency, the mean over folds of used PEs / (R*C) = Sr*Sc / (R*C*F).
- compute utilisation, the mean over folds of used PEs * T / (R*C*util fold length)
  = M*N*K / (R*C*F*(a*R + b*C + T + c)) with (a, b, c) from `UTIL_COEFS`.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from hwsim.kernels._jit import jit, jit_over_designs

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@jit
def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@jit
def fold_geometry(m: int, n: int, k: int, rows: int, cols: int, dims: I64) -> tuple[int, ...]:
    """(Sr, Sc, T, fr, fc) of one GEMM for one dataflow's row of `ROLE_DIMS`."""
    mnk = (m, n, k)
    sr, sc, t = mnk[int(dims[0])], mnk[int(dims[1])], mnk[int(dims[2])]
    return sr, sc, t, ceil_div(sr, rows), ceil_div(sc, cols)


@jit
def folds_along(dim: int, dims: I64, fr: int, fc: int) -> int:
    """How many folds the array makes along GEMM dimension `dim`."""
    if dim == dims[0]:
        return fr
    if dim == dims[1]:
        return fc
    return 1


@jit
def fold_length(row_coef: int, rows: int, cols: int, t: int, t_steps: int,
                preload: int) -> int:
    """Cycles of one fold: SCALE-Sim's ``row_coef*rows + cols + T - 2`` with each of the T
    streaming steps `t_steps` cycles long and the stationary preload (the ``(row_coef-1)*rows``
    part) `preload` cycles per row."""
    return row_coef * rows + (row_coef - 1) * rows * (preload - 1) + cols + t * t_steps - 2


@jit
def systolic_gemm(m: int, n: int, k: int, rows: int, cols: int, df: int, role_dims: I64,
                  row_coef: I64, util_coefs: I64, write_quirk: I64, k_pack: int = 1,
                  t_steps: int = 1, m_pack: int = 1,
                  preload: int = 1) -> tuple[int, int, int, int, int, float, float]:
    """One GEMM: (cycles, folds, A reads, B reads, out writes, mapping eff, compute util).

    Precision-scalable PEs (`hwsim.arrays.throughput`) enter through four factors: a PE that
    fuses `k_pack` products of the reduction per cycle (Bit Fusion) folds ceil(K / k_pack)
    instead of K, and a PE that needs `t_steps` cycles per MAC (bit-serial) stretches every
    streaming step; a PE that serves `m_pack` output rows at once (Stripes' windows) folds
    ceil(M / m_pack); a PE whose stationary data takes `preload` link cycles stretches the
    preload (`fold_length`). All 1: SCALE-Sim's systolic array exactly. Access counts stay in
    elements of the real GEMM.
    """
    dims = role_dims[df]
    mg = ceil_div(m, m_pack)
    sr, sc, t, fr, fc = fold_geometry(mg, n, ceil_div(k, k_pack), rows, cols, dims)
    folds = fr * fc
    extra = (row_coef[df] - 1) * rows * (preload - 1)
    cycles = folds * fold_length(row_coef[df], rows, cols, t, t_steps, preload) - 1
    a_reads = m * k * folds_along(1, dims, fr, fc)
    b_reads = k * n * folds_along(0, dims, fr, fc)
    o_writes = m * n * folds_along(2, dims, fr, fc) + write_quirk[df] * folds * (rows + cols)
    mapping = sr * sc / (rows * cols * folds)
    u = util_coefs[df]
    busy = mg * n * ceil_div(k, k_pack) * t_steps  # PE-cycles of work
    util = busy / (rows * cols * folds * (u[0] * rows + u[1] * cols + t * t_steps + u[2] +
                                          extra))
    return cycles, folds, a_reads, b_reads, o_writes, mapping, util


@jit_over_designs("rows")
def systolic_compute(m: I64, n: I64, k: I64, count: I64, is_vector: I64, rows: I64, cols: I64,
                     dataflow: I64, role_dims: I64, row_coef: I64, util_coefs: I64,
                     write_quirk: I64, k_pack: I64, t_steps: I64, m_pack: I64,
                     preload: I64) -> tuple[I64, F64]:
    """All problems (length P) on all designs (length D); the packing factors are [D, P].

    Returns ``counts[D, P, 5]`` (cycles, folds, A reads, B reads, output writes, each times
    `count`) and ``ratios[D, P, 2]`` (mapping efficiency, compute utilisation). Vector problems
    get zeros.
    """
    n_designs, n_problems = rows.shape[0], m.shape[0]
    counts = np.zeros((n_designs, n_problems, 5), dtype=np.int64)
    ratios = np.zeros((n_designs, n_problems, 2), dtype=np.float64)
    for d in numba.prange(n_designs):
        for p in range(n_problems):
            if is_vector[p]:
                continue
            res = systolic_gemm(m[p], n[p], k[p], rows[d], cols[d], dataflow[d], role_dims,
                                row_coef, util_coefs, write_quirk, k_pack[d, p], t_steps[d, p],
                                m_pack[d, p], preload[d, p])
            cycles, folds, a_reads, b_reads, o_writes, mapping, util = res
            counts[d, p, 0] = cycles * count[p]
            counts[d, p, 1] = folds * count[p]
            counts[d, p, 2] = a_reads * count[p]
            counts[d, p, 3] = b_reads * count[p]
            counts[d, p, 4] = o_writes * count[p]
            ratios[d, p, 0] = mapping
            ratios[d, p, 1] = util
    return counts, ratios
