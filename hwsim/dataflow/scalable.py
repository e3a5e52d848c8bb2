"""Precision-scalable arrays: how operand widths turn into time on each array kind.

Every kind keeps the systolic fold model (`hwsim.kernels.systolic`); the PE's width behaviour
enters as three factors per (design, problem):

- ``k_pack``: products of the reduction a PE completes per cycle. Bit Fusion (Sharma et al.,
  ISCA 2018) fuses 16 BitBricks (2b x 2b) into one Fusion Unit that computes
  ``floor(8/max(a,2)) * floor(8/max(w,2))`` products of a and w bits per cycle, its per-layer
  speedup over 8-bit operation (the paper's formula and its simulator's). Loom in fully
  connected layers spreads its lanes over the reduction (below).
- ``m_pack``: output rows (windows) one PE serves at once: bit-serial designs buy their
  speed-up with `window_lanes` times the lanes of a bit-parallel PE (Stripes: 16 windows).
- ``t_steps``: cycles a PE spends on one MAC. Bit Fusion runs 16-bit operands over
  ``ceil(a/8) * ceil(w/8)`` cycles. Bit-serial PEs: Stripes (Judd et al., MICRO 2016) streams
  operand A's bits (activations in the forward pass) `bits_per_cycle` (b) at a time,
  ``ceil(a/b)``.

Loom (Sharify et al., DAC 2018; abstract: "for convolutional layers LM's execution time scales
inversely proportionally with the precisions of both weights and activations. For
fully-connected layers LM's performance scales inversely proportionally with the precision of
the weights"):

- convolutions serialise both operands, b bits of each per cycle, ``ceil(a/b) * ceil(w/b)``
  cycles per MAC (as DNNsim's Loom model, isakedo/DNNsim core/src/Loom.cpp, divides both
  precisions by its PE_SERIAL_BITS), over `window_lanes` windows: with `window_lanes` =
  256 / b^2 the array has the 1b x 1b cells of a 16x16-bit bit-parallel PE per PE, and a layer
  runs 256 / (b^2 ceil(a/b) ceil(w/b)) times faster than on it;
- fully connected layers have one window per input, so Loom feeds activations bit-parallel
  (`word_bits` wide) and serialises the weights: a PE's window_lanes * b^2 cells make
  ``window_lanes * b / word_bits`` products of a word_bits x b-bit step per cycle (`k_pack`,
  spread over the reduction), each MAC taking ``ceil(w/b)`` cycles: 16 / (b ceil(w/b)) times
  the bit-parallel PE, the paper's 16/Pw at b = 1.

- ``preload``: a weight- or input-stationary fold first loads the stationary operand into the
  PEs, one row per cycle over a `word_bits`-wide link per PE (SCALE-Sim's extra `rows`
  cycles). A precision-scalable PE that holds k_pack (ws: weights) or k_pack * m_pack (is:
  inputs) elements of `bits` each needs ``ceil(k_pack [* m_pack] * bits / word_bits)`` such
  cycles per row (Loom's fully connected PEs: 16 weights of w bits over a 16-bit link, w
  cycles; a Bit Fusion unit fused to 2 x 2 bits: 16 two-bit weights over 8 bits, 4 cycles).
  Output-stationary folds preload nothing; systolic and LNS arrays keep SCALE-Sim's 1.

A binary (1-bit) operand is one bit-plane: one step on a serial array, so a binary x binary
layer takes one cycle per window step (XNOR and popcount, `hwsim.energy.scalable`).

Systolic and LNS arrays are bit-parallel: all factors 1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import DATAFLOW_CODES

KIND_CODES = {"systolic": 0, "bitserial": 1, "bitfusion": 2, "lns": 3}
SERIAL_CODES = {"activations": 0, "both": 1}
I64 = npt.NDArray[np.int64]


def _ceil_div(a: I64, b: I64 | int) -> I64:
    return -(-a // b)


def throughput_factors(kind: I64, serial: I64, bits_per_cycle: I64, window_lanes: I64,
                       word_bits: I64, dataflow: I64, a_bits: I64, b_bits: I64,
                       from_conv: I64) -> tuple[I64, I64, I64, I64]:
    """(k_pack, t_steps, m_pack, preload), each [D, P], for designs (length D) and problems
    (length P); `window_lanes` is the output rows a bit-serial PE serves at once, `word_bits`
    its bit-parallel operand width, `dataflow` its `DATAFLOW_CODES`. Bit-parallel designs
    keep 1 everywhere; only the bit-serial and Bit Fusion rows are computed."""
    factors = np.ones((4, kind.shape[0], a_bits.shape[0]), dtype=np.int64)
    rows = np.flatnonzero((kind == KIND_CODES["bitserial"]) | (kind == KIND_CODES["bitfusion"]))
    if rows.size:
        factors[:, rows] = _scalable_factors(kind[rows], serial[rows], bits_per_cycle[rows],
                                             window_lanes[rows], word_bits[rows],
                                             dataflow[rows], a_bits, b_bits, from_conv)
    return factors[0], factors[1], factors[2], factors[3]


def _scalable_factors(kind: I64, serial: I64, bits_per_cycle: I64, window_lanes: I64,
                      word_bits: I64, dataflow: I64, a_bits: I64, b_bits: I64,
                      from_conv: I64) -> I64:
    """`throughput_factors` of bit-serial and Bit Fusion designs, stacked [4, D, P]."""
    kind, serial, bpc = kind[:, None], serial[:, None], bits_per_cycle[:, None]
    lanes, word, df = window_lanes[:, None], word_bits[:, None], dataflow[:, None]
    a, b, conv = a_bits[None, :], b_bits[None, :], from_conv[None, :]
    ones = np.ones((kind.shape[0], a.shape[1]), dtype=np.int64)
    serial_kind = kind == KIND_CODES["bitserial"]
    loom_fc = serial_kind & (serial == SERIAL_CODES["both"]) & (conv == 0)
    fusion = (8 // np.maximum(np.minimum(a, 8), 2)) * (8 // np.maximum(np.minimum(b, 8), 2))
    k_pack = np.where(serial_kind, np.where(loom_fc, np.maximum(lanes * bpc // word, 1), ones),
                      fusion)
    stripes = _ceil_div(a, bpc)
    loom = np.where(conv == 1, _ceil_div(a, bpc) * _ceil_div(b, bpc), _ceil_div(b, bpc))
    serial_steps = np.where(serial == SERIAL_CODES["both"], loom, stripes)
    t_steps = np.where(serial_kind, serial_steps, _ceil_div(a, 8) * _ceil_div(b, 8))
    m_pack = np.where(serial_kind & ~loom_fc, lanes * ones, ones)
    stationary_bits = np.where(df == DATAFLOW_CODES["ws"], k_pack * b,
                               np.where(df == DATAFLOW_CODES["is"], k_pack * m_pack * a, 0))
    preload = np.maximum(_ceil_div(stationary_bits, word), 1)
    return np.stack([k_pack, t_steps, m_pack, preload])
