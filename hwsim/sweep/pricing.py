"""Energy of many designs at once: `hwsim.energy.price.price` as numpy over designs x problems.

`price` walks the problems of one design in Python; a sweep prices thousands of designs, so
this module evaluates the same formulas (see `hwsim.energy.price` for each component and its
source) on [D, P] arrays. The one per-problem, per-kind quantity, the energy of a MAC, is taken
from `price` itself: designs that share a MAC datapath (array kind, serial operands, bits per
cycle, window lanes, native formats) have the same per-MAC energy at 45 nm, up to their node's
scale factor, so `price` runs once per such group (and problem table) on one of its designs,
and every other design of the group rescales it. The unit tests check the result equals `price`
design by design.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.energy import ops
from hwsim.energy.price import COMPONENTS, price
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import RawCounts
from hwsim.lower import ProblemTable
from hwsim.precision import NumberFormat
from hwsim.spec.arch import OPERANDS, Arch

F64 = npt.NDArray[np.float64]
Executed = tuple[tuple[NumberFormat, NumberFormat], ...]
# Bits that hop between PEs per MAC, by dataflow: the two moving operands (price.py).
MOVING = {"os": (1, 1, 0), "ws": (1, 0, 1), "is": (0, 1, 1)}  # coefficients of (a, b, acc)


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


def mac_key(arch: Arch) -> tuple[object, ...]:
    """What the energy of one MAC depends on besides the problem and the node."""
    c = arch.compute
    return (c.kind, getattr(c, "serial", None), getattr(c, "bits_per_cycle", None),
            getattr(c, "window_lanes", None), c.native_formats, c.promote)


def mac_energy(table: ProblemTable, raw: RawCounts, archs: Sequence[Arch],
               tables: Sequence[EnergyTable], executed: Sequence[Executed],
               cache: dict[Hashable, F64] | None = None) -> F64:
    """Energy of each problem's MACs on each design, [D, P] pJ (zero for vector problems).
    `executed[d]` are design d's executed operand formats (`hwsim.api.executed_formats`).
    `cache` (one per problem table) keeps each MAC datapath's energies at scale 1 across
    calls, so `price` runs once per datapath and table."""
    cache = {} if cache is None else cache
    scale = np.asarray([t.scale for t in tables])
    unit = np.empty((len(archs), len(table)))
    for d, arch in enumerate(archs):
        key = mac_key(arch)
        if key not in cache:
            cache[key] = price(table, raw, tables[d], arch, executed[d], design=d)["mac"] / \
                tables[d].scale
        unit[d] = cache[key]
    return unit * scale[:, None]


def vector_add_pj_45(table: ProblemTable) -> F64:
    """Per problem: one add in the output format at 45 nm (vector work), else 0."""
    return np.asarray([ops.add_pj(fmts[2]) if table.is_vector[p] else 0.0
                       for p, fmts in enumerate(table.formats)])


def price_designs(table: ProblemTable, raw: RawCounts, energy: DesignEnergy, mac: F64,
                  add_45: F64) -> dict[str, F64]:
    """Energy in pJ of every problem on every design, by component ([D, P] arrays with the
    keys of `hwsim.energy.price.COMPONENTS`). `mac` from `mac_energy`, `add_45` from
    `vector_add_pj_45`."""
    isv = table.is_vector.astype(bool)[None, :]
    gemm = ~isv
    counts = raw.sram_counts.astype(np.float64)
    a, b, o, acc = (x.astype(np.float64)[None, :] for x in
                    (table.a_bits, table.b_bits, table.out_bits, table.acc_bits))
    macs = table.macs.astype(np.float64)[None, :]
    elements = table.vector_elements.astype(np.float64)[None, :]
    col = (lambda x: x[:, None])  # noqa: E731
    read_if, read_f, read_o = (energy.read[:, i:i + 1] for i in range(3))
    write_o = energy.write[:, 2:3]

    vector = np.where(isv, elements * table.vector_ops_per_element[None, :] *
                      (add_45[None, :] * col(energy.scale)), 0.0)
    rf_bits = macs * (a + b + 2 * acc)
    pe_rf = col(energy.pe_register_file)
    register_file = np.where(gemm & pe_rf, rf_bits * col(energy.register_file), 0.0)
    sram_bits = counts[:, :, 2] * a + counts[:, :, 3] * b + counts[:, :, 4] * acc
    moving = energy.moving[:, 0:1] * a + energy.moving[:, 1:2] * b + energy.moving[:, 2:3] * acc
    forwarding = np.where(gemm, np.where(pe_rf, sram_bits, macs * moving) *
                          col(energy.forwarding), 0.0)
    final = (table.M * table.N * table.count).astype(np.float64)[None, :]
    partial = np.maximum(0.0, counts[:, :, 4] - final)
    s_if = np.where(isv, elements * table.vector_read_bits[None, :] * read_if,
                    counts[:, :, 2] * a * read_if)
    s_f = np.where(isv, 0.0, counts[:, :, 3] * b * read_f)
    s_o = np.where(isv, elements * table.vector_write_bits[None, :] * write_o,
                   final * o * write_o + partial * acc * (write_o + read_o))
    uni = col(energy.unified)
    cycles = np.where(isv, raw.vector_cycles, counts[:, :, 0]) + raw.stall_cycles
    out = {
        "mac": np.where(gemm, mac, 0.0), "vector": vector, "register_file": register_file,
        "forwarding": forwarding,
        "sram_ifmap": np.where(uni, 0.0, s_if), "sram_filter": np.where(uni, 0.0, s_f),
        "sram_ofmap": np.where(uni, 0.0, s_o),
        "sram_unified": np.where(uni, s_if + s_f + s_o, 0.0),
        "dram": raw.dram_bits.sum(axis=2) * col(energy.dram),
        "static": col(energy.static_mw) * 1e-3 * cycles / col(energy.clock_hz) * 1e12,
    }
    assert tuple(out) == COMPONENTS
    return out
