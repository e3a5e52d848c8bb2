"""The arch file's keys, each declared once (`hwsim.spec.schema`): what the arch loader reads,
`arch_to_yaml` writes and a sweep may vary (``compute.rows``, ``memory.sram.unified.size_kib``).

Sections and the dataclass each fills (`hwsim.spec.arch`):

- ``compute`` -> `ComputeArray`: `COMPUTE`; the array kind's own options are read, written
  and checked by the kind (`hwsim.arrays`, `ArrayKind.option_fields`), or, for a kind that
  declares them as a `Section`, appended with `compute_section`;
- ``vector`` -> `VectorUnit`: `VECTOR`;
- ``memory.sram.<buffer>`` -> `SramBuffer`: `SRAM_BUFFER`; ``memory.dram`` -> `Memory`: `DRAM`;
- ``energy`` -> `EnergySpec`: `ENERGY`; ``energy.sram.<buffer>`` -> `BufferEnergy`:
  `BUFFER_ENERGY`.
"""

from __future__ import annotations

from typing import Any

from hwsim.spec.arch import DATAFLOWS, DRAM_PORTS, KIB
from hwsim.spec.schema import WRITE_UNLESS_DEFAULT, Field, Section
from hwsim.technology import supported_nodes


def _node_in_scaling_table(node: int) -> str | None:
    nodes = supported_nodes()
    if node in nodes:
        return None
    return f"expected a node of the scaling table ({', '.join(map(str, nodes))}), got {node}"


def _array_kinds() -> tuple[str, ...]:
    from hwsim.arrays import kind_names
    return kind_names()


def _kib_to_bytes(size_kib: float) -> int:
    return round(size_kib * KIB)


def _bytes_to_kib(size_bytes: int) -> float:
    return size_bytes / KIB


def _format_names(formats: tuple[Any, ...]) -> list[str]:
    return [f.name for f in formats]


COMPUTE = Section((
    Field("kind", "choice", "array kind (hwsim.arrays)", options_of=_array_kinds),
    Field("rows", "integer", "PE rows", "PEs"),
    Field("cols", "integer", "PE columns", "PEs"),
    Field("dataflow", "choice", "output, weight or input stationary", options=DATAFLOWS),
    Field("clock_mhz", "number", "array clock", "MHz"),
    Field("word_bits", "integer", "native operand width", "bits", default=8),
    Field("native_formats", "formats", "operand formats the MACs execute (default: from the "
          "kind and word_bits)", custom=True, from_attr=_format_names),
    Field("unsupported_formats", "choice", "what other formats do: run promoted to a native "
          "one, or are an error", default="promote", options=("promote", "error"),
          attr="promote", to_attr=lambda v: v == "promote",
          from_attr=lambda promote: "promote" if promote else "error"),
))

VECTOR = Section((Field("lanes", "integer", "SIMD operations per cycle", "ops/cycle"),))

SRAM_BUFFER = Section((
    Field("size_kib", "number", "capacity", "KiB", attr="size_bytes", to_attr=_kib_to_bytes,
          from_attr=_bytes_to_kib),
    Field("bandwidth_bytes_per_cycle", "number", "port bandwidth, 0: not limiting",
          "bytes/cycle", default=0.0, minimum=0, write=WRITE_UNLESS_DEFAULT),
))

DRAM = Section((
    Field("bandwidth_bytes_per_cycle", "number", "DRAM bandwidth (per port)", "bytes/cycle",
          attr="dram_bandwidth_bytes_per_cycle"),
    Field("ports", "choice", "one port shared by all operands, or one per operand",
          default="shared", options=DRAM_PORTS, attr="dram_ports"),
))

ENERGY = Section((
    Field("node_nm", "integer", "technology node", "nm", default=45,
          validate=_node_in_scaling_table),
    Field("vdd_v", "optional_number", "supply voltage (default: the node's)", "V",
          default=None, write=WRITE_UNLESS_DEFAULT),
    Field("dram_pj_per_bit", "optional_number", "DRAM access energy override", "pJ/bit",
          default=None, write=WRITE_UNLESS_DEFAULT),
    Field("register_file_pj_per_bit", "optional_number", "PE register file access energy "
          "override", "pJ/bit", default=None, write=WRITE_UNLESS_DEFAULT),
    Field("forwarding_pj_per_bit", "optional_number", "PE-to-PE forwarding energy override",
          "pJ/bit", default=None, write=WRITE_UNLESS_DEFAULT),
    Field("static_power_mw", "number", "static (leakage) power", "mW", default=0.0, minimum=0,
          write=WRITE_UNLESS_DEFAULT),
    Field("pe_register_file", "boolean", "MACs read operands from and accumulate in a PE "
          "register file", default=False, write=WRITE_UNLESS_DEFAULT),
))

# write_pj_per_bit defaults to the read energy: read by the loader, written always.
BUFFER_ENERGY = Section((
    Field("read_pj_per_bit", "number", "buffer read energy override", "pJ/bit"),
    Field("write_pj_per_bit", "number", "buffer write energy override (default: the read "
          "energy)", "pJ/bit", custom=True),
))


def compute_section(kind_options: Section | None = None) -> Section:
    """The ``compute`` fields: the common ones, then those a kind declares as a `Section`."""
    return COMPUTE + kind_options if kind_options is not None else COMPUTE
