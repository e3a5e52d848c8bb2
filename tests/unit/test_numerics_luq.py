"""LUQ (hwsim.numerics.luq through quantize_array): level set, unbiasedness, underflow, ties.

The level set and every threshold below are derived by hand from the LUQ definition (Chmiel et
al., ICLR 2023, Section 4; hwsim.numerics.luq states the 4-bit encoding); the statistical
tolerances are derived next to each check. Seeds are fixed.
"""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.numerics.formats import choose_scale, dequantize_array, fake_quantize, quantize_array
from hwsim.numerics.luq import luq_emax


def luq_levels(top: float, bits: int = 4) -> np.ndarray:
    """{0} U {±top * 2^-k : k = 0 .. 2^(N-1) - 2}: the exponent fields 1 .. 2^(N-1)-1 hold
    alpha * 2^E with alpha = top / 2^(2^(N-1)-1), i.e. top * 2^(E - Emax); field 0 holds 0."""
    k = np.arange((1 << (bits - 1)) - 1)
    mags = top * np.exp2(-k.astype(np.float64))
    return np.sort(np.concatenate([-mags, [0.0], mags]))


def neighbours(x: np.ndarray, lv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest level <= x and smallest level >= x (x inside [lv[0], lv[-1]])."""
    i = np.searchsorted(lv, x, side="right")
    lo = lv[np.clip(i - 1, 0, lv.size - 1)]
    hi = np.where(lv[np.clip(i - 1, 0, lv.size - 1)] == x, x, lv[np.clip(i, 0, lv.size - 1)])
    return lo, hi


def test_level_set_of_luq4_is_zero_and_max_times_powers_of_two() -> None:
    x = np.array([3.0, -1.5, 0.01, -0.2])  # max|x| = 3
    scale = choose_scale(x, "luq4")
    assert scale[0] == 3.0 / 2**7  # LUQ's alpha = max / 2^(2^3 - 1)
    every = dequantize_array(np.arange(16), "luq4", scale)
    np.testing.assert_array_equal(np.unique(every), luq_levels(3.0))
    assert luq_levels(3.0).size == 15  # 7 magnitudes, both signs, and zero (code 0 and "-0")
    # luq5: 4 exponent bits, alpha = max / 2^15, 15 magnitudes
    np.testing.assert_array_equal(
        np.unique(dequantize_array(np.arange(32), "luq5", 3.0 / 2**15)), luq_levels(3.0, 5))
    assert luq_emax(4) == 7 and luq_emax(2) == 1


@pytest.mark.parametrize("rounding", ["nearest", "stochastic"])
def test_outputs_stay_in_the_level_set(rounding: str) -> None:
    x = np.random.default_rng(1).standard_normal((64, 256)) * np.exp2(
        np.random.default_rng(2).uniform(-12, 0, (64, 256)))
    q = quantize_array(x, "luq4", scale="max", rounding=rounding, rng=3)
    got = dequantize_array(q.codes, "luq4", q.scale)
    assert np.isin(got, luq_levels(float(np.abs(x).max()))).all()
    assert np.abs(got).max() == np.abs(x).max()  # the maximum is a level: nothing clips


def test_luq_is_unbiased_on_a_fixed_tensor() -> None:
    """Mean of N stochastic quantizations of a fixed tensor vs the tensor, element by element.

    Each draw Q of an element x is one of the two levels lo <= x <= hi around it (with lo = 0,
    hi = the smallest level below it: stochastic underflow), hi w.p. (x - lo)/(hi - lo), so
    E[Q] = x and Var[Q] = (x - lo)(hi - x). Draws are independent (one uniform each), so the
    mean of N draws has standard deviation sd = sqrt((x - lo)(hi - x) / N). Allowing 5 sd per
    element: each fails with probability <= 5.7e-7 (normal tail; N = 4000 makes the binomial
    close to normal), all 200 elements together with probability <= 1.2e-4, and the seed is
    fixed. Exact levels (sd = 0) must come back exactly.
    """
    rng = np.random.default_rng(4)
    x = rng.standard_normal(200) * np.exp2(rng.uniform(-10, 0, 200))
    x[:3] = [x.max() * 1.5, -x.max() * 1.5 / 8, 0.0]  # the max, an exact level, and zero
    top = float(np.abs(x).max())
    n = 4000
    q = fake_quantize(np.broadcast_to(x, (n, x.size)), "luq4", scale="max",
                      rounding="stochastic", rng=5)
    lo, hi = neighbours(x, luq_levels(top))
    sd = np.sqrt((x - lo) * (hi - x) / n)
    assert np.all((q == lo) | (q == hi))
    bias = (q - x).mean(axis=0)  # exact levels give exactly 0: q - x = 0 in every draw
    assert np.all(np.abs(bias) <= 5 * sd)
    assert np.all(bias[sd == 0] == 0)
    assert np.count_nonzero(sd == 0) >= 3  # the three exact levels above
    below = np.abs(x) < top / 2**6  # under the smallest level: underflow region is exercised
    assert 10 < np.count_nonzero(below) < 190
    # The bound has teeth: LUQ's "FP4" baseline (round to nearest) breaks it on most elements.
    near = fake_quantize(x, "luq4", scale="max")
    assert np.count_nonzero(np.abs(near - x) > 5 * sd) > 100


def test_stochastic_underflow_probability() -> None:
    """Scale 1: the smallest level is 2. v = 0.5 gives 2 w.p. 0.5/2 = 1/4, else 0, E = 0.5.
    The count of 2s is Binomial(n, 1/4): mean n/4, sd sqrt(n * 1/4 * 3/4); 5 sd allowed."""
    n = 40_000
    q = fake_quantize(np.full(n, -0.5), "luq4", rounding="stochastic", rng=6)
    assert set(np.unique(q)) <= {0.0, -2.0}
    assert abs(np.count_nonzero(q) - n / 4) <= 5 * np.sqrt(n * 3 / 16)


def test_log_stochastic_rounding_probability_inside_a_binade() -> None:
    """Scale 1, v = 5 in [4, 8): 8 w.p. (5 - 4) / 4 = 1/4 (LUQ Eq. 12), else 4."""
    n = 40_000
    q = fake_quantize(np.full(n, 5.0), "luq4", rounding="stochastic", rng=7)
    assert set(np.unique(q)) <= {4.0, 8.0}
    assert abs(np.count_nonzero(q == 8.0) - n / 4) <= 5 * np.sqrt(n * 3 / 16)


def test_nearest_thresholds_and_ties() -> None:
    """Scale 1. Between 0 and 2 the midpoint is 1; between 2^n and 2^(n+1) it is 1.5 * 2^n
    (LUQ Eq. 13). Ties go to the even exponent field: 1 -> 0 (field 0), 3 -> 4 (fields 1, 2),
    6 -> 4 (fields 2, 3), 12 -> 16 (fields 3, 4). Above 2^7 = 128 saturates."""
    x = [0.99, 1.0, 1.01, 2.99, 3.0, 3.01, 5.99, 6.0, 6.01, 12.0, -12.0, 200.0, -np.inf]
    want = [0, 0, 2, 2, 4, 4, 4, 4, 8, 16, -16, 128, -128]
    np.testing.assert_array_equal(fake_quantize(x, "luq4"), want)


def test_per_channel_scales_and_zero_channels() -> None:
    x = np.array([[4.0, -1.0, 0.1], [0.0, 0.0, 0.0], [-0.5, 0.25, 0.0]])
    q = quantize_array(x, "luq4", scale="max", axis=0)
    np.testing.assert_array_equal(q.scale.ravel(), [4 / 128, 1.0, 0.5 / 128])
    got = dequantize_array(q.codes, "luq4", q.scale)
    np.testing.assert_array_equal(got[:, 0], [4.0, 0.0, -0.5])  # each row's max is its top level
    np.testing.assert_array_equal(q.codes[1], [0, 0, 0])  # zeros take the canonical code 0


def test_reproducible_under_a_seed_and_rejects_nan() -> None:
    x = np.random.default_rng(8).standard_normal(500)
    a = quantize_array(x, "luq4", scale="max", rounding="stochastic", rng=9).codes
    b = quantize_array(x, "luq4", scale="max", rounding="stochastic",
                       rng=np.random.default_rng(9)).codes
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="NaN"):
        quantize_array([np.nan], "luq4")
