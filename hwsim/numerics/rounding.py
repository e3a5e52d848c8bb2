"""Rounding primitives shared by the format quantizers of :mod:`hwsim.numerics.formats`.

Every quantizer reduces to one choice: a real ``v`` lies between two neighbouring representable
values ``lo <= v <= hi`` and rounds to one of them.

* **Round to nearest, ties to even** (``rounding="nearest"``): the nearer of lo and hi; at an
  exact tie, the one whose code is even (last code bit 0), as IEEE 754 ``roundTiesToEven``.
* **Stochastic rounding** (``rounding="stochastic"``): hi with probability
  ``(v - lo) / (hi - lo)``, else lo, so ``E[Q(v)] = lo + (hi - lo)(v - lo)/(hi - lo) = v``: the
  quantizer is unbiased wherever v lies inside the representable range. A value that is already
  representable (``v = lo``) never moves. On a uniform grid this is the stochastic rounding of
  SBM (Banner et al., 2018) and CPT (Fu et al., 2021), whose code rounds ``v + U(-1/2, 1/2)``
  to the nearest integer: ``P(round(v + U) = floor(v) + 1) = v - floor(v)``, the same law.

Randomness is explicit: ``rng`` is an int seed or a :class:`numpy.random.Generator`, never
numpy's global state. A quantizer draws ``u = rng.random(x.shape)`` once (one uniform in [0, 1)
per element, C order) and rounds element ``i`` up when ``u[i] < (v[i] - lo[i]) / (hi[i] - lo[i])``;
the same seed therefore gives the same codes, and ``u`` can be fed to an RTL model unchanged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RngLike = int | np.random.Generator | None

ROUNDINGS = ("nearest", "stochastic")


def check_rounding(rounding: str) -> None:
    """Raise ValueError unless `rounding` is ``"nearest"`` or ``"stochastic"``."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")


def make_rng(rng: RngLike) -> np.random.Generator:
    """The Generator for an int seed (``default_rng(seed)``) or the Generator itself."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"stochastic rounding needs rng: an int seed or a numpy Generator, got {rng!r}")


def uniforms(rounding: str, rng: RngLike, shape: tuple[int, ...]) -> FloatArray | None:
    """``rng.random(shape)`` for stochastic rounding, None for round to nearest."""
    check_rounding(rounding)
    if rounding == "nearest":
        return None
    return make_rng(rng).random(shape)


def stochastic_up(v: FloatArray, lo: FloatArray | float, hi: FloatArray | float,
                  u: FloatArray) -> BoolArray:
    """True where ``v`` (``lo <= v <= hi``, ``lo < hi``) rounds stochastically to hi:
    ``u < (v - lo) / (hi - lo)``, so ``P(hi) = (v - lo) / (hi - lo)`` for ``u ~ U[0, 1)``."""
    return u < (v - lo) / (hi - lo)


def round_up(v: FloatArray, lo: FloatArray, hi: FloatArray, lo_even: npt.ArrayLike,
             u: FloatArray | None) -> BoolArray:
    """True where ``v`` (``lo <= v <= hi``, ``lo < hi``) rounds to hi.

    ``u is None``: nearest, ties to the even code (`lo_even` says whether lo's code is even).
    Otherwise :func:`stochastic_up`. Callers pass lo and hi whose differences with v are exact
    in float64 (a common power-of-two quantum, or Sterbenz subtraction within a binade), so
    ties are detected exactly.
    """
    if u is None:
        below, above = v - lo, hi - v
        return (below > above) | ((below == above) & ~np.asarray(lo_even, dtype=bool))
    return stochastic_up(v, lo, hi, u)


def reduce_axes(ndim: int, axis: int | None) -> tuple[int, ...]:
    """Axes a per-tensor (axis None) or per-channel (channel axis `axis`) statistic reduces."""
    if axis is None:
        return tuple(range(ndim))
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} out of range for an array of {ndim} dimensions")
    keep = axis % ndim
    return tuple(d for d in range(ndim) if d != keep)


def pow2_scale(scale: FloatArray) -> FloatArray:
    """MQBench's power-of-two scale: ``2^round(log2 s)``, round half to even.

    MQBench (Li et al., 2021) quantizes a learned or observed scale with
    ``pot_quantization``: ``2 ** torch.round(torch.log2(scale))`` (``torch.round`` is half to
    even, as ``np.rint``). A power-of-two scale makes rescaling a shift in hardware (the
    ``shift`` input of ``rtl/quantizer.v``). Rounding may pick the smaller power, so the largest
    magnitudes of the tensor can then saturate; that is MQBench's behaviour, kept.
    """
    return np.exp2(np.rint(np.log2(scale)))
