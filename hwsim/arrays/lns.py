"""``lns``: LNS-Madam's array (Zhao et al. 2022), bit-parallel PEs multiplying in the
logarithmic number system.

- Options: none.
- Native formats: ``lns<word_bits>_f3`` by default.
- Throughput: bit-parallel, every factor 1.
- MAC energy, when the A operand executes in an LNS format (otherwise the energy table's
  bit-parallel MAC): the product is an integer add of the two log magnitudes (bits - 1 wide);
  its integer part becomes a shift of the accumulator width (a log2(w)-stage barrel shifter,
  priced as 0.5 log2(w) adders of width w: a 2:1 mux bit switches about half an adder bit), its
  fractional part picks one of 2^F remainder buckets, and the shifted value is added there (an
  accumulator add). Once per output (amortised over the reduction length K): the 2^F buckets
  are scaled by a 2^F-entry LUT (a multiply of the accumulator by an F+2-bit constant each) and
  summed, and the sum is re-quantized to LNS, priced as three accumulator adds (the quantizer
  synthesises to about 3x the cells of the LNS adder, reports/rtl.md). Adders and multipliers
  are the 45 nm integer fits (`hwsim.unit_energy.ops`).
- PE area: as ``systolic`` (`hwsim.arrays.systolic`); the LNS PE itself and its per-column
  bucket conversion are `hwsim.unit_area.pe.lns_pe_um2` and `lns_column_um2`.
"""

from __future__ import annotations

import math

from hwsim.arrays.base import Formats, MacProblem
from hwsim.arrays.systolic import BitParallel
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import KindOptions
from hwsim.unit_energy import ops


def lns_mac_pj(log_bits: int, frac_bits: int, acc_bits: int, reduction: int) -> float:
    """One LNS-Madam MAC, with the per-output LUT and re-quantization amortised over
    `reduction` MACs (pJ at 45 nm)."""
    shifter = 0.5 * math.log2(acc_bits) * ops.int_add_pj(acc_bits)
    per_mac = ops.int_add_pj(log_bits - 1) + shifter + ops.int_add_pj(acc_bits)
    buckets = 2 ** frac_bits
    per_output = buckets * (ops.int_mult_pj(acc_bits, frac_bits + 2) +
                            ops.int_add_pj(acc_bits)) + 3 * ops.int_add_pj(acc_bits)
    return per_mac + per_output / max(reduction, 1)


class Lns(BitParallel):
    name = "lns"

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]:
        return (parse_format(f"lns{word_bits}_f3"),)

    def mac_pj(self, options: KindOptions, mac: MacProblem, formats: Formats) -> float | None:
        a, b, acc = formats
        if a.kind != "lns":
            return None
        return lns_mac_pj(max(a.bits, b.bits), max(a.frac_bits, b.frac_bits), acc.bits,
                          mac.reduction)


KIND = Lns()
