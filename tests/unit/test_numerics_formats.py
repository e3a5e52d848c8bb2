"""hwsim.numerics.formats against independent references, exhaustively where a format is narrow.

References: numpy's float16/float32 casts (IEEE 754 RNE), a float32 -> bfloat16 RNE written with
integer bit operations, a float16 -> E5M2 RNE written the same way, ml_dtypes (an independent
FP8/bfloat16 implementation, a dependency of onnx), hwsim.numerics.lns (the LNS golden model)
and hwsim.numerics.quantize (the RTL quantizer's golden model), and brute-force nearest-level
search over every value of a format. Random inputs use fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.numerics import lns
from hwsim.numerics.formats import (
    choose_scale,
    dequantize_array,
    fake_quantize,
    max_level,
    quantize_array,
)
from hwsim.numerics.quantize import quantize_np

ENUMERATED = ["int8", "uint8", "int3", "uint1", "int16", "fp8_e4m3", "fp8_e5m2", "fp16", "bf16",
              "fp12_e5m6", "fp6_e3m2", "fp5_e4m0", "lns8_f3", "lns6_f0", "lns12_f5", "binary"]
BITS = {"int8": 8, "uint8": 8, "int3": 3, "uint1": 1, "int16": 16, "fp8_e4m3": 8, "fp8_e5m2": 8,
        "fp16": 16, "bf16": 16, "fp12_e5m6": 12, "fp6_e3m2": 6, "fp5_e4m0": 5, "lns8_f3": 8,
        "lns6_f0": 6, "lns12_f5": 12, "binary": 1, "uint4": 4, "luq4": 4}


def levels(fmt: str) -> np.ndarray:
    """Every finite value of the format, sorted and unique (from decoding every code)."""
    v = dequantize_array(np.arange(1 << BITS[fmt]), fmt)
    return np.unique(v[np.isfinite(v)])


def wide_floats(n: int, seed: int) -> np.ndarray:
    """Normal samples scaled by 10^k, k uniform in [-45, 40): every binade of fp32 and beyond."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * 10.0 ** rng.integers(-45, 40, n)


# --- IEEE formats bit for bit against numpy and integer references ------------------------------

SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 65504, 65519.99, 65520,
                     2.0**-24, 2.0**-25, 3 * 2.0**-25, 2.0**-149, 2.0**-150, 1e-320, -1e-10])


def test_fp16_and_fp32_agree_with_numpy_casts() -> None:
    x = np.concatenate([wide_floats(200_000, 1), SPECIALS])
    with np.errstate(over="ignore"):
        want16 = x.astype(np.float16).view(np.uint16)
        want32 = x.astype(np.float32).view(np.uint32)
    np.testing.assert_array_equal(quantize_array(x, "fp16").codes, want16)
    np.testing.assert_array_equal(quantize_array(x, "fp32").codes, want32)


def bf16_rne_reference(x32: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 RNE on the bits: add 0x7FFF plus the kept LSB, keep the top half.

    A carry out of the mantissa increments the exponent, and out of the largest exponent gives
    the infinity pattern, which is IEEE's overflow. NaN becomes the quiet NaN 0x7FC0 with its
    sign (adding could otherwise carry a NaN payload into infinity).
    """
    b = x32.view(np.uint32).astype(np.int64)
    out = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return np.where(np.isnan(x32), (b >> 16) & 0x8000 | 0x7FC0, out)


def test_bf16_agrees_with_integer_rne_on_random_float32_bit_patterns() -> None:
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 1 << 32, size=300_000, dtype=np.uint64).astype(np.uint32)
    ties = (rng.integers(0, 1 << 16, size=4096, dtype=np.uint32) << 16) | 0x8000  # exact ties
    x32 = np.concatenate([bits, ties, ties ^ 0x10000]).view(np.float32)
    np.testing.assert_array_equal(quantize_array(x32, "bf16").codes, bf16_rne_reference(x32))


def test_e5m2_agrees_with_integer_rne_from_every_float16() -> None:
    """E5M2 is the top byte of binary16, so (h + 0x7F + kept LSB) >> 8 rounds every fp16 h."""
    h = np.arange(1 << 16, dtype=np.int64)
    x = h.astype(np.uint16).view(np.float16).astype(np.float64)
    want = np.where(np.isnan(x), (h >> 8) & 0x80 | 0x7E, (h + 0x7F + ((h >> 8) & 1)) >> 8)
    np.testing.assert_array_equal(quantize_array(x, "fp8_e5m2").codes, want)


@pytest.mark.parametrize(("fmt", "dtype_name"), [("fp8_e4m3", "float8_e4m3fn"),
                                                 ("fp8_e5m2", "float8_e5m2"),
                                                 ("bf16", "bfloat16")])
def test_fp8_and_bf16_agree_with_ml_dtypes(fmt: str, dtype_name: str) -> None:
    """float32 inputs: ml_dtypes casts float64 through float32 (double rounding), float32 directly.
    ml_dtypes' FP8 casts are non-saturating: overflow is NaN for E4M3, inf for E5M2."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    dt = getattr(ml_dtypes, dtype_name)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(100_000) * np.exp2(rng.uniform(-24, 20, 100_000))
    x = np.concatenate([x, SPECIALS, np.arange(-600, 600) * 0.5])
    x32 = x.astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        want = x32.astype(dt).view(np.uint8 if fmt != "bf16" else np.uint16)
    np.testing.assert_array_equal(quantize_array(x32, fmt).codes, want)
    every = np.arange(1 << BITS[fmt])
    with np.errstate(invalid="ignore"):
        ref = every.astype(np.uint8 if fmt != "bf16" else np.uint16).view(dt).astype(np.float64)
    np.testing.assert_array_equal(dequantize_array(every, fmt), ref)


# --- round trips, enumeration of every code ------------------------------------------------------


@pytest.mark.parametrize("fmt", ENUMERATED)
def test_every_code_round_trips(fmt: str) -> None:
    """quantize(dequantize(c)) == c for every code c, except NaN codes (fp) and the non-canonical
    zero words (lns: sign 1 with e = EMIN reads 0 and re-encodes as the canonical zero)."""
    every = np.arange(1 << BITS[fmt])
    val = dequantize_array(every, fmt)
    keep = ~np.isnan(val)
    back = quantize_array(val[keep], fmt).codes
    want = every[keep]
    if fmt.startswith("lns"):
        want = np.where(val[keep] == 0, lns.zero_word(BITS[fmt]), want)
    np.testing.assert_array_equal(back, want)
    np.testing.assert_array_equal(dequantize_array(back, fmt), val[keep])
    # dequantize(quantize(x)) == x for representable x, also under stochastic rounding
    np.testing.assert_array_equal(fake_quantize(val[keep], fmt, rounding="stochastic", rng=5),
                                  val[keep])


@pytest.mark.parametrize(("fmt", "nans", "n_finite"), [
    # IEEE-like: NaN is exponent all ones with mantissa != 0: 2 * (2^M - 1) codes. Finite:
    # 2 * (2^E - 1) * 2^M codes, one value fewer because +0 == -0.
    ("fp8_e5m2", 6, 2 * 31 * 4 - 1), ("fp16", 2046, 2 * 31 * 1024 - 1),
    ("bf16", 254, 2 * 255 * 128 - 1), ("fp5_e4m0", 0, 2 * 15 - 1),
    # OCP E4M3: only S.1111.111 is NaN; 254 finite codes, 253 values.
    ("fp8_e4m3", 2, 253),
    # lns8_f3: 2 zero words and 2 * 127 nonzero words; int8: 256 integers.
    ("lns8_f3", 0, 2 * 127 + 1), ("int8", 0, 256), ("binary", 0, 2)])
def test_code_space_census(fmt: str, nans: int, n_finite: int) -> None:
    val = dequantize_array(np.arange(1 << BITS[fmt]), fmt)
    assert np.count_nonzero(np.isnan(val)) == nans
    assert levels(fmt).size == n_finite


def test_integer_and_binary_values_by_hand() -> None:
    np.testing.assert_array_equal(levels("int8"), np.arange(-128, 128))
    np.testing.assert_array_equal(levels("uint1"), [0, 1])
    np.testing.assert_array_equal(dequantize_array([0, 1, 3, 4, 7], "int3"), [0, 1, 3, -4, -1])
    np.testing.assert_array_equal(dequantize_array([0, 1], "binary", 0.25), [0.25, -0.25])
    assert max_level("fp8_e4m3") == 448 and max_level("fp16") == 65504 and max_level("int8") == 127


def test_lns_words_agree_with_the_lns_golden_model() -> None:
    x = wide_floats(5000, 4)
    for W, F in [(8, 3), (6, 0), (12, 5), (16, 6)]:
        want = [lns.encode(float(v), W, F) for v in x]
        np.testing.assert_array_equal(quantize_array(x, f"lns{W}_f{F}").codes, want)
        words = np.arange(1 << W)
        want_v = [lns.decode(int(w), W, F) for w in words]
        np.testing.assert_array_equal(dequantize_array(words, f"lns{W}_f{F}"), want_v)


def test_int8_and_lns_agree_with_the_rtl_quantizer_model() -> None:
    """x / 2^shift with scale 2^shift is what rtl/quantizer.v computes (modes 0 and 2)."""
    x = np.arange(-(1 << 15), 1 << 15, 7)
    for shift in (0, 3, 9, 15):
        for mode, fmt in ((0, "int8"), (2, "lns8_f3")):
            want, _ = quantize_np(x, shift, mode, 0, 16, 8, 3)
            got = quantize_array(x, fmt, scale=2.0**shift).codes
            np.testing.assert_array_equal(got, want, err_msg=f"{fmt} shift {shift}")


# --- nearest rounding: ties, saturation, brute force ---------------------------------------------

TIES = [  # (format, value, expected code), each derived in the comment above it
    # int8: halves go to the even integer; -0.5 -> -0 = 0
    ("int8", 2.5, 2), ("int8", 3.5, 4), ("int8", -2.5, 0xFE), ("int8", -0.5, 0),
    # fp16 ulp at 1 is 2^-10: 1 + 2^-11 ties 1.0 (mantissa 0, even) -> 0x3C00; 1 + 3*2^-11 ties
    # mantissas 1 and 2 -> 2 = 0x3C02. Ulp at 2048 is 2: 2049 -> 2048 = 0x6800, 2051 -> 2052.
    ("fp16", 1 + 2.0**-11, 0x3C00), ("fp16", 1 + 3 * 2.0**-11, 0x3C02),
    ("fp16", 2049.0, 0x6800), ("fp16", 2051.0, 0x6802),
    # subnormal ties: 2^-25 ties 0 (code 0, even) and the smallest subnormal 2^-24 -> 0;
    # 3*2^-25 ties codes 1 and 2 -> 2. Overflow: 65520 ties 65504 (odd) and 2^16 -> inf.
    ("fp16", 2.0**-25, 0), ("fp16", 3 * 2.0**-25, 2), ("fp16", 65520.0, 0x7C00),
    # bf16 ulp at 1 is 2^-7: 1 + 2^-8 -> 0x3F80, 1 + 3*2^-8 -> 0x3F82
    ("bf16", 1 + 2.0**-8, 0x3F80), ("bf16", 1 + 3 * 2.0**-8, 0x3F82),
    # E4M3: 464 ties 448 (S.1111.110, even) and 480 -> 448 = 0x7E; the smallest subnormal is
    # 2^-9 (code 1): 2^-10 -> 0, 3*2^-10 -> code 2
    ("fp8_e4m3", 464.0, 0x7E), ("fp8_e4m3", 2.0**-10, 0), ("fp8_e4m3", 3 * 2.0**-10, 2),
    # E5M2: 61440 ties 57344 (0x7B, odd) and 65536 -> overflow -> inf 0x7C
    ("fp8_e5m2", 61440.0, 0x7C),
    # binary: 0 ties -1 and +1 -> even code 0 (+1); -0.0 too
    ("binary", 0.0, 0), ("binary", -0.0, 0),
]


def test_round_to_nearest_even_ties() -> None:
    for fmt, x, want in TIES:
        assert quantize_array([x], fmt).codes[0] == want, (fmt, x)


def test_saturation_and_overflow() -> None:
    big = [300.0, -300.0, np.inf, -np.inf]
    assert list(quantize_array(big, "int8").codes) == [0x7F, 0x80, 0x7F, 0x80]
    assert list(quantize_array([-3.0, 20.0], "uint4").codes) == [0, 15]
    # IEEE default: overflow to inf; saturate=True clamps to the largest finite (and inf too)
    assert list(quantize_array([1e6, -1e6], "fp16").codes) == [0x7C00, 0xFC00]
    sat = quantize_array([1e6, np.inf, -np.inf, np.nan], "fp16", saturate=True)
    assert list(sat.codes) == [0x7BFF, 0x7BFF, 0xFBFF, 0x7E00]
    # E4M3 has no inf: non-saturating overflow is NaN (S.1111.111), saturating is 448
    assert list(quantize_array([465.0, np.inf, -1e6], "fp8_e4m3").codes) == [0x7F, 0x7F, 0xFF]
    assert list(quantize_array([465.0, np.inf], "fp8_e4m3", saturate=True).codes) == [0x7E] * 2
    # lns8_f3: 2^8 has e = 64 > EMAX = 63 -> EMAX; 2^-9 has e = -72 <= EMIN = -64 -> zero word
    assert list(quantize_array([256.0, -256.0, 2.0**-9], "lns8_f3").codes) == [
        lns.pack(0, 63, 8), lns.pack(1, 63, 8), lns.zero_word(8)]
    with pytest.raises(ValueError, match="no NaN"):
        quantize_array([np.nan], "int8")


def between_levels(fmt: str, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """n values strictly inside random intervals (lo, hi) of neighbouring finite levels
    (|level| < 1e30), uniformly spread over the intervals, so every binade and the subnormals
    are hit; random fractions never land on a midpoint."""
    lv = levels(fmt)
    lv = lv[np.abs(lv) < 1e30]
    rng = np.random.default_rng(seed)
    i = rng.integers(0, lv.size - 1, n)
    lo, hi = lv[i], lv[i + 1]
    return lo + rng.uniform(0.05, 0.95, n) * (hi - lo), lo, hi


NEAREST = ["int8", "uint4", "fp8_e4m3", "fp8_e5m2", "fp16", "bf16", "fp6_e3m2", "binary"]


@pytest.mark.parametrize("fmt", NEAREST)
def test_nearest_is_the_nearest_level_by_brute_force(fmt: str) -> None:
    """Between two neighbouring levels, fake_quantize(x) is the nearer one."""
    x, lo, hi = between_levels(fmt, 50_000, 6)
    np.testing.assert_array_equal(fake_quantize(x, fmt), np.where(x - lo < hi - x, lo, hi))


# --- stochastic rounding -------------------------------------------------------------------------

STOCHASTIC = ["int8", "uint4", "fp8_e4m3", "fp8_e5m2", "bf16", "fp6_e3m2", "lns8_f3", "binary"]


@pytest.mark.parametrize("fmt", STOCHASTIC)
def test_stochastic_rounding_is_unbiased_and_picks_neighbours(fmt: str) -> None:
    """Each of N draws of Q(v) is lo or hi (the levels around v), with mean v.

    Q(v) - v is lo - v w.p. (hi - v)/(hi - lo) and hi - v w.p. (v - lo)/(hi - lo): mean 0,
    variance (v - lo)(hi - v). The mean of N independent draws has standard deviation
    sqrt((v - lo)(hi - v) / N); the test allows 5 of them per element (two-sided normal tail
    5.7e-7 each, for 8 x 64 elements about 3e-4 in all; the seed is fixed). A biased rounding
    fails it: with v at 5..95 % of its interval, RNE is off by >= 0.05 (hi - lo), above the
    5 * 0.5 / sqrt(4000) = 0.04 (hi - lo) allowed.
    """
    v, lo, hi = between_levels(fmt, 64, 8)
    n = 4000
    q = fake_quantize(np.broadcast_to(v, (n, v.size)), fmt, rounding="stochastic", rng=10)
    assert np.all((q == lo) | (q == hi))
    tol = 5 * np.sqrt((v - lo) * (hi - v) / n)
    assert np.all(np.abs((q - v).mean(axis=0)) <= tol)
    assert np.all(np.abs(fake_quantize(v, fmt) - v) > tol)  # RNE is biased here


def test_stochastic_rounding_is_reproducible_and_needs_an_rng() -> None:
    x = wide_floats(1000, 11) * 1e-38
    a = quantize_array(x, "fp8_e5m2", rounding="stochastic", rng=3).codes
    b = quantize_array(x, "fp8_e5m2", rounding="stochastic", rng=np.random.default_rng(3)).codes
    c = quantize_array(x, "fp8_e5m2", rounding="stochastic", rng=4).codes
    np.testing.assert_array_equal(a, b)
    assert np.any(a != c)
    with pytest.raises(ValueError, match="rng"):
        quantize_array(x, "int8", rounding="stochastic")
    with pytest.raises(ValueError, match="rounding"):
        quantize_array(x, "int8", rounding="up")


def test_stochastic_underflow_and_saturation_in_lns() -> None:
    """Below the smallest lns8_f3 level L = 2^(-63/8), v rounds to L w.p. v/L, else to 0."""
    small = 2.0 ** (-63 / 8)
    n = 20_000
    q = fake_quantize(np.full(n, small / 4), "lns8_f3", rounding="stochastic", rng=12)
    assert set(np.unique(q)) <= {0.0, small}
    # count of L ~ Binomial(n, 1/4): mean n/4, sd sqrt(n * 3/16) = 61; allow 5 sd
    assert abs(np.count_nonzero(q) - n / 4) < 5 * np.sqrt(n * 3 / 16)
    top = fake_quantize([1e6, -1e6], "lns8_f3", rounding="stochastic", rng=1)
    np.testing.assert_array_equal(top, [2.0 ** (63 / 8), -(2.0 ** (63 / 8))])


# --- properties ----------------------------------------------------------------------------------

PROPERTY = ["int8", "uint4", "fp8_e4m3", "fp8_e5m2", "fp16", "bf16", "lns8_f3", "luq4", "binary"]
finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(a=finite, b=finite, fmt=st.sampled_from(PROPERTY))
def test_nearest_is_monotone_and_idempotent(a: float, b: float, fmt: str) -> None:
    lo, hi = min(a, b), max(a, b)
    q = fake_quantize([lo, hi], fmt, saturate=True)
    assert q[0] <= q[1]
    np.testing.assert_array_equal(fake_quantize(q, fmt, saturate=True), q)


@pytest.mark.parametrize("fmt", PROPERTY)
def test_monotone_over_a_sorted_sweep(fmt: str) -> None:
    x = np.sort(np.concatenate([wide_floats(20_000, 13) * 1e-36, np.linspace(-1e5, 1e5, 5000)]))
    assert np.all(np.diff(fake_quantize(x, fmt, saturate=True)) >= 0)


# --- scales --------------------------------------------------------------------------------------


def test_per_tensor_and_per_channel_max_scales() -> None:
    x = np.array([[1.0, -4.0, 2.0], [0.5, 0.25, -0.125], [0.0, 0.0, 0.0]])
    s = choose_scale(x, "int8", axis=0)  # one scale per row: max|row| / 127, zero row -> 1
    np.testing.assert_array_equal(s.ravel(), [4 / 127, 0.5 / 127, 1.0])
    q = quantize_array(x, "int8", scale="max", axis=0)
    for r in range(3):  # per channel equals quantizing each row with its own scale
        np.testing.assert_array_equal(q.codes[r], quantize_array(x[r], "int8", scale=s[r]).codes)
    assert dequantize_array(q.codes, "int8", q.scale)[0, 1] == -4.0  # the max maps to -127
    np.testing.assert_array_equal(choose_scale(x, "int8"), [[4 / 127]])
    # binary: mean |x| per column (XNOR-Net): (1 + 0.5 + 0) / 3, (4 + 0.25) / 3, (2 + 0.125) / 3
    np.testing.assert_allclose(choose_scale(x, "binary", axis=1).ravel(),
                               [1.5 / 3, 4.25 / 3, 2.125 / 3], rtol=1e-15)
    # a 1-D scale with axis is one scale per channel; negative axes count from the end
    got = dequantize_array(q.codes, "int8", s.ravel(), axis=-2)
    np.testing.assert_array_equal(got, dequantize_array(q.codes, "int8", q.scale))
    with pytest.raises(ValueError, match=r"a scale of shape \(2, 1\) does not fit values of "
                                          r"shape \(3, 3\)"):
        quantize_array(x, "int8", scale=[1.0, 2.0], axis=0)


def test_pow2_scales_round_log2_as_mqbench() -> None:
    """max 10 in int8: 10/127 = 2^-3.667 -> 2^-4 (nearer power); 10 / 2^-4 = 160 saturates to
    127, as MQBench's rounded scale does. max 12 -> 12/127 = 2^-3.404 -> 2^-3."""
    x = np.array([[10.0, -1.0], [12.0, 3.0]])
    np.testing.assert_array_equal(choose_scale(x, "int8", "pow2", axis=0).ravel(), [2**-4, 2**-3])
    q = quantize_array(x, "int8", scale="pow2", axis=0)
    np.testing.assert_array_equal(dequantize_array(q.codes, "int8", q.scale),
                                  [[127 / 16, -1.0], [12.0, 3.0]])
    # fp8_e4m3: 448 * 2^k spans every power: max 1.0 -> 1/448 = 2^-8.807 -> 2^-9
    assert choose_scale([1.0, -0.5], "fp8_e4m3", "pow2")[0] == 2.0**-9


def test_rejects_bad_arguments() -> None:
    for fmt in ("int60", "lns8_f7", "fp16_e9m6"):
        with pytest.raises(ValueError):
            quantize_array([1.0], fmt)
    with pytest.raises(ValueError, match="int1"):
        choose_scale([1.0], "int1")
    with pytest.raises(ValueError, match="finite"):
        choose_scale([np.inf], "int8")
    with pytest.raises(ValueError, match="positive"):
        quantize_array([1.0], "int8", scale=0.0)
    with pytest.raises(ValueError, match="codes"):
        dequantize_array([256], "int8")
    with pytest.raises(ValueError, match="axis"):
        choose_scale(np.ones((2, 2)), "int8", axis=2)
