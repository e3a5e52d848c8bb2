"""Area at 45 nm (um^2) of a bit-parallel PE by the format it multiplies, and of the
per-column logic log formats add. Array kinds (`hwsim.arrays`) build their PE from these.

- integers (int, uint, binary): Bit Fusion's synthesised fixed-width PE (2, 4, 8, 16 bits;
  a complete systolic PE with its accumulator and registers), a power law in the width between
  them and the end slopes beyond (1-bit and 32-bit PEs are extrapolations);
- floating point: the integer PE of the same width times the ratio of Horowitz's fp multiply +
  fp add to the integer multiply + add of that width (fp16: 3000 / 1060 um^2 = 2.83; fp32:
  11884 / 3632 = 3.27), i.e. registers and accumulation scale with the datapath;
- log formats (lns, luq; LNS-Madam's PE, the structure `hwsim.arrays.lns` prices): an integer
  adder of bits-1 (the product), a barrel shifter of the bucket width w (0.5 log2(w) adders of
  width w, as a 2:1 mux bit is about half an adder bit), a w-bit bucket adder, 2^F buckets of w
  flip-flops and the two operand registers; once per column, the LUT scaling (a w x (F+2)
  multiply), the bucket sum and the re-quantizer (three w-bit adds, the synthesis ratio in
  reports/rtl.md) convert the buckets;
- block-scale logic (block-scaled formats, `block_scale_um2`): what applies a block's two
  scales to its partial sum (OCP MX v1.0, Section 6.1: the dot product of two blocks is the
  sum of the element products times the product of the two scales) and aligns the scaled sum
  into the fp32 accumulator. E8M0 scales are powers of two: an 8-bit add of the two scale
  exponents, an 8-bit add of that into the partial sum's exponent (the two integer adds per
  block `hwsim.unit_energy.ops.block_mac_pj` prices) and a barrel shifter of the accumulator's
  24-bit significand. NVFP4's E4M3 scales multiply: the two scales' 4-bit significands
  multiplied (4 x 4 bits) and their exponents added, the partial sum's significand multiplied by
  that 8-bit product (24 x 8 bits), the exponent add into the partial sum and the same shifter.
  Derived from the unit fits above, not from a synthesised block-scaled PE (none is published
  at 45 nm).
"""

from __future__ import annotations

from hwsim.fitting import power_law
from hwsim.precision import NumberFormat
from hwsim.precision.execution import INTEGER_KINDS
from hwsim.unit_area.data import area_table
from hwsim.unit_area.units import (barrel_shifter_um2, flip_flops_um2, fp_add_um2, fp_mult_um2,
                                   int_add_um2, int_mult_um2)


class AreaDataError(ValueError):
    """No area data covers this compute kind and format."""


def fixed_pe_um2(bits: float) -> float:
    return power_law(area_table().fixed_pe_um2, bits)


def fp_pe_um2(fmt: NumberFormat) -> float:
    fp = fp_mult_um2(fmt.mantissa_bits) + fp_add_um2(fmt.mantissa_bits)
    integer = int_mult_um2(fmt.bits, fmt.bits) + int_add_um2(fmt.bits)
    return fixed_pe_um2(fmt.bits) * fp / integer


def lns_pe_um2(fmt: NumberFormat) -> float:
    width = area_table().lns_accumulator_bits
    shifter = barrel_shifter_um2(width)
    buckets = 2 ** fmt.frac_bits * flip_flops_um2(width)
    return int_add_um2(fmt.bits - 1) + shifter + int_add_um2(width) + buckets + \
        flip_flops_um2(2 * fmt.bits)


def lns_column_um2(fmt: NumberFormat) -> float:
    width = area_table().lns_accumulator_bits
    return int_mult_um2(width, fmt.frac_bits + 2) + 4 * int_add_um2(width)


#: The significand bits (with the hidden one) of the fp32 accumulator block-scaled partial sums
#: are aligned into, and the E8M0 scale's exponent bits.
ACCUMULATOR_SIGNIFICAND_BITS, SCALE_EXPONENT_BITS = 24, 8
#: E4M3's significand bits, with the hidden one (NVFP4's scales).
E4M3_SIGNIFICAND_BITS = 4


def block_scale_um2(fmt: NumberFormat) -> float:
    """The block-scale logic of a PE executing the block format `fmt` (module doc); 0 for a
    format without block scales."""
    if not fmt.is_block:
        return 0.0
    exponent_adds = 2 * int_add_um2(SCALE_EXPONENT_BITS)
    align = barrel_shifter_um2(ACCUMULATOR_SIGNIFICAND_BITS)
    if fmt.scale == "e8m0":
        return exponent_adds + align
    scale_product = int_mult_um2(E4M3_SIGNIFICAND_BITS, E4M3_SIGNIFICAND_BITS)
    scale_apply = int_mult_um2(ACCUMULATOR_SIGNIFICAND_BITS, 2 * E4M3_SIGNIFICAND_BITS)
    return exponent_adds + scale_product + scale_apply + align


def format_pe_um2(fmt: NumberFormat) -> float:
    """A bit-parallel PE multiplying two `fmt` operands (see the module doc)."""
    if fmt.kind in INTEGER_KINDS:
        return fixed_pe_um2(fmt.bits)
    if fmt.kind == "fp":
        return fp_pe_um2(fmt)
    return lns_pe_um2(fmt)


def require_integer_formats(kind: str, native_formats: tuple[NumberFormat, ...]) -> None:
    """An AreaDataError unless every native format is an integer one: the area data of
    precision-scalable PEs covers integer PEs only."""
    other = [f.name for f in native_formats if f.kind not in INTEGER_KINDS]
    if other:
        raise AreaDataError(f"expected integer formats on a {kind} array (its area data "
                            f"covers integer PEs only), got {', '.join(other)}")
