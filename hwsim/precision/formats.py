"""Number formats by short name: ``int8``, ``uint4``, ``fp16``, ``bf16``, ``fp8_e4m3``, ``lns8_f3``,
``luq4``, ``binary``, and any width (``int3``, ``fp12_e5m6``); block-scaled formats ``mxfp8_e4m3``,
``mxfp8_e5m2``, ``mxfp6_e3m2``, ``mxfp6_e2m3``, ``mxfp4``, ``mxint8``, ``nvfp4`` and any element
and block size (``mx<element>_b<k>``, ``nvfp4_b<k>``).

A format fixes the bits a value occupies in memory (`storage_bits`; tensors pack: two 4-bit
values per byte) and, for the energy model, which kind of arithmetic operates on it (`kind`,
`bits`: for a block format, its element's).

Block-scaled formats (OCP Microscaling Formats (MX) v1.0, Table 1; NVFP4 of
NVIDIA Blackwell) store ``k`` consecutive elements of the reduction dimension of the matrix
product that consumes them in a narrow element format with one 8-bit scale per block: an E8M0
power of two for MX (k = 32), an FP8 E4M3 scale for NVFP4 (k = 16, plus one FP32 scale per
tensor, which `storage_bits` leaves out: 4 bytes per tensor). A block format name ending in
``_sr`` (``nvfp4_sr``, ``mxfp8_e5m2_sr``) is quantized with stochastic rounding (`stochastic`),
as FP4 training recipes quantize gradients; it stores and multiplies as the format without it.
``<element>`` is
``fp<n>_e<E>m<M>`` (``fp4`` alone is E2M1) or ``int<B>`` (2..16 bits), ``k`` in 1..4096; the
element semantics are `hwsim.numerics.block_formats`'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_NAMED_FP = {"fp32": (8, 23), "fp16": (5, 10), "bf16": (8, 7), "fp8_e4m3": (4, 3),
             "fp8_e5m2": (5, 2), "tf32": (8, 10)}
_INT = re.compile(r"(u?int)(\d+)$")
_FP = re.compile(r"fp(\d+)_e(\d+)m(\d+)$")
_LNS = re.compile(r"lns(\d+)_f(\d+)$")
_LUQ = re.compile(r"luq(\d+)$")

#: Block formats by name: (element format, block size, scale). OCP MX v1.0 Table 1 and NVFP4.
BLOCK_FORMATS = {
    "mxfp8_e4m3": ("fp8_e4m3", 32, "e8m0"),
    "mxfp8_e5m2": ("fp8_e5m2", 32, "e8m0"),
    "mxfp6_e3m2": ("fp6_e3m2", 32, "e8m0"),
    "mxfp6_e2m3": ("fp6_e2m3", 32, "e8m0"),
    "mxfp4": ("fp4_e2m1", 32, "e8m0"),
    "mxint8": ("int8", 32, "e8m0"),
    "nvfp4": ("fp4_e2m1", 16, "e4m3_fp32"),
}
#: Bits of one block's scale: E8M0 (MX) or E4M3 (NVFP4; its per-tensor FP32 scale apart).
SCALE_BITS = {"e8m0": 8, "e4m3_fp32": 8}
BLOCK_SIZE_MAX = 4096
BLOCK_ELEMENT_INT_BITS = range(2, 17)
_BLOCK = re.compile(r"(mx|nv)(.*)_b([^_]*)$")
_ELEMENT_FP = re.compile(r"fp(\d+)(?:_e(\d+)m(\d+))?$")
BLOCK_SPELLING = "mx<element>_b<k> or nvfp4_b<k>"


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A number format.

    `bits` is the storage width. For ``fp``, 1 sign + `exponent_bits` + `mantissa_bits` = bits.
    For ``lns``, 1 sign + a two's-complement log magnitude of bits-1 bits with `frac_bits`
    fractional bits (base 2^(1/2^frac_bits), as LNS-Madam). ``luq`` is a radix-2 log format with
    1 sign bit and bits-1 exponent bits (LUQ).
    """

    kind: str
    bits: int
    exponent_bits: int = 0
    mantissa_bits: int = 0
    frac_bits: int = 0
    block: int = 0
    scale: str = ""
    stochastic: bool = False

    @property
    def is_block(self) -> bool:
        """True for a block-scaled format (`block` elements share one `scale`)."""
        return self.block > 0

    @property
    def deterministic(self) -> NumberFormat:
        """The format quantized with round to nearest (itself unless `stochastic`)."""
        return replace(self, stochastic=False) if self.stochastic else self

    @property
    def element(self) -> NumberFormat:
        """The element format of a block format; the format itself otherwise."""
        return NumberFormat(self.kind, self.bits, self.exponent_bits, self.mantissa_bits,
                            self.frac_bits) if self.block else self

    @property
    def storage_bits(self) -> float:
        """Bits one value occupies in memory: `bits`, plus a block format's scale bits per
        block (MXFP4 4 + 8/32 = 4.25, NVFP4 4 + 8/16 = 4.5; exact in float64 for block sizes
        that are powers of two, within one rounding otherwise)."""
        if not self.block:
            return self.bits
        return self.bits + SCALE_BITS[self.scale] / self.block

    @property
    def name(self) -> str:
        if self.block:
            return _block_name(self) + ("_sr" if self.stochastic else "")
        if self.kind in ("int", "uint"):
            return f"{self.kind}{self.bits}"
        if self.kind == "fp":
            for alias, (e, m) in _NAMED_FP.items():
                if (e, m) == (self.exponent_bits, self.mantissa_bits) and alias != "tf32":
                    return alias
            return f"fp{self.bits}_e{self.exponent_bits}m{self.mantissa_bits}"
        if self.kind == "lns":
            return f"lns{self.bits}_f{self.frac_bits}"
        if self.kind == "luq":
            return f"luq{self.bits}"
        return "binary"

    def __str__(self) -> str:
        return self.name


def _block_name(fmt: NumberFormat) -> str:
    element = fmt.element.name
    for alias, spelled in BLOCK_FORMATS.items():
        if spelled == (element, fmt.block, fmt.scale):
            return alias
    return f"nvfp4_b{fmt.block}" if fmt.scale == "e4m3_fp32" else f"mx{element}_b{fmt.block}"


def _block_element(text: str, name: str) -> NumberFormat:
    """The element format `text` of the block format `name`; ValueError if it is none."""
    if text.startswith("int") and text[3:].isdigit():
        bits = int(text[3:])
        if bits in BLOCK_ELEMENT_INT_BITS:
            return NumberFormat("int", bits)
    elif match := _ELEMENT_FP.match(text):
        bits = int(match.group(1))
        e, m = (2, 1) if match.group(2) is None and bits == 4 else \
            (int(match.group(2) or -1), int(match.group(3) or -1))
        if e >= 1 and m >= 0 and bits == 1 + e + m and bits <= 16:
            return NumberFormat("fp", bits, e, m)
    raise ValueError(f"expected an element format fp<n>_e<E>m<M> (n = 1 + E + M <= 16), fp4 "
                     f"or int<B> (B in {BLOCK_ELEMENT_INT_BITS.start}.."
                     f"{BLOCK_ELEMENT_INT_BITS.stop - 1}) in {BLOCK_SPELLING}, got {text!r} "
                     f"in {name!r}")


def parse_block_format(name: str) -> NumberFormat | None:
    """The block format `name` spells, None if it is not spelled as one; ValueError naming
    the part that is wrong (element format or block size)."""
    if name in BLOCK_FORMATS:
        element, block, scale = BLOCK_FORMATS[name]
        fmt = parse_format(element)
        return NumberFormat(fmt.kind, fmt.bits, fmt.exponent_bits, fmt.mantissa_bits,
                            block=block, scale=scale)
    match = _BLOCK.match(name)
    if match is None:
        return None
    family, element_text, block_text = match.groups()
    if not block_text.isdigit() or not 1 <= int(block_text) <= BLOCK_SIZE_MAX:
        raise ValueError(f"expected a block size that is a positive integer up to "
                         f"{BLOCK_SIZE_MAX} after _b in {BLOCK_SPELLING}, got {block_text!r} "
                         f"in {name!r}")
    if family == "nv" and element_text != "fp4":
        raise ValueError(f"expected nvfp4_b<k> (NVFP4's elements are fp4, E2M1), got {name!r}")
    element = _block_element(element_text, name)
    scale = "e4m3_fp32" if family == "nv" else "e8m0"
    return NumberFormat(element.kind, element.bits, element.exponent_bits,
                        element.mantissa_bits, block=int(block_text), scale=scale)


def parse_format(text: str) -> NumberFormat:
    """Parse a short format name; raise ValueError saying what is accepted."""
    name = str(text).strip().lower()
    if name.endswith("_sr"):
        block = parse_block_format(name[:-3])
        if block is None:
            raise ValueError(f"expected _sr (stochastic rounding) after a block format such as "
                             f"nvfp4 or mxfp8_e5m2, got {text!r}")
        return replace(block, stochastic=True)
    block = parse_block_format(name)
    if block is not None:
        return block
    if name in _NAMED_FP:
        e, m = _NAMED_FP[name]
        return NumberFormat("fp", 1 + e + m, e, m)
    if name == "binary":
        return NumberFormat("binary", 1)
    if match := _INT.match(name):
        bits = int(match.group(2))
        if 1 <= bits <= 64:
            return NumberFormat(match.group(1), bits)
    elif match := _FP.match(name):
        bits, e, m = (int(g) for g in match.groups())
        if bits == 1 + e + m and e >= 1:
            return NumberFormat("fp", bits, e, m)
    elif match := _LNS.match(name):
        bits, frac = int(match.group(1)), int(match.group(2))
        if 2 <= bits <= 32 and frac < bits - 1:
            return NumberFormat("lns", bits, frac_bits=frac)
    elif match := _LUQ.match(name):
        bits = int(match.group(1))
        if 2 <= bits <= 16:
            return NumberFormat("luq", bits)
    raise ValueError(
        f"expected a number format such as int8, uint4, fp16, bf16, fp8_e4m3, fp12_e5m6, "
        f"lns8_f3, luq4, binary, mxfp4, nvfp4 or {BLOCK_SPELLING}, got {text!r}")
