"""Precision-scalable arrays: how operand widths turn into time, for every array kind.

Every kind keeps the systolic fold model (`hwsim.kernels.systolic`); the PE's width behaviour
enters as four factors per (design, problem), which each kind computes for its own designs
(`hwsim.arrays.base.ArrayKind.throughput`; the papers and derivations are in the kinds'
modules, `hwsim.arrays.bitserial` and `hwsim.arrays.bitfusion`):

- ``k_pack``: products of the reduction a PE completes per cycle;
- ``t_steps``: cycles a PE spends on one MAC;
- ``m_pack``: output rows (windows) one PE serves at once;
- ``preload``: cycles to load one row of a weight- or input-stationary fold's stationary
  operand into the PEs (SCALE-Sim's extra `rows` cycles at 1; `hwsim.arrays.base.
  preload_cycles`). Output-stationary folds preload nothing.

Bit-parallel kinds (systolic, lns) keep 1 everywhere.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hwsim.arrays import array_kind, kind_names

KIND_CODES = {name: code for code, name in enumerate(kind_names())}
I64 = npt.NDArray[np.int64]


def throughput_factors(kind: I64, serial: I64, bits_per_cycle: I64, window_lanes: I64,
                       word_bits: I64, dataflow: I64, a_bits: I64, b_bits: I64,
                       from_conv: I64) -> tuple[I64, I64, I64, I64]:
    """(k_pack, t_steps, m_pack, preload), each [D, P], for designs (length D, `kind` their
    `KIND_CODES`) and problems (length P). `serial`, `bits_per_cycle` and `window_lanes` are
    the designs' three option columns (`ArrayKind.option_columns`: a bit-serial PE's serial
    operands, bits per cycle and output rows served at once), `word_bits` their bit-parallel
    operand width, `dataflow` their `DATAFLOW_CODES`. Each kind computes the rows of its
    designs; bit-parallel ones keep 1."""
    factors = np.ones((4, kind.shape[0], a_bits.shape[0]), dtype=np.int64)
    columns = np.stack([serial, bits_per_cycle, window_lanes])
    for code, name in enumerate(kind_names()):
        rows = np.flatnonzero(kind == code)
        if not rows.size:
            continue
        rows_factors = array_kind(name).throughput(columns[:, rows], word_bits[rows],
                                                   dataflow[rows], a_bits, b_bits, from_conv)
        if rows_factors is not None:
            factors[:, rows] = rows_factors
    return factors[0], factors[1], factors[2], factors[3]
