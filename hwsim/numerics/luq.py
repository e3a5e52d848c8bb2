"""LUQ: the radix-2 logarithmic format of Logarithmic Unbiased Quantization, encode and decode.

Source: Chmiel, Banner, Hoffer, Ben-Yaacov, Soudry, "Accurate Neural Training with 4-bit Matrix
Multiplications at Standard Formats" (ICLR 2023; arXiv 2112.10769, first titled "Logarithmic
Unbiased Quantization"), Section 4, and the supplementary code published with it on
OpenReview (https://openreview.net/forum?id=yTbNYYcopd; ``GradStochasticClippingQ.backward``:
``alpha = mx / 2**(2**bits - 1)`` with ``bits = 3`` exponent bits, i.e. ``max / 2^7`` for the
4-bit format).

Word (``luqN``, N bits): ``sign | exponent field E`` (N-1 bits). ``E = 0`` is zero; ``E >= 1``
reads ``(-1)^s * 2^E`` in units of the scale. With ``Emax = 2^(N-1) - 1`` (7 for luq4) and the
LUQ scale ``alpha = max|x| / 2^Emax`` (``scale="max"``), the top level ``2^Emax * alpha`` is the
tensor maximum, so nothing clips (clipping would bias the quantizer, LUQ Section 4 point 2).
The levels of luq4 are therefore exactly ``{0} U {±max * 2^-k : k = 0..6}``.

Why zero takes an exponent code: LUQ's reference code emits the eight magnitudes
``alpha * 2^k, k = 0..7`` *and* zero (from stochastic underflow), 17 values, which 4 bits cannot
hold. Like an IEEE exponent field, E = 0 is kept for zero here, the top level is kept at max, and
the smallest level is ``2 * alpha = max / 2^6``; the underflow threshold is that smallest level.
The quantizer stays unbiased; it has one magnitude fewer than the reference code.

Rounding of ``a = |v|`` (v in units of the scale), between the neighbouring levels lo < hi:

* ``a < 2`` (below the smallest level): lo = 0, hi = 2. Stochastically this is LUQ's *stochastic
  underflow* ``T_alpha`` (Eq. 10): hi with probability ``a / 2``, else 0, so ``E = a``.
* ``2^n <= a < 2^(n+1)``, ``1 <= n < Emax``: lo = 2^n, hi = 2^(n+1). Stochastically this is
  LUQ's logarithmic SR (Eq. 12): hi with probability ``(a - 2^n) / 2^n``, so ``E = a``.
* ``a >= 2^Emax``: the top level (saturation; never reached above max with ``scale="max"``).

LUQ is ``Q_alpha(T_alpha(x))`` (Eq. 15), unbiased by the law of total expectation (Eq. 16); with
the two steps merged into one choice between neighbours, as here, the output law is the same:
below the smallest level T_alpha already returns a level, and above it T_alpha is the identity.
Round to nearest (not part of LUQ; offered for comparison, as LUQ's "FP4" baseline) picks the
linearly nearer level (midpoint ``1.5 * 2^n``, LUQ Eq. 13-14; midpoint 1 between 0 and 2) with
ties to the even exponent field. Zero results take the code 0 (the code ``1 | E=0``, "-0", reads
as 0 too). NaN inputs are rejected; ±inf saturates.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hwsim.numerics.rounding import FloatArray, round_up

IntArray = npt.NDArray[np.int64]


def luq_emax(bits: int) -> int:
    """Largest exponent field of an N-bit LUQ word: ``2^(N-1) - 1`` (7 for luq4)."""
    if not 2 <= bits <= 16:
        raise ValueError(f"luq formats need 2..16 bits, got {bits}")
    return (1 << (bits - 1)) - 1


def encode_luq(v: FloatArray, bits: int, u: FloatArray | None) -> IntArray:
    """Raw N-bit codes of `v` (in units of the scale); RNE when `u` is None, else stochastic."""
    v = np.asarray(v, dtype=np.float64)
    if np.isnan(v).any():
        raise ValueError(f"luq{bits} has no NaN code, but the input holds NaN")
    top = luq_emax(bits)
    a = np.minimum(np.abs(v), float(2**top))  # saturate (and ±inf) to the top level
    n = np.frexp(a)[1].astype(np.int64) - 1  # floor(log2 a) for a > 0
    under = a < 2.0
    lo_field = np.where(under, 0, n)
    lo = np.where(under, 0.0, np.ldexp(1.0, np.maximum(n, 0)))
    hi = np.where(under, 2.0, 2.0 * lo)
    up = round_up(a, lo, hi, lo_field % 2 == 0, u) & (a < 2.0**top)
    field = np.minimum(lo_field + up, top)
    sign = np.signbit(v) & (field > 0)
    return (sign.astype(np.int64) << (bits - 1)) | field


def decode_luq(codes: npt.ArrayLike, bits: int) -> FloatArray:
    """Values of raw codes in units of the scale: 0 for E = 0, else ``±2^E``."""
    codes = np.asarray(codes, dtype=np.int64)
    field = codes & luq_emax(bits)
    mag = np.where(field == 0, 0.0, np.ldexp(1.0, field))
    return np.where((codes >> (bits - 1)) & 1 == 1, -mag, mag)


def luq_top(bits: int) -> float:
    """Largest magnitude in units of the scale, ``2^Emax``: ``scale="max"`` is max|x| / this."""
    return float(2 ** luq_emax(bits))
