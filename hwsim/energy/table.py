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
from hwsim.spec.arch import ACCUMULATOR, OPERANDS, Arch, BufferEnergy

FIT = "hwsim fit at 45 nm (hwsim/unit_energy/{module}.py)"


@dataclass(frozen=True, slots=True)
class Entry:
    """One priced action: energy in pJ per unit, and its provenance."""

    action: str
    unit: str
    energy_pj: float
    source: str


@dataclass(frozen=True, slots=True)
class EnergyTable:
    """Energies for one arch at its node: call the methods for format-dependent ones.

    `register_file_pj_per_bit_by_operand` is in `OPERANDS` order (ifmap, filter, ofmap);
    the accumulator energies are 0.0 when the arch has no accumulator; `native_mac_pj` is the
    arch's `energy.mac_pj` (None: MACs are priced by the fits).
    """

    arch_name: str
    node_nm: int
    scale: float                       # 45 nm energies times this give the node's
    buffer_read_pj_per_bit: dict[str, float]
    buffer_write_pj_per_bit: dict[str, float]
    buffer_sources: dict[str, str]
    register_file_pj_per_bit_by_operand: tuple[float, float, float]
    forwarding_pj_per_bit: float
    dram_pj_per_bit: float
    static_power_mw: float
    pe_register_file: bool
    sources: dict[str, str]
    accumulator_read_pj_per_bit: float = 0.0
    accumulator_write_pj_per_bit: float = 0.0
    native_mac_pj: float | None = None

    @property
    def register_file_pj_per_bit(self) -> float:
        """The register-file energy per bit every operand shares; a ValueError when the arch
        gives the operands different ones (read `register_file_pj_per_bit_by_operand`)."""
        first, *rest = self.register_file_pj_per_bit_by_operand
        if any(value != first for value in rest):
            raise ValueError(f"{self.arch_name}: the register-file energy differs per operand "
                             f"{self.register_file_pj_per_bit_by_operand}")
        return first

    def mac_pj(self, a: NumberFormat, b: NumberFormat, acc: NumberFormat) -> float:
        return ops.mac_pj(a, b, acc) * self.scale

    def mult_pj(self, a: NumberFormat, b: NumberFormat) -> float:
        return ops.mult_pj(a, b) * self.scale

    def add_pj(self, fmt: NumberFormat) -> float:
        return ops.add_pj(fmt) * self.scale

    def entries(self, formats: list[NumberFormat], word: NumberFormat,
                block_formats: tuple[NumberFormat, ...] = (),
                block_accumulator: NumberFormat | None = None) -> list[Entry]:
        """Every energy in use, for `hwsim energy-table`; `word` is the array's native format
        (its MAC is listed with a same-width accumulator); each of `block_formats` gets the
        energy per MAC of its block dot product with a `block_accumulator` (`ops.block_mac_pj`:
        element product, accumulator add, and the per-block scale application over the
        block)."""
        scaled = f"scaled 45 -> {self.node_nm} nm by {self.scale:.4g} (Stillmaker & Baas 2017)"
        out = [Entry(f"mac {word.name} x {word.name} + {word.name} accumulate", "pJ/op",
                     self.mac_pj(word, word, word), f"{FIT.format(module='ops')}; {scaled}")]
        for fmt in block_formats:
            assert block_accumulator is not None
            out.append(Entry(f"mac {fmt.name} x {fmt.name} + {block_accumulator.name} "
                             f"accumulate (per element of a block dot product)", "pJ/op",
                             self.mac_pj(fmt, fmt, block_accumulator),
                             f"derived from the fits in hwsim/unit_energy/ops.py "
                             f"(block_mac_pj: {fmt.element.name} product, "
                             f"{block_accumulator.name} add, scale application / {fmt.block});"
                             f" {scaled}"))
        if self.native_mac_pj is not None:
            out.append(Entry("mac at the native format", "pJ/op", self.native_mac_pj,
                             self.sources["mac"]))
        for fmt in formats:
            out.append(Entry(f"mult {fmt.name} x {fmt.name}", "pJ/op", self.mult_pj(fmt, fmt),
                             f"{FIT.format(module='ops')}; {scaled}"))
            out.append(Entry(f"add {fmt.name}", "pJ/op", self.add_pj(fmt),
                             f"{FIT.format(module='ops')}; {scaled}"))
        for name, read in self.buffer_read_pj_per_bit.items():
            out.append(Entry(f"sram {name} read", "pJ/bit", read, self.buffer_sources[name]))
            out.append(Entry(f"sram {name} write", "pJ/bit",
                             self.buffer_write_pj_per_bit[name], self.buffer_sources[name]))
        if self.accumulator_read_pj_per_bit or self.accumulator_write_pj_per_bit:
            out.append(Entry("accumulator read", "pJ/bit", self.accumulator_read_pj_per_bit,
                             self.sources[ACCUMULATOR]))
            out.append(Entry("accumulator write", "pJ/bit", self.accumulator_write_pj_per_bit,
                             self.sources[ACCUMULATOR]))
        rf = self.register_file_pj_per_bit_by_operand
        if len(set(rf)) == 1:
            out.append(Entry("register file access", "pJ/bit", rf[0],
                             self.sources["register_file"]))
        else:
            for name, value in zip(("inputs", "weights", "outputs"), rf, strict=True):
                out.append(Entry(f"register file access ({name})", "pJ/bit", value,
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


def _sram(name: str, size_bytes: int, overrides: dict[str, BufferEnergy], scale: float,
          rescale: float, scaled: str) -> tuple[float, float, str]:
    """Read and write energy per bit of the SRAM `name` and their source: the arch's
    `energy.sram.<name>` override (rescaled to a requested node), else the fit at its size."""
    if name in overrides:
        note = "" if rescale == 1.0 else f", rescaled by {rescale:.4g} to the requested node"
        return (overrides[name].read_pj_per_bit * rescale,
                overrides[name].write_pj_per_bit * rescale,
                f"arch override (energy.sram){note}")
    fitted = memory.sram_pj_per_bit(size_bytes) * scale
    return fitted, fitted, f"{scaled} ({size_bytes} bytes)"


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
        reads[buffer.name], writes[buffer.name], sources[buffer.name] = \
            _sram(buffer.name, buffer.size_bytes, overrides, scale, rescale, scaled)
    acc_read = acc_write = 0.0
    acc_src = "no accumulator"
    if arch.memory.accumulator is not None:
        acc_read, acc_write, acc_src = _sram(ACCUMULATOR, arch.memory.accumulator.size_bytes,
                                             overrides, scale, rescale, scaled)
    rf_fit = memory.register_file_pj_per_bit() * scale
    rf_values = spec.register_file_pj_per_bit or (None,) * len(OPERANDS)
    picks = [_pick(value, rf_fit, scaled, rescale) for value in rf_values]
    rf = (picks[0][0], picks[1][0], picks[2][0])
    rf_src = picks[0][1]
    mac = None if spec.mac_pj is None else spec.mac_pj * rescale
    mac_src = "arch override (energy.mac_pj)" + (
        "" if rescale == 1.0 else f", rescaled by {rescale:.4g} to the requested node")
    hop, hop_src = _pick(spec.forwarding_pj_per_bit, memory.register_file_pj_per_bit() * scale,
                         f"{scaled}: a pipeline-register write per bit, as a register file",
                         rescale)
    dram_fit, dram_fit_src = memory.dram_pj_per_bit(), \
        "EIE Table I, 640 pJ per 32 bits (DRAM energy is not rescaled by logic node)"
    if arch.memory.dram_technology is not None:
        point = memory.dram_technology(arch.memory.dram_technology)
        dram_fit, dram_fit_src = point.energy_pj_per_bit, \
            f"memory.dram.technology {point.name}: {point.cite} " \
            f"(hwsim/unit_energy/data/dram_technologies.yaml; not rescaled by logic node)"
    dram, dram_src = _pick(spec.dram_pj_per_bit, dram_fit, dram_fit_src)
    return EnergyTable(arch.name, node, scale, reads, writes, sources, rf, hop, dram,
                       spec.static_power_mw, spec.pe_register_file,
                       {"register_file": rf_src, "forwarding": hop_src, "dram": dram_src,
                        ACCUMULATOR: acc_src, "mac": mac_src},
                       acc_read, acc_write, mac)
