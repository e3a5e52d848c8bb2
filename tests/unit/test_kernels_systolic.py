"""The systolic kernel against a plain-Python, fold-by-fold reference.

The reference walks the folds the way SCALE-Sim's ``systolic_compute_{os,ws,is}`` builds its
demand matrices (column folds outer, row folds inner): per fold it adds the demand-matrix rows,
the operand elements that fold reads or writes, the PEs it maps and its utilisation. It shares
no code with the kernel's closed forms.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.kernels.systolic import systolic_compute


def reference(m: int, n: int, k: int, rows: int, cols: int, dataflow: str) -> dict[str, float]:
    """Fold-by-fold model of SCALE-Sim's compute classes (see module docstring)."""
    # Sr, Sc, T per dataflow; which of A (ifmap), B (filter), O (ofmap) are tiled by rows/cols.
    sr, sc, t = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[dataflow]
    rows_fold_len = {"os": 1, "ws": 2, "is": 2}[dataflow] * rows
    util_len = {"os": rows + cols + t - 2, "ws": 2 * rows + 2 * cols + t - 3,
                "is": 2 * rows + 2 * cols + t - 3}[dataflow]
    demand_rows = a_reads = b_reads = o_writes = 0
    mapping, util = [], []
    for fc in range(math.ceil(sc / cols)):
        used_c = min(cols, sc - fc * cols)
        for fr in range(math.ceil(sr / rows)):
            used_r = min(rows, sr - fr * rows)
            demand_rows += rows_fold_len + cols + t - 2
            # Elements each operand contributes to this fold (SCALE-Sim's per-fold counters).
            if dataflow == "os":    # A rows x T, B T x cols, O rows x cols (+ padded shape)
                a_reads += used_r * t
                b_reads += t * used_c
                o_writes += used_r * used_c + rows + cols
            elif dataflow == "ws":  # A T x rows, B rows x cols (stationary), O T x cols
                a_reads += t * used_r
                b_reads += used_r * used_c
                o_writes += t * used_c
            else:                   # A rows x cols (stationary), B rows x T, O cols x T
                a_reads += used_r * used_c
                b_reads += used_r * t
                o_writes += used_c * t
            mapping.append(used_r * used_c / (rows * cols))
            util.append(used_r * used_c * t / (rows * cols * util_len))
    return {"cycles": demand_rows - 1, "a": a_reads, "b": b_reads, "o": o_writes,
            "mapping": sum(mapping) / len(mapping), "util": sum(util) / len(util)}


def run_kernel(m: int, n: int, k: int, count: int, rows: int, cols: int,
               dataflow: str) -> tuple[np.ndarray, np.ndarray]:
    one = lambda v: np.array([v], dtype=np.int64)  # noqa: E731
    counts, ratios = systolic_compute(one(m), one(n), one(k), one(count), one(0), one(rows),
                                      one(cols), one(DATAFLOW_CODES[dataflow]), ROLE_DIMS,
                                      ROW_COEF, UTIL_COEFS, OFMAP_WRITE_QUIRK,
                                      np.ones((1, 1), np.int64), np.ones((1, 1), np.int64),
                                      np.ones((1, 1), np.int64), np.ones((1, 1), np.int64))
    return counts[0, 0], ratios[0, 0]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(m=st.integers(1, 300), n=st.integers(1, 300), k=st.integers(1, 300),
       rows=st.integers(1, 70), cols=st.integers(1, 70),
       dataflow=st.sampled_from(["os", "ws", "is"]), count=st.integers(1, 4))
def test_kernel_matches_fold_by_fold_reference(m, n, k, rows, cols, dataflow, count):
    counts, ratios = run_kernel(m, n, k, count, rows, cols, dataflow)
    ref = reference(m, n, k, rows, cols, dataflow)
    assert counts[0] == count * ref["cycles"]
    assert (counts[2], counts[3], counts[4]) == (count * ref["a"], count * ref["b"],
                                                 count * ref["o"])
    assert math.isclose(ratios[0], ref["mapping"], rel_tol=1e-12)
    assert math.isclose(ratios[1], ref["util"], rel_tol=1e-12)


def test_upstream_calc_golden_layer():
    """SCALE-Sim's own CALC golden (AlexNet conv1, 32x32 WS): 55x55 outputs (its ceil rule),
    K = 11*11*3 = 363, N = 96; 12 x 3 folds of 2*32 + 32 + 3025 - 2 = 3119 rows -> 112283.

    The counts are upstream/calc/DETAILED_ACCESS_REPORT.csv's, and follow from the WS rows of
    `reference`: ifmap T x used rows per fold, summed over the 12 row folds (363 rows) and the
    3 column folds: 3 x 363 x 3025 = 3294225; the stationary filter once, 363 x 96 = 34848;
    ofmap T x used cols per fold: 12 x 3025 x 96 = 3484800. Mapping efficiency: the folds map
    363 x 96 of 36 x 32 x 32 PE slots, 363 / 384 = 94.53125% (upstream COMPUTE_REPORT)."""
    counts, ratios = run_kernel(55 * 55, 96, 363, 1, 32, 32, "ws")
    assert counts[0] == 36 * 3119 - 1 == 112283
    assert (counts[2], counts[3], counts[4]) == (3294225, 34848, 3484800)
    assert math.isclose(ratios[0] * 100, 94.53125)


def test_counts_do_not_overflow_at_gpt3_scale():
    """A GPT-3 175B feed-forward GEMM at 2048 tokens x batch 1024: M*N*K ~ 1.6e18 < 2^63."""
    m, n, k = 2048 * 1024, 4 * 12288, 12288
    counts, _ = run_kernel(m, n, k, 1, 128, 128, "os")
    assert counts[2] == m * k * math.ceil(n / 128)
    assert counts[0] == (math.ceil(m / 128) * math.ceil(n / 128)) * (k + 128 + 128 - 2) - 1
