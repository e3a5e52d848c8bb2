"""Area of one arithmetic unit or register at 45 nm (um^2), for any width.

Fits through the published 45 nm areas (``data/area_45nm.yaml``), each exact at every point it
is calibrated on, in the same forms as the energy fits (`hwsim.unit_energy.ops`):

- integer add: piecewise power law in the width through 8, 16 and 32 bits (Horowitz), the end
  slopes beyond;
- integer multiply of a x b bits: A8 * (a*b/64)^beta, the power law in the product of the
  widths through 8x8 (282 um^2) and 32x32 (3495 um^2): beta = ln(3495/282)/ln(16) = 0.908;
- floating-point multiply and add: power laws in the significand width m+1 through fp16
  (m = 10) and fp32 (m = 23); the exponent logic is not fitted separately (it is small beside
  the significand's multiplier, aligner and normaliser);
- a register bit: one NanGate 45 nm D flip-flop (DFF_X1, 4.522 um^2);
- a barrel shifter of w bits: log2(w) stages of w 2:1 multiplexers, a multiplexer bit taken as
  half an adder bit: 0.5 log2(w) adders of width w.
"""

from __future__ import annotations

import math

from hwsim.fitting import power_law
from hwsim.unit_area.data import area_table

FP16_MANTISSA, FP32_MANTISSA = 10, 23


def int_add_um2(bits: float) -> float:
    return power_law(area_table().int_add_um2, bits)


def int_mult_um2(bits_a: float, bits_b: float) -> float:
    """An a x b bit multiplier: the power law in a*b, evaluated at the geometric-mean width."""
    return power_law(area_table().int_mult_um2, math.sqrt(bits_a * bits_b))


def _fp_points(unit: dict[str, float]) -> tuple[tuple[float, float], ...]:
    return ((FP16_MANTISSA + 1.0, unit["fp16"]), (FP32_MANTISSA + 1.0, unit["fp32"]))


def fp_mult_um2(mantissa_bits: int) -> float:
    return power_law(_fp_points(area_table().fp_mult_um2), mantissa_bits + 1)


def fp_add_um2(mantissa_bits: int) -> float:
    return power_law(_fp_points(area_table().fp_add_um2), mantissa_bits + 1)


def flip_flops_um2(bits: float) -> float:
    return bits * area_table().flip_flop_um2


def barrel_shifter_um2(bits: float) -> float:
    """A `bits`-wide barrel shifter (module doc)."""
    return 0.5 * math.log2(bits) * int_add_um2(bits)
