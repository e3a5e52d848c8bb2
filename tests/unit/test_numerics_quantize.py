"""hwsim.numerics.quantize against exact math, exhaustively over every 16-bit x.

Independent references: numpy's ``np.round`` (round half to even) on ``x / 2^shift``, which is
exact in float64 for |x| < 2^53; float ``log2`` for the LNS mode (ties are irrational, and a
margin check makes the comparison unambiguous); enumeration of every ``rnd`` for the mean of
stochastic rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.numerics import lns
from hwsim.numerics.quantize import quantize, quantize_np, value_of

IN_W, OUT_W, F = 16, 8, 3
X = np.arange(-(1 << (IN_W - 1)), 1 << (IN_W - 1), dtype=np.int64)
SHIFTS = [0, 1, 3, 8, 9, 15, 16, 17, 31]


def signed(y: np.ndarray, w: int) -> np.ndarray:
    return np.where(y >> (w - 1), y - (1 << w), y)


@pytest.mark.parametrize("shift", SHIFTS)
def test_round_to_nearest_even_exhaustive(shift: int) -> None:
    y, sat = quantize_np(X, shift, 0, 0, IN_W, OUT_W, F)
    ref = np.round(X / 2.0**shift)  # half to even, exact for 16-bit x
    lo, hi = -(1 << (OUT_W - 1)), (1 << (OUT_W - 1)) - 1
    np.testing.assert_array_equal(signed(y, OUT_W), np.clip(ref, lo, hi))
    np.testing.assert_array_equal(sat, (ref < lo) | (ref > hi))
    ok = sat == 0
    assert np.max(np.abs(signed(y, OUT_W)[ok] - X[ok] / 2.0**shift)) <= 0.5


def test_ties_go_to_even() -> None:
    # x / 2: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2; 6/4 = 1.5 -> 2; 10/4 = 2.5 -> 2
    cases = {(1, 1): 0, (3, 1): 2, (5, 1): 2, (-1, 1): 0, (-3, 1): -2, (6, 2): 2, (10, 2): 2}
    for (x, shift), want in cases.items():
        y, sat = quantize(x, shift, 0, 0)
        assert (value_of(y, 0), sat) == (want, 0), (x, shift)
    # just off a tie: 0x181 / 2^9 = 0.751953 -> 1; 0x17F / 2^9 = 0.748047 -> 1; 0x0FF/2^9 -> 0
    assert [value_of(quantize(x, 9, 0, 0)[0], 0) for x in (0x181, 0x17F, 0x0FF)] == [1, 1, 0]


def test_saturation_linear_modes() -> None:
    # OUT_W = 8 holds -128..127. 32767/2^0 clips to 127; -32768 to -128; 127.5 (x = 255, shift 1)
    # is a tie with q = 127 odd -> 128 -> clipped; 127.25 rounds to 127 without clipping.
    assert quantize(32767, 0, 0, 0) == (127, 1)
    assert quantize(-32768, 0, 0, 0) == (0x80, 1)
    assert quantize(255, 1, 0, 0) == (127, 1)
    assert quantize(509, 2, 0, 0) == (127, 0)
    assert quantize(-32768, 8, 0, 0) == (0x80, 0)  # exactly -128: representable
    assert quantize(-32768, 8, 1, 12345) == (0x80, 0)  # exact values never round
    assert quantize(32767, 8, 1, 0) == (127, 1)  # 127.996 rounds up (rnd 0 < 255) and clips


@pytest.mark.parametrize("shift", [0, 3, 8, 16])
def test_stochastic_mean_is_exact_over_all_rnd(shift: int) -> None:
    """For shift <= IN_W, the mean over all 2^IN_W values of rnd is exactly x / 2^shift.

    y = q + [floor(phi 2^IN_W) > rnd] and floor(phi 2^IN_W) = phi 2^IN_W when shift <= IN_W, so
    the number of rnd that round up is phi 2^IN_W: sum(y) = 2^IN_W (q + phi) = 2^IN_W x/2^shift.
    """
    rnd = np.arange(1 << IN_W, dtype=np.int64)
    checked = 0
    for x in [1, -1, 3, 1234, -1235, 32767 >> 8, -(1 << 11) + 5]:
        y, sat = quantize_np(x, shift, 1, rnd, IN_W, OUT_W, F)
        if sat.any():
            continue
        assert int(signed(y, OUT_W).sum()) * (1 << shift) == x * (1 << IN_W), (x, shift)
        checked += 1
    # |x / 2^shift| < 127 for 1, -1, 3 and 127 (32767 >> 8) at every shift: they never saturate
    assert checked >= 4


def test_stochastic_bias_bound_beyond_in_w() -> None:
    """For shift > IN_W, P(up) = floor(phi 2^IN_W)/2^IN_W: mean in (v - 2^-IN_W, v]."""
    rnd = np.arange(1 << IN_W, dtype=np.int64)
    for x in [1, 12345, -1, -32768]:
        y, _ = quantize_np(x, 20, 1, rnd, IN_W, OUT_W, F)
        mean = signed(y, OUT_W).mean()
        assert x / 2.0**20 - 2.0**-IN_W < mean <= x / 2.0**20


def test_stochastic_mean_error_near_zero_random_rnd() -> None:
    """Mean of y - x/2^9 over every x with random rnd (fixed seed).

    Each error is q + B - v with B ~ Bernoulli(phi) (shift 9 <= IN_W), so it has mean 0 and
    variance phi (1 - phi) <= 1/4. The mean of n = 65536 independent errors has standard
    deviation <= 0.5 / sqrt(n) = 1/512; 5 sigma = 0.0098. Rounding to nearest would instead
    have a small |mean| too, so the test also checks each error lies in (-1, 1) and that the
    outputs differ from RNE as often as they should: SR and RNE disagree with probability
    min(phi, 1 - phi), whose mean over the (uniform) discarded fractions phi is 1/4.
    """
    rng = np.random.default_rng(2024)
    rnd = rng.integers(0, 1 << IN_W, size=X.size)
    y, sat = quantize_np(X, 9, 1, rnd, IN_W, OUT_W, F)
    assert not sat.any()  # |x / 2^9| <= 64 fits in 8 bits
    err = signed(y, OUT_W) - X / 2.0**9
    assert abs(err.mean()) < 5 * 0.5 / np.sqrt(X.size)
    assert np.all(np.abs(err) < 1)
    y_rne, _ = quantize_np(X, 9, 0, 0, IN_W, OUT_W, F)
    assert abs(np.count_nonzero(y != y_rne) / X.size - 0.25) < 0.01  # sd 0.0017: ~6 sigma


@pytest.mark.parametrize("shift", SHIFTS)
def test_lns_mode_exhaustive_against_log2(shift: int) -> None:
    y, sat = quantize_np(X, shift, 2, 0, IN_W, OUT_W, F)
    lo, hi = lns.emin(OUT_W), lns.emax(OUT_W)
    nz = X != 0
    ex = (1 << F) * (np.log2(np.abs(X[nz]).astype(np.float64)) - shift)
    assert np.all(np.abs(ex - np.floor(ex) - 0.5) > 1e-9)
    nearest = np.floor(ex + 0.5).astype(np.int64)
    want_e = np.where(nearest <= lo, lo, np.minimum(nearest, hi))
    want_sign = np.where(want_e == lo, 0, X[nz] < 0)
    want = (want_sign << (OUT_W - 1)) | (want_e & ((1 << (OUT_W - 1)) - 1))
    np.testing.assert_array_equal(y[nz], want)
    np.testing.assert_array_equal(sat[nz], (nearest <= lo) | (nearest > hi))
    assert y[~nz][0] == lns.zero_word(OUT_W) and sat[~nz][0] == 0
    fine = (nearest > lo) & (nearest <= hi)
    assert np.all(np.abs(nearest[fine] - ex[fine]) <= 0.5)  # shift 31: none in range


def test_lns_mode_special_cases() -> None:
    # 8*log2(32767) = 119.99 -> e = 120 > EMAX = 63: saturate, sign kept
    assert quantize(-32767, 0, 2, 0) == (lns.pack(1, 63, 8), 1)
    # 1 / 2^31: e = -248 <= EMIN = -64: flush to zero
    assert quantize(1, 31, 2, 0) == (lns.zero_word(8), 1)
    # -8 / 2^3 = -1: e = 0 exactly
    assert quantize(-8, 3, 2, 0) == (lns.pack(1, 0, 8), 0)
    # mode 3 is mode 2
    assert all(quantize(x, 5, 3, 0) == quantize(x, 5, 2, 0) for x in range(-300, 300))


@pytest.mark.parametrize(("in_w", "out_w", "f"), [(16, 8, 3), (24, 4, 1), (12, 12, 5)])
def test_scalar_and_numpy_models_agree(in_w: int, out_w: int, f: int) -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    x = rng.integers(-(1 << (in_w - 1)), 1 << (in_w - 1), size=n)
    shift, mode = rng.integers(0, 32, size=n), rng.integers(0, 4, size=n)
    rnd = rng.integers(0, 1 << in_w, size=n)
    y, sat = quantize_np(x, shift, mode, rnd, in_w, out_w, f)
    ref = [quantize(*map(int, v), in_w, out_w, f) for v in zip(x, shift, mode, rnd, strict=True)]
    np.testing.assert_array_equal(np.stack([y, sat], axis=1), np.array(ref))


def test_rejects_out_of_range_inputs() -> None:
    with pytest.raises(ValueError, match="signed 16-bit"):
        quantize(1 << 15, 0, 0, 0)
    with pytest.raises(ValueError, match="out of range"):
        quantize(0, 32, 0, 0)
    with pytest.raises(ValueError, match="OUT_W"):
        quantize(0, 0, 0, 0, IN_W=8, OUT_W=9)
