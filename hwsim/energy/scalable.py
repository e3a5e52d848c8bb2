"""MAC energy of precision-scalable PEs at 45 nm (pJ per MAC), by array kind.

- ``bitfusion``: a Fusion Unit draws twice the power of a fixed 8-bit PE (Sharma et al., ISCA
  2018: 2 x 171.8 uW at 500 MHz = 0.687 pJ per cycle) whatever it is fused to; it completes
  `k_pack` products per cycle over `t_steps` cycles, so a MAC costs 0.687 * t_steps / k_pack.
- ``bitserial``: every cycle of a MAC adds one partial product into the accumulator: a
  (serial bits x parallel bits) AND array, priced as the integer multiply of those widths
  (`ops.int_mult_pj`), plus an accumulator add. Stripes multiplies `bits_per_cycle` bits of A by
  all bits of B per cycle; Loom `bits_per_cycle` bits of A by one bit of B in convolutions and
  all of A by one bit of B in fully connected layers.
- ``lns`` (LNS-Madam's PE, Zhao et al. 2022): the product is an integer add of the two log
  magnitudes (bits - 1 wide); its integer part becomes a shift of the accumulator width
  (a log2(w)-stage barrel shifter, priced as 0.5 log2(w) adders of width w: a 2:1 mux bit
  switches about half an adder bit), its fractional part picks one of 2^F remainder buckets,
  and the shifted value is added there (an accumulator add). Once per output (amortised over
  the reduction length K): the 2^F buckets are scaled by a 2^F-entry LUT (a multiply of the
  accumulator by an F+2-bit constant each) and summed, and the sum is re-quantized to LNS,
  priced as three accumulator adds (the quantizer synthesises to about 3x the cells of the
  LNS adder, reports/rtl.md).
- ``systolic``: a bit-parallel MAC in the executed formats (`ops.mac_pj`).
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources

import yaml

from hwsim.energy import ops


@cache
def fusion_unit_pj_per_cycle() -> float:
    doc = yaml.safe_load((resources.files("hwsim.energy") / "data" /
                          "bitfusion_45nm.yaml").read_text())
    power_uw = doc["fixed_pe_power_uw"][8] * doc["fusion_unit_power_vs_fixed8"]
    return power_uw * 1e-6 / (doc["clock_mhz"] * 1e6) * 1e12


def bitfusion_mac_pj(k_pack: int, t_steps: int) -> float:
    return fusion_unit_pj_per_cycle() * t_steps / k_pack


def bitserial_mac_pj(serial: str, bits_per_cycle: int, a_bits: int, b_bits: int,
                     acc_bits: int, from_conv: bool, t_steps: int) -> float:
    if serial == "activations":
        step = ops.int_mult_pj(min(bits_per_cycle, a_bits), b_bits)
    elif from_conv:
        step = ops.int_mult_pj(min(bits_per_cycle, a_bits), 1)
    else:
        step = ops.int_mult_pj(a_bits, 1)
    return t_steps * (step + ops.int_add_pj(acc_bits))


def lns_mac_pj(log_bits: int, frac_bits: int, acc_bits: int, reduction: int) -> float:
    """One LNS-Madam MAC, with the per-output LUT and re-quantization amortised over
    `reduction` MACs."""
    shifter = 0.5 * math.log2(acc_bits) * ops.int_add_pj(acc_bits)
    per_mac = ops.int_add_pj(log_bits - 1) + shifter + ops.int_add_pj(acc_bits)
    buckets = 2 ** frac_bits
    per_output = buckets * (ops.int_mult_pj(acc_bits, frac_bits + 2) +
                            ops.int_add_pj(acc_bits)) + 3 * ops.int_add_pj(acc_bits)
    return per_mac + per_output / max(reduction, 1)
