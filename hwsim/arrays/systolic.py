"""``systolic``: SCALE-Sim's array of bit-parallel PEs, one MAC per PE and cycle.

- Options: none.
- Native formats: ``int<word_bits>`` by default.
- Throughput: bit-parallel, every factor 1 (`hwsim.kernels.systolic` is SCALE-Sim's model).
- MAC energy: a bit-parallel multiply at the two operand formats plus an add at the
  accumulator's (`hwsim.unit_energy.ops.mac_pj`).
- PE area: the PE executes every one of its native formats; formats share one datapath, so
  the PE is as large as the largest single-format PE among them (an assumption: a multi-format
  MAC is rarely smaller, and sharing makes it not much larger). Per format
  `hwsim.unit_area.pe.format_pe_um2`; log formats add their per-column bucket conversion
  (`hwsim.unit_area.pe.lns_column_um2`).
"""

from __future__ import annotations

from typing import Any

from hwsim.arrays.base import Formats, I64, MacProblem, OptionColumns
from hwsim.precision import NumberFormat, parse_format
from hwsim.precision.execution import LOG_KINDS
from hwsim.spec.arch import KindOptions
from hwsim.spec.fields import Fields
from hwsim.unit_area.pe import format_pe_um2, lns_column_um2


def bit_parallel_pe_um2(native_formats: tuple[NumberFormat, ...]) -> tuple[float, float]:
    """(um^2 per PE, um^2 per column) of a bit-parallel PE sharing one datapath among
    `native_formats` (module doc)."""
    pe = max(format_pe_um2(f) for f in native_formats)
    logs = [f for f in native_formats if f.kind in LOG_KINDS]
    column = max((lns_column_um2(f) for f in logs), default=0.0)
    return pe, column


class BitParallel:
    """The members every bit-parallel kind shares: no options, factors 1, the energy table's
    MAC, the shared-datapath PE."""

    option_fields: tuple[str, ...] = ()
    options_type = KindOptions

    def parse_options(self, f: Fields) -> KindOptions:
        return KindOptions()

    def options_yaml(self, options: KindOptions) -> dict[str, Any]:
        return {}

    def option_columns(self, options: KindOptions) -> OptionColumns:
        return (0, 0, 0)

    def throughput(self, columns: I64, word_bits: I64, dataflow: I64, a_bits: I64,
                   b_bits: I64, from_conv: I64) -> I64 | None:
        return None

    def mac_pj(self, options: KindOptions, mac: MacProblem, formats: Formats) -> float | None:
        return None

    def pe_um2(self, options: KindOptions, native_formats: tuple[NumberFormat, ...],
               word_bits: int) -> tuple[float, float]:
        return bit_parallel_pe_um2(native_formats)


class Systolic(BitParallel):
    name = "systolic"

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]:
        return (parse_format(f"int{word_bits}"),)


KIND = Systolic()
