"""Binary floating-point formats with E exponent and M mantissa bits: encode and decode, exactly.

Word: ``sign | exponent field (E bits) | mantissa field (M bits)``, ``bias = 2^(E-1) - 1``,
``emin = 1 - bias`` (exponent of the smallest normal). A field ``f`` with mantissa ``m`` reads
``(-1)^s * (1 + m/2^M) * 2^(f - bias)`` for ``f >= 1`` (normal) and
``(-1)^s * (m/2^M) * 2^emin`` for ``f = 0`` (subnormal, and the signed zeros). Special codes:

* IEEE-like (every format but E4M3; this is IEEE 754 binary16/binary32, bfloat16, and OCP's
  E5M2): ``f = 2^E - 1`` with ``m = 0`` is ±infinity, with ``m != 0`` NaN. The largest finite
  value is ``(2 - 2^-M) * 2^bias`` (fp16 65504, bf16 3.3895e38, E5M2 57344). Produced NaN is the
  quiet NaN ``m = 2^(M-1)`` (numpy's ``float16(nan)`` = 0x7E00) with the input's sign bit; a
  format with M = 0 has no NaN code.
* OCP E4M3 (``fp8_e4m3``, "E4M3FN"; OCP 8-bit Floating Point Specification, 2023): no
  infinities; only ``S.1111.111`` is NaN, so ``f = 15`` holds normal values up to
  ``S.1111.110 = 1.75 * 2^8 = 448``.
* Finite (:func:`finite_layout`; OCP Microscaling v1.0's FP6 E3M2, FP6 E2M3 and FP4 E2M1, the
  "fn" types of ml_dtypes): no infinities and no NaN; ``f = 2^E - 1`` holds normal values, so the
  largest finite value is ``(2 - 2^-M) * 2^(2^E - 1 - bias)`` (E2M1: 6, E3M2: 28, E2M3: 7.5).

Encoding a float64 ``v`` (after scaling): with ``e = max(floor(log2|v|), emin)`` and the
quantum ``2^(e-M)``, ``n = |v| / 2^(e-M)`` is exact (a power-of-two scaling) and is rounded to
an integer ``r``: RNE (``np.rint``) or stochastically between ``floor(n)`` and ``floor(n) + 1``
(:mod:`hwsim.numerics.rounding`). The magnitude code is ``(e - emin) * 2^M + r``: a carry
``r = 2^(M+1)`` moves to the next binade and a subnormal ``r = 2^M`` becomes the smallest normal
by the same sum, because codes of an IEEE-like layout are ordered like the values they hold.
Rounding with an unbounded exponent and then testing the code against the largest finite code is
IEEE 754's overflow rule: the result overflows when it *rounds* beyond the maximum (fp16: 65519.99
→ 65504, 65520 → overflow; E4M3: 464 is the tie between 448 (even) and 480 → 448).

Overflow (a finite result beyond the largest finite value, or an infinite input):

* ``saturate=False`` (IEEE 754 default; OCP's non-saturating mode): ±inf where the format has
  infinities, NaN otherwise (E4M3). This is numpy's float16/float32 cast and ml_dtypes' FP8 cast.
  A finite layout has neither and saturates in both modes (as ml_dtypes' FP6/FP4 casts).
* ``saturate=True`` (OCP's saturating mode): ±largest finite value; infinite inputs saturate too.

NaN inputs give the NaN code (ValueError in a format without one). Signed zeros keep their
sign, and a nonzero value that rounds to zero keeps its sign (IEEE: -1e-10 → -0 in fp16).
Subnormals are produced and read (gradual underflow); nothing flushes to zero. All values of
formats with E <= 8 and M <= 23 are float64 values, and every step above is exact in float64
for them, hence the supported range.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from hwsim.numerics.rounding import FloatArray, stochastic_up

IntArray = npt.NDArray[np.int64]

E_MAX_SUPPORTED, M_MAX_SUPPORTED = 8, 23


@dataclass(frozen=True, slots=True)
class FloatLayout:
    """Constants of an E/M layout; see the module docstring."""

    e: int
    m: int
    bias: int
    emin: int
    ocp_e4m3: bool
    max_code: int  # largest finite magnitude code
    inf_code: int  # magnitude code of infinity, -1 if none
    nan_code: int  # magnitude code of the produced NaN, -1 if none

    @property
    def max_value(self) -> float:
        """Largest finite magnitude."""
        return float(decode_float(np.array(self.max_code), self)[()])

    @property
    def has_inf(self) -> bool:
        return self.inf_code >= 0


@cache
def float_layout(exponent_bits: int, mantissa_bits: int) -> FloatLayout:
    """Layout of the format; E4M3 is OCP's E4M3FN, every other pair IEEE-like."""
    e, m = exponent_bits, mantissa_bits
    if not (1 <= e <= E_MAX_SUPPORTED and 0 <= m <= M_MAX_SUPPORTED):
        raise ValueError(f"fp formats need 1 <= exponent bits <= {E_MAX_SUPPORTED} and "
                         f"0 <= mantissa bits <= {M_MAX_SUPPORTED}, got e{e}m{m}")
    bias = (1 << (e - 1)) - 1
    top = ((1 << e) - 1) << m  # exponent field all ones, mantissa 0
    if (e, m) == (4, 3):
        return FloatLayout(e, m, bias, 1 - bias, True, top | 0b110, -1, top | 0b111)
    nan = top | (1 << (m - 1)) if m > 0 else -1
    return FloatLayout(e, m, bias, 1 - bias, False, top - 1, top, nan)


@cache
def finite_layout(exponent_bits: int, mantissa_bits: int) -> FloatLayout:
    """Layout without infinities and NaN: every code is a finite value (OCP MX FP6 and FP4)."""
    lay = float_layout(exponent_bits, mantissa_bits)  # validates the widths
    all_ones = (1 << (lay.e + lay.m)) - 1
    return FloatLayout(lay.e, lay.m, lay.bias, lay.emin, False, all_ones, -1, -1)


def encode_float(v: FloatArray, lay: FloatLayout, u: FloatArray | None,
                 saturate: bool) -> IntArray:
    """Raw codes of float64 values `v`: RNE when `u` is None, else stochastic with uniforms u."""
    v = np.asarray(v, dtype=np.float64)
    nan, finite = np.isnan(v), np.isfinite(v)
    if nan.any() and lay.nan_code < 0:
        raise ValueError(f"fp e{lay.e}m{lay.m} has no NaN code, but the input holds NaN")
    a = np.where(finite, np.abs(v), 0.0)
    e = np.maximum(np.frexp(a)[1].astype(np.int64) - 1, lay.emin)  # frexp(0) = (0, 0)
    e = np.where(a == 0.0, lay.emin, e)
    n = np.ldexp(a, -(e - lay.m))  # exact: |v| in units of the quantum 2^(e-M)
    if u is None:
        r = np.rint(n)
    else:
        lo = np.floor(n)
        r = lo + stochastic_up(n, lo, lo + 1.0, u)
    mag = ((e - lay.emin) << lay.m) + r.astype(np.int64)
    over = (mag > lay.max_code) | ~finite
    if lay.has_inf:
        fill = lay.max_code if saturate else lay.inf_code
    else:  # E4M3 overflows to NaN; a finite layout has no code beyond its maximum
        fill = lay.max_code if saturate or lay.nan_code < 0 else lay.nan_code
    mag = np.where(over, fill, mag)
    mag = np.where(nan, lay.nan_code, mag)
    return (np.signbit(v).astype(np.int64) << (lay.e + lay.m)) | mag


def decode_float(codes: npt.ArrayLike, lay: FloatLayout) -> FloatArray:
    """Values of raw codes (NaN for every NaN code, ±inf for the infinities)."""
    codes = np.asarray(codes, dtype=np.int64)
    mag = codes & ((1 << (lay.e + lay.m)) - 1)
    field, mant = mag >> lay.m, mag & ((1 << lay.m) - 1)
    normal = field > 0
    sig = np.where(normal, mant + (1 << lay.m), mant).astype(np.float64)
    val = np.ldexp(sig, np.where(normal, field - lay.bias, lay.emin) - lay.m)
    if lay.has_inf:  # IEEE-like: the all-ones exponent field holds inf and NaN
        special = field == (1 << lay.e) - 1
        val = np.where(special, np.where(mant == 0, np.inf, np.nan), val)
    elif lay.nan_code >= 0:  # OCP E4M3: one NaN code
        val = np.where(mag == lay.nan_code, np.nan, val)
    return np.where((codes >> (lay.e + lay.m)) & 1 == 1, -val, val)
