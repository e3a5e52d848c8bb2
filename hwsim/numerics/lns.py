"""Bit-exact golden model of the logarithmic number system (LNS) of ``rtl/lns_add.v``.

Word format (``W`` bits, ``F`` fractional log bits)::

    bit W-1      sign s (1 = negative)
    bits W-2..0  log magnitude e, a (W-1)-bit two's-complement integer
    value        (-1)^s * 2^(e / 2^F);  the most negative e, EMIN = -2^(W-2), encodes zero

Nonzero words therefore have ``e`` in ``[EMIN+1, EMAX]`` with ``EMAX = 2^(W-2) - 1``. Either sign
bit with ``e = EMIN`` reads as zero; this model and the RTL always *produce* the canonical zero
``s = 0, e = EMIN`` (:func:`zero_word`).

Why this format: it is the LNS of LNS-Madam-style accelerators, where a product is an integer
add of exponents and a sum needs the Gaussian-log functions

    phi+(x) = log2(1 + 2^-x),   phi-(x) = log2(1 - 2^-x),   x >= 0,

because for |u| >= |v|:  log2(|u| +/- |v|) = log2|u| + phi+/-(log2|u| - log2|v|).

Addition rule (:func:`lns_add`). With ``e_big >= e_small`` the larger and smaller magnitude and
``d = e_big - e_small`` (an integer, in units of 2^-F), the result exponent is
``e_big + T(d)`` where ``T(d) = round(2^F * phi(d / 2^F))`` is read from a table
(:func:`phi_tables`), with ``phi = phi+`` when the signs agree and ``phi-`` when they differ. The
result takes the sign of the larger magnitude. Because e_big is an integer and T(d) is the
nearest integer to ``2^F * phi``, the result is the *correctly rounded* log of the exact sum:
``|e_out - 2^F*log2|a+b|| <= 1/2`` unit of e (the issue allows 1 unit). Exceptions:
``e_out > EMAX`` saturates to EMAX (same sign); ``e_out <= EMIN`` (underflow) and exact
cancellation (``d = 0`` with opposite signs) give zero; a zero operand returns the other operand
unchanged.

Rounding a positive real to the format (:func:`log_round`, used by :func:`encode_scaled` and the
quantizer's LNS mode) picks the nearest e to ``2^F * log2|v|``. For ``v = mag / 2^shift`` with
integer ``mag`` this is ``e = 2^F*(p - shift) + k``, where ``p = floor(log2 mag)`` and ``k`` counts
the thresholds ``t_j = 2^((2j-1) / 2^(F+1))``, ``j = 1..2^F``, that the mantissa ``m = mag/2^p``
reaches. The t_j are irrational, so there are no ties; they are held as exact 64-bit integers
``C_j = ceil(2^63 * t_j)`` (:func:`log_thresholds_q63`) and compared exactly (see
:func:`log_thresholds`).

The Verilog holds the same tables: ``python -m hwsim.numerics.verilog_tables rtl`` writes
``rtl/lns_phi.vh`` and ``rtl/lns_log_thresholds.vh`` from :func:`phi_tables` and
:func:`log_thresholds_q63`; a unit test checks the committed files equal the generator's output.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

#: Fractional log bits the generated Verilog tables cover (``F`` parameter of the RTL).
F_SUPPORTED = range(0, 7)

IntArray = npt.NDArray[np.int64]


# --- word format -------------------------------------------------------------------------------


def emin(W: int) -> int:
    """Most negative e of a W-bit word: the zero code."""
    return -(1 << (W - 2))


def emax(W: int) -> int:
    """Largest e of a W-bit word (largest magnitude 2^(EMAX/2^F))."""
    return (1 << (W - 2)) - 1


def pack(sign: int, e: int, W: int) -> int:
    """Raw W-bit word from sign bit and exponent e (e is wrapped to W-1 bits)."""
    return ((sign & 1) << (W - 1)) | (e & ((1 << (W - 1)) - 1))


def unpack(word: int, W: int) -> tuple[int, int]:
    """(sign, e) of a raw W-bit word, e sign-extended from W-1 bits."""
    e = word & ((1 << (W - 1)) - 1)
    if e >> (W - 2):
        e -= 1 << (W - 1)
    return (word >> (W - 1)) & 1, e


def unpack_np(words: npt.ArrayLike, W: int) -> tuple[IntArray, IntArray]:
    """Vectorised :func:`unpack`: (sign bits, e) of raw W-bit words."""
    words = np.asarray(words, dtype=np.int64)
    half = 1 << (W - 2)
    return (words >> (W - 1)) & 1, ((words + half) & ((1 << (W - 1)) - 1)) - half


def pack_np(sign: npt.ArrayLike, e: npt.ArrayLike, W: int) -> IntArray:
    """Raw W-bit words of sign bits and exponents, with the rules every producer of a word
    follows: e > EMAX saturates to EMAX (sign kept), e <= EMIN gives the canonical zero."""
    sign, e = np.asarray(sign, dtype=np.int64), np.asarray(e, dtype=np.int64)
    word = (sign << (W - 1)) | (np.minimum(e, emax(W)) & ((1 << (W - 1)) - 1))
    return np.where(e <= emin(W), zero_word(W), word)


def zero_word(W: int) -> int:
    """Canonical zero: sign 0, e = EMIN."""
    return pack(0, emin(W), W)


def decode(word: int, W: int, F: int) -> float:
    """Real value of a raw word: ``(-1)^s * 2^(e/2^F)``, 0.0 for the zero code."""
    s, e = unpack(word, W)
    if e == emin(W):
        return 0.0
    return (-1.0 if s else 1.0) * 2.0 ** (e / (1 << F))


# --- rounding a real to the format ---------------------------------------------------------------


def least_root_at_least(target: int, n: int, lo: int, hi: int) -> int:
    """The least integer C in [lo, hi] with ``C^n >= target`` (bisection on exact integers)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if mid**n >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


@cache
def log_thresholds_q63(F: int) -> tuple[int, ...]:
    """``C_j = ceil(2^63 * 2^((2j-1)/2^(F+1)))`` for ``j = 1..2^F``, exact integers < 2^64.

    ``t_j = C_j / 2^63`` (rounded up) is the mantissa at which ``round(2^F*log2 m)`` steps from
    j-1 to j. Computed exactly as the least C with ``C^n >= 2^(63n + 2j - 1)``, ``n = 2^(F+1)``.
    """
    n = 1 << (F + 1)
    return tuple(least_root_at_least(1 << (63 * n + 2 * j - 1), n, 1 << 63, 1 << 64)
                 for j in range(1, (1 << F) + 1))  # t_j in (1, 2)


@cache
def log_thresholds(F: int, P: int) -> tuple[int, ...]:
    """Integer thresholds for a mantissa ``M`` with P fractional bits (``M = m * 2^P``).

    ``M >= ceil(C_j / 2^(63-P))``  <=>  ``M * 2^(63-P) >= C_j``  <=>  ``m >= t_j``, exactly,
    because C_j = ceil(2^63 t_j) and the left side is an integer (ceil(ceil(y)/n) = ceil(y/n)).
    The RTL derives its comparator constants with the same expression. Valid for 0 <= P <= 63.
    """
    if not 0 <= P <= 63:
        raise ValueError(f"mantissa bits P={P} outside 0..63")
    s = 63 - P
    return tuple(-((-c) >> s) for c in log_thresholds_q63(F))


def log_round(mag: int, F: int) -> int:
    """Nearest integer to ``2^F * log2(mag)`` for an integer ``1 <= mag < 2^64``."""
    if not 1 <= mag < 1 << 64:
        raise ValueError(f"magnitude {mag} outside 1..2^64-1")
    p = mag.bit_length() - 1
    k = sum(mag >= t for t in log_thresholds(F, p))
    return (p << F) + k


def encode_scaled(x: int, shift: int, W: int, F: int) -> tuple[int, int]:
    """Word nearest (in the log domain) to ``x / 2^shift``, and a clip flag.

    Zero encodes as the canonical zero (flag 0). Negative x sets the sign bit and encodes |x|.
    Otherwise e = ``log_round(|x|) - shift*2^F``; e > EMAX saturates to EMAX and e <= EMIN
    flushes to zero, both with flag 1 (the value was outside the representable range).
    """
    if x == 0:
        return zero_word(W), 0
    e = log_round(abs(x), F) - (shift << F)
    sign = 1 if x < 0 else 0
    if e > emax(W):
        return pack(sign, emax(W), W), 1
    if e <= emin(W):
        return zero_word(W), 1
    return pack(sign, e, W), 0


def encode(value: float, W: int, F: int) -> int:
    """Word nearest (in the log domain) to a float; saturates/flushes like :func:`encode_scaled`."""
    if value == 0.0:
        return zero_word(W)
    num, den = float(value).as_integer_ratio()  # den is a power of two
    mag, shift = abs(num), den.bit_length() - 1
    while mag >= 1 << 64:  # keep the top bits; beyond 2^64 only far-out-of-range floats land here
        mag, shift = mag >> 1, shift - 1
    return encode_scaled(mag if num > 0 else -mag, shift, W, F)[0]


# --- addition ----------------------------------------------------------------------------------


def _round_half_up(v: float) -> int:
    frac = v - math.floor(v)
    if abs(frac - 0.5) < 1e-9:  # never happens for these irrational values; guard the claim
        raise ArithmeticError(f"table value {v} too close to a rounding tie")
    return math.floor(v + 0.5)


@cache
def phi_tables(F: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(T+, T-)``: ``T(d) = round(2^F * phi(d / 2^F))`` for ``d = 0..N-1``.

    N is the first d >= 1 from which both tables are 0 (|phi| falls monotonically, so every
    d >= N reads 0 and the RTL needs no entry for it). ``T-(0)`` (phi- = -inf, exact
    cancellation) is stored as 0 and never used. Values are computed in double precision; the
    distance of each to a rounding tie is checked to exceed 1e-9, far above double's ~1e-13
    error on these magnitudes, so the rounding is exact.
    """
    scale = float(1 << F)
    plus: list[int] = []
    minus: list[int] = []
    d = 0
    while True:
        x = d / scale
        tp = _round_half_up(scale * math.log2(1.0 + 2.0**-x))
        tm = 0 if d == 0 else _round_half_up(scale * math.log2(-math.expm1(-x * math.log(2.0))))
        if d >= 1 and tp == 0 and tm == 0:
            return tuple(plus), tuple(minus)
        plus.append(tp)
        minus.append(tm)
        d += 1


def lns_add(a: int, b: int, W: int = 8, F: int = 3) -> int:
    """Raw word of ``a + b`` for raw W-bit LNS words a and b; see the module docstring."""
    zero = zero_word(W)
    sa, ea = unpack(a, W)
    sb, eb = unpack(b, W)
    lo = emin(W)
    if ea == lo and eb == lo:
        return zero
    if ea == lo:
        return b
    if eb == lo:
        return a
    if eb > ea:
        sa, ea, sb, eb = sb, eb, sa, ea
    d = ea - eb
    plus, minus = phi_tables(F)
    if sa != sb:
        if d == 0:
            return zero
        t = minus[d] if d < len(minus) else 0
    else:
        t = plus[d] if d < len(plus) else 0
    e = ea + t
    if e <= lo:
        return zero
    return pack(sa, min(e, emax(W)), W)


def lns_add_np(a: npt.ArrayLike, b: npt.ArrayLike, W: int = 8, F: int = 3) -> IntArray:
    """Vectorised :func:`lns_add` over arrays of raw words (same results element by element)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    sa, ea = unpack_np(a, W)
    sb, eb = unpack_np(b, W)
    swap = eb > ea
    s_big, e_big = np.where(swap, sb, sa), np.where(swap, eb, ea)
    d = np.abs(ea - eb)
    n = len(phi_tables(F)[0])
    plus, minus = (np.array((*t, 0), dtype=np.int64) for t in phi_tables(F))
    idx = np.minimum(d, n)  # index N is the appended 0: every d >= N reads 0
    sub = sa != sb
    e = e_big + np.where(sub, minus[idx], plus[idx])
    lo = emin(W)
    out = np.where(sub & (d == 0), zero_word(W), pack_np(s_big, e, W))
    out = np.where(eb == lo, a, out)
    out = np.where(ea == lo, b, out)
    return np.where((ea == lo) & (eb == lo), zero_word(W), out)
