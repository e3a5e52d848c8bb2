"""Silicon area of an arch by component (mm^2 at the arch's `energy.node_nm`).

    area = [rows x cols x PE + cols x column logic            (the kind, hwsim.arrays)
            + rows x cols x PE-local register file             (Eyeriss-like arrays)
            + sum of the SRAM buffers                          (sram.py)
            + lanes x vector lane]                             (units.py)
           at 45 nm, x the node's area factor                  (scaling.py)

The PE-local register file (arrays with `energy.pe_register_file`) holds Eyeriss's 260 words
of the array's word_bits per PE, priced as an SRAM of that size. A vector lane is a 32-bit
multiplier and adder, floating point when the array computes in a non-integer format
(softmax, norms, optimizer updates), integer otherwise.

What the model leaves out: on-chip networks and operand distribution beyond the PEs' own
registers, control, DRAM and host interfaces, clock tree, and placement utilisation. It is the
area of the datapaths and storage an arch file describes (reports/area.md measures how much of
published chips that is).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hwsim.arrays.base import array_kind
from hwsim.precision import NumberFormat
from hwsim.precision.execution import INTEGER_KINDS
from hwsim.spec.arch import Arch, KindOptions
from hwsim.spec.errors import SpecError
from hwsim.unit_area.data import area_table, node_scaling
from hwsim.unit_area.pe import AreaDataError
from hwsim.unit_area.scaling import UnknownAreaNodeError, area_scale
from hwsim.unit_area.sram import sram_mm2
from hwsim.unit_area.units import fp_add_um2, fp_mult_um2, int_add_um2, int_mult_um2

UM2_PER_MM2 = 1e6
SOURCES = {
    "pe_array": "hwsim/unit_area/pe.py: Bit Fusion's 45 nm PE synthesis (integer PEs, Fusion"
                " Units), Horowitz's unit areas (floating point, bit-serial and LNS datapaths)",
    "pe_register_file": "Eyeriss's 260 scratchpad words per PE as an SRAM "
                        "(hwsim/unit_area/sram.py)",
    "buffers": "CACTI 45 nm macros up to 16 KiB, tiled beyond (hwsim/unit_area/sram.py)",
    "vector": "Horowitz's 32-bit multiplier and adder areas per lane (hwsim/unit_area/units.py)",
    "scaling": "Stillmaker & Baas 2017 area factors from 45 nm (hwsim/unit_area/scaling.py)",
}


@dataclass(frozen=True, slots=True)
class AreaBreakdown:
    """An arch's area by component, mm^2 at `node_nm`; `buffers_mm2` per SRAM buffer."""

    arch_name: str
    node_nm: int
    pe_array_mm2: float
    pe_register_file_mm2: float
    buffers_mm2: dict[str, float]
    vector_mm2: float

    @property
    def total_mm2(self) -> float:
        return self.pe_array_mm2 + self.pe_register_file_mm2 + \
            sum(self.buffers_mm2.values()) + self.vector_mm2

    def to_dict(self) -> dict[str, Any]:
        return {"arch": self.arch_name, "node_nm": self.node_nm, "total_mm2": self.total_mm2,
                "pe_array_mm2": self.pe_array_mm2,
                "pe_register_file_mm2": self.pe_register_file_mm2,
                "buffers_mm2": dict(self.buffers_mm2), "vector_mm2": self.vector_mm2,
                "sources": {**SOURCES, "data": node_scaling().source}}


def vector_lane_um2(arch: Arch) -> float:
    if all(f.kind in INTEGER_KINDS for f in arch.compute.native_formats):
        return int_mult_um2(32, 32) + int_add_um2(32)
    return fp_mult_um2(23) + fp_add_um2(23)


@lru_cache(maxsize=4096)
def pe_um2(kind: str, native_formats: tuple[NumberFormat, ...], word_bits: int,
           options: KindOptions) -> tuple[float, float]:
    """(um^2 per PE, um^2 per array column) at 45 nm of an array of `kind` (`hwsim.arrays`);
    raises AreaDataError. Cached: a sweep asks for the same PE many times."""
    return array_kind(kind).pe_um2(options, native_formats, word_bits)


def arch_area(arch: Arch, *, node_nm: int | None = None) -> AreaBreakdown:
    """`arch`'s area at its `energy.node_nm` (or `node_nm`). An arch whose compute kind and
    formats have no area data, or whose node has no area factor, is a SpecError naming the
    arch file and the field."""
    c = arch.compute
    where = arch.path or arch.name
    try:
        pe, column = pe_um2(c.kind, c.native_formats, c.word_bits, c.options)
    except AreaDataError as exc:
        raise SpecError.single(where, "compute.native_formats", str(exc)) from None
    node = node_nm or arch.energy.node_nm
    try:
        scale = area_scale(node)
    except UnknownAreaNodeError as exc:
        raise SpecError.single(where, "energy.node_nm", str(exc)) from None
    pes = c.rows * c.cols
    per_mm2 = scale / UM2_PER_MM2
    rf_bytes = area_table().pe_register_file_words * c.word_bits / 8
    return AreaBreakdown(
        arch.name, node, (pes * pe + c.cols * column) * per_mm2,
        pes * sram_mm2(rf_bytes) * scale if arch.energy.pe_register_file else 0.0,
        {b.name: sram_mm2(b.size_bytes) * scale for b in arch.memory.buffers},
        arch.vector.lanes * vector_lane_um2(arch) * per_mm2)
