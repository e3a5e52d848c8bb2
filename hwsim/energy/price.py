"""Price designs' action counts with their energy tables: energy per design and problem by
component (pJ), as [D, P] arrays. One inference estimate prices one design (D = 1); a sweep
prices a chunk's designs at once and sums over the problems.

Components:

- ``mac``: MACs x (multiply at the two operand formats + add at the accumulator's format).
- ``vector``: vector-unit operations x an add in the output format.
- ``register_file``: PEs with a register file (Eyeriss-like) read both operands and read and
  write the partial sum there for every MAC (the `register_file` level's bits), each
  operand's bits at its own register-file energy per bit (one shared energy rf: all the
  level's bits x rf).
- ``forwarding``: systolic PEs pass the two moving operands one hop per MAC: os moves A and B,
  ws moves A and the partial sum, is moves B and the partial sum. With PE register files the
  operands reach the PEs over a network instead: every bit the array reads from or writes to
  its innermost holder crosses it once (the `array` counts at A's, B's and the accumulator's
  widths).
- ``sram_<buffer>``: the buffer level's reads and writes per operand (B at its stored width,
  partial sums at the accumulator's); into ``sram_unified`` when the buffer is unified.
- ``accumulator``: the accumulator level's reads and writes.
- ``dram``: bits moved x energy per bit.
- ``static``: static power x the problem's time.

Every storage level has one formula for both mapping strategies (`level_pj`, or bits x one
energy per bit for DRAM and register files).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from hwsim.arrays import MacProblem, array_kind, mac_datapath_key
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import KernelCounts, LevelCounts
from hwsim.lowering import ProblemTable
from hwsim.lowering.problem import distinct_rows
from hwsim.precision import NumberFormat
from hwsim.spec.arch import OPERANDS, Arch

F64 = npt.NDArray[np.float64]
COMPONENTS = ("mac", "vector", "register_file", "forwarding", "sram_ifmap", "sram_filter",
              "sram_ofmap", "sram_unified", "accumulator", "dram", "static")
# Executed operand formats (A, B) per distinct format tuple of a problem table (indexed by
# `ProblemTable.format_index`), `hwsim.api.executed_formats`.
Executed = tuple[tuple[NumberFormat, NumberFormat], ...]


def _fitted_mac_pj(arch: Arch, energy: EnergyTable, mac: MacProblem,
                   formats: tuple[NumberFormat, NumberFormat, NumberFormat]) -> float:
    """The fitted energy of one MAC of a problem `mac` (executed A and B formats and the
    accumulator's in `formats`): the array kind's (`hwsim.arrays`) at 45 nm, scaled to the
    node, or the energy table's bit-parallel MAC in `formats` where the kind has none."""
    pj = array_kind(arch.compute.kind).mac_pj(arch.compute.options, mac, formats)
    return energy.mac_pj(*formats) if pj is None else pj * energy.scale


def _mac_pj(arch: Arch, energy: EnergyTable, mac: MacProblem,
            formats: tuple[NumberFormat, NumberFormat, NumberFormat]) -> float:
    """Energy of one MAC of a problem `mac` executed in `formats` (A, B, accumulator).

    Without `energy.mac_pj` it is the fit (`_fitted_mac_pj`). With it, a MAC whose operands
    are in the array's first native format costs `mac_pj`, whatever its accumulator, and a
    MAC in other formats costs `mac_pj` times the fitted ratio of its energy to that of the
    same MAC (same accumulator, reduction and packing) with native operands: the explicit
    figure sets the level, the fits only the relative cost of other formats."""
    fitted = _fitted_mac_pj(arch, energy, mac, formats)
    if energy.native_mac_pj is None:
        return fitted
    native = arch.compute.native_formats[0]
    native_mac = replace(mac, a_bits=native.bits, b_bits=native.bits)
    at_native = _fitted_mac_pj(arch, energy, native_mac, (native, native, formats[2]))
    if formats[:2] == (native, native) or at_native <= 0.0:
        return energy.native_mac_pj
    return energy.native_mac_pj * fitted / at_native


def mac_unit_pj(table: ProblemTable, k_pack: npt.NDArray[np.int64],
                t_steps: npt.NDArray[np.int64], archs: Sequence[Arch],
                tables: Sequence[EnergyTable], executed: Sequence[Executed]) -> F64:
    """Energy of one MAC of every problem on every design, [D, P] pJ (0 for vector problems),
    `k_pack` and `t_steps` the [D, P] throughput factors (`hwsim.arrays.throughput`).
    `_mac_pj` runs once per group of designs with one datapath, node and packing, and per
    distinct (formats, convolution or not, K, packing) among the group's GEMM problems (a
    group also shares `energy.mac_pj`)."""
    out = np.zeros((len(archs), len(table)))
    gemm = np.flatnonzero(table.is_vector == 0)
    if not gemm.size:
        return out
    groups: dict[Hashable, list[int]] = {}
    for d, arch in enumerate(archs):
        key = (mac_datapath_key(arch.compute), tables[d].scale, tables[d].native_mac_pj,
               k_pack[d, gemm].tobytes(), t_steps[d, gemm].tobytes())
        groups.setdefault(key, []).append(d)
    fmts = table.format_set
    for designs in groups.values():
        d = designs[0]
        keys = np.stack([table.format_index[gemm], table.from_conv[gemm], table.K[gemm],
                         k_pack[d, gemm], t_steps[d, gemm]], axis=1)
        first, inverse = distinct_rows(keys)
        unit = np.asarray([
            _mac_pj(archs[d], tables[d], MacProblem(fmts[code][0].bits, fmts[code][1].bits,
                                                    fmts[code][3].bits, k, bool(conv), k_pack,
                                                    t_steps),
                    (*executed[d][code], fmts[code][3]))
            for code, conv, k, k_pack, t_steps in keys[first].tolist()])
        out[np.asarray(designs)[:, None], gemm[None, :]] = unit[inverse]
    return out


def add_unit_pj(table: ProblemTable, tables: Sequence[EnergyTable]) -> F64:
    """Energy of one vector-unit operation (an add in the output format) of every problem on
    every design, [D, P] pJ (0 for GEMMs): once per node and distinct format tuple."""
    out = np.zeros((len(tables), len(table)))
    vector = np.flatnonzero(table.is_vector)
    codes = np.unique(table.format_index[vector]).tolist()
    by_scale: dict[float, list[int]] = {}
    for d, t in enumerate(tables):
        by_scale.setdefault(t.scale, []).append(d)
    for designs in by_scale.values():
        unit = np.zeros(len(table.format_set))
        for code in codes:
            unit[code] = tables[designs[0]].add_pj(table.format_set[code][2])
        out[np.asarray(designs)[:, None], vector[None, :]] = unit[table.format_index[vector]]
    return out


@dataclass(frozen=True, slots=True)
class DesignEnergy:
    """Per-design energies as [D, 1] columns (pJ at each design's node; `read` and `write`
    [D, 3] per operand buffer, the unified buffer's value repeated when it is unified)."""

    read: F64
    write: F64
    accumulator_read: F64
    accumulator_write: F64
    unified: npt.NDArray[np.bool_]
    register_file: F64             # [D, 3]: per operand (ifmap, filter, ofmap)
    register_file_shared: npt.NDArray[np.bool_]   # [D, 1]: one energy for every operand
    forwarding: F64
    dram: F64
    static_mw: F64
    pe_register_file: npt.NDArray[np.bool_]
    clock_hz: F64
    moving: npt.NDArray[np.int64]   # [D, 3]: coefficients of a, b and acc bits per hop


# Bits that hop between PEs per MAC, by dataflow: coefficients of the (a, b, acc) widths of
# the two moving operands (module doc).
MOVING = {"os": (1, 1, 0), "ws": (1, 0, 1), "is": (0, 1, 1)}


def design_energy(archs: Sequence[Arch], tables: Sequence[EnergyTable]) -> DesignEnergy:
    """Gather the energy tables of `archs` (one per arch, same order) into columns."""
    def per_operand(t: EnergyTable, arch: Arch, attr: str) -> list[float]:
        values = getattr(t, attr)
        return [values["unified"]] * 3 if arch.memory.unified else [values[o] for o in OPERANDS]

    def col(values: list[float]) -> F64:
        return np.asarray(values, dtype=np.float64)[:, None]

    pairs = list(zip(archs, tables, strict=True))
    return DesignEnergy(
        read=np.asarray([per_operand(t, a, "buffer_read_pj_per_bit") for a, t in pairs],
                        dtype=np.float64).reshape(-1, 3),
        write=np.asarray([per_operand(t, a, "buffer_write_pj_per_bit") for a, t in pairs],
                         dtype=np.float64).reshape(-1, 3),
        accumulator_read=col([t.accumulator_read_pj_per_bit for t in tables]),
        accumulator_write=col([t.accumulator_write_pj_per_bit for t in tables]),
        unified=np.asarray([a.memory.unified for a in archs], dtype=np.bool_)[:, None],
        register_file=np.asarray([t.register_file_pj_per_bit_by_operand for t in tables],
                                 dtype=np.float64).reshape(-1, 3),
        register_file_shared=np.asarray([len(set(t.register_file_pj_per_bit_by_operand)) == 1
                                         for t in tables], dtype=np.bool_)[:, None],
        forwarding=col([t.forwarding_pj_per_bit for t in tables]),
        dram=col([t.dram_pj_per_bit for t in tables]),
        static_mw=col([t.static_power_mw for t in tables]),
        pe_register_file=np.asarray([t.pe_register_file for t in tables],
                                    dtype=np.bool_)[:, None],
        clock_hz=col([a.compute.clock_mhz * 1e6 for a in archs]),
        moving=np.asarray([MOVING[a.compute.dataflow] for a in archs],
                          dtype=np.int64).reshape(-1, 3))


def _register_file(e: DesignEnergy, level: LevelCounts) -> F64:
    """Register-file energy of every problem on every design, [D, P] pJ: the level's bits
    (per MAC, A's and B's bits read and the partial sum's read and written), each operand's
    at its energy per bit; a design with one energy for all operands is priced as all the
    level's bits x that energy, so that its energies do not depend on how the per-operand sum
    would round (the bits are whole numbers, summed exactly)."""
    rf = e.register_file
    r, w = level.reads, level.writes
    shared = (r["ifmap"] + r["filter"] + r["ofmap"] + w["ofmap"]) * rf[:, 0:1]
    return np.where(e.register_file_shared, shared,
                    r["ifmap"] * rf[:, 0:1] + r["filter"] * rf[:, 1:2] +
                    (r["ofmap"] + w["ofmap"]) * rf[:, 2:3])


def price(table: ProblemTable, counts: KernelCounts, archs: Sequence[Arch],
          tables: Sequence[EnergyTable], executed: Sequence[Executed], *,
          mac_pj: F64 | None = None) -> dict[str, F64]:
    """Energy in pJ of every problem of `table` on every design, by component ([D, P] arrays
    keyed as `COMPONENTS`): `counts` from `hwsim.evaluate.run_kernels` on `archs`, `tables`
    their energy tables, `executed[d]` the formats design d executes MACs in (a promoted
    narrow operand still moves at its own width); `mac_pj` their `mac_unit_pj` where the
    caller has it already. The SRAM components of the organisation a design does not have
    are 0."""
    if mac_pj is None:
        mac_pj = mac_unit_pj(table, counts.k_pack, counts.t_steps, archs, tables, executed)
    e = design_energy(archs, tables)
    a, b, acc = table.a_bits, table.b_bits, table.acc_bits
    macs = table.macs.astype(np.float64)
    elements = table.vector_elements.astype(np.float64)
    buf, dram, array, rf = counts.sram, counts.dram, counts.array, counts.register_file
    s_if, s_f, s_o = (level_pj(buf.reads[o], buf.writes[o], e.read[:, i:i + 1],
                               e.write[:, i:i + 1]) for i, o in enumerate(OPERANDS))
    # GEMM-only terms need no mask: vector problems have no MACs and no array counts
    every_array_bit = array.reads["ifmap"] * a + array.reads["filter"] * b + \
        array.writes["ofmap"] * acc
    m = e.moving
    hops = np.where(e.pe_register_file, every_array_bit,
                    macs * (m[:, 0:1] * a + m[:, 1:2] * b + m[:, 2:3] * acc))
    cycles = np.where(table.is_vector.astype(bool), counts.vector_cycles,
                      counts.compute_cycles) + counts.stall_cycles
    dram_bits = dram.reads["ifmap"] + dram.reads["filter"] + dram.writes["ofmap"] + \
        dram.reads["ofmap"]
    acc_level = counts.accumulator
    out = {
        "mac": macs * mac_pj,
        "vector": elements * table.vector_ops_per_element * add_unit_pj(table, tables),
        "register_file": _register_file(e, rf),
        "forwarding": hops * e.forwarding,
        "sram_ifmap": np.where(e.unified, 0.0, s_if),
        "sram_filter": np.where(e.unified, 0.0, s_f),
        "sram_ofmap": np.where(e.unified, 0.0, s_o),
        "sram_unified": np.where(e.unified, s_if + s_f + s_o, 0.0),
        "accumulator": level_pj(acc_level.reads["ofmap"], acc_level.writes["ofmap"],
                                e.accumulator_read, e.accumulator_write),
        "dram": dram_bits * e.dram,
        "static": e.static_mw * 1e-3 * cycles / e.clock_hz * 1e12,
    }
    assert tuple(out) == COMPONENTS
    return out


def level_pj(reads_bits: F64, writes_bits: F64, read_pj: F64, write_pj: F64) -> F64:
    """Energy of one operand's reads and writes at a storage level: the bits both read and
    written (a read-modify-write, as an accumulating partial sum) at read + write energy, the
    rest at their own. Equal to reads x read + writes x write; grouped so that a level whose
    reads pair with writes prices as ``write x w + pairs x (w + r)``."""
    both = np.minimum(reads_bits, writes_bits)
    return both * (write_pj + read_pj) + (writes_bits - both) * write_pj + \
        (reads_bits - both) * read_pj


def mapping_energy(table: ProblemTable, mac_pj: F64, archs: Sequence[Arch],
                   tables: Sequence[EnergyTable]) -> tuple[F64, F64, F64, F64]:
    """What the mapping search prices, per design (D) and problem (P), as `price` does, given
    the energy of one MAC of each (`mac_pj[D, P]`, `mac_unit_pj`):
    ``level_pj_per_bit[D, 3, 3, 2]`` (DRAM, buffer, accumulator x A, B, output x read,
    write), ``fixed_pj[D, P]`` (one GEMM's energy no mapping changes: MACs, register files,
    operand hops between PEs), ``array_pj[D, P, 3]`` (per element the array reads or writes
    at its innermost holder: A, B, output; the PE network of register-file designs) and
    ``static_pj_per_cycle[D]``."""
    e = design_energy(archs, tables)
    n = len(archs)
    a, b, acc = (x.astype(np.float64) for x in (table.a_bits, table.b_bits, table.acc_bits))
    macs = (table.M * table.N * table.K).astype(np.float64)   # one GEMM's
    levels = np.zeros((n, 3, 3, 2))
    levels[:, 0] = e.dram[:, :, None]
    levels[:, 1, :, 0], levels[:, 1, :, 1] = e.read, e.write
    levels[:, 2, :, 0], levels[:, 2, :, 1] = e.accumulator_read, e.accumulator_write
    m = e.moving
    hop_bits = m[:, 0:1] * a + m[:, 1:2] * b + m[:, 2:3] * acc
    rf = e.register_file
    rf_bits_pj = a * rf[:, 0:1] + b * rf[:, 1:2] + 2 * acc * rf[:, 2:3]
    per_mac = mac_pj + np.where(
        e.pe_register_file, rf_bits_pj, hop_bits * e.forwarding)
    array = np.where(e.pe_register_file[:, :, None],
                     np.stack([a, b, acc], axis=-1)[None] * e.forwarding[:, :, None], 0.0)
    static = (e.static_mw * 1e-3 / e.clock_hz * 1e12)[:, 0]
    return levels, macs * per_mac, array, static


def relevant_components(energy: dict[str, F64], arch: Arch) -> dict[str, F64]:
    """Drop the components this arch cannot have (the other kind of SRAM organisation, the
    other PE style, static energy without static power)."""
    drop = {"sram_ifmap", "sram_filter", "sram_ofmap"} if arch.memory.unified \
        else {"sram_unified"}
    if not arch.energy.pe_register_file:
        drop.add("register_file")
    if arch.memory.accumulator is None:
        drop.add("accumulator")
    if not arch.energy.static_power_mw:
        drop.add("static")
    return {k: v for k, v in energy.items() if k not in drop}
