"""Price a design's action counts with its energy table: energy per problem by component (pJ).

Components:

- ``mac``: MACs x (multiply at the two operand formats + add at the accumulator's format).
- ``vector``: vector-unit operations x an add in the output format.
- ``register_file``: PEs with a register file (Eyeriss-like) read both operands and read and
  write the partial sum there for every MAC: MACs x (a + b + 2 acc) bits.
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

import numpy as np
import numpy.typing as npt

from hwsim.arrays import MacProblem, array_kind
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import RawCounts
from hwsim.lowering import ProblemTable
from hwsim.precision import NumberFormat
from hwsim.spec.arch import Arch

F64 = npt.NDArray[np.float64]
COMPONENTS = ("mac", "vector", "register_file", "forwarding", "sram_ifmap", "sram_filter",
              "sram_ofmap", "sram_unified", "dram", "static")


def _mac_pj(arch: Arch, energy: EnergyTable, table: ProblemTable, raw: RawCounts, design: int,
            p: int, formats: tuple[NumberFormat, NumberFormat, NumberFormat]) -> float:
    """Energy of one MAC of problem `p`: the array kind's (`hwsim.arrays`) at 45 nm, scaled
    to the node, or the energy table's bit-parallel MAC in `formats` where the kind has none."""
    mac = MacProblem(int(table.a_bits[p]), int(table.b_bits[p]), int(table.acc_bits[p]),
                     int(table.K[p]), bool(table.from_conv[p]), int(raw.k_pack[design, p]),
                     int(raw.t_steps[design, p]))
    pj = array_kind(arch.compute.kind).mac_pj(arch.compute.options, mac, formats)
    return energy.mac_pj(*formats) if pj is None else pj * energy.scale


# Bits that hop between PEs per MAC, by dataflow: coefficients of the (a, b, acc) widths of
# the two moving operands (module doc).
MOVING = {"os": (1, 1, 0), "ws": (1, 0, 1), "is": (0, 1, 1)}


def price(table: ProblemTable, raw: RawCounts, energy: EnergyTable, arch: Arch,
          executed: tuple[tuple[NumberFormat, NumberFormat], ...] | None = None,
          design: int = 0) -> dict[str, F64]:
    """Energy in pJ of every problem, by component (arrays of length P). MACs are priced in
    the `executed` operand formats where given (a promoted narrow operand still moves at its
    own width)."""
    vector = table.is_vector.astype(bool)
    counts = raw.sram_counts[design]
    a, b, o, acc = table.a_bits, table.b_bits, table.out_bits, table.acc_bits
    macs = table.macs.astype(np.float64)
    elements = table.vector_elements.astype(np.float64)
    mac_unit, add_unit = np.zeros(len(table)), np.zeros(len(table))
    for p, (a_fmt, b_fmt, out_fmt, acc_fmt) in enumerate(table.formats):
        if vector[p]:
            add_unit[p] = energy.add_pj(out_fmt)
            continue
        if executed is not None:
            a_fmt, b_fmt = executed[p]
        mac_unit[p] = _mac_pj(arch, energy, table, raw, design, p, (a_fmt, b_fmt, acc_fmt))
    buf = (lambda name: "unified") if arch.memory.unified else (lambda name: name)
    read_if = energy.buffer_read_pj_per_bit[buf("ifmap")]
    read_f = energy.buffer_read_pj_per_bit[buf("filter")]
    read_o = energy.buffer_read_pj_per_bit[buf("ofmap")]
    write_o = energy.buffer_write_pj_per_bit[buf("ofmap")]
    final = (table.M * table.N * table.count).astype(np.float64)
    partial = np.maximum(0.0, counts[:, 4].astype(np.float64) - final)
    sram = {  # B is read at its stored width
        "ifmap": np.where(vector, elements * table.vector_read_bits * read_if,
                          counts[:, 2] * a * read_if),
        "filter": np.where(vector, 0.0, counts[:, 3] * table.b_store_bits * read_f),
        "ofmap": np.where(vector, elements * table.vector_write_bits * write_o,
                          final * o * write_o + partial * acc * (write_o + read_o))}
    out: dict[str, npt.NDArray[np.float64]] = {c: np.zeros(len(table)) for c in COMPONENTS}
    for name, pj in sram.items():
        out[f"sram_{buf(name)}"] += pj
    # GEMM-only terms need no mask: vector problems have no MACs and no SRAM counts
    if energy.pe_register_file:
        out["register_file"] = macs * (a + b + 2 * acc) * energy.register_file_pj_per_bit
        hops = counts[:, 2] * a + counts[:, 3] * b + counts[:, 4] * acc  # every SRAM bit
    else:
        ca, cb, cc = MOVING[arch.compute.dataflow]
        hops = macs * (ca * a + cb * b + cc * acc)
    cycles = np.where(vector, raw.vector_cycles[design], counts[:, 0]) + \
        raw.stall_cycles[design]
    out.update(mac=macs * mac_unit,
               vector=elements * table.vector_ops_per_element * add_unit,
               forwarding=hops * energy.forwarding_pj_per_bit,
               dram=raw.dram_bits[design].sum(axis=1) * energy.dram_pj_per_bit,
               static=energy.static_power_mw * 1e-3 * cycles / (arch.compute.clock_mhz * 1e6)
               * 1e12)
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
