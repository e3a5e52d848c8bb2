"""Energy of memory accesses at 45 nm (pJ).

- SRAM: Horowitz's 64-bit read energies at 8 KiB, 32 KiB and 1 MiB, interpolated as a piecewise
  power law in capacity (a CACTI-like sqrt-ish growth: the fitted exponents are 0.50 between 8
  and 32 KiB and 0.46 between 32 KiB and 1 MiB). Below 8 KiB the first slope continues, never
  below the register-file energy per bit; above 1 MiB a buffer is taken to be built of 1 MiB
  banks, so an access costs what it costs in one bank (the wires to reach the bank are not
  modelled) rather than extrapolating a monolithic array. Energy scales linearly with the bits
  accessed (bit lines and sense amplifiers per bit dominate), so an element of b bits costs
  E64(size) * b / 64. Writes cost as much as reads unless an arch says otherwise (no published
  45 nm write figure).
- Register file: 1 pJ per 32-bit access (EIE, Table I), linear in bits.
- DRAM: 20 pJ per bit (EIE's 640 pJ per 32-bit access; Horowitz's range is 20.3-40.6 pJ/bit),
  or the energy per bit of the arch's DRAM class (`memory.dram.technology`, sourced in
  ``data/dram_technologies.yaml``).
"""

from __future__ import annotations

from hwsim.unit_energy.data import DramTechnology, base_table, dram_technologies
from hwsim.unit_energy.ops import loglog_interp


def register_file_pj_per_bit() -> float:
    return base_table().register_file_32bit_pj / 32.0


def sram_pj_per_bit(size_bytes: float) -> float:
    """Read energy per bit of an SRAM of `size_bytes`."""
    points = base_table().sram_64bit_read
    per_64 = loglog_interp(points, min(size_bytes / 1024.0, points[-1].x))
    return max(per_64 / 64.0, register_file_pj_per_bit())


def dram_pj_per_bit() -> float:
    return base_table().dram_pj_per_bit


def dram_technology(name: str) -> DramTechnology:
    """Energy per bit and source of the DRAM class `name`; a KeyError names the classes that
    have data."""
    table = dram_technologies()
    if name not in table:
        raise KeyError(f"no energy data for DRAM technology {name!r} (have "
                       f"{', '.join(table)})")
    return table[name]
