"""An arch's energy table: the per-action energies (pJ, at the arch's node) that price counts.

Each entry carries where it came from: a published point, a fit through published points
(``ops.py``, ``memory.py``) scaled from 45 nm by Stillmaker & Baas (``scaling.py``), or an
override in the arch's `energy:` section.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.unit_energy import memory, ops
from hwsim.unit_energy.scaling import energy_scale
from hwsim.precision import NumberFormat
from hwsim.spec.arch import Arch

FIT = "hwsim fit at 45 nm (hwsim/energy/{module}.py)"


@dataclass(frozen=True, slots=True)
class Entry:
    """One priced action: energy in pJ per unit, and its provenance."""

    action: str
    unit: str
    energy_pj: float
    source: str


@dataclass(frozen=True, slots=True)
class EnergyTable:
    """Energies for one arch at its node: call the methods for format-dependent ones."""

    arch_name: str
    node_nm: int
    scale: float                       # 45 nm energies times this give the node's
    buffer_read_pj_per_bit: dict[str, float]
    buffer_write_pj_per_bit: dict[str, float]
    buffer_sources: dict[str, str]
    register_file_pj_per_bit: float
    forwarding_pj_per_bit: float
    dram_pj_per_bit: float
    static_power_mw: float
    pe_register_file: bool
    sources: dict[str, str]

    def mac_pj(self, a: NumberFormat, b: NumberFormat, acc: NumberFormat) -> float:
        return ops.mac_pj(a, b, acc) * self.scale

    def mult_pj(self, a: NumberFormat, b: NumberFormat) -> float:
        return ops.mult_pj(a, b) * self.scale

    def add_pj(self, fmt: NumberFormat) -> float:
        return ops.add_pj(fmt) * self.scale

    def entries(self, formats: list[NumberFormat], word: NumberFormat) -> list[Entry]:
        """Every energy in use, for `hwsim energy-table`; `word` is the array's native format
        (its MAC is listed with a same-width accumulator)."""
        scaled = f"scaled 45 -> {self.node_nm} nm by {self.scale:.4g} (Stillmaker & Baas 2017)"
        out = [Entry(f"mac {word.name} x {word.name} + {word.name} accumulate", "pJ/op",
                     self.mac_pj(word, word, word), f"{FIT.format(module='ops')}; {scaled}")]
        for fmt in formats:
            out.append(Entry(f"mult {fmt.name} x {fmt.name}", "pJ/op", self.mult_pj(fmt, fmt),
                             f"{FIT.format(module='ops')}; {scaled}"))
            out.append(Entry(f"add {fmt.name}", "pJ/op", self.add_pj(fmt),
                             f"{FIT.format(module='ops')}; {scaled}"))
        for name, read in self.buffer_read_pj_per_bit.items():
            out.append(Entry(f"sram {name} read", "pJ/bit", read, self.buffer_sources[name]))
            out.append(Entry(f"sram {name} write", "pJ/bit",
                             self.buffer_write_pj_per_bit[name], self.buffer_sources[name]))
        out.append(Entry("register file access", "pJ/bit", self.register_file_pj_per_bit,
                         self.sources["register_file"]))
        out.append(Entry("operand hop between PEs", "pJ/bit", self.forwarding_pj_per_bit,
                         self.sources["forwarding"]))
        out.append(Entry("dram access", "pJ/bit", self.dram_pj_per_bit, self.sources["dram"]))
        out.append(Entry("static power", "mW", self.static_power_mw, "arch energy.static_power_mw"))
        return out


def _pick(override: float | None, fitted: float, fit_source: str,
          rescale: float = 1.0) -> tuple[float, str]:
    if override is not None:
        note = "" if rescale == 1.0 else f", rescaled by {rescale:.4g} to the requested node"
        return override * rescale, f"arch override (energy section){note}"
    return fitted, fit_source


def energy_table(arch: Arch, *, node_nm: int | None = None) -> EnergyTable:
    """The table for `arch`, at its `energy.node_nm` unless `node_nm` rescales it (overrides,
    given at the arch's node, then scale with the logic; DRAM energy does not)."""
    spec = arch.energy
    node = node_nm or spec.node_nm
    scale = energy_scale(45, node, to_vdd_v=spec.vdd_v if node == spec.node_nm else None)
    rescale = 1.0 if node == spec.node_nm else energy_scale(spec.node_nm, node)
    scaled = f"{FIT.format(module='memory')}, scaled to {node} nm"
    overrides = {b.name: b for b in spec.buffers}
    reads, writes, sources = {}, {}, {}
    for buffer in arch.memory.buffers:
        if buffer.name in overrides:
            reads[buffer.name] = overrides[buffer.name].read_pj_per_bit * rescale
            writes[buffer.name] = overrides[buffer.name].write_pj_per_bit * rescale
            sources[buffer.name] = "arch override (energy.sram)" + (
                "" if rescale == 1.0 else f", rescaled by {rescale:.4g} to the requested node")
        else:
            reads[buffer.name] = writes[buffer.name] = \
                memory.sram_pj_per_bit(buffer.size_bytes) * scale
            sources[buffer.name] = f"{scaled} ({buffer.size_bytes} bytes)"
    rf, rf_src = _pick(spec.register_file_pj_per_bit,
                       memory.register_file_pj_per_bit() * scale, scaled, rescale)
    hop, hop_src = _pick(spec.forwarding_pj_per_bit, memory.register_file_pj_per_bit() * scale,
                         f"{scaled}: a pipeline-register write per bit, as a register file",
                         rescale)
    dram, dram_src = _pick(spec.dram_pj_per_bit, memory.dram_pj_per_bit(),
                           "EIE Table I, 640 pJ per 32 bits (DRAM energy is not rescaled by "
                           "logic node)")
    return EnergyTable(arch.name, node, scale, reads, writes, sources, rf, hop, dram,
                       spec.static_power_mw, spec.pe_register_file,
                       {"register_file": rf_src, "forwarding": hop_src, "dram": dram_src})
