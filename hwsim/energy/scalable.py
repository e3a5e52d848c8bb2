"""MAC energy of precision-scalable PEs at 45 nm (pJ per MAC), by array kind.

- ``bitfusion``: a Fusion Unit draws twice the power of a fixed 8-bit PE (Sharma et al., ISCA
  2018: 2 x 171.8 uW at 500 MHz = 0.687 pJ per cycle) whatever it is fused to; it completes
  `k_pack` products per cycle over `t_steps` cycles, so a MAC costs 0.687 * t_steps / k_pack.
- ``bitserial``: Stripes' and Loom's serial inner-product unit (SIP; Judd et al., MICRO 2016,
  Sec. 4; Sharify et al., DAC 2018) takes `SIP_LANES` products per cycle: each lane a
  (serial bits x parallel bits) array of two-input gates, an adder tree reduces the lanes, and
  one shift-and-add folds the tree's sum into the accumulator. Per product and cycle that is
  s*p gates, 1/`SIP_LANES` of the tree and 1/`SIP_LANES` of an accumulator add (`sip_step_pj`);
  a MAC takes `t_steps` cycles. Stripes multiplies `bits_per_cycle` bits of A by all bits of B
  per cycle; Loom `bits_per_cycle` bits of each operand in convolutions and all of A by
  `bits_per_cycle` bits of B in fully connected layers. A gate costs a fifth of a full-adder
  bit (`gate_pj`), adders are the 45 nm integer-add fit (`ops.int_add_pj`).
- ``binary`` x ``binary`` on a bit-serial array (XNOR-Net, Rastegari et al., ECCV 2016: a +-1
  dot product is XNOR then popcount, 2*popcount - K): the SIP with XNOR gates in its lanes, one
  step of 1 x 1 bits, whose adder tree is the popcount (the XNOR-popcount-accumulate datapath of
  FINN's matrix-vector unit, Umuroglu et al., FPGA 2017, Sec. 4); plus, once per output, the
  2*popcount - K correction, one accumulator add amortised over the reduction K.
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

from hwsim.energy import ops
from hwsim.energy.data import fusion_unit_pj_per_cycle


def bitfusion_mac_pj(k_pack: int, t_steps: int) -> float:
    return fusion_unit_pj_per_cycle() * t_steps / k_pack


SIP_LANES = 16  # products a SIP reduces per cycle (Stripes' and Loom's 16-input SIPs)


def gate_pj() -> float:
    """One two-input gate (AND, XOR, XNOR) at 45 nm, pJ per operation. Derivation: a
    textbook full adder is five two-input gates (two XOR for the sum, two AND and an OR for the
    carry); taking them as equal, a gate is a fifth of one bit of the 8-bit adder
    (Horowitz's 0.03 pJ): 0.03 / 8 / 5 = 0.00075 pJ."""
    return ops.int_add_pj(8) / 8 / 5


def product_bits(serial_bits: int, parallel_bits: int) -> int:
    """Width of the product of an s-bit and a p-bit magnitude: s + p bits, or max(s, p) when
    one side is a single bit (an AND or XNOR passes the other side through)."""
    if min(serial_bits, parallel_bits) == 1:
        return max(serial_bits, parallel_bits)
    return serial_bits + parallel_bits


def adder_tree_levels(lanes: int, width: int) -> list[tuple[int, int]]:
    """(adders, bits of each) per level of a binary tree reducing `lanes` values of `width`
    bits: level i (from 1) has lanes/2^i adders of width + i - 1 bits. With 1-bit inputs it
    is a popcount. The area model (`hwsim.area.pe`) sizes the same tree."""
    levels, n, bits = [], lanes, width
    while n > 1:
        levels.append((n // 2, bits))
        n, bits = -(-n // 2), bits + 1
    return levels


def adder_tree_pj(lanes: int, width: int) -> float:
    return sum(adders * ops.int_add_pj(bits) for adders, bits in adder_tree_levels(lanes, width))


def sip_step_pj(serial_bits: int, parallel_bits: int, acc_bits: int) -> float:
    """One product's share of one SIP cycle: its gate array, 1/SIP_LANES of the adder tree and
    of the accumulator's shift-and-add."""
    tree = adder_tree_pj(SIP_LANES, product_bits(serial_bits, parallel_bits))
    return (serial_bits * parallel_bits * gate_pj() +
            (tree + ops.int_add_pj(acc_bits)) / SIP_LANES)


def bitserial_mac_pj(serial: str, bits_per_cycle: int, a_bits: int, b_bits: int,
                     acc_bits: int, from_conv: bool, t_steps: int) -> float:
    """One MAC on a bit-serial array: `t_steps` SIP cycles of the operand slices its kind
    takes per cycle (module doc)."""
    if serial == "activations":
        s, p = min(bits_per_cycle, a_bits), b_bits
    elif from_conv:
        s, p = min(bits_per_cycle, a_bits), min(bits_per_cycle, b_bits)
    else:
        s, p = a_bits, min(bits_per_cycle, b_bits)
    return t_steps * sip_step_pj(s, p, acc_bits)


def binary_mac_pj(acc_bits: int, reduction: int) -> float:
    """One +-1 x +-1 MAC as XNOR and popcount: one SIP step of 1 x 1 bits plus its share of the
    per-output 2*popcount - K correction (one accumulator add per `reduction` MACs)."""
    return sip_step_pj(1, 1, acc_bits) + ops.int_add_pj(acc_bits) / max(reduction, 1)


def lns_mac_pj(log_bits: int, frac_bits: int, acc_bits: int, reduction: int) -> float:
    """One LNS-Madam MAC, with the per-output LUT and re-quantization amortised over
    `reduction` MACs."""
    shifter = 0.5 * math.log2(acc_bits) * ops.int_add_pj(acc_bits)
    per_mac = ops.int_add_pj(log_bits - 1) + shifter + ops.int_add_pj(acc_bits)
    buckets = 2 ** frac_bits
    per_output = buckets * (ops.int_mult_pj(acc_bits, frac_bits + 2) +
                            ops.int_add_pj(acc_bits)) + 3 * ops.int_add_pj(acc_bits)
    return per_mac + per_output / max(reduction, 1)
