"""Number formats by short name: ``int8``, ``uint4``, ``fp16``, ``bf16``, ``fp8_e4m3``, ``lns8_f3``,
``luq4``, ``binary``, and any width (``int3``, ``fp12_e5m6``).

A format fixes the bits a value occupies in memory (tensors pack: two 4-bit values per byte) and,
for the energy model, which kind of arithmetic operates on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAMED_FP = {"fp32": (8, 23), "fp16": (5, 10), "bf16": (8, 7), "fp8_e4m3": (4, 3),
             "fp8_e5m2": (5, 2), "tf32": (8, 10)}
_INT = re.compile(r"(u?int)(\d+)$")
_FP = re.compile(r"fp(\d+)_e(\d+)m(\d+)$")
_LNS = re.compile(r"lns(\d+)_f(\d+)$")
_LUQ = re.compile(r"luq(\d+)$")


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

    @property
    def name(self) -> str:
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


def parse_format(text: str) -> NumberFormat:
    """Parse a short format name; raise ValueError saying what is accepted."""
    name = str(text).strip().lower()
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
        f"lns8_f3, luq4 or binary, got {text!r}")
