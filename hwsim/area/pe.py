"""Area of one PE at 45 nm (um^2) by array kind and native formats, and of the per-column logic
some arrays add.

- ``systolic`` and ``lns``: a PE executes every one of its native formats; formats share one
  datapath, so the PE is as large as the largest single-format PE among them (an assumption:
  a multi-format MAC is rarely smaller, and sharing makes it not much larger). By format:
  - integers (int, uint, binary): Bit Fusion's synthesised fixed-width PE (2, 4, 8, 16 bits;
    a complete systolic PE with its accumulator and registers), a power law in the width
    between them and the end slopes beyond (1-bit and 32-bit PEs are extrapolations);
  - floating point: the integer PE of the same width times the ratio of Horowitz's fp
    multiply + fp add to the integer multiply + add of that width (fp16: 3000 / 1060 um^2 =
    2.83; fp32: 11884 / 3632 = 3.27), i.e. registers and accumulation scale with the datapath;
  - log formats (lns, luq; LNS-Madam's PE, the structure `hwsim.energy.scalable` prices): an
    integer adder of bits-1 (the product), a barrel shifter of the bucket width w (0.5 log2(w)
    adders of width w, as a 2:1 mux bit is about half an adder bit), a w-bit bucket adder,
    2^F buckets of w flip-flops and the two operand registers; once per column, the LUT
    scaling (a w x (F+2) multiply), the bucket sum and the re-quantizer (three w-bit adds, the
    synthesis ratio in reports/rtl.md) convert the buckets.
- ``bitfusion``: one Fusion Unit (Bit Fusion's synthesis), whatever its temporal 16-bit mode.
- ``bitserial`` (Stripes, Loom): `window_lanes` lanes of a serial inner-product unit (SIP), the
  structure `hwsim.energy.scalable` prices: per lane an s x p array of two-input gates (Stripes:
  bits_per_cycle x word_bits; Loom: word_bits x bits_per_cycle, its fully connected mode, the
  widest slice it takes) and a word_bits operand register; per SIP of 16 lanes an adder tree
  over the lanes' products and a 32-bit accumulator (hwsim's default accumulator: adder and
  register), shared by its lanes. A gate is a fifth of one bit of the 8-bit adder (a full adder
  is five two-input gates), as in the energy model. A derivation from unit areas, not a
  synthesised figure: no bit-serial PE area is published in a form hwsim can use.

Both precision-scalable kinds need integer native formats; any other is an `AreaDataError`.
"""

from __future__ import annotations

import math
from functools import lru_cache

from hwsim.area.data import area_table
from hwsim.area.units import flip_flops_um2, fp_add_um2, fp_mult_um2, int_add_um2, int_mult_um2
from hwsim.energy.scalable import SIP_LANES, adder_tree_levels, product_bits
from hwsim.fitting import power_law
from hwsim.precision import NumberFormat
from hwsim.precision.execution import INTEGER_KINDS, LOG_KINDS
ACCUMULATOR_BITS = 32  # a SIP's accumulator: hwsim's default accumulator format, int32


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


def gate_um2() -> float:
    """A two-input gate: a fifth of one bit of the 8-bit adder (a full adder is five gates)."""
    return int_add_um2(8) / 8 / 5


def bitserial_pe_um2(serial: str, bits_per_cycle: int, word_bits: int,
                     window_lanes: int) -> float:
    s, p = (bits_per_cycle, word_bits) if serial == "activations" else \
        (word_bits, bits_per_cycle)
    tree = sum(adders * int_add_um2(bits)
               for adders, bits in adder_tree_levels(SIP_LANES, product_bits(s, p)))
    accumulator = int_add_um2(ACCUMULATOR_BITS) + flip_flops_um2(ACCUMULATOR_BITS)
    lane = s * p * gate_um2() + flip_flops_um2(word_bits) + (tree + accumulator) / SIP_LANES
    return window_lanes * lane


@lru_cache(maxsize=4096)
def pe_um2(kind: str, native_formats: tuple[NumberFormat, ...], word_bits: int, serial: str,
           bits_per_cycle: int, window_lanes: int) -> tuple[float, float]:
    """(um^2 per PE, um^2 per array column) at 45 nm; raises AreaDataError."""
    if kind in ("bitfusion", "bitserial"):
        other = [f.name for f in native_formats if f.kind not in INTEGER_KINDS]
        if other:
            raise AreaDataError(f"expected integer formats on a {kind} array (its area data "
                                f"covers integer PEs only), got {', '.join(other)}")
        if kind == "bitfusion":
            return area_table().fusion_unit_um2, 0.0
        return bitserial_pe_um2(serial, bits_per_cycle, word_bits, window_lanes), 0.0
    pe = max(format_pe_um2(f) for f in native_formats)
    logs = [f for f in native_formats if f.kind in LOG_KINDS]
    column = max((lns_column_um2(f) for f in logs), default=0.0)
    return pe, column

