"""Block-scaled number formats: names, element formats, and the split of an axis into blocks.

A block format stores ``k`` consecutive elements of one axis (the reduction dimension of the
matrix product that consumes them) in a narrow element format, with one scale per block:

* **MX** (OCP Microscaling Formats v1.0, 2023): an E8M0 scale, a power of two ``2^(c - 127)``
  with code ``c`` in 0..254 (255 is NaN), shared by ``k = 32`` elements (:mod:`.mx`).
* **NVFP4** (NVIDIA Blackwell): FP4 E2M1 elements, an FP8 E4M3 scale per 16 elements and an FP32
  scale per tensor (:mod:`.nvfp4`).

Names (:func:`parse_block_format`)::

    mxfp8_e4m3  mxfp8_e5m2  mxfp6_e3m2  mxfp6_e2m3  mxfp4  mxint8   OCP MX v1.0 Table 1, k = 32
    nvfp4                                                             k = 16
    mx<element>_b<k>   nvfp4_b<k>                                     any element, any block size

``<element>`` is ``fp<n>_e<E>m<M>`` (``n = 1 + E + M``; ``fp4`` alone is E2M1) or ``int<B>``,
e.g. ``mxfp4_e2m1_b16``, ``mxint4_b64``, ``mxfp8_e4m3_b128``. Element semantics:

* ``fp`` of fewer than 8 bits: no infinities and no NaN (:func:`~.floats.finite_layout`), as
  MX's FP6 and FP4; 8 bits and wider: hwsim's fp formats (:func:`~.floats.float_layout`: E4M3
  is OCP's E4M3FN, every other layout IEEE-like with inf and NaN, so E5M2 is OCP's E5M2).
* ``int<B>``: two's complement with an implicit scale ``2^-(B-2)``, so its values are
  ``code / 2^(B-2)`` in ``[-2, 2)``; for B = 8 this is MXINT8's element (implicit scale 2^-6,
  OCP MX v1.0).

``emax`` of an element format is the exponent of its largest normal value (E4M3 8, E5M2 15,
E3M2 4, E2M3 2, E2M1 2, intB 0), the ``emax_elem`` of the MX conversion rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hwsim.numerics.floats import (
    FloatLayout,
    decode_float,
    encode_float,
    finite_layout,
    float_layout,
)
from hwsim.numerics.rounding import FloatArray, stochastic_up
from hwsim.precision.formats import BLOCK_FORMATS

IntArray = npt.NDArray[np.int64]

#: OCP MX v1.0 Table 1 (block 32) and NVFP4 (block 16), by name (`hwsim.precision.formats`).
CONCRETE = BLOCK_FORMATS
_NAME = re.compile(r"(mx|nv)(fp\d+(?:_e\d+m\d+)?|int\d+)_b(\d+)")
_FP = re.compile(r"fp(\d+)(?:_e(\d+)m(\d+))?")
INT_BITS = range(2, 17)
BLOCK_SIZES = range(1, 4097)


@dataclass(frozen=True)
class ElementFormat:
    """The narrow format of a block's elements: ``kind`` "fp" (with ``e``/``m`` bits) or "int"."""

    kind: str
    bits: int
    e: int = 0
    m: int = 0

    @property
    def name(self) -> str:
        return f"fp{self.bits}_e{self.e}m{self.m}" if self.kind == "fp" else f"int{self.bits}"

    @cached_property
    def layout(self) -> FloatLayout:
        """The fp layout (finite below 8 bits); ValueError for int elements."""
        if self.kind != "fp":
            raise ValueError(f"{self.name} is not a floating-point element format")
        return finite_layout(self.e, self.m) if self.bits < 8 else float_layout(self.e, self.m)

    @cached_property
    def max_value(self) -> float:
        """Largest finite magnitude (E4M3 448, E5M2 57344, E2M1 6, int8 127/64)."""
        if self.kind == "int":
            return ((1 << (self.bits - 1)) - 1) / (1 << (self.bits - 2))
        return self.layout.max_value

    @cached_property
    def emax(self) -> int:
        """Exponent of the largest normal value: ``floor(log2(max_value))``."""
        return math.floor(math.log2(self.max_value))

    def encode(self, v: FloatArray, u: FloatArray | None) -> IntArray:
        """Codes of the finite float64 values ``v``: round to nearest even (``u`` None) or
        stochastically (uniforms ``u``), saturating to ``±max_value`` (MX's "clamping")."""
        if self.kind == "fp":
            return encode_float(v, self.layout, u, saturate=True)
        return self._encode_int(v, u)

    def decode(self, codes: npt.ArrayLike) -> FloatArray:
        """Values of raw codes (float64)."""
        c = np.asarray(codes, dtype=np.int64)
        if self.kind == "fp":
            return decode_float(c, self.layout)
        signed = np.where(c >> (self.bits - 1) == 1, c - (1 << self.bits), c)
        return np.ldexp(signed.astype(np.float64), -(self.bits - 2))

    def _encode_int(self, v: FloatArray, u: FloatArray | None) -> IntArray:
        """``code / 2^(B-2)`` nearest to v, clipped symmetrically to ``±(2^(B-1) - 1)``.

        The symmetric clip follows the MX reference library (microsoft/microxcaling clamps to
        ``±max_norm``); code ``-2^(B-1)`` (value -2) is never produced but decodes.
        """
        n = np.ldexp(v, self.bits - 2)  # exact
        if u is None:
            r = np.rint(n)
        else:
            f = np.floor(n)
            r = f + stochastic_up(n, f, f + 1.0, u)
        top = (1 << (self.bits - 1)) - 1
        return np.clip(r, -top, top).astype(np.int64) & ((1 << self.bits) - 1)


@dataclass(frozen=True)
class BlockFormat:
    """A block-scaled format: element format, block size and scale kind.

    ``scale`` is ``"e8m0"`` (MX: one power-of-two scale per block) or ``"e4m3_fp32"`` (NVFP4:
    an E4M3 scale per block times an FP32 scale per tensor).
    """

    name: str
    element: ElementFormat
    block: int
    scale: str

    @property
    def bits_per_element(self) -> float:
        """Storage per element including the amortised block scale (MXFP4: 4 + 8/32 = 4.25);
        NVFP4's one FP32 per tensor is not counted."""
        return self.element.bits + 8 / self.block


def parse_element(name: str) -> ElementFormat:
    """``fp<n>_e<E>m<M>``, ``fp4`` (E2M1) or ``int<B>``; ValueError otherwise."""
    if name.startswith("int") and name[3:].isdigit():
        bits = int(name[3:])
        if bits not in INT_BITS:
            raise ValueError(f"{name}: int elements need {INT_BITS.start}..{INT_BITS.stop - 1} "
                             "bits")
        return ElementFormat("int", bits)
    m = _FP.fullmatch(name)
    if m is None:
        raise ValueError(f"{name}: expected an element format fp<n>_e<E>m<M>, fp4 or int<B>")
    bits = int(m[1])
    if m[2] is None:
        if bits != 4:
            raise ValueError(f"{name}: only fp4 (E2M1) may omit _e<E>m<M>")
        e, mant = 2, 1
    else:
        e, mant = int(m[2]), int(m[3])
    if bits != 1 + e + mant:
        raise ValueError(f"{name}: fp{bits} needs 1 + E + M = {bits} bits, got E={e}, M={mant}")
    out = ElementFormat("fp", bits, e, mant)
    out.layout  # noqa: B018  (raises for unsupported widths)
    return out


def parse_block_format(name: str) -> BlockFormat:
    """The :class:`BlockFormat` of a name (module docstring); ValueError naming what is wrong."""
    if name in CONCRETE:
        elem, block, scale = CONCRETE[name]
        return BlockFormat(name, parse_element(elem), block, scale)
    m = _NAME.fullmatch(name)
    if m is None:
        raise ValueError(f"unknown block format {name!r}: expected one of {sorted(CONCRETE)} or "
                         "mx<element>_b<k> / nvfp4_b<k> (e.g. mxfp4_e2m1_b16, mxint4_b64)")
    family, elem_name, block = m[1], m[2], int(m[3])
    if block not in BLOCK_SIZES:
        raise ValueError(f"{name}: block size must be in {BLOCK_SIZES.start}.."
                         f"{BLOCK_SIZES.stop - 1}, got {block}")
    element = parse_element(elem_name)
    if family == "nv":
        if element != ElementFormat("fp", 4, 2, 1):
            raise ValueError(f"{name}: nvfp4 elements are fp4 (E2M1), got {element.name}")
        return BlockFormat(name, element, block, "e4m3_fp32")
    return BlockFormat(name, element, block, "e8m0")


def block_format(fmt: BlockFormat | str) -> BlockFormat:
    return fmt if isinstance(fmt, BlockFormat) else parse_block_format(fmt)


class BlockQuantized(NamedTuple):
    """Element codes (shape of x), scale codes (one per block, along the block axis) and the
    per-tensor FP32 scale (NVFP4; 1.0 for MX)."""

    codes: IntArray
    scales: IntArray
    tensor_scale: float


# --- blocks along an axis ----------------------------------------------------------------------


def to_blocks(x: npt.NDArray[np.float64], axis: int, k: int) -> npt.NDArray[np.float64]:
    """x with `axis` moved last and split into blocks: shape ``(..., ceil(n/k), k)``.

    A last partial block (``n % k`` elements) is padded with +0.0. Zeros change neither a
    block's largest magnitude nor its NaN/Inf status, so the partial block is scaled exactly as
    a block of its own ``n % k`` elements would be (the MX reference library pads the same way).
    """
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} out of range for an array of {x.ndim} dimensions")
    moved = np.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    pad = -n % k
    if pad:
        moved = np.concatenate([moved, np.zeros((*moved.shape[:-1], pad))], axis=-1)
    return moved.reshape(*moved.shape[:-1], (n + pad) // k, k)


def from_blocks(b: np.ndarray, axis: int, n: int) -> np.ndarray:
    """Inverse of :func:`to_blocks` for an axis of length n (drops the padding)."""
    flat = b.reshape(*b.shape[:-2], -1)[..., :n]
    return np.moveaxis(flat, -1, axis)
