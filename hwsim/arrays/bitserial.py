"""``bitserial``: Stripes (Judd et al., MICRO 2016) and Loom (Sharify et al., DAC 2018), PEs
that stream operand bits through serial inner-product units (SIPs).

Options (flat in the arch's `compute:` mapping):

- ``serial``: ``activations`` (Stripes: operand A, the activations in the forward pass,
  streams bit by bit) or ``both`` (Loom: both operands in convolutions, the weights in fully
  connected layers);
- ``bits_per_cycle`` (b): bits of a serial operand a PE takes per cycle;
- ``window_lanes``: output rows (windows) one PE serves at once: bit-serial designs buy their
  speed-up with `window_lanes` times the lanes of a bit-parallel PE (Stripes: 16 windows).

Native formats: every integer width from 1 to `word_bits`, and ``binary`` (a +-1 operand is one
bit-plane: one step, so a binary x binary layer takes one cycle per window step, XNOR and
popcount).

Throughput (`hwsim.arrays.throughput`'s factors):

- Stripes streams A's bits b at a time: ``ceil(a/b)`` cycles per MAC (`t_steps`) over
  `window_lanes` windows (`m_pack`).
- Loom (abstract: "for convolutional layers LM's execution time scales inversely
  proportionally with the precisions of both weights and activations. For fully-connected
  layers LM's performance scales inversely proportionally with the precision of the weights"):
  convolutions serialise both operands, b bits of each per cycle, ``ceil(a/b) * ceil(w/b)``
  cycles per MAC (as DNNsim's Loom model, isakedo/DNNsim core/src/Loom.cpp, divides both
  precisions by its PE_SERIAL_BITS), over `window_lanes` windows: with `window_lanes` =
  256 / b^2 the array has the 1b x 1b cells of a 16x16-bit bit-parallel PE per PE, and a layer
  runs 256 / (b^2 ceil(a/b) ceil(w/b)) times faster than on it. Fully connected layers have one
  window per input, so Loom feeds activations bit-parallel (`word_bits` wide) and serialises
  the weights: a PE's window_lanes * b^2 cells make ``window_lanes * b / word_bits`` products
  of a word_bits x b-bit step per cycle (`k_pack`, spread over the reduction), each MAC taking
  ``ceil(w/b)`` cycles: 16 / (b ceil(w/b)) times the bit-parallel PE, the paper's 16/Pw at
  b = 1. Its PEs preload 16 weights of w bits over a 16-bit link: w cycles per row
  (`hwsim.arrays.base.preload_cycles`).

MAC energy: the SIP (Judd et al., Sec. 4; Sharify et al.) takes `SIP_LANES` products per
cycle: each lane a (serial bits x parallel bits) array of two-input gates, an adder tree reduces
the lanes, and one shift-and-add folds the tree's sum into the accumulator. Per product and
cycle that is s*p gates, 1/`SIP_LANES` of the tree and 1/`SIP_LANES` of an accumulator add
(`sip_step_pj`); a MAC takes `t_steps` cycles. Stripes multiplies b bits of A by all bits of B
per cycle; Loom b bits of each operand in convolutions and all of A by b bits of B in fully
connected layers. A gate costs a fifth of a full-adder bit (`gate_pj`), adders are the 45 nm
integer-add fit (`hwsim.unit_energy.ops.int_add_pj`). ``binary`` x ``binary`` (XNOR-Net,
Rastegari et al., ECCV 2016: a +-1 dot product is XNOR then popcount, 2*popcount - K): the
SIP with XNOR gates in its lanes, one step of 1 x 1 bits, whose adder tree is the popcount (the
XNOR-popcount-accumulate datapath of FINN's matrix-vector unit, Umuroglu et al., FPGA 2017,
Sec. 4); plus, once per output, the 2*popcount - K correction, one accumulator add amortised
over the reduction K.

PE area: `window_lanes` lanes of a SIP, the structure the energy prices: per lane an s x p
array of two-input gates (Stripes: bits_per_cycle x word_bits; Loom: word_bits x
bits_per_cycle, its fully connected mode, the widest slice it takes) and a word_bits operand
register; per SIP of 16 lanes an adder tree over the lanes' products and a 32-bit accumulator
(hwsim's default accumulator: adder and register), shared by its lanes. A gate is a fifth of
one bit of the 8-bit adder (a full adder is five two-input gates), as in the energy model. A
derivation from unit areas, not a synthesised figure: no bit-serial PE area is published in a
form hwsim can use. Integer native formats only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hwsim.arrays.base import Formats, I64, MacProblem, OptionColumns, ceil_div, preload_cycles
from hwsim.arrays.systolic import BitParallel
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import KindOptions
from hwsim.spec.fields import Fields
from hwsim.unit_area.pe import require_integer_formats
from hwsim.unit_area.units import flip_flops_um2, int_add_um2
from hwsim.unit_energy import ops

SERIAL_OPERANDS = ("activations", "both")
SERIAL_CODES = {name: code for code, name in enumerate(SERIAL_OPERANDS)}
SIP_LANES = 16  # products a SIP reduces per cycle (Stripes' and Loom's 16-input SIPs)
ACCUMULATOR_BITS = 32  # a SIP's accumulator: hwsim's default accumulator format, int32


@dataclass(frozen=True, slots=True)
class BitSerialOptions(KindOptions):
    """Which operands stream bit by bit, bits of a serial operand per cycle, output rows
    (windows) a PE serves at once (module doc)."""

    serial: str = "activations"
    bits_per_cycle: int = 1
    window_lanes: int = 1


def gate_pj() -> float:
    """One two-input gate (AND, XOR, XNOR) at 45 nm, pJ per operation. Derivation: a
    textbook full adder is five two-input gates (two XOR for the sum, two AND and an OR for the
    carry); taking them as equal, a gate is a fifth of one bit of the 8-bit adder
    (Horowitz's 0.03 pJ): 0.03 / 8 / 5 = 0.00075 pJ."""
    return ops.int_add_pj(8) / 8 / 5


def gate_um2() -> float:
    """A two-input gate: a fifth of one bit of the 8-bit adder (a full adder is five gates)."""
    return int_add_um2(8) / 8 / 5


def product_bits(serial_bits: int, parallel_bits: int) -> int:
    """Width of the product of an s-bit and a p-bit magnitude: s + p bits, or max(s, p) when
    one side is a single bit (an AND or XNOR passes the other side through)."""
    if min(serial_bits, parallel_bits) == 1:
        return max(serial_bits, parallel_bits)
    return serial_bits + parallel_bits


def adder_tree_levels(lanes: int, width: int) -> list[tuple[int, int]]:
    """(adders, bits of each) per level of a binary tree reducing `lanes` values of `width`
    bits: level i (from 1) has lanes/2^i adders of width + i - 1 bits. With 1-bit inputs it
    is a popcount. Energy and area size the same tree."""
    levels, n, bits = [], lanes, width
    while n > 1:
        levels.append((n // 2, bits))
        n, bits = -(-n // 2), bits + 1
    return levels


def adder_tree_pj(lanes: int, width: int) -> float:
    return sum(adders * ops.int_add_pj(bits) for adders, bits in adder_tree_levels(lanes, width))


def sip_step_pj(serial_bits: int, parallel_bits: int, acc_bits: int) -> float:
    """One product's share of one SIP cycle (pJ at 45 nm): its gate array, 1/SIP_LANES of the
    adder tree and of the accumulator's shift-and-add."""
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


def bitserial_pe_um2(serial: str, bits_per_cycle: int, word_bits: int,
                     window_lanes: int) -> float:
    """um^2 at 45 nm of one PE: `window_lanes` SIP lanes (module doc)."""
    s, p = (bits_per_cycle, word_bits) if serial == "activations" else \
        (word_bits, bits_per_cycle)
    tree = sum(adders * int_add_um2(bits)
               for adders, bits in adder_tree_levels(SIP_LANES, product_bits(s, p)))
    accumulator = int_add_um2(ACCUMULATOR_BITS) + flip_flops_um2(ACCUMULATOR_BITS)
    lane = s * p * gate_um2() + flip_flops_um2(word_bits) + (tree + accumulator) / SIP_LANES
    return window_lanes * lane


class BitSerial(BitParallel):
    name = "bitserial"
    option_fields = ("serial", "bits_per_cycle", "window_lanes")
    options_type = BitSerialOptions

    def parse_options(self, f: Fields) -> BitSerialOptions:
        return BitSerialOptions(f.choice("serial", SERIAL_OPERANDS, "activations"),
                                f.integer("bits_per_cycle", 1), f.integer("window_lanes", 1))

    def options_yaml(self, options: KindOptions) -> dict[str, Any]:
        assert isinstance(options, BitSerialOptions)
        return {"serial": options.serial, "bits_per_cycle": options.bits_per_cycle,
                "window_lanes": options.window_lanes}

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]:
        ints = tuple(parse_format(f"int{b}") for b in range(1, word_bits + 1))
        return (*ints, parse_format("binary"))

    def option_columns(self, options: KindOptions) -> OptionColumns:
        assert isinstance(options, BitSerialOptions)
        return (SERIAL_CODES[options.serial], options.bits_per_cycle, options.window_lanes)

    def throughput(self, columns: I64, word_bits: I64, dataflow: I64, a_bits: I64,
                   b_bits: I64, from_conv: I64) -> I64 | None:
        serial, bpc, lanes = columns[0][:, None], columns[1][:, None], columns[2][:, None]
        word, df = word_bits[:, None], dataflow[:, None]
        a, b, conv = a_bits[None, :], b_bits[None, :], from_conv[None, :]
        ones = np.ones((serial.shape[0], a.shape[1]), dtype=np.int64)
        both = serial == SERIAL_CODES["both"]
        loom_fc = both & (conv == 0)
        k_pack = np.where(loom_fc, np.maximum(lanes * bpc // word, 1), ones)
        stripes = ceil_div(a, bpc)
        loom = np.where(conv == 1, ceil_div(a, bpc) * ceil_div(b, bpc), ceil_div(b, bpc))
        t_steps = np.where(both, loom, stripes)
        m_pack = np.where(~loom_fc, lanes * ones, ones)
        return np.stack([k_pack, t_steps, m_pack,
                         preload_cycles(k_pack, m_pack, a, b, word, df)])

    def mac_pj(self, options: KindOptions, mac: MacProblem, formats: Formats) -> float | None:
        assert isinstance(options, BitSerialOptions)
        if formats[0].kind == formats[1].kind == "binary":
            return binary_mac_pj(mac.acc_bits, mac.reduction)
        return bitserial_mac_pj(options.serial, options.bits_per_cycle, mac.a_bits,
                                mac.b_bits, mac.acc_bits, mac.from_conv, mac.t_steps)

    def pe_um2(self, options: KindOptions, native_formats: tuple[NumberFormat, ...],
               word_bits: int) -> tuple[float, float]:
        assert isinstance(options, BitSerialOptions)
        require_integer_formats(self.name, native_formats)
        return bitserial_pe_um2(options.serial, options.bits_per_cycle, word_bits,
                                options.window_lanes), 0.0


KIND = BitSerial()
