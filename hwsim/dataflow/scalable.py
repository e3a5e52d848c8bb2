"""Precision-scalable arrays: how operand widths turn into time on each array kind.

Every kind keeps the systolic fold model (`hwsim.kernels.systolic`); the PE's width behaviour
enters as two factors per (design, problem):

- ``k_pack``: products of the reduction a PE completes per cycle. Bit Fusion (Sharma et al.,
  ISCA 2018) fuses 16 BitBricks (2b x 2b) into one Fusion Unit that computes
  ``floor(8/max(a,2)) * floor(8/max(w,2))`` products of a and w bits per cycle, its per-layer
  speedup over 8-bit operation (the paper's formula and its simulator's).
- ``m_pack``: output rows (windows) one PE serves at once: bit-serial designs buy their
  speed-up with `window_lanes` times the lanes of a bit-parallel PE (Stripes: 16 windows).
- ``t_steps``: cycles a PE spends on one MAC. Bit Fusion runs 16-bit operands over
  ``ceil(a/8) * ceil(w/8)`` cycles. Bit-serial PEs: Stripes (Judd et al., MICRO 2016) streams
  operand A's bits (activations in the forward pass) `bits_per_cycle` at a time,
  ``ceil(a/bpc)``; Loom (Sharify et al., DAC 2018) serialises both operands in convolutions,
  ``ceil(a/bpc) * w``, and only the weights in fully connected layers, ``w``.

Systolic and LNS arrays are bit-parallel: (1, 1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

KIND_CODES = {"systolic": 0, "bitserial": 1, "bitfusion": 2, "lns": 3}
SERIAL_CODES = {"activations": 0, "both": 1}
I64 = npt.NDArray[np.int64]


def _ceil_div(a: I64, b: I64 | int) -> I64:
    return -(-a // b)


def throughput_factors(kind: I64, serial: I64, bits_per_cycle: I64, window_lanes: I64,
                       a_bits: I64, b_bits: I64, from_conv: I64) -> tuple[I64, I64, I64]:
    """(k_pack, t_steps, m_pack), each [D, P], for designs (length D) and problems (length P);
    `window_lanes` is the output rows a bit-serial PE serves at once."""
    kind, serial, bpc = kind[:, None], serial[:, None], bits_per_cycle[:, None]
    a, b, conv = a_bits[None, :], b_bits[None, :], from_conv[None, :]
    ones = np.ones((kind.shape[0], a.shape[1]), dtype=np.int64)
    fusion = (8 // np.maximum(np.minimum(a, 8), 2)) * (8 // np.maximum(np.minimum(b, 8), 2))
    k_pack = np.where(kind == KIND_CODES["bitfusion"], fusion, ones)
    stripes = _ceil_div(a, bpc)
    loom = np.where(conv == 1, _ceil_div(a, bpc) * b, b)
    serial_steps = np.where(serial == SERIAL_CODES["both"], loom, stripes)
    t_steps = np.where(kind == KIND_CODES["bitserial"], serial_steps,
                       np.where(kind == KIND_CODES["bitfusion"],
                                _ceil_div(a, 8) * _ceil_div(b, 8), ones))
    m_pack = np.where(kind == KIND_CODES["bitserial"], window_lanes[:, None] * ones, ones)
    return k_pack.astype(np.int64), t_steps.astype(np.int64), m_pack.astype(np.int64)
