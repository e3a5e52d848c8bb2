"""Bit-exact golden model of ``rtl/quantizer.v``: a signed fixed-point value to a narrow format.

Input: ``x`` a signed IN_W-bit integer, ``shift`` in 0..31; the real value is ``v = x / 2^shift``
(a power-of-two scale, the scaling hardware-deployable quantizers use). Output: a raw OUT_W-bit
word ``y`` and a flag ``sat``. Write ``q = floor(v)`` and ``r = x - q*2^shift`` (the discarded
bits, ``0 <= r < 2^shift``).

mode 0, round to nearest, ties to even:
    y = q + 1 if ``r > 2^(shift-1)`` or (``r == 2^(shift-1)`` and q is odd), else q.
mode 1, stochastic rounding:
    y = q + 1 if ``floor(r * 2^IN_W / 2^shift) > rnd`` else q, with ``rnd`` the IN_W-bit unsigned
    random input. For uniform rnd, P(round up) = floor(phi*2^IN_W) / 2^IN_W with phi = r/2^shift
    the discarded fraction, so E[y] = v exactly when shift <= IN_W (phi*2^IN_W is an integer) and
    E[y] is within 2^-IN_W (below) of v otherwise. Exact values (r = 0) never round.
modes 0 and 1 then saturate y to ``[-2^(OUT_W-1), 2^(OUT_W-1) - 1]``; ``sat`` = 1 when clipped.
    y is returned as the raw OUT_W-bit two's-complement pattern (what the RTL port carries).
mode 2, LNS encoding (:func:`hwsim.numerics.lns.encode_scaled`, word format of ``lns_add`` with
    W = OUT_W and F fractional log bits):
    * x = 0 gives the canonical zero word (sign 0, e = EMIN), sat = 0;
    * x < 0 sets the sign bit and encodes |x| / 2^shift (sign-magnitude, not two's complement);
    * e is the nearest integer to ``2^F * log2(|x| / 2^shift)``. The rounding boundary between
      e and e+1 lies at ``|v| = 2^((e + 1/2) / 2^F)``, the geometric (not arithmetic) midpoint,
      and is irrational, so no input is a tie;
    * e > EMAX saturates to the largest magnitude (sign kept), sat = 1;
      e <= EMIN (too small to represent) flushes to zero, sat = 1.
mode 3 is reserved and behaves as mode 2 (the RTL decodes ``mode[1]`` first).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hwsim.numerics import lns

IntArray = npt.NDArray[np.int64]

SHIFT_MAX = 31


def _check(IN_W: int, OUT_W: int, F: int) -> None:
    if not 2 <= OUT_W <= IN_W <= 32:
        raise ValueError(f"need 2 <= OUT_W ({OUT_W}) <= IN_W ({IN_W}) <= 32")
    if F not in lns.F_SUPPORTED:
        raise ValueError(f"F={F} outside {lns.F_SUPPORTED}")


def quantize(
    x: int, shift: int, mode: int, rnd: int, IN_W: int = 16, OUT_W: int = 8, F: int = 3
) -> tuple[int, int]:
    """``(y, sat)`` for one input; y is the raw OUT_W-bit word. See the module docstring."""
    _check(IN_W, OUT_W, F)
    if not -(1 << (IN_W - 1)) <= x < 1 << (IN_W - 1):
        raise ValueError(f"x={x} is not a signed {IN_W}-bit integer")
    if not 0 <= shift <= SHIFT_MAX or not 0 <= mode <= 3 or not 0 <= rnd < 1 << IN_W:
        raise ValueError(f"shift={shift}, mode={mode} or rnd={rnd} out of range")
    if mode & 2:
        return lns.encode_scaled(x, shift, OUT_W, F)
    q = x >> shift
    r = x - (q << shift)
    if mode == 0:
        half = (1 << shift) >> 1  # 0 when shift = 0, and then r = 0 too
        up = shift > 0 and (r > half or (r == half and q & 1 == 1))
    else:
        up = ((r << IN_W) >> shift) > rnd
    v = q + int(up)
    hi, lo = (1 << (OUT_W - 1)) - 1, -(1 << (OUT_W - 1))
    clipped = min(max(v, lo), hi)
    return clipped & ((1 << OUT_W) - 1), int(clipped != v)


def quantize_np(
    x: npt.ArrayLike,
    shift: npt.ArrayLike,
    mode: npt.ArrayLike,
    rnd: npt.ArrayLike,
    IN_W: int = 16,
    OUT_W: int = 8,
    F: int = 3,
) -> tuple[IntArray, IntArray]:
    """Vectorised :func:`quantize` (arrays broadcast; same results element by element)."""
    _check(IN_W, OUT_W, F)
    x, shift, mode, rnd = np.broadcast_arrays(*(np.asarray(v, dtype=np.int64) for v in
                                                (x, shift, mode, rnd)))
    # modes 0/1: r << IN_W < 2^(31+32) fits int64
    q = x >> shift
    r = x - (q << shift)
    half = (np.int64(1) << shift) >> 1
    up_rne = (shift > 0) & ((r > half) | ((r == half) & (q & 1 == 1)))
    up_sr = ((r << IN_W) >> shift) > rnd
    v = q + np.where(mode & 1, up_sr, up_rne)
    hi, lo = (1 << (OUT_W - 1)) - 1, -(1 << (OUT_W - 1))
    clipped = np.clip(v, lo, hi)
    y_lin = clipped & ((1 << OUT_W) - 1)
    sat_lin = (clipped != v).astype(np.int64)
    # mode 2: e = 2^F*(p - shift) + k, k = thresholds reached by the mantissa normalised to P bits
    P = IN_W - 1
    mag = np.abs(x)
    p = np.frexp(np.maximum(mag, 1).astype(np.float64))[1].astype(np.int64) - 1  # exact < 2^53
    m = mag << (P - p)
    k = np.searchsorted(np.array(lns.log_thresholds(F, P), dtype=np.int64), m, side="right")
    e = ((p - shift) << F) + k
    y_lns = np.where(mag == 0, lns.zero_word(OUT_W), lns.pack_np(x < 0, e, OUT_W))
    under = (e <= lns.emin(OUT_W)) & (mag > 0)
    sat_lns = ((e > lns.emax(OUT_W)) | under).astype(np.int64)
    is_lns = (mode & 2) != 0
    return np.where(is_lns, y_lns, y_lin), np.where(is_lns, sat_lns, sat_lin)


def value_of(y: int, mode: int, OUT_W: int = 8, F: int = 3) -> float:
    """Real value of an output word: signed integer in modes 0/1, LNS value in modes 2/3."""
    if mode & 2:
        return lns.decode(y, OUT_W, F)
    return float(y - (1 << OUT_W) if y >> (OUT_W - 1) else y)
