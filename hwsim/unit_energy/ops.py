"""Energy of one arithmetic operation at 45 nm for any number format and width (pJ).

Fits through the published 45 nm points (``data/horowitz_45nm.yaml``), each exact at every point
it is calibrated on:

- integer add: piecewise power law (linear in log-log) through 8, 16 and 32 bits; beyond the
  ends, the end segment's slope. (A single power law through 8 and 32 bits would miss the
  16-bit point by +9.5%, hence the piecewise form.)
- integer multiply: E = E8 * (wa*wb/64)^beta, the power law in the product of the operand
  widths through the 8x8 and 32x32 points (beta = ln(3.1/0.2)/ln(16) = 0.9885). No published
  point is left to check it against.
- floating-point multiply (1 + e + m bits): E = s * E_intmult(m+1, m+1) + t * (1 + e + m), the
  mantissa multiplier plus a per-bit cost for exponent add, normalisation and rounding; s and t
  are solved from fp16 (e5m10, 1.1 pJ) and fp32 (e8m23, 3.7 pJ): exact there.
- floating-point add: E = E16 * ((m+1)/11)^gamma, a power law in the significand width (the
  aligner and adder dominate) through fp16 (0.4 pJ) and fp32 (0.9 pJ).
- log formats (lns, luq): a multiply is an integer add of the log magnitudes (bits - 1 wide);
  accumulation is priced in the accumulator's format. binary: the 1x1-bit integer multiply.

Operands of different kinds multiply in the wider kind: an integer of b bits counts as a
significand of b bits (e = 0) beside a floating-point operand.

Block-scaled formats (`block_mac_pj`): the dot product of two blocks is the sum of the element
products times the two block scales (OCP Microscaling Formats (MX) v1.0, Section 6.1, the dot
product; Rouhani et al., "Microscaling Data Formats for Deep Learning", arXiv 2310.10537). No
published energy of an MX datapath exists at 45 nm, so it is derived from the fits above: per
element, the product at the element formats and one accumulation add in the accumulator's
format (which holds the alignment shift of a floating-point add); per block of each
block-scaled operand, applying its scale to the block's partial sum: for an E8M0 scale (a power
of two) an integer add of the 8 scale bits into the partial sum's exponent, for NVFP4's E4M3
scale a multiply of the partial sum by it in the accumulator's format. NVFP4's one FP32 scale
per tensor is applied once per output, which this per-MAC figure leaves out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from hwsim.fitting import power_law
from hwsim.precision import NumberFormat
from hwsim.precision.execution import LOG_KINDS
from hwsim.unit_energy.data import Point, base_table


def loglog_interp(points: Sequence[Point], x: float) -> float:
    """Piecewise power law through `points` (sorted by x), extended by the end slopes."""
    return power_law([(p.x, p.energy_pj) for p in points], x)


def int_add_pj(bits: float) -> float:
    return loglog_interp(base_table().int_add, bits)


def int_mult_pj(bits_a: float, bits_b: float) -> float:
    """Product-of-widths power law: evaluated at the geometric-mean width."""
    return loglog_interp(base_table().int_mult, math.sqrt(bits_a * bits_b))


@cache
def _fp_mult_coefficients() -> tuple[float, float]:
    """(s, t) solving s*E_intmult(m+1) + t*(1+e+m) = published, for fp16 and fp32."""
    table = base_table().fp_mult
    rows = [(int_mult_pj(11, 11), 16.0, table["fp16"].energy_pj),
            (int_mult_pj(24, 24), 32.0, table["fp32"].energy_pj)]
    (a1, b1, y1), (a2, b2, y2) = rows
    det = a1 * b2 - a2 * b1
    return (y1 * b2 - y2 * b1) / det, (a1 * y2 - a2 * y1) / det


def fp_mult_pj(exponent_bits: int, mantissa_bits: int) -> float:
    s, t = _fp_mult_coefficients()
    return s * int_mult_pj(mantissa_bits + 1, mantissa_bits + 1) + \
        t * (1 + exponent_bits + mantissa_bits)


def fp_add_pj(mantissa_bits: int) -> float:
    table = base_table().fp_add
    points = (Point(11, table["fp16"].energy_pj, ""), Point(24, table["fp32"].energy_pj, ""))
    return loglog_interp(points, mantissa_bits + 1)


def _significand(fmt: NumberFormat) -> tuple[int, int]:
    """(exponent bits, mantissa bits) of a format seen as floating point."""
    if fmt.kind == "fp":
        return fmt.exponent_bits, fmt.mantissa_bits
    return 0, fmt.bits


def mult_pj(a: NumberFormat, b: NumberFormat) -> float:
    """One multiply of an `a` operand by a `b` operand."""
    if a.kind in LOG_KINDS and b.kind in LOG_KINDS:
        return int_add_pj(max(a.bits, b.bits) - 1)
    if a.kind == "fp" or b.kind == "fp":
        (ea, ma), (eb, mb) = _significand(a), _significand(b)
        return fp_mult_pj(max(ea, eb), max(ma, mb))
    return int_mult_pj(a.bits, b.bits)


def add_pj(fmt: NumberFormat) -> float:
    """One add (accumulation, element-wise op) in format `fmt`."""
    if fmt.kind == "fp":
        return fp_add_pj(fmt.mantissa_bits)
    return int_add_pj(fmt.bits)


E8M0_BITS = 8


def scale_apply_pj(fmt: NumberFormat, accumulator: NumberFormat) -> float:
    """Applying one block's scale of block format `fmt` to a partial sum held in
    `accumulator` (module doc): an 8-bit exponent add (E8M0) or an E4M3 x accumulator
    multiply (NVFP4)."""
    if fmt.scale == "e8m0":
        return int_add_pj(E8M0_BITS)
    return mult_pj(NumberFormat("fp", 8, 4, 3), accumulator)


def block_mac_pj(a: NumberFormat, b: NumberFormat, accumulator: NumberFormat) -> float:
    """A MAC of a block dot product (module doc): the element product, one accumulator add,
    and each block-scaled operand's scale application amortised over its block."""
    per_block = sum(scale_apply_pj(f, accumulator) / f.block for f in (a, b) if f.is_block)
    return mult_pj(a.element, b.element) + add_pj(accumulator) + per_block


def mac_pj(a: NumberFormat, b: NumberFormat, accumulator: NumberFormat) -> float:
    """A multiply-accumulate: the product plus one add in the accumulator's format (for a
    block-scaled operand, `block_mac_pj`)."""
    if a.is_block or b.is_block:
        return block_mac_pj(a, b, accumulator)
    return mult_pj(a, b) + add_pj(accumulator)
