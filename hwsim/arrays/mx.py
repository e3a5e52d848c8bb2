"""``mx``: an array of bit-parallel block dot-product PEs executing block-scaled formats (OCP MX,
NVFP4) natively, with element throughput set by the element width.

- Options: none.
- Native formats: ``mxfp8_e4m3``, ``mxfp8_e5m2``, ``mxfp6_e3m2``, ``mxfp6_e2m3``, ``mxfp4``,
  ``nvfp4`` and ``bf16`` by default (the formats of a Blackwell-class tensor core's
  block-scaled and 16-bit paths).
- Throughput, per PE and cycle, relative to one FP8 (or FP6) product: two products of the
  reduction when both operands have elements of at most 4 bits (``k_pack`` = 2), one for 5 to
  8 bits, and one every ``ceil(bits / 8)`` cycles for wider operands (``t_steps`` = 2 for
  16-bit). The ratios FP4 : FP8 : FP6 : BF16 = 2 : 1 : 1 : 1/2 are NVIDIA HGX B200's dense
  tensor throughputs (9, 4.5, 4.5 and 2.25 PFLOPS at 1,000 W, NVIDIA's published HGX B200
  specifications). A GEMM mixing widths runs at its wider operand's rate.
- MAC energy: the energy table's MAC in the executed formats, which for block-scaled operands
  is `hwsim.unit_energy.ops.block_mac_pj` (element product, accumulation, each block's scale
  application amortised over the block); two products per cycle cost two products' energy.
- PE area: as ``systolic`` (`hwsim.arrays.systolic`), the PE of its widest native format, plus
  the block-scale logic of its block-scaled natives (`hwsim.unit_area.pe.block_scale_um2`: the
  scale exponent adds and the alignment shifter into the fp32 accumulator, and NVFP4's scale
  multipliers; the largest one, as the formats share it). Every PE carries it: in the
  output-stationary dataflow a PE accumulates whole blocks itself. The second FP4 product lane
  is not in the area model.
"""

from __future__ import annotations

import numpy as np

from hwsim.arrays.base import I64, ceil_div
from hwsim.arrays.systolic import BitParallel, bit_parallel_pe_um2
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import KindOptions
from hwsim.unit_area.pe import block_scale_um2

DEFAULT_NATIVE = ("mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "nvfp4",
                  "bf16")
#: Element width (bits) at or below which a PE completes two products per cycle (FP4 path).
DOUBLE_RATE_BITS = 4
#: Element width (bits) of one product per PE and cycle (FP8 and FP6 path).
BASE_RATE_BITS = 8


def mx_factors(a_bits: I64, b_bits: I64) -> tuple[I64, I64]:
    """(k_pack, t_steps) for problems with element widths `a_bits`, `b_bits` (module doc)."""
    widest = np.maximum(a_bits, b_bits)
    k_pack = np.where(widest <= DOUBLE_RATE_BITS, 2, 1)
    t_steps = np.maximum(ceil_div(widest, BASE_RATE_BITS), 1)
    return k_pack.astype(np.int64), t_steps.astype(np.int64)


class Mx(BitParallel):
    name = "mx"

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]:
        return tuple(parse_format(n) for n in DEFAULT_NATIVE)

    def throughput(self, columns: I64, word_bits: I64, dataflow: I64, a_bits: I64,
                   b_bits: I64, from_conv: I64) -> I64 | None:
        designs = word_bits.shape[0]
        k_pack, t_steps = mx_factors(a_bits, b_bits)
        ones = np.ones((designs, a_bits.shape[0]), dtype=np.int64)
        return np.stack([ones * k_pack[None, :], ones * t_steps[None, :], ones, ones])

    def pe_um2(self, options: KindOptions, native_formats: tuple[NumberFormat, ...],
               word_bits: int) -> tuple[float, float]:
        pe, column = bit_parallel_pe_um2(native_formats)
        return pe + max(block_scale_um2(f) for f in native_formats), column


KIND = Mx()
