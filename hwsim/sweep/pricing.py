"""Energy of many designs at once: `hwsim.energy.price.price` summed over problems, in numpy.

`price` walks the problems of one design in Python; a sweep prices thousands of designs and
needs only each design's totals, so this module evaluates the same formulas (see
`hwsim.energy.price` for each component and its source) as matrix-vector products of the
kernels' [D, P] counts with per-problem bit widths. The one per-problem, per-kind quantity, the
energy of a MAC, is taken from `price` itself: designs that share a MAC datapath (array kind,
its options, native formats, `hwsim.arrays.mac_datapath_key`) spend the same MAC energy at
45 nm, up to their node's scale factor, so `price` runs once per such group (and problem
table) on one of its designs, and every other design of the group rescales it. The unit tests
check the totals equal `price`'s, component by component, design by design.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.arrays import mac_datapath_key
from hwsim.energy import ops
from hwsim.energy.price import COMPONENTS, MOVING, price
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import RawCounts
from hwsim.lowering import ProblemTable
from hwsim.precision import NumberFormat
from hwsim.spec.arch import OPERANDS, Arch

F64 = npt.NDArray[np.float64]
Executed = tuple[tuple[NumberFormat, NumberFormat], ...]


@dataclass(frozen=True, slots=True)
class DesignEnergy:
    """Per-design energies (length D, pJ at each design's node; read/write [D, 3] per operand
    buffer, the unified buffer's value repeated when it is unified)."""

    scale: F64
    read: F64
    write: F64
    unified: npt.NDArray[np.bool_]
    register_file: F64
    forwarding: F64
    dram: F64
    static_mw: F64
    pe_register_file: npt.NDArray[np.bool_]
    clock_hz: F64
    moving: F64          # [D, 3]: coefficients of a, b and acc bits in the hop energy


def design_energy(archs: Sequence[Arch], tables: Sequence[EnergyTable]) -> DesignEnergy:
    """Gather the energy tables of `archs` (one per arch, same order) into arrays."""
    def per_operand(t: EnergyTable, arch: Arch, attr: str) -> list[float]:
        values = getattr(t, attr)
        return [values["unified"]] * 3 if arch.memory.unified else [values[o] for o in OPERANDS]

    def col(values: list[float]) -> F64:
        return np.asarray(values, dtype=np.float64)

    pairs = list(zip(archs, tables, strict=True))
    return DesignEnergy(
        scale=col([t.scale for t in tables]),
        read=np.asarray([per_operand(t, a, "buffer_read_pj_per_bit") for a, t in pairs]),
        write=np.asarray([per_operand(t, a, "buffer_write_pj_per_bit") for a, t in pairs]),
        unified=np.asarray([a.memory.unified for a in archs], dtype=np.bool_),
        register_file=col([t.register_file_pj_per_bit for t in tables]),
        forwarding=col([t.forwarding_pj_per_bit for t in tables]),
        dram=col([t.dram_pj_per_bit for t in tables]),
        static_mw=col([t.static_power_mw for t in tables]),
        pe_register_file=np.asarray([t.pe_register_file for t in tables], dtype=np.bool_),
        clock_hz=col([a.compute.clock_mhz * 1e6 for a in archs]),
        moving=np.asarray([MOVING[a.compute.dataflow] for a in archs], dtype=np.float64))


def mac_key(arch: Arch) -> Hashable:
    """What the energy of one MAC depends on besides the problem and the node."""
    return mac_datapath_key(arch.compute)


def mac_energy(table: ProblemTable, raw: RawCounts, archs: Sequence[Arch],
               tables: Sequence[EnergyTable], executed: Sequence[Executed],
               cache: dict[Hashable, float] | None = None) -> F64:
    """Energy of all MACs of `table` on each design (length D, pj). `executed[d]` are design
    d's executed operand formats (`hwsim.api.executed_formats`). `cache` (one per problem
    table) keeps each MAC datapath's total at scale 1 across calls, so `price` runs once per
    datapath and table."""
    cache = {} if cache is None else cache
    unit = np.empty(len(archs))
    for d, arch in enumerate(archs):
        key = mac_key(arch)
        if key not in cache:
            cache[key] = float(price(table, raw, tables[d], arch, executed[d],
                                     design=d)["mac"].sum()) / tables[d].scale
        unit[d] = cache[key]
    return unit * np.asarray([t.scale for t in tables])


def table_sums(table: ProblemTable) -> dict[str, float]:
    """Design-independent sums over the problems of `table` that pricing needs (bits and
    element counts; adds of vector work at 45 nm)."""
    isv = table.is_vector.astype(bool)
    elements = table.vector_elements.astype(np.float64)
    add_45 = np.asarray([ops.add_pj(fmts[2]) if isv[p] else 0.0
                         for p, fmts in enumerate(table.formats)])
    macs = table.macs.astype(np.float64)
    final = (table.M * table.N * table.count).astype(np.float64)
    return {"vector_45": float(np.sum(elements * table.vector_ops_per_element * add_45)),
            "rf_bits": float(macs @ (table.a_bits + table.b_bits + 2 * table.acc_bits)),
            "macs_a": float(macs @ table.a_bits), "macs_b": float(macs @ table.b_bits),
            "macs_acc": float(macs @ table.acc_bits),
            "vector_read": float(elements @ table.vector_read_bits),
            "vector_write": float(elements @ table.vector_write_bits),
            "final_out": float(final @ table.out_bits)}


def price_totals(table: ProblemTable, raw: RawCounts, energy: DesignEnergy, mac: F64,
                 sums: dict[str, float]) -> dict[str, F64]:
    """Energy in pJ of all the problems of `table` on every design, by component (length-D
    arrays keyed as `hwsim.energy.price.COMPONENTS`): `price`'s formulas summed over the
    problems, as matrix-vector products over the [D, P] counts. `mac` from `mac_energy`,
    `sums` from `table_sums`."""
    counts = raw.sram_counts
    a, b, acc = (x.astype(np.float64) for x in (table.a_bits, table.b_bits, table.acc_bits))
    a_reads = counts[:, :, 2].astype(np.float64)
    b_reads = counts[:, :, 3].astype(np.float64)
    o_writes = counts[:, :, 4].astype(np.float64)
    final = (table.M * table.N * table.count).astype(np.float64)
    partial_bits = np.maximum(0.0, o_writes - final[None, :]) @ acc
    sram_bits = a_reads @ a + b_reads @ b + o_writes @ acc
    m = energy.moving
    moving = m[:, 0] * sums["macs_a"] + m[:, 1] * sums["macs_b"] + m[:, 2] * sums["macs_acc"]
    read_if, read_f, read_o = energy.read.T
    write_o = energy.write[:, 2]
    s_if = read_if * (sums["vector_read"] + a_reads @ a)
    s_f = read_f * (b_reads @ table.b_store_bits.astype(np.float64))  # B read as stored
    s_o = write_o * (sums["vector_write"] + sums["final_out"]) + (write_o + read_o) * partial_bits
    uni = energy.unified
    cycles = counts[:, :, 0].sum(axis=1) + raw.vector_cycles.sum(axis=1) + \
        raw.stall_cycles.sum(axis=1)
    zero = np.zeros(len(uni))
    out = {
        "mac": mac, "vector": energy.scale * sums["vector_45"],
        "register_file": np.where(energy.pe_register_file,
                                  sums["rf_bits"] * energy.register_file, 0.0),
        "forwarding": np.where(energy.pe_register_file, sram_bits, moving) * energy.forwarding,
        "sram_ifmap": np.where(uni, zero, s_if), "sram_filter": np.where(uni, zero, s_f),
        "sram_ofmap": np.where(uni, zero, s_o),
        "sram_unified": np.where(uni, s_if + s_f + s_o, zero),
        "dram": raw.dram_bits.sum(axis=(1, 2)) * energy.dram,
        "static": energy.static_mw * 1e-3 * cycles / energy.clock_hz * 1e12,
    }
    assert tuple(out) == COMPONENTS
    return out
