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

from hwsim.energy import scalable
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import RawCounts
from hwsim.lower import ProblemTable
from hwsim.precision import NumberFormat
from hwsim.spec.arch import Arch

F64 = npt.NDArray[np.float64]
COMPONENTS = ("mac", "vector", "register_file", "forwarding", "sram_ifmap", "sram_filter",
              "sram_ofmap", "sram_unified", "dram", "static")


def _mac_pj(arch: Arch, energy: EnergyTable, table: ProblemTable, raw: RawCounts, design: int,
            p: int, formats: tuple[NumberFormat, NumberFormat, NumberFormat]) -> float:
    """Energy of one MAC of problem `p` on this array kind (`hwsim.energy.scalable`)."""
    kind = arch.compute.kind
    k_pack, t_steps = int(raw.k_pack[design, p]), int(raw.t_steps[design, p])
    if kind == "bitfusion":
        return scalable.bitfusion_mac_pj(k_pack, t_steps) * energy.scale
    if kind == "bitserial" and formats[0].kind == formats[1].kind == "binary":
        return scalable.binary_mac_pj(int(table.acc_bits[p]), int(table.K[p])) * energy.scale
    if kind == "bitserial":
        return scalable.bitserial_mac_pj(
            arch.compute.serial, arch.compute.bits_per_cycle, int(table.a_bits[p]),
            int(table.b_bits[p]), int(table.acc_bits[p]), bool(table.from_conv[p]),
            t_steps) * energy.scale
    if kind == "lns" and formats[0].kind == "lns":
        return scalable.lns_mac_pj(max(formats[0].bits, formats[1].bits),
                                   max(formats[0].frac_bits, formats[1].frac_bits),
                                   formats[2].bits, int(table.K[p])) * energy.scale
    return energy.mac_pj(*formats)


def _moving_bits(dataflow: str, a: int, b: int, acc: int) -> int:
    return {"os": a + b, "ws": a + acc, "is": b + acc}[dataflow]


def price(table: ProblemTable, raw: RawCounts, energy: EnergyTable, arch: Arch,
          executed: tuple[tuple[NumberFormat, NumberFormat], ...] | None = None,
          design: int = 0) -> dict[str, F64]:
    """Energy in pJ of every problem, by component (arrays of length P). MACs are priced in
    the `executed` operand formats where given (a promoted narrow operand still moves at its
    own width)."""
    n = len(table)
    out = {c: np.zeros(n) for c in COMPONENTS}
    counts = raw.sram_counts[design]
    unified = arch.memory.unified
    buf = (lambda name: "unified") if unified else (lambda name: name)
    read = energy.buffer_read_pj_per_bit
    write = energy.buffer_write_pj_per_bit
    clock_hz = arch.compute.clock_mhz * 1e6
    for p in range(n):
        a_fmt, b_fmt, out_fmt, acc_fmt = table.formats[p]
        a, b, o, acc = (int(table.a_bits[p]), int(table.b_bits[p]), int(table.out_bits[p]),
                        int(table.acc_bits[p]))
        if table.is_vector[p]:
            elements = float(table.vector_elements[p])
            out["vector"][p] = elements * table.vector_ops_per_element[p] * \
                energy.add_pj(out_fmt)
            out[f"sram_{buf('ifmap')}"][p] += elements * table.vector_read_bits[p] * \
                read[buf("ifmap")]
            out[f"sram_{buf('ofmap')}"][p] += elements * table.vector_write_bits[p] * \
                write[buf("ofmap")]
            cycles = raw.vector_cycles[design, p]
        else:
            macs = float(table.macs[p])
            if executed is not None:
                a_fmt, b_fmt = executed[p]
            out["mac"][p] = macs * _mac_pj(arch, energy, table, raw, design, p,
                                           (a_fmt, b_fmt, acc_fmt))
            if energy.pe_register_file:
                out["register_file"][p] = macs * (a + b + 2 * acc) * \
                    energy.register_file_pj_per_bit
                sram_bits = counts[p, 2] * a + counts[p, 3] * b + counts[p, 4] * acc
                out["forwarding"][p] = sram_bits * energy.forwarding_pj_per_bit
            else:
                out["forwarding"][p] = macs * _moving_bits(arch.compute.dataflow, a, b, acc) * \
                    energy.forwarding_pj_per_bit
            final = float(table.M[p] * table.N[p] * table.count[p])
            partial = max(0.0, float(counts[p, 4]) - final)
            out[f"sram_{buf('ifmap')}"][p] += counts[p, 2] * a * read[buf("ifmap")]
            b_stored = int(table.b_store_bits[p])  # B is read at its stored width
            out[f"sram_{buf('filter')}"][p] += counts[p, 3] * b_stored * read[buf("filter")]
            out[f"sram_{buf('ofmap')}"][p] += final * o * write[buf("ofmap")] + \
                partial * acc * (write[buf("ofmap")] + read[buf("ofmap")])
            cycles = counts[p, 0]
        out["dram"][p] = raw.dram_bits[design, p].sum() * energy.dram_pj_per_bit
        total_cycles = cycles + raw.stall_cycles[design, p]
        out["static"][p] = energy.static_power_mw * 1e-3 * total_cycles / clock_hz * 1e12
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
