"""How the three systolic dataflows map a GEMM onto a rows x cols array (SCALE-Sim v3 semantics).

For C[M x N] = A[M x K] B[K x N] (A = ifmap, B = filter, C = ofmap) each dataflow assigns one
GEMM dimension to the array rows (Sr), one to the columns (Sc) and one to time (T), as
``scalesim/compute/systolic_compute_{os,ws,is}.py`` does:

============  =====  =====  ====  ==================================================
dataflow      Sr     Sc     T     stays in the PEs
============  =====  =====  ====  ==================================================
os            M      N      K     outputs
ws            K      N      M     weights (filter)
is            K      M      N     inputs (ifmap)
============  =====  =====  ====  ==================================================

The GEMM is cut into ``ceil(Sr/rows) * ceil(Sc/cols)`` folds, run one after another, each as
long as a full fold. SCALE-Sim's demand matrices give a fold of
``ROW_COEF*rows + cols + T - 2`` cycles (os: 1, ws/is: 2 -- the weight or input preload takes
`rows` extra cycles), and its utilisation divides by a fold length of
``UTIL_ROW_COEF*rows + UTIL_COL_COEF*cols + T + UTIL_CONST``.
"""

from __future__ import annotations

import numpy as np

DATAFLOW_CODES = {"os": 0, "ws": 1, "is": 2}
DIM_M, DIM_N, DIM_K = 0, 1, 2

# Rows: dataflow code. Columns: GEMM dimension carried by Sr, Sc, T.
ROLE_DIMS = np.array([[DIM_M, DIM_N, DIM_K],
                      [DIM_K, DIM_N, DIM_M],
                      [DIM_K, DIM_M, DIM_N]], dtype=np.int64)
# Fold length (cycles) = ROW_COEF*rows + cols + T - 2.
ROW_COEF = np.array([1, 2, 2], dtype=np.int64)
# SCALE-Sim's per-fold utilisation denominator: a*rows + b*cols + T + c.
UTIL_COEFS = np.array([[1, 1, -2], [2, 2, -3], [2, 2, -3]], dtype=np.int64)
# OS adds rows + cols to its ofmap write count for every fold (systolic_compute_os.py counts the
# padded fold's shape[0] + shape[1] on top of its elements); the others add nothing.
OFMAP_WRITE_QUIRK = np.array([1, 0, 0], dtype=np.int64)
