"""``bitfusion``: Bit Fusion (Sharma et al., ISCA 2018), PEs of 16 BitBricks (2b x 2b) that
fuse into one Fusion Unit per layer at the layer's operand widths.

- Options: none.
- Native formats: every integer width from 1 to `word_bits` by default.
- Throughput: a Fusion Unit computes ``floor(8/max(a,2)) * floor(8/max(w,2))`` products of a
  and w bits per cycle (`k_pack`), its per-layer speed-up over 8-bit operation (the paper's
  formula and its simulator's); 16-bit operands run over ``ceil(a/8) * ceil(w/8)`` cycles
  (`t_steps`). A weight-stationary fold preloads the unit's k_pack weights over the
  `word_bits` link (`hwsim.arrays.base.preload_cycles`; fused to 2 x 2 bits, 16 two-bit weights
  over 8 bits: 4 cycles per row).
- MAC energy: a Fusion Unit draws twice the power of a fixed 8-bit PE (2 x 171.8 uW at 500 MHz
  = 0.687 pJ per cycle, `hwsim.unit_energy.data.fusion_unit_pj_per_cycle`) whatever it is fused
  to; it completes `k_pack` products per cycle over `t_steps` cycles, so a MAC costs
  0.687 * t_steps / k_pack.
- PE area: one Fusion Unit (Bit Fusion's synthesis, the area table's ``fusion_unit_um2``),
  whatever its temporal 16-bit mode; integer native formats only.
"""

from __future__ import annotations

import numpy as np

from hwsim.arrays.base import Formats, I64, MacProblem, ceil_div, preload_cycles
from hwsim.arrays.systolic import BitParallel
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import KindOptions
from hwsim.unit_area.data import area_table
from hwsim.unit_area.pe import require_integer_formats
from hwsim.unit_energy.data import fusion_unit_pj_per_cycle


class BitFusion(BitParallel):
    name = "bitfusion"

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]:
        return tuple(parse_format(f"int{b}") for b in range(1, word_bits + 1))

    def throughput(self, columns: I64, word_bits: I64, dataflow: I64, a_bits: I64,
                   b_bits: I64, from_conv: I64) -> I64 | None:
        word, df = word_bits[:, None], dataflow[:, None]
        a, b = a_bits[None, :], b_bits[None, :]
        ones = np.ones((word.shape[0], a.shape[1]), dtype=np.int64)
        k_pack = (8 // np.maximum(np.minimum(a, 8), 2)) * (8 // np.maximum(np.minimum(b, 8), 2)) \
            * ones
        t_steps = ceil_div(a, 8) * ceil_div(b, 8) * ones
        return np.stack([k_pack, t_steps, ones, preload_cycles(k_pack, ones, a, b, word, df)])

    def mac_pj(self, options: KindOptions, mac: MacProblem, formats: Formats) -> float | None:
        return fusion_unit_pj_per_cycle() * mac.t_steps / mac.k_pack

    def pe_um2(self, options: KindOptions, native_formats: tuple[NumberFormat, ...],
               word_bits: int) -> tuple[float, float]:
        require_integer_formats(self.name, native_formats)
        return area_table().fusion_unit_um2, 0.0


KIND = BitFusion()
