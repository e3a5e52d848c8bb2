"""Price designs' action counts with their energy tables: energy per design and problem by
component (pJ), as [D, P] arrays. One inference estimate prices one design (D = 1); a sweep
prices a chunk's designs at once and sums over the problems.

Components:

- ``mac``: MACs x (multiply at the two operand formats + add at the accumulator's format).
- ``vector``: vector-unit operations x an add in the output format.
- ``register_file``: PEs with a register file (Eyeriss-like) read both operands and read and
  write the partial sum there for every MAC: MACs x (a rf_in + b rf_w + 2 acc rf_out), each
  operand's bits at its own register-file energy per bit (one shared energy rf: MACs x
  (a + b + 2 acc) x rf).
- ``forwarding``: systolic PEs pass the two moving operands one hop per MAC: os moves A and B,
  ws moves A and the partial sum, is moves B and the partial sum. With PE register files the
  operands reach the PEs over a network instead: every bit read from or written to the SRAM
  crosses it once.
- ``sram_<buffer>``: A reads (ifmap buffer), B reads (filter buffer, at B's stored width),
  output writes (ofmap buffer: each output's final write at the output format, the earlier
  partial-sum writes and their read-backs at the accumulator's), vector inputs and outputs;
  into ``sram_unified`` when the buffer is unified.
- ``dram``: bytes moved x 8 x energy per bit.
- ``static``: static power x the problem's time.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from hwsim.arrays import MacProblem, array_kind, mac_datapath_key
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import KernelCounts
from hwsim.lowering import ProblemTable
from hwsim.precision import NumberFormat
from hwsim.spec.arch import OPERANDS, Arch

F64 = npt.NDArray[np.float64]
COMPONENTS = ("mac", "vector", "register_file", "forwarding", "sram_ifmap", "sram_filter",
              "sram_ofmap", "sram_unified", "dram", "static")
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


def mac_unit_pj(table: ProblemTable, counts: KernelCounts, archs: Sequence[Arch],
                tables: Sequence[EnergyTable], executed: Sequence[Executed]) -> F64:
    """Energy of one MAC of every problem on every design, [D, P] pJ (0 for vector problems).
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
               counts.k_pack[d, gemm].tobytes(), counts.t_steps[d, gemm].tobytes())
        groups.setdefault(key, []).append(d)
    fmts = table.format_set
    for designs in groups.values():
        d = designs[0]
        keys = np.stack([table.format_index[gemm], table.from_conv[gemm], table.K[gemm],
                         counts.k_pack[d, gemm], counts.t_steps[d, gemm]], axis=1)
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        unit = np.asarray([
            _mac_pj(archs[d], tables[d], MacProblem(fmts[code][0].bits, fmts[code][1].bits,
                                                    fmts[code][3].bits, k, bool(conv), k_pack,
                                                    t_steps),
                    (*executed[d][code], fmts[code][3]))
            for code, conv, k, k_pack, t_steps in distinct.tolist()])
        out[np.asarray(designs)[:, None], gemm[None, :]] = unit[inverse.reshape(-1)]
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


def _register_file(e: DesignEnergy, macs: F64, a: npt.NDArray[np.int64],
                   b: npt.NDArray[np.int64], acc: npt.NDArray[np.int64]) -> F64:
    """Register-file energy of every problem on every design, [D, P] pJ: per MAC, A's and B's
    bits read and the partial sum's read and written, each at its operand's energy per bit; a
    design with one energy for all operands is priced as MACs x bits x energy, in that order,
    so that its energies do not depend on how the per-operand sum would round."""
    rf = e.register_file
    shared = macs * (a + b + 2 * acc) * rf[:, 0:1]
    return np.where(e.register_file_shared, shared,
                    macs * (a * rf[:, 0:1] + b * rf[:, 1:2] + 2 * acc * rf[:, 2:3]))


def price(table: ProblemTable, counts: KernelCounts, archs: Sequence[Arch],
          tables: Sequence[EnergyTable], executed: Sequence[Executed]) -> dict[str, F64]:
    """Energy in pJ of every problem of `table` on every design, by component ([D, P] arrays
    keyed as `COMPONENTS`): `counts` from `hwsim.evaluate.run_kernels` on `archs`, `tables`
    their energy tables, `executed[d]` the formats design d executes MACs in (a promoted
    narrow operand still moves at its own width). The SRAM components of the organisation a
    design does not have are 0."""
    e = design_energy(archs, tables)
    vector = table.is_vector.astype(bool)
    a, b, acc = table.a_bits, table.b_bits, table.acc_bits
    macs = table.macs.astype(np.float64)
    elements = table.vector_elements.astype(np.float64)
    sram, dram = counts.sram, counts.dram
    read_if, read_f, read_o = e.read[:, 0:1], e.read[:, 1:2], e.read[:, 2:3]
    write_o = e.write[:, 2:3]
    final = (table.M * table.N * table.count).astype(np.float64)
    partial = sram.reads["ofmap"].astype(np.float64)  # read back once per partial-sum write
    # SRAM holds A and the output at their stored widths (a block format's scales included)
    s_if = np.where(vector, elements * table.vector_read_bits * read_if,
                    sram.reads["ifmap"] * table.a_store_bits * read_if)
    s_f = np.where(vector, 0.0, sram.reads["filter"] * table.b_store_bits * read_f)  # as stored
    s_o = np.where(vector, elements * table.vector_write_bits * write_o,
                   final * table.out_store_bits * write_o + partial * acc * (write_o + read_o))
    # GEMM-only terms need no mask: vector problems have no MACs and no SRAM counts
    every_sram_bit = sram.reads["ifmap"] * a + sram.reads["filter"] * b + \
        sram.writes["ofmap"] * acc
    m = e.moving
    hops = np.where(e.pe_register_file, every_sram_bit,
                    macs * (m[:, 0:1] * a + m[:, 1:2] * b + m[:, 2:3] * acc))
    cycles = np.where(vector, counts.vector_cycles, counts.compute_cycles) + counts.stall_cycles
    dram_bits = dram.reads["ifmap"] + dram.reads["filter"] + dram.writes["ofmap"] + \
        dram.reads["ofmap"]
    out = {
        "mac": macs * mac_unit_pj(table, counts, archs, tables, executed),
        "vector": elements * table.vector_ops_per_element * add_unit_pj(table, tables),
        "register_file": np.where(e.pe_register_file, _register_file(e, macs, a, b, acc), 0.0),
        "forwarding": hops * e.forwarding,
        "sram_ifmap": np.where(e.unified, 0.0, s_if),
        "sram_filter": np.where(e.unified, 0.0, s_f),
        "sram_ofmap": np.where(e.unified, 0.0, s_o),
        "sram_unified": np.where(e.unified, s_if + s_f + s_o, 0.0),
        "dram": dram_bits * e.dram,
        "static": e.static_mw * 1e-3 * cycles / e.clock_hz * 1e12,
    }
    assert tuple(out) == COMPONENTS
    return out


def relevant_components(energy: dict[str, F64], arch: Arch) -> dict[str, F64]:
    """Drop the components this arch cannot have (the other kind of SRAM organisation, the
    other PE style, static energy without static power)."""
    drop = {"sram_ifmap", "sram_filter", "sram_ofmap"} if arch.memory.unified \
        else {"sram_unified"}
    if not arch.energy.pe_register_file:
        drop.add("register_file")
    if not arch.energy.static_power_mw:
        drop.add("static")
    return {k: v for k, v in energy.items() if k not in drop}
