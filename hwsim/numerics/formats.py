"""Quantize and dequantize numpy arrays to every number format hwsim names, bit-exactly.

Public API (all vectorised; no Python loop over elements)::

    quantize_array(x, fmt, *, scale=None, axis=None, rounding="nearest", rng=None,
                   saturate=False) -> Quantized(codes, scale)
    dequantize_array(codes, fmt, scale=1.0, *, axis=None) -> values
    fake_quantize(x, fmt, **same keywords as quantize_array) -> dequantize(quantize(x))
    choose_scale(x, fmt, method="max" | "pow2", *, axis=None) -> scale
    max_level(fmt) -> largest magnitude of the format, in units of the scale

`fmt` is a :class:`~hwsim.precision.formats.NumberFormat` or a name (``"int8"``, ``"fp8_e4m3"``,
``"lns8_f3"``, ``"luq4"``, ...). **Codes** are the raw words as stored (an int64 array of
unsigned bit patterns in ``[0, 2^bits)``), what the RTL carries. A code's value is
``scale * format_value(code)``; quantizing rounds ``v = x / scale`` (computed in float64; exact
when the scale is a power of two) to a code.

Format values and conventions (details in the docstring of each codec):

* ``intB``: two's-complement integers ``[-2^(B-1), 2^(B-1) - 1]``; ``uintB``: ``[0, 2^B - 1]``.
  Out-of-range values (and ±inf) saturate to the end of the range, as ``rtl/quantizer.v``.
  Widths up to 53 bits (every level a float64).
* ``fp``: :mod:`hwsim.numerics.floats` (IEEE-like with subnormals, inf and NaN; OCP E4M3 without
  inf; overflow to inf/NaN or, with ``saturate=True``, to ±max).
* ``lnsW_fF``: the word of :mod:`hwsim.numerics.lns` (sign, (W-1)-bit two's-complement log
  magnitude e, value ``(-1)^s 2^(e/2^F)``, e = EMIN is zero). Nearest rounding is
  :func:`hwsim.numerics.lns.encode` (nearest e in the log domain; e > EMAX saturates, e <= EMIN
  flushes to zero), bit for bit. Stochastic rounding picks the linear neighbours
  ``2^(e/2^F) <= |v| < 2^((e+1)/2^F)`` with the unbiased law; below the smallest level it
  rounds stochastically to 0 or that level (unbiased); at or above the largest it saturates.
  F <= 6 (the range of the RTL tables).
* ``luqN``: :mod:`hwsim.numerics.luq`.
* ``binary``: one bit, code 0 = +1 and code 1 = -1 (the sign bit). Nearest: -1 for v < 0, else
  +1 (v = 0 is the tie between -1 and +1 and goes to the even code, +1: BinaryConnect's
  ``sign``). Stochastic: +1 with probability ``(clip(v, -1, 1) + 1) / 2``, BinaryConnect's
  hard-sigmoid binarization (Courbariaux et al., 2015), unbiased for ``|v| <= 1``.

NaN inputs give the NaN code in fp formats and raise ValueError in formats without one.

Scales (`scale`): ``None`` means 1 (codes hold absolute values); a positive number or an array
broadcastable to x (with `axis`, a 1-D array of one scale per channel along `axis`); ``"max"``
or ``"pow2"``: :func:`choose_scale` over the whole tensor (axis None) or per channel (axis k).
The resolved scale, shaped to broadcast against x, is returned with the codes.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hwsim.numerics import lns
from hwsim.numerics.floats import decode_float, encode_float, float_layout
from hwsim.numerics.luq import decode_luq, encode_luq, luq_top
from hwsim.numerics.rounding import (
    FloatArray,
    RngLike,
    pow2_scale,
    reduce_axes,
    stochastic_up,
    uniforms,
)
from hwsim.precision.formats import NumberFormat, parse_format

IntArray = npt.NDArray[np.int64]
INT_BITS_MAX = 53


class Quantized(NamedTuple):
    """Raw codes (int64, same shape as the input) and the scale they are in units of."""

    codes: IntArray
    scale: FloatArray


def _format(fmt: NumberFormat | str) -> NumberFormat:
    out = fmt if isinstance(fmt, NumberFormat) else parse_format(fmt)
    if out.kind in ("int", "uint") and out.bits > INT_BITS_MAX:
        raise ValueError(f"{out.name}: integer formats up to {INT_BITS_MAX} bits are supported")
    if out.kind == "lns" and out.frac_bits not in lns.F_SUPPORTED:
        raise ValueError(f"{out.name}: lns needs F in {lns.F_SUPPORTED.start}.."
                         f"{lns.F_SUPPORTED.stop - 1}")
    if out.kind == "fp":
        float_layout(out.exponent_bits, out.mantissa_bits)  # raises for unsupported widths
    return out


def _no_nan(v: FloatArray, fmt: NumberFormat) -> None:
    if np.isnan(v).any():
        raise ValueError(f"{fmt.name} has no NaN code, but the input holds NaN")


# --- int / uint --------------------------------------------------------------------------------


def _int_range(fmt: NumberFormat) -> tuple[int, int]:
    if fmt.kind == "int":
        return -(1 << (fmt.bits - 1)), (1 << (fmt.bits - 1)) - 1
    return 0, (1 << fmt.bits) - 1


def _encode_int(v: FloatArray, fmt: NumberFormat, u: FloatArray | None) -> IntArray:
    """Integer nearest to v (ties to even: ``np.rint``) or stochastic between floor(v) and
    floor(v) + 1, saturated to the range; returned as the two's-complement pattern, as the
    output of ``rtl/quantizer.v``."""
    _no_nan(v, fmt)
    lo, hi = _int_range(fmt)
    if u is None:
        r = np.rint(v)
    else:
        with np.errstate(invalid="ignore"):  # inf - inf for infinite inputs; clipped below
            f = np.floor(v)
            r = np.where(np.isfinite(v), f + stochastic_up(v, f, f + 1.0, u), v)
    r = np.clip(r, lo, hi).astype(np.int64)
    return r & ((1 << fmt.bits) - 1)


def _decode_int(codes: IntArray, fmt: NumberFormat) -> FloatArray:
    if fmt.kind == "int":
        codes = np.where(codes >> (fmt.bits - 1) == 1, codes - (1 << fmt.bits), codes)
    return codes.astype(np.float64)


# --- lns ---------------------------------------------------------------------------------------


@cache
def floor_log_thresholds(F: int) -> tuple[int, ...]:
    """``D_j = ceil(2^52 * 2^(j/2^F))``, ``j = 1..2^F-1``: a mantissa ``M = m * 2^52``
    (``1 <= m < 2``) has ``floor(2^F log2 m) = #{j : M >= D_j}``, exactly.

    ``2^(j/2^F)`` is irrational for these j, so ``M >= D_j <=> m > 2^(j/2^F)``; D_j is the least
    D with ``D^(2^F) >= 2^(52 * 2^F + j)``, found by bisection as in
    :func:`hwsim.numerics.lns.log_thresholds_q63`.
    """
    n = 1 << F
    return tuple(lns.least_root_at_least(1 << (52 * n + j), n, 1 << 52, 1 << 53)
                 for j in range(1, n))


def _mantissa_q52(a: FloatArray) -> tuple[IntArray, IntArray]:
    """``(p, M)`` with ``a = (M / 2^52) * 2^p`` exactly, ``2^52 <= M < 2^53`` (a > 0 finite)."""
    m, ex = np.frexp(a)
    return ex.astype(np.int64) - 1, np.ldexp(m, 53).astype(np.int64)


def _encode_lns(v: FloatArray, fmt: NumberFormat, u: FloatArray | None) -> IntArray:
    """LNS words; see the module docstring (nearest = :func:`hwsim.numerics.lns.encode`)."""
    _no_nan(v, fmt)
    W, F = fmt.bits, fmt.frac_bits
    e_lo, e_hi = lns.emin(W), lns.emax(W)
    a = np.abs(v)
    big = a > 2.0 ** ((e_hi + 1) / (1 << F))  # far above the range (and inf): saturate
    a_fin = np.where((a == 0) | big, 1.0, a)
    p, mant = _mantissa_q52(a_fin)
    if u is None:
        table = np.array(lns.log_thresholds(F, 52), dtype=np.int64)
        e = (p << F) + np.searchsorted(table, mant, side="right")
    else:
        table = np.array(floor_log_thresholds(F), dtype=np.int64)
        e_f = (p << F) + np.searchsorted(table, mant, side="right")  # floor(2^F log2 a)
        under = e_f <= e_lo  # below the smallest level 2^((EMIN+1)/2^F): round to 0 or it
        base = np.where(under, e_lo, e_f)
        lo = np.where(under, 0.0, np.power(2.0, base / float(1 << F)))
        hi = np.power(2.0, (base + 1) / float(1 << F))
        e = base + stochastic_up(np.clip(a_fin, lo, hi), lo, hi, u)
    e = np.where(big, e_hi, e)
    return np.where(a == 0, lns.zero_word(W), lns.pack_np(np.signbit(v), e, W))


def _decode_lns(codes: IntArray, fmt: NumberFormat) -> FloatArray:
    """``(-1)^s 2^(e/2^F)`` (the expression of :func:`hwsim.numerics.lns.decode`), 0 at EMIN."""
    W, F = fmt.bits, fmt.frac_bits
    sign, e = lns.unpack_np(codes, W)
    mag = np.where(e == lns.emin(W), 0.0, np.power(2.0, e / float(1 << F)))
    return np.where(sign == 1, -mag, mag)


# --- binary ------------------------------------------------------------------------------------


def _encode_binary(v: FloatArray, fmt: NumberFormat, u: FloatArray | None) -> IntArray:
    _no_nan(v, fmt)
    if u is None:
        return (v < 0).astype(np.int64)
    return (~stochastic_up(np.clip(v, -1.0, 1.0), -1.0, 1.0, u)).astype(np.int64)


# --- dispatch and public API -------------------------------------------------------------------


def max_level(fmt: NumberFormat | str) -> float:
    """Largest finite magnitude of the format in units of the scale (int8 127, uint4 15, fp16
    65504, fp8_e4m3 448, lns8_f3 2^(63/8), luq4 2^7, binary 1)."""
    f = _format(fmt)
    if f.kind in ("int", "uint"):
        return float(_int_range(f)[1])
    if f.kind == "fp":
        return float_layout(f.exponent_bits, f.mantissa_bits).max_value
    if f.kind == "lns":
        return 2.0 ** (lns.emax(f.bits) / (1 << f.frac_bits))
    if f.kind == "luq":
        return luq_top(f.bits)
    return 1.0


def choose_scale(x: npt.ArrayLike, fmt: NumberFormat | str, method: str = "max", *,
                 axis: int | None = None) -> FloatArray:
    """Scale from the data, per tensor (axis None) or per channel along `axis` (keepdims shape).

    ``"max"``: ``max|x| / max_level(fmt)``, so the largest magnitude maps to the largest level
    (nothing saturates; for luq this is LUQ's ``alpha = max / 2^7``). For ``binary``, which has
    one magnitude, it is ``mean|x|``, the XNOR-Net scale (Rastegari et al., 2016) that minimises
    ``||x - s sign(x)||^2``. ``"pow2"``: the "max" scale rounded to a power of two as MQBench
    does (:func:`hwsim.numerics.rounding.pow2_scale`). A channel of zeros gets scale 1.
    """
    f = _format(fmt)
    x = np.asarray(x, dtype=np.float64)
    if method not in ("max", "pow2"):
        raise ValueError(f"scale method must be 'max' or 'pow2', got {method!r}")
    if not np.isfinite(x).all():
        raise ValueError("a data-derived scale needs a finite input")
    if f.kind == "int" and f.bits == 1:
        raise ValueError("int1 has no positive level; give an explicit scale")
    axes = reduce_axes(x.ndim, axis)
    absx = np.abs(x)
    if f.kind == "binary":
        stat = np.mean(absx, axis=axes, keepdims=True)
    else:
        stat = np.max(absx, axis=axes, keepdims=True, initial=0.0)
    s = np.where(stat > 0, stat / max_level(f), 1.0)
    return pow2_scale(s) if method == "pow2" else s


def _explicit_scale(ndim: int, scale: float | npt.ArrayLike, axis: int | None) -> FloatArray:
    """A given scale as an array: a 1-D array with `axis` is one scale per channel of that axis."""
    s = np.asarray(scale, dtype=np.float64)
    if axis is not None and s.ndim == 1:
        reduce_axes(ndim, axis)  # validates axis
        shape = [1] * ndim
        shape[axis % ndim] = s.size
        s = s.reshape(shape)
    if not (np.isfinite(s) & (s > 0)).all():
        raise ValueError("scales must be positive and finite")
    return s


def _resolve_scale(x: FloatArray, f: NumberFormat, scale: float | npt.ArrayLike | str | None,
                   axis: int | None) -> FloatArray:
    if scale is None:
        return np.ones((1,) * x.ndim)
    if isinstance(scale, str):
        return choose_scale(x, f, scale, axis=axis)
    s = _explicit_scale(x.ndim, scale, axis)
    try:
        np.broadcast_shapes(s.shape, x.shape)
    except ValueError:
        raise ValueError(f"a scale of shape {s.shape} does not fit values of shape "
                         f"{x.shape}") from None
    return s


def quantize_array(
    x: npt.ArrayLike,
    fmt: NumberFormat | str,
    *,
    scale: float | npt.ArrayLike | str | None = None,
    axis: int | None = None,
    rounding: str = "nearest",
    rng: RngLike = None,
    saturate: bool = False,
) -> Quantized:
    """Codes of ``x / scale`` in `fmt`; see the module docstring for every format's rule.

    `rounding` is ``"nearest"`` (ties to even) or ``"stochastic"`` (unbiased, uniforms from
    `rng`, an int seed or a numpy Generator: required, never global state; see
    :mod:`hwsim.numerics.rounding`). `saturate` applies to fp formats only (the others always
    saturate). Returns :class:`Quantized` ``(codes, scale)``, the scale resolved and shaped to
    broadcast against x.
    """
    f = _format(fmt)
    with np.errstate(invalid="ignore"):  # signalling NaNs among float32 inputs are quieted
        xa = np.asarray(x, dtype=np.float64)
    s = _resolve_scale(xa, f, scale, axis)
    with np.errstate(invalid="ignore"):
        v = xa / s
    u = uniforms(rounding, rng, v.shape)
    if f.kind in ("int", "uint"):
        codes = _encode_int(v, f, u)
    elif f.kind == "fp":
        codes = encode_float(v, float_layout(f.exponent_bits, f.mantissa_bits), u, saturate)
    elif f.kind == "lns":
        codes = _encode_lns(v, f, u)
    elif f.kind == "luq":
        codes = encode_luq(v, f.bits, u)
    else:
        codes = _encode_binary(v, f, u)
    return Quantized(np.asarray(codes, dtype=np.int64), s)


def dequantize_array(codes: npt.ArrayLike, fmt: NumberFormat | str,
                     scale: float | npt.ArrayLike = 1.0, *, axis: int | None = None) -> FloatArray:
    """Values ``scale * format_value(code)`` of raw codes (float64, NaN/±inf for fp specials)."""
    f = _format(fmt)
    c = np.asarray(codes, dtype=np.int64)
    if c.size and (c.min() < 0 or c.max() >= 1 << f.bits):
        raise ValueError(f"{f.name} codes must lie in [0, 2^{f.bits})")
    s = _explicit_scale(c.ndim, scale, axis)
    if f.kind in ("int", "uint"):
        val = _decode_int(c, f)
    elif f.kind == "fp":
        val = decode_float(c, float_layout(f.exponent_bits, f.mantissa_bits))
    elif f.kind == "lns":
        val = _decode_lns(c, f)
    elif f.kind == "luq":
        val = decode_luq(c, f.bits)
    else:
        val = 1.0 - 2.0 * c
    return val * s


def fake_quantize(
    x: npt.ArrayLike,
    fmt: NumberFormat | str,
    *,
    scale: float | npt.ArrayLike | str | None = None,
    axis: int | None = None,
    rounding: str = "nearest",
    rng: RngLike = None,
    saturate: bool = False,
) -> FloatArray:
    """``dequantize_array(*quantize_array(x, ...))``: x as the format represents it, in float64."""
    f = _format(fmt)
    q = quantize_array(x, f, scale=scale, axis=axis, rounding=rounding, rng=rng,
                       saturate=saturate)
    return dequantize_array(q.codes, f, q.scale)


__all__ = ["Quantized", "choose_scale", "dequantize_array", "fake_quantize", "max_level",
           "quantize_array"]
