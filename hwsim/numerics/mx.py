"""Quantize and dequantize numpy arrays to block-scaled formats (OCP MX, NVFP4), bit-exactly.

Public API (vectorised; formats and names in :mod:`hwsim.numerics.block_formats`)::

    quantize_blocks(x, fmt, *, axis=-1, rounding="nearest", rng=None, tensor_scale=None)
        -> BlockQuantized(codes, scales, tensor_scale)
    dequantize_blocks(q, fmt, *, axis=-1) -> values (float64)
    fake_quantize_blocks(x, fmt, **same keywords) -> dequantize_blocks(quantize_blocks(x, ...))

Blocks are ``k`` consecutive elements along `axis` (the reduction dimension); a last partial
block is scaled from its own elements (:func:`~hwsim.numerics.block_formats.to_blocks`).
``codes`` are the raw element words (shape of x), ``scales`` the raw scale words (shape of x with
`axis` shortened to the number of blocks): E8M0 for MX, E4M3 for NVFP4 (:mod:`.nvfp4`).

**MX** (OCP Microscaling Formats v1.0, Section 6.3: converting a vector of scalar floats):
per block, ``shared = floor(log2(max_i |V_i|)) - emax_elem`` and ``X = 2^shared``; each element
is ``P_i = V_i / X`` rounded to the element format, values beyond its largest normal clamped to
it (saturation), ties to even. Then, by the E8M0 scale format (Section 5.4.1: bias 127, values
``2^-127 .. 2^127``, code 0xFF NaN, no zero and no infinities):

* ``shared < -127`` (tiny blocks) is raised to -127, the smallest E8M0 value; the elements then
  round (to subnormals or zero) in units of ``2^-127``. An all-zero block has no ``log2`` and
  gets the same code 0 (``X = 2^-127``), with zero elements (torchao does both alike).
* ``shared > 127`` (possible only for float64 inputs beyond float32's range) cannot be encoded:
  scale NaN, as the MX reference library (microsoft/microxcaling, ``_quantize_mx``) does.
* A NaN or an infinity among the block's inputs makes ``max |V_i|`` NaN or inf, whose ``log2``
  has no integer floor: the scale is NaN (code 0xFF), as microxcaling produces. By the spec's
  special-value rule (Section 5.1: when X is NaN every element of the block is NaN whatever its
  P_i), the element codes carry nothing; this model writes +0 codes there, as rtl/mx_quantizer.v.
  This holds for E5M2 too, whose elements could hold inf: one rule for every element format.

Stochastic rounding replaces the element rounding only (the scale is the same deterministic
power of two): with ``u = rng.random(x.shape)`` (:mod:`hwsim.numerics.rounding`), ``P_i`` rounds
up with probability equal to its distance from the lower neighbour, so ``E[P_i] = V_i / X``
wherever ``|V_i / X|`` does not exceed the element's largest normal. Elements above it saturate
(the spec's ``X`` leaves ``|V_i / X| < 2^(emax_elem + 1)``, e.g. up to 8 for E2M1 whose largest
value is 6), so near the block maximum stochastic MX rounding is biased towards zero.

``dequantize_blocks`` returns ``X * value(P_i)`` (float64, exact), NaN for every element of a
block with a NaN scale.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hwsim.numerics.block_formats import (
    BlockFormat,
    BlockQuantized,
    IntArray,
    block_format,
    from_blocks,
    to_blocks,
)
from hwsim.numerics.nvfp4 import nvfp4_scale_value, quantize_nvfp4
from hwsim.numerics.rounding import FloatArray, RngLike, uniforms

E8M0_BIAS = 127
E8M0_NAN = 0xFF
E8M0_EXP_MIN, E8M0_EXP_MAX = -127, 127


def e8m0_value(codes: npt.ArrayLike) -> FloatArray:
    """``2^(c - 127)`` for E8M0 codes c in 0..254, NaN for 255."""
    c = np.asarray(codes, dtype=np.int64)
    return np.where(c == E8M0_NAN, np.nan, np.ldexp(1.0, c - E8M0_BIAS))


def mx_scale_codes(amax: FloatArray, emax_elem: int) -> IntArray:
    """E8M0 codes of the shared scales of blocks whose largest magnitudes are `amax` (float64;
    NaN/inf for blocks holding a NaN/infinity); the rules are in the module docstring."""
    special = ~np.isfinite(amax)
    tiny = special | (amax == 0)
    floor_log2 = np.frexp(np.where(tiny, 1.0, amax))[1].astype(np.int64) - 1  # exact
    shared = np.where(tiny, E8M0_EXP_MIN, np.maximum(floor_log2 - emax_elem, E8M0_EXP_MIN))
    nan = special | (shared > E8M0_EXP_MAX)
    return np.where(nan, E8M0_NAN, shared + E8M0_BIAS)


def _quantize_mx(x: FloatArray, f: BlockFormat, axis: int, u: FloatArray | None) -> BlockQuantized:
    n = x.shape[axis]
    blocks = to_blocks(x, axis, f.block)
    with np.errstate(invalid="ignore"):
        amax = np.max(np.abs(blocks), axis=-1, initial=0.0)  # NaN if the block holds a NaN
    scales = mx_scale_codes(amax, f.element.emax)
    nan = (scales == E8M0_NAN)[..., None]
    shared = np.where(nan[..., 0], 0, scales - E8M0_BIAS)[..., None]
    v = np.where(nan, 0.0, np.ldexp(blocks, -shared))  # exact: a power-of-two scaling
    ub = None if u is None else to_blocks(u, axis, f.block)
    codes = np.where(nan, 0, f.element.encode(v, ub))
    return BlockQuantized(from_blocks(codes, axis, n), np.moveaxis(scales, -1, axis), 1.0)


def quantize_blocks(
    x: npt.ArrayLike,
    fmt: BlockFormat | str,
    *,
    axis: int = -1,
    rounding: str = "nearest",
    rng: RngLike = None,
    tensor_scale: float | None = None,
) -> BlockQuantized:
    """Element and scale codes of x in a block format, blocks along `axis`.

    `rounding` is ``"nearest"`` (ties to even) or ``"stochastic"`` (`rng`: an int seed or a
    numpy Generator; elements only). `tensor_scale` is NVFP4's per-tensor FP32 scale (None:
    from the data, :func:`hwsim.numerics.nvfp4.tensor_scale_of`); MX formats reject it.
    """
    f = block_format(fmt)
    with np.errstate(invalid="ignore"):
        xa = np.asarray(x, dtype=np.float64)
    if xa.ndim == 0:
        raise ValueError("block quantization needs an array of at least one dimension")
    u = uniforms(rounding, rng, xa.shape)
    if f.scale == "e4m3_fp32":
        return quantize_nvfp4(xa, f, axis, u, tensor_scale)
    if tensor_scale is not None:
        raise ValueError(f"{f.name}: a per-tensor scale applies to NVFP4 formats only")
    return _quantize_mx(xa, f, axis, u)


def dequantize_blocks(q: BlockQuantized, fmt: BlockFormat | str, *, axis: int = -1) -> FloatArray:
    """Values of quantized blocks: element value times block scale (times the tensor scale)."""
    f = block_format(fmt)
    codes = np.asarray(q.codes, dtype=np.int64)
    scales = np.asarray(q.scales, dtype=np.int64)
    n = codes.shape[axis]
    if scales.shape[axis] != -(-n // f.block):
        raise ValueError(f"{f.name}: {n} elements along axis {axis} need "
                         f"{-(-n // f.block)} scales, got {scales.shape[axis]}")
    if f.scale == "e4m3_fp32":
        scale = nvfp4_scale_value(scales) * q.tensor_scale
    else:
        scale = e8m0_value(scales)
    values = to_blocks(f.element.decode(codes), axis, f.block)
    return from_blocks(values * np.moveaxis(scale, axis, -1)[..., None], axis, n)


def fake_quantize_blocks(
    x: npt.ArrayLike,
    fmt: BlockFormat | str,
    *,
    axis: int = -1,
    rounding: str = "nearest",
    rng: RngLike = None,
    tensor_scale: float | None = None,
) -> FloatArray:
    """``dequantize_blocks(quantize_blocks(x, ...))``: x as the block format represents it."""
    f = block_format(fmt)
    q = quantize_blocks(x, f, axis=axis, rounding=rounding, rng=rng, tensor_scale=tensor_scale)
    return dequantize_blocks(q, f, axis=axis)


__all__ = ["BlockQuantized", "dequantize_blocks", "e8m0_value", "fake_quantize_blocks",
           "mx_scale_codes", "quantize_blocks"]
