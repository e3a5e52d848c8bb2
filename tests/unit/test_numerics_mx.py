"""hwsim.numerics.mx (OCP MX and NVFP4 block formats) against independent references.

References: ml_dtypes' element types (float8_e4m3fn, float8_e5m2, float6_e3m2fn, float6_e2m3fn,
float4_e2m1fn, float8_e8m0fnu: an independent implementation of the OCP encodings) for every
element code and for element rounding; a block reference written here from the OCP MX v1.0
Section 6.3 formula with numpy's log2 and ml_dtypes casts; and torchao's MX and NVFP4
quantizers, run live. Random inputs use fixed seeds.
"""

from __future__ import annotations

import os

import ml_dtypes
import numpy as np
import pytest

from hwsim.numerics.block_formats import parse_block_format, parse_element
from hwsim.numerics.mx import (
    dequantize_blocks,
    e8m0_value,
    fake_quantize_blocks,
    quantize_blocks,
)
from hwsim.numerics.nvfp4 import E4M3_MIN_NORMAL, tensor_scale_of

# element format -> (ml_dtypes type, MX block format using it)
ELEMENTS = {
    "fp8_e4m3": (ml_dtypes.float8_e4m3fn, "mxfp8_e4m3"),
    "fp8_e5m2": (ml_dtypes.float8_e5m2, "mxfp8_e5m2"),
    "fp6_e3m2": (ml_dtypes.float6_e3m2fn, "mxfp6_e3m2"),
    "fp6_e2m3": (ml_dtypes.float6_e2m3fn, "mxfp6_e2m3"),
    "fp4_e2m1": (ml_dtypes.float4_e2m1fn, "mxfp4"),
}
MX_FORMATS = [fmt for _, fmt in ELEMENTS.values()] + ["mxint8"]


def ml_values(codes: np.ndarray, dtype: type) -> np.ndarray:
    return codes.astype(np.uint8).view(dtype).astype(np.float64)


def ml_codes(values: np.ndarray, dtype: type, bits: int) -> np.ndarray:
    return values.astype(dtype).view(np.uint8).astype(np.int64) & ((1 << bits) - 1)


def wide_blocks(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Normal samples times 2^j with j uniform in [-100, 100) per row: many block scales."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * np.exp2(rng.integers(-100, 100, (*shape[:-1], 1)))
    return x.astype(np.float32).astype(np.float64)  # the formats' usual float32 source


# --- element formats: every code ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ELEMENTS))
def test_every_element_code_decodes_as_ml_dtypes_and_round_trips(name: str) -> None:
    dtype, _ = ELEMENTS[name]
    el = parse_element(name)
    codes = np.arange(1 << el.bits)
    want = ml_values(codes, dtype)
    got = el.decode(codes)
    np.testing.assert_array_equal(got, want)  # NaN == NaN in assert_array_equal
    finite = np.isfinite(got)
    np.testing.assert_array_equal(el.encode(got[finite], None), codes[finite])
    assert el.max_value == float(ml_dtypes.finfo(dtype).max)


def test_every_e8m0_code_decodes_as_ml_dtypes() -> None:
    codes = np.arange(256)
    np.testing.assert_array_equal(e8m0_value(codes), ml_values(codes, ml_dtypes.float8_e8m0fnu))


@pytest.mark.parametrize("name", sorted(ELEMENTS))
def test_element_rounding_matches_ml_dtypes_saturated_cast(name: str) -> None:
    """RNE with saturation == clamp to ±max then ml_dtypes' RNE cast (the clamped value is
    representable, and anything between max and the next binade rounds down to max anyway)."""
    dtype, _ = ELEMENTS[name]
    el = parse_element(name)
    rng = np.random.default_rng(3)
    levels = np.unique(np.abs(el.decode(np.arange(1 << el.bits))))
    levels = levels[np.isfinite(levels)]
    mids = (levels[1:] + levels[:-1]) / 2  # every tie
    v = np.concatenate([rng.uniform(-1.2, 1.2, 100_000) * el.max_value, mids, -mids,
                        [0.0, -0.0, 2 * el.max_value, -9 * el.max_value]])
    want = ml_codes(np.clip(v, -el.max_value, el.max_value), dtype, el.bits)
    np.testing.assert_array_equal(el.encode(v, None), want)


# --- block quantization ------------------------------------------------------------------------


def reference_mx(x: np.ndarray, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """OCP MX v1.0 Section 6.3 on rows of x (one block per row, finite, not all zero):
    X = 2^(floor(log2(max|V|)) - emax_elem) cast through ml_dtypes' E8M0, elements
    clamp(V / X) cast through ml_dtypes (int8: rint(64 V / X) clipped to ±127)."""
    f = parse_block_format(fmt)
    shared = np.floor(np.log2(np.max(np.abs(x), axis=1))) - f.element.emax
    x_scale = np.exp2(np.maximum(shared, -127))
    scale_codes = x_scale.astype(ml_dtypes.float8_e8m0fnu).view(np.uint8).astype(np.int64)
    v = x / x_scale[:, None]
    if f.element.kind == "int":
        codes = np.clip(np.rint(v * 64), -127, 127).astype(np.int64) & 0xFF
    else:
        dtype = ELEMENTS[f.element.name][0]
        m = f.element.max_value
        codes = ml_codes(np.clip(v, -m, m), dtype, f.element.bits)
    return scale_codes, codes


@pytest.mark.parametrize("fmt", MX_FORMATS)
def test_blocks_match_reference_built_from_ml_dtypes(fmt: str) -> None:
    x = wide_blocks((4000, 32), seed=11)
    x[:50] *= 2.0**-100  # tiny blocks: the scale clamps at 2^-127, elements go subnormal
    q = quantize_blocks(x, fmt)
    want_scales, want_codes = reference_mx(x, fmt)
    np.testing.assert_array_equal(q.scales[:, 0], want_scales)
    np.testing.assert_array_equal(q.codes, want_codes)
    assert (q.scales[:50, 0] == 0).any()


@pytest.mark.parametrize("fmt", MX_FORMATS)
def test_dequantized_error_is_within_half_an_element_step(fmt: str) -> None:
    """|x - Q(x)| <= half the spacing at x: ``2^(e - M - 1) X`` with e = max(floor(log2|x/X|),
    emin) (fp), ``X / 2^7`` (int8); elements near the block maximum may saturate, which the
    bound ``|x| - max * X`` covers."""
    f = parse_block_format(fmt)
    x = wide_blocks((500, 32), seed=5)
    q = quantize_blocks(x, fmt)
    y = dequantize_blocks(q, fmt)
    xs = np.repeat(e8m0_value(q.scales), 32, axis=1)
    v = np.abs(x) / xs
    if f.element.kind == "int":
        half = xs / 128
    else:
        e = np.maximum(np.floor(np.log2(np.where(v > 0, v, 1))), f.element.layout.emin)
        half = np.exp2(e - f.element.m - 1) * xs
    bound = np.maximum(half, np.abs(x) - f.element.max_value * xs)
    assert np.all(np.abs(x - y) <= bound)


def test_partial_last_block_is_scaled_from_its_own_elements() -> None:
    x = wide_blocks((3, 40), seed=2)
    q = quantize_blocks(x, "mxfp4")
    alone = quantize_blocks(x[:, 32:], "mxfp4")
    assert q.scales.shape == (3, 2)
    np.testing.assert_array_equal(q.scales[:, 1], alone.scales[:, 0])
    np.testing.assert_array_equal(q.codes[:, 32:], alone.codes)
    np.testing.assert_array_equal(dequantize_blocks(q, "mxfp4")[:, 32:],
                                  dequantize_blocks(alone, "mxfp4"))


def test_blocks_run_along_the_chosen_axis() -> None:
    x = wide_blocks((64, 5), seed=4)
    q0 = quantize_blocks(x, "mxfp8_e4m3", axis=0)
    qt = quantize_blocks(x.T, "mxfp8_e4m3", axis=-1)
    np.testing.assert_array_equal(q0.codes, qt.codes.T)
    np.testing.assert_array_equal(q0.scales, qt.scales.T)
    np.testing.assert_array_equal(fake_quantize_blocks(x, "mxfp8_e4m3", axis=0),
                                  fake_quantize_blocks(x.T, "mxfp8_e4m3").T)


@pytest.mark.parametrize("fmt", MX_FORMATS)
def test_all_zero_block_has_the_smallest_scale_and_zero_elements(fmt: str) -> None:
    x = np.zeros((2, 32))
    x[1] = -0.0
    q = quantize_blocks(x, fmt)
    np.testing.assert_array_equal(q.scales, 0)  # E8M0 code 0 = 2^-127
    assert np.all(dequantize_blocks(q, fmt) == 0)


@pytest.mark.parametrize("fmt", MX_FORMATS)
@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_a_block_makes_its_scale_nan(fmt: str, special: float) -> None:
    x = wide_blocks((3, 32), seed=8)
    x[1, 7] = special
    q = quantize_blocks(x, fmt)
    assert q.scales[1, 0] == 0xFF and np.all(q.codes[1] == 0)
    y = dequantize_blocks(q, fmt)
    assert np.isnan(y[1]).all() and np.isfinite(y[[0, 2]]).all()
    clean = quantize_blocks(x[[0, 2]], fmt)  # other blocks are untouched
    np.testing.assert_array_equal(q.codes[[0, 2]], clean.codes)


def test_shared_exponent_overflow_gives_nan_scale() -> None:
    """float64 inputs beyond 2^(127 + emax_elem + 1) need a scale above 2^127."""
    x = np.full((1, 32), 2.0**140)
    assert quantize_blocks(x, "mxfp4").scales[0, 0] == 0xFF
    assert quantize_blocks(np.full((1, 32), 2.0**129), "mxfp4").scales[0, 0] == 254


def test_subnormal_elements_and_saturation_by_hand() -> None:
    """E2M1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6): amax 7.5 -> floor(log2 7.5) - 2 = 0, X = 1, so
    7.5 saturates to 6; 0.25 is the tie between 0 and 0.5 (-> 0, the even code) and 0.75 the
    tie between 0.5 and 1 (-> 1.0, even mantissa); 2^-3 underflows to 0 keeping its sign."""
    x = np.zeros((1, 32))
    x[0, :6] = [7.5, 0.25, 0.75, -(2.0**-3), 5.0, -7.0]
    q = quantize_blocks(x, "mxfp4")
    assert q.scales[0, 0] == 127
    np.testing.assert_array_equal(q.codes[0, :6], [0x7, 0x0, 0x2, 0x8, 0x6, 0xF])
    np.testing.assert_array_equal(dequantize_blocks(q, "mxfp4")[0, :6],
                                  [6.0, 0.0, 1.0, -0.0, 4.0, -6.0])


def test_stochastic_rounding_is_unbiased_with_a_fixed_seed() -> None:
    """N copies of one block, one uniform per element: the mean of N stochastic roundings of v
    has standard deviation <= q / (2 sqrt(N)) for the element step q at v (the error of one
    rounding lies in (-q, q) with variance p(1-p) q^2 <= q^2/4); 5 sigma with the block's
    largest step. Values stay below the E2M1 maximum, where rounding is unbiased."""
    n = 20_000
    row = np.random.default_rng(1).uniform(-5.9, 5.9, 32)
    row[0] = 5.9  # X = 1
    x = np.tile(row, (n, 1))
    y = fake_quantize_blocks(x, "mxfp4", rounding="stochastic", rng=123)
    q_max = 2.0  # E2M1 step between 4 and 6
    assert np.all(np.abs(y.mean(axis=0) - row) <= 5 * q_max / (2 * np.sqrt(n)))
    nearest = fake_quantize_blocks(x[:1], "mxfp4")[0]
    assert np.abs(nearest - row).max() > 10 * q_max / (2 * np.sqrt(n))  # RNE is biased here
    again = quantize_blocks(x[:100], "mxfp4", rounding="stochastic", rng=123)
    other = quantize_blocks(x[:100], "mxfp4", rounding="stochastic", rng=124)
    np.testing.assert_array_equal(again.codes, quantize_blocks(
        x[:100], "mxfp4", rounding="stochastic", rng=np.random.default_rng(123)).codes)
    assert (again.codes != other.codes).any()


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "element", "block", "bits"), [
    ("mxfp8_e4m3", "fp8_e4m3", 32, 8.25), ("mxfp4", "fp4_e2m1", 32, 4.25),
    ("mxint8", "int8", 32, 8.25), ("nvfp4", "fp4_e2m1", 16, 4.5),
    ("mxfp4_e2m1_b16", "fp4_e2m1", 16, 4.5), ("mxint4_b64", "int4", 64, 4.125),
    ("mxfp6_e2m3_b8", "fp6_e2m3", 8, 7.0), ("nvfp4_b32", "fp4_e2m1", 32, 4.25),
])
def test_names_parse_into_element_block_and_scale(name: str, element: str, block: int,
                                                  bits: float) -> None:
    f = parse_block_format(name)
    assert (f.element.name, f.block, f.bits_per_element) == (element, block, bits)
    assert f.scale == ("e4m3_fp32" if name.startswith("nv") else "e8m0")


@pytest.mark.parametrize(("name", "match"), [
    ("mxfp7", "unknown block format"), ("mxfp8_e4m2_b32", "1 \\+ E \\+ M"),
    ("mxfp4_b0", "block size"), ("nvfp8_e4m3_b16", "nvfp4 elements"), ("mxint1_b8", "int"),
])
def test_bad_names_are_rejected_with_a_reason(name: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_block_format(name)


def test_emax_of_the_element_formats() -> None:
    """Exponent of the largest normal: E4M3 448 = 1.75*2^8, E5M2 57344 = 1.75*2^15, E3M2 28 =
    1.75*2^4, E2M3 7.5 = 1.875*2^2, E2M1 6 = 1.5*2^2, int8 127/64 < 2 (OCP MX v1.0 Table 1)."""
    got = {n: parse_element(n).emax for n in [*ELEMENTS, "int8"]}
    assert got == {"fp8_e4m3": 8, "fp8_e5m2": 15, "fp6_e3m2": 4, "fp6_e2m3": 2, "fp4_e2m1": 2,
                   "int8": 0}


# --- NVFP4 -------------------------------------------------------------------------------------


def test_nvfp4_two_level_scales_by_hand() -> None:
    """Tensor amax 2688 = 448 * 6 gives s_t = 1; a block of amax 6 then has s_b = 1 (E4M3 code
    0x38) and 6 -> E2M1 code 7; a block of amax 3 * 2^-9 has s_b = 2^-10 below E4M3's smallest
    normal, clamped to 2^-6 (code 0x08)."""
    x = np.zeros((3, 16))
    x[0, 0], x[1, 0], x[2, 0] = 2688.0, 6.0, 3 * 2.0**-9
    q = quantize_blocks(x, "nvfp4")
    assert q.tensor_scale == 1.0
    assert q.scales[1, 0] == 0x38 and q.codes[1, 0] == 0x7
    assert q.scales[2, 0] == 0x08 and E4M3_MIN_NORMAL == 2.0**-6
    assert tensor_scale_of(np.zeros(4)) == 1.0


def test_nvfp4_nan_block_and_given_tensor_scale() -> None:
    x = wide_blocks((2, 32), seed=6)
    x[0, 3] = np.nan
    q = quantize_blocks(x, "nvfp4", tensor_scale=0.5)
    assert q.tensor_scale == 0.5 and q.scales[0, 0] == 0x7F and q.scales[0, 1] != 0x7F
    y = dequantize_blocks(q, "nvfp4")
    assert np.isnan(y[0, :16]).all() and np.isfinite(y[0, 16:]).all()
    with pytest.raises(ValueError, match="NVFP4 formats only"):
        quantize_blocks(x, "mxfp4", tensor_scale=0.5)


# --- torchao, live -----------------------------------------------------------------------------


def torchao_or_skip():  # type: ignore[no-untyped-def]
    """torchao's mx_formats, or skip (a developer machine without it) / fail (CI=true: torchao is
    in the `test` extra, so a missing one is an installation error)."""
    try:
        import torch  # noqa: F401
        from torchao.prototype.mx_formats import mx_tensor, nvfp4_tensor
    except ImportError as exc:
        msg = f"torchao is not importable ({exc}); pip install -e '.[test]' installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return mx_tensor, nvfp4_tensor


def unpack_fp4(packed: np.ndarray) -> np.ndarray:
    """torchao's pack_uint4 keeps element 2i in the low nibble, 2i+1 in the high nibble."""
    return np.stack([packed & 0xF, packed >> 4], axis=-1).reshape(*packed.shape[:-1], -1)


@pytest.mark.parametrize("fmt", [fmt for _, fmt in ELEMENTS.values()])
def test_mx_codes_equal_torchao_to_mx(fmt: str) -> None:
    mx_tensor, _ = torchao_or_skip()
    import torch
    from torchao.prototype.mx_formats.constants import DTYPE_FP6_E2M3, DTYPE_FP6_E3M2

    elem = {"mxfp8_e4m3": torch.float8_e4m3fn, "mxfp8_e5m2": torch.float8_e5m2,
            "mxfp6_e3m2": DTYPE_FP6_E3M2, "mxfp6_e2m3": DTYPE_FP6_E2M3,
            "mxfp4": torch.float4_e2m1fn_x2}[fmt]
    # torchao divides by max(X, 2^-126) (its float32 normal floor): stay clear of X = 2^-127
    x = wide_blocks((256, 64), seed=9)
    x[0] = 0.0
    scale, data = mx_tensor.to_mx(torch.from_numpy(x.astype(np.float32)), elem, 32)
    want_codes = data.view(torch.uint8).numpy().astype(np.int64)
    if fmt == "mxfp4":
        want_codes = unpack_fp4(want_codes)
    q = quantize_blocks(x, fmt)
    np.testing.assert_array_equal(q.scales, scale.view(torch.uint8).numpy())
    np.testing.assert_array_equal(q.codes, want_codes)


def test_nvfp4_codes_equal_torchao() -> None:
    _, nvfp4_tensor = torchao_or_skip()
    import torch

    x = wide_blocks((64, 64), seed=10) * 2.0**-60  # one tensor: stay within the E4M3 scale range
    x[3] = 0.0
    xt = torch.from_numpy(x.astype(np.float32))
    s_t = nvfp4_tensor.per_tensor_amax_to_scale(torch.max(torch.abs(xt)))
    scales, data = nvfp4_tensor.nvfp4_quantize(xt, 16, s_t)
    q = quantize_blocks(x, "nvfp4")
    assert q.tensor_scale == float(s_t)
    np.testing.assert_array_equal(q.scales, scales.view(torch.uint8).numpy())
    np.testing.assert_array_equal(q.codes, unpack_fp4(data.numpy().astype(np.int64)))
