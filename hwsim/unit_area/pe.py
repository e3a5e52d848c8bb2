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
  reports/rtl.md) convert the buckets.
"""

from __future__ import annotations

import math

from hwsim.fitting import power_law
from hwsim.precision import NumberFormat
from hwsim.precision.execution import INTEGER_KINDS
from hwsim.unit_area.data import area_table
from hwsim.unit_area.units import flip_flops_um2, fp_add_um2, fp_mult_um2, int_add_um2, int_mult_um2


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
    shifter = 0.5 * math.log2(width) * int_add_um2(width)
    buckets = 2 ** fmt.frac_bits * flip_flops_um2(width)
    return int_add_um2(fmt.bits - 1) + shifter + int_add_um2(width) + buckets + \
        flip_flops_um2(2 * fmt.bits)


def lns_column_um2(fmt: NumberFormat) -> float:
    width = area_table().lns_accumulator_bits
    return int_mult_um2(width, fmt.frac_bits + 2) + 4 * int_add_um2(width)


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
