"""The arch file's keys, each declared once (`hwsim.spec.schema`): what the arch loader reads,
`arch_to_yaml` writes and a sweep may vary (``compute.rows``, ``memory.sram.unified.size_kib``).

Sections and the dataclass each fills (`hwsim.spec.arch`):

- ``compute`` -> `ComputeArray`: `COMPUTE`; the array kind's own options are read, written
  and checked by the kind (`hwsim.arrays`, `ArrayKind.option_fields`), or, for a kind that
  declares them as a `Section`, appended with `compute_section`;
- ``vector`` -> `VectorUnit`: `VECTOR`;
- ``memory.sram.<buffer>`` -> `SramBuffer`: `SRAM_BUFFER`; ``memory.dram`` -> `Memory`: `DRAM`;
  ``memory.accumulator`` -> `Accumulator`: `ACCUMULATOR_FIELDS`;
- ``energy`` -> `EnergySpec`: `ENERGY`; ``energy.sram.<buffer>`` and
  ``energy.sram.accumulator`` -> `BufferEnergy`: `BUFFER_ENERGY`;
- ``mapping`` -> `MappingSpec`: `MAPPING` (or the strategy alone: ``mapping: scalesim``).

Operands are spelled ``inputs``, ``weights``, ``outputs`` in arch files (`OPERAND_KEYS`) and
stored under the model's names ifmap, filter, ofmap (`OPERANDS`).
"""

from __future__ import annotations

from typing import Any

from hwsim.spec.arch import (DATAFLOWS, DRAM_PORTS, DRAM_TECHNOLOGIES, KIB, MAPPING_OBJECTIVES,
                             MAPPING_STRATEGIES, OPERANDS)
from hwsim.spec.schema import OPERAND_KEYS, WRITE_UNLESS_DEFAULT, Field, Section
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


def _operands(keys: list[str] | None) -> tuple[str, ...] | None:
    """Operand names as written (inputs, ...) -> the model's (ifmap, ...)."""
    return None if keys is None else tuple(OPERANDS[OPERAND_KEYS.index(k)] for k in keys)


def _operand_keys(operands: tuple[str, ...] | None) -> list[str] | None:
    return None if operands is None else [OPERAND_KEYS[OPERANDS.index(o)] for o in operands]


def _per_operand_yaml(values: tuple[float, float, float] | None) -> Any:
    """One number when every operand has the same, else ``{inputs, weights, outputs}``."""
    if values is None or len(set(values)) == 1:
        return None if values is None else values[0]
    return dict(zip(OPERAND_KEYS, values, strict=True))


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

ACCUMULATOR_FIELDS = Section((
    Field("size_kib", "number", "capacity", "KiB", attr="size_bytes", to_attr=_kib_to_bytes,
          from_attr=_bytes_to_kib),
    Field("bandwidth_bytes_per_cycle", "number", "port bandwidth, 0: not limiting",
          "bytes/cycle", default=0.0, minimum=0, write=WRITE_UNLESS_DEFAULT),
    Field("double_buffered", "boolean", "a searched mapping keeps two tiles (one filling "
          "while the other is used) in half the capacity; false: one tile in all of it",
          default=True, write=WRITE_UNLESS_DEFAULT),
))

SRAM_BUFFER = ACCUMULATOR_FIELDS + Section((
    Field("holds", "operands", "operands the buffer keeps (the others bypass it); default: "
          "all for a unified buffer, its own for a per-operand one", default=None,
          to_attr=_operands, from_attr=_operand_keys, write=WRITE_UNLESS_DEFAULT),
))

DRAM = Section((
    Field("bandwidth_bytes_per_cycle", "number", "DRAM bandwidth (per port), 0 or absent: "
          "unlimited", "bytes/cycle", default=0.0, minimum=0,
          attr="dram_bandwidth_bytes_per_cycle", write=WRITE_UNLESS_DEFAULT),
    Field("ports", "choice", "one port shared by all operands, or one per operand",
          default="shared", options=DRAM_PORTS, attr="dram_ports"),
    Field("technology", "choice", "DRAM class, its energy per bit from hwsim/unit_energy/data "
          "(default: EIE's 20 pJ/bit)", default=None, options=DRAM_TECHNOLOGIES,
          attr="dram_technology", write=WRITE_UNLESS_DEFAULT),
))

ENERGY = Section((
    Field("node_nm", "integer", "technology node", "nm", default=45,
          validate=_node_in_scaling_table),
    Field("vdd_v", "optional_number", "supply voltage (default: the node's)", "V",
          default=None, write=WRITE_UNLESS_DEFAULT),
    Field("dram_pj_per_bit", "optional_number", "DRAM access energy override", "pJ/bit",
          default=None, write=WRITE_UNLESS_DEFAULT),
    Field("register_file_pj_per_bit", "operand_numbers", "PE register file access energy "
          "override: one number, or {inputs, weights, outputs}", "pJ/bit", default=None,
          from_attr=_per_operand_yaml, write=WRITE_UNLESS_DEFAULT),
    Field("forwarding_pj_per_bit", "optional_number", "PE-to-PE forwarding energy override "
          "(0: operands move between PEs at no cost)", "pJ/bit", default=None, minimum=0,
          write=WRITE_UNLESS_DEFAULT),
    Field("static_power_mw", "number", "static (leakage) power", "mW", default=0.0, minimum=0,
          write=WRITE_UNLESS_DEFAULT),
    Field("pe_register_file", "boolean", "MACs read operands from and accumulate in a PE "
          "register file", default=False, write=WRITE_UNLESS_DEFAULT),
    Field("mac_pj", "optional_number", "energy of one MAC at the array's first native format "
          "(at the arch's node; other formats scale by the fitted ratio)", "pJ", default=None,
          write=WRITE_UNLESS_DEFAULT),
))

MAPPING = Section((
    Field("strategy", "choice", "SCALE-Sim's fixed fold order, or tile sizes and loop orders "
          "searched per layer", default="searched", options=MAPPING_STRATEGIES,
          write=WRITE_UNLESS_DEFAULT),
    Field("objective", "choice", "what a searched mapping minimises", default="energy",
          options=MAPPING_OBJECTIVES, write=WRITE_UNLESS_DEFAULT),
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
