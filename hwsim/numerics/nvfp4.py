"""NVFP4: FP4 E2M1 elements, an FP8 E4M3 scale per 16 elements and an FP32 scale per tensor.

NVIDIA publishes no bit-level conversion rule; this model follows the two-level recipe of
NVIDIA's kernels as torchao reproduces it (``torchao.prototype.mx_formats.nvfp4_tensor``:
``per_tensor_amax_to_scale`` and ``nvfp4_quantize``), in float32 arithmetic, so that its codes
equal torchao's (``tests/unit/test_numerics_mx.py`` runs torchao live):

1. ``s_t = amax(|x|) / (448 * 6)`` (float32), so the largest block scale is E4M3's largest
   value 448 and the largest element E2M1's 6. An all-zero tensor gets ``s_t = 1``. A given
   `tensor_scale` (e.g. calibrated) replaces it. Non-finite inputs do not enter ``amax``.
2. Per block: ``s_b = (amax_block / 6) / s_t`` (float32), clamped to ``[2^-6, 448]`` (E4M3's
   smallest normal and largest value) and rounded to E4M3, nearest even.
3. Elements: ``x * ((1 / s_t) / s_b)`` (float32; the reciprocal is what the kernels multiply
   by), rounded to E2M1 (nearest even or stochastic) and saturated to ±6.

A value is ``e2m1(code) * e4m3(scale) * s_t``. The input is taken as float32 (the format's
high-precision source); float64 inputs are rounded to float32 first. A block holding a NaN or an
infinity gets E4M3's NaN code 0x7F as its scale and +0 element codes, mirroring the MX rule
(:mod:`hwsim.numerics.mx`); it decodes to NaN.
"""

from __future__ import annotations

import numpy as np

from hwsim.numerics.block_formats import BlockFormat, BlockQuantized, from_blocks, to_blocks
from hwsim.numerics.floats import decode_float, encode_float, float_layout
from hwsim.numerics.rounding import FloatArray

E4M3 = float_layout(4, 3)
E4M3_NAN = E4M3.nan_code  # 0x7F
E2M1_MAX, E4M3_MAX = 6.0, 448.0
E4M3_MIN_NORMAL = 2.0**-6


def tensor_scale_of(x: FloatArray) -> float:
    """Per-tensor FP32 scale ``amax / 2688`` over the finite values of x (1.0 if all zero)."""
    a = np.abs(x.astype(np.float32))
    a = a[np.isfinite(a)]
    amax = np.float32(a.max()) if a.size else np.float32(0)
    return float(amax / np.float32(E4M3_MAX * E2M1_MAX)) if amax > 0 else 1.0


def nvfp4_scale_value(codes: np.ndarray) -> FloatArray:
    """Values of E4M3 block-scale codes (NaN for 0x7F)."""
    return decode_float(np.asarray(codes, dtype=np.int64), E4M3)


def quantize_nvfp4(x: FloatArray, f: BlockFormat, axis: int, u: FloatArray | None,
                   tensor_scale: float | None) -> BlockQuantized:
    """Codes of x (float64) in NVFP4 blocks along `axis`; see the module docstring."""
    with np.errstate(over="ignore", invalid="ignore"):
        x32 = x.astype(np.float32).astype(np.float64)
    s_t = tensor_scale_of(x32) if tensor_scale is None else float(np.float32(tensor_scale))
    if not (np.isfinite(s_t) and s_t > 0):
        raise ValueError(f"{f.name}: the per-tensor scale must be positive and finite, got "
                         f"{tensor_scale}")
    n = x.shape[axis]
    blocks = to_blocks(x32, axis, f.block).astype(np.float32)
    with np.errstate(invalid="ignore"):
        amax = np.max(np.abs(blocks), axis=-1, initial=np.float32(0))
    bad = ~np.isfinite(amax)
    st32 = np.float32(s_t)
    with np.errstate(invalid="ignore", over="ignore"):
        s_b = np.clip((amax / np.float32(E2M1_MAX)) / st32, E4M3_MIN_NORMAL, E4M3_MAX)
    s_b = np.where(bad, np.float32(1), s_b).astype(np.float32)
    scale_codes = encode_float(s_b.astype(np.float64), E4M3, None, saturate=True)
    s_bq = decode_float(scale_codes, E4M3).astype(np.float32)
    recip = (np.float32(1) / st32) / s_bq
    with np.errstate(invalid="ignore", over="ignore"):
        v = blocks * recip[..., None]
    v = np.where(bad[..., None], 0.0, v.astype(np.float64))
    ub = None if u is None else to_blocks(u, axis, f.block)
    codes = np.where(bad[..., None], 0, f.element.encode(v, ub))
    scale_codes = np.where(bad, E4M3_NAN, scale_codes)
    return BlockQuantized(from_blocks(codes, axis, n), np.moveaxis(scale_codes, -1, axis), s_t)
