"""hwsim.numerics.lns: the LNS word, its rounding and lns_add, against exact math.

The claims checked (see the module docstring): lns_add returns the nearest e to
2^F*log2|a+b| (so the error is at most 1/2 unit of e) unless the result saturates, underflows or
cancels; log_round is the nearest e to 2^F*log2(mag); the Verilog includes equal the generator.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hwsim.numerics import lns, verilog_tables
from tests_paths import REPO

RTL = REPO / "rtl"
TIE_MARGIN = 1e-9  # float log2 of these operands is good to ~1e-13 units; ties are irrational


def all_pairs(W: int) -> tuple[np.ndarray, np.ndarray]:
    words = np.arange(1 << W, dtype=np.int64)
    return np.repeat(words, 1 << W), np.tile(words, 1 << W)


def exact_log_units(a: np.ndarray, b: np.ndarray, W: int, F: int) -> tuple[np.ndarray, ...]:
    """(sum of the decoded values, 2^F*log2|sum|) in double precision."""
    dec = np.vectorize(lambda w: lns.decode(int(w), W, F), otypes=[np.float64])
    total = dec(a) + dec(b)
    with np.errstate(divide="ignore"):
        return total, (1 << F) * np.log2(np.abs(total))


def check_against_exact(a: np.ndarray, b: np.ndarray, W: int, F: int) -> None:
    """Every lns_add result equals the correctly rounded exact sum, clipped to the format."""
    y = lns.lns_add_np(a, b, W, F)
    total, ex = exact_log_units(a, b, W, F)
    lo, hi = lns.emin(W), lns.emax(W)
    sign = (y >> (W - 1)) & 1
    e = ((y + (1 << (W - 2))) & ((1 << (W - 1)) - 1)) - (1 << (W - 2))
    finite = np.isfinite(ex)
    assert np.all(np.abs(ex[finite] - np.floor(ex[finite]) - 0.5) > TIE_MARGIN)
    nearest = np.where(finite, np.floor(np.where(finite, ex, 0.0) + 0.5), lo)
    expect_e = np.where(nearest <= lo, lo, np.minimum(nearest, hi)).astype(np.int64)
    expect_sign = np.where(expect_e == lo, 0, (total < 0).astype(np.int64))
    np.testing.assert_array_equal(e, expect_e)
    np.testing.assert_array_equal(sign, expect_sign)
    in_range = (e > lo) & (e < hi)
    assert np.max(np.abs(e[in_range] - ex[in_range])) <= 0.5  # the documented bound


@pytest.mark.parametrize(("W", "F"), [(8, 3), (6, 0), (7, 1)])
def test_lns_add_exhaustive_is_correctly_rounded(W: int, F: int) -> None:
    a, b = all_pairs(W)
    check_against_exact(a, b, W, F)


def test_lns_add_wide_random_is_correctly_rounded() -> None:
    W, F = 12, 5
    rng = np.random.default_rng(12)
    a, b = rng.integers(0, 1 << W, size=(2, 200_000))
    check_against_exact(a, b, W, F)


@pytest.mark.parametrize(("W", "F"), [(8, 3), (6, 0)])
def test_scalar_and_numpy_models_agree(W: int, F: int) -> None:
    a, b = all_pairs(W)
    scalar = [lns.lns_add(int(x), int(y), W, F) for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(lns.lns_add_np(a, b, W, F), scalar)


def test_lns_add_special_cases() -> None:
    W, F = 8, 3
    zero, neg_zero = lns.zero_word(W), lns.pack(1, lns.emin(W), W)
    one, minus_one = lns.pack(0, 0, W), lns.pack(1, 0, W)
    assert zero == 0x40  # sign 0, e = -64 in 7-bit two's complement = 0b1000000
    assert lns.lns_add(one, zero, W, F) == one
    assert lns.lns_add(neg_zero, minus_one, W, F) == minus_one
    assert lns.lns_add(neg_zero, neg_zero, W, F) == zero  # zeros come out canonical
    assert lns.lns_add(one, minus_one, W, F) == zero  # exact cancellation
    # 1 + 1 = 2 = 2^(8/8): e = 0 + T+(0) = 0 + 8
    assert lns.lns_add(one, one, W, F) == lns.pack(0, 8, W)
    # largest + largest = 2^(63/8 + 1) > largest: saturates at e = 63
    top = lns.pack(1, 63, W)
    assert lns.lns_add(top, top, W, F) == top
    # 2^(-62/8) - 2^(-63/8): e = -62 + T-(1) = -62 - 29 <= -64 (T-(1) = round(8*log2(1-2^-1/8))
    # = round(-28.7)): underflow to zero
    assert lns.phi_tables(F)[1][1] == -29
    assert lns.lns_add(lns.pack(0, -62, W), lns.pack(1, -63, W), W, F) == zero
    # order and sign: the larger magnitude's sign wins; the operation commutes
    small, big_neg = lns.pack(0, -3, W), lns.pack(1, 5, W)
    y = lns.lns_add(small, big_neg, W, F)
    assert y == lns.lns_add(big_neg, small, W, F) and y >> (W - 1) == 1


@pytest.mark.parametrize("F", list(lns.F_SUPPORTED))
def test_phi_tables_match_definition_and_end_where_zero(F: int) -> None:
    plus, minus = lns.phi_tables(F)
    n = len(plus)
    s = 1 << F
    for d in range(1, n + 4 * s):
        x = d / s
        tp = math.floor(s * math.log2(1 + 2**-x) + 0.5)
        tm = math.floor(s * math.log2(1 - 2**-x) + 0.5)
        assert (tp, tm) == ((plus[d], minus[d]) if d < n else (0, 0)), d
    assert plus[0] == s and minus[0] == 0  # phi+(0) = log2 2 = 1; T-(0) unused (cancellation)
    assert plus[n - 1] != 0 or minus[n - 1] != 0  # N is the first all-zero index, not later


@pytest.mark.parametrize("F", list(lns.F_SUPPORTED))
def test_log_thresholds_q63_are_exact_ceilings(F: int) -> None:
    n = 1 << (F + 1)
    for j, c in enumerate(lns.log_thresholds_q63(F), 1):
        # c = ceil(2^63 * 2^((2j-1)/n))  <=>  (c-1)^n < 2^(63n + 2j - 1) <= c^n
        assert (c - 1) ** n < 1 << (63 * n + 2 * j - 1) <= c**n


@pytest.mark.parametrize("F", [0, 3, 5])
def test_log_round_is_nearest_log(F: int) -> None:
    """log_round(mag) == nearest integer to 2^F*log2(mag), checked two independent ways."""
    n = 1 << (F + 1)
    mags = np.arange(1, 1 << 16)
    ex = (1 << F) * np.log2(mags.astype(np.float64))
    assert np.all(np.abs(ex - np.floor(ex) - 0.5) > TIE_MARGIN)
    got = np.array([lns.log_round(int(m), F) for m in mags])
    np.testing.assert_array_equal(got, np.floor(ex + 0.5).astype(np.int64))
    # exact integer form on a sample: e >= (p<<F) + j  <=>  mag^n >= 2^(p*n + 2j - 1)
    for m in [1, 2, 3, 181, 46341, 65535, (1 << 40) + 12345, (1 << 64) - 1]:
        p = m.bit_length() - 1
        k = sum(m**n >= 1 << (p * n + 2 * j - 1) for j in range(1, (1 << F) + 1))
        assert lns.log_round(m, F) == (p << F) + k


def test_encode_decode_round_trip_every_word() -> None:
    W, F = 8, 3
    for w in range(1 << W):
        _, e = lns.unpack(w, W)
        expect = lns.zero_word(W) if e == lns.emin(W) else w
        assert lns.encode(lns.decode(w, W, F), W, F) == expect
    assert lns.encode(1e30, W, F) == lns.pack(0, lns.emax(W), W)  # saturates
    assert lns.encode(-1e-30, W, F) == lns.zero_word(W)  # flushes to zero


def test_encode_scaled_rounds_at_geometric_midpoint() -> None:
    """The boundary between e = 3 and e = 4 (F = 3) is 2^(3.5/8) = 1.354308..., x 2^15 = 44377.0.

    8*log2(44376/2^15) = 3.49994 -> e = 3; 8*log2(44377/2^15) = 3.50020 -> e = 4. At 44400 the
    value 1.35498 is linearly nearer 2^(3/8) (distance 0.0581) than 2^(4/8) (0.0592), yet the
    log-domain rule gives e = 4. Negative x only sets the sign bit.
    """
    assert lns.encode_scaled(44376, 15, 8, 3) == (lns.pack(0, 3, 8), 0)
    assert lns.encode_scaled(44377, 15, 8, 3) == (lns.pack(0, 4, 8), 0)
    assert lns.encode_scaled(-44400, 15, 8, 3) == (lns.pack(1, 4, 8), 0)
    assert lns.encode_scaled(0, 15, 8, 3) == (lns.zero_word(8), 0)


def test_verilog_includes_match_generator() -> None:
    for name, emit in verilog_tables.VERILOG_TABLES.items():
        stale = f"{name} is stale: python -m hwsim.numerics.verilog_tables rtl"
        assert (RTL / name).read_text() == emit(), stale


def test_main_writes_includes(tmp_path: Path) -> None:
    assert verilog_tables.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(verilog_tables.VERILOG_TABLES)
