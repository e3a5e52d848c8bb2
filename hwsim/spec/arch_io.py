"""Load arch YAML into a validated `Arch`, and write one back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hwsim.arrays import ArrayKind, array_kind, kind_names
from hwsim.technology import supported_nodes
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import (DATAFLOWS, DRAM_PORTS, KIB, OPERANDS, Arch, BufferEnergy,
                             ComputeArray, EnergySpec, KindOptions, Memory, SramBuffer,
                             VectorUnit)
from hwsim.spec.fields import Fields
from hwsim.spec.yaml_io import SPEC_VERSION, open_document


def _native_formats(f: Fields, word_bits: int, kind: ArrayKind) -> tuple[NumberFormat, ...]:
    value = f.raw("native_formats", None)
    if value is None:
        return kind.default_native_formats(word_bits)
    if not isinstance(value, list) or not value:
        f.error("native_formats", f"expected a non-empty list of formats, got {value!r}")
        return (parse_format(f"int{word_bits}"),)
    out = []
    for i, name in enumerate(value):
        try:
            out.append(parse_format(str(name)))
        except ValueError as exc:
            f.error(f"native_formats[{i}]", str(exc))
    return tuple(out)


def kind_options(f: Fields, kind: ArrayKind) -> KindOptions:
    """The kind's own `compute:` fields, parsed by the kind; a field of another kind is an
    error naming the kinds it belongs to."""
    options = kind.parse_options(f)
    for key in list(f.data):
        owners = [k for k in kind_names() if key in array_kind(k).option_fields]
        if owners and key not in kind.option_fields:
            f.raw(key)
            f.error(key, f"not a field of a {kind.name} array (a field of "
                         f"{', '.join(owners)} arrays)")
    return options


def _compute(f: Fields) -> ComputeArray:
    word_bits = f.integer("word_bits", 8)
    kind = array_kind(f.choice("kind", kind_names()))
    array = ComputeArray(kind.name, f.integer("rows"), f.integer("cols"),
                         f.choice("dataflow", DATAFLOWS), f.number("clock_mhz"), word_bits,
                         _native_formats(f, word_bits, kind),
                         f.choice("unsupported_formats", ("promote", "error"), "promote")
                         == "promote", kind_options(f, kind))
    f.finish()
    return array


def _buffer(f: Fields, name: str) -> SramBuffer:
    size_kib = f.number("size_kib")
    buffer = SramBuffer(name, round(size_kib * KIB),
                        f.number("bandwidth_bytes_per_cycle", 0.0, positive=False))
    f.finish()
    return buffer


def _memory(f: Fields) -> Memory:
    sram = f.mapping("sram")
    buffers: list[SramBuffer] = []
    if sram is not None:
        names = ("unified",) if sram.has("unified") else OPERANDS
        for name in names:
            sub = sram.mapping(name)
            if sub is not None:
                buffers.append(_buffer(sub, name))
        sram.finish()
    dram = f.mapping("dram")
    bandwidth, ports = 1.0, "shared"
    if dram is not None:
        bandwidth = dram.number("bandwidth_bytes_per_cycle")
        ports = dram.choice("ports", DRAM_PORTS, "shared")
        dram.finish()
    f.finish()
    return Memory(tuple(buffers), bandwidth, ports)


def _optional_number(f: Fields, key: str) -> float | None:
    return f.number(key) if f.has(key) else f.raw(key, None)


def _energy(f: Fields, buffer_names: tuple[str, ...]) -> EnergySpec:
    nodes = supported_nodes()
    node = f.integer("node_nm", 45)
    if node not in nodes:
        f.error("node_nm", f"expected a node of the scaling table "
                           f"({', '.join(map(str, nodes))}), got {node}")
    buffers: list[BufferEnergy] = []
    sram = f.mapping("sram", required=False)
    if sram is not None:
        for name in buffer_names:
            sub = sram.mapping(name, required=False)
            if sub is not None:
                read = sub.number("read_pj_per_bit")
                buffers.append(BufferEnergy(name, read, sub.number("write_pj_per_bit", read)))
                sub.finish()
        sram.finish()
    spec = EnergySpec(
        node_nm=node, vdd_v=_optional_number(f, "vdd_v"),
        static_power_mw=f.number("static_power_mw", 0.0, positive=False),
        dram_pj_per_bit=_optional_number(f, "dram_pj_per_bit"),
        register_file_pj_per_bit=_optional_number(f, "register_file_pj_per_bit"),
        forwarding_pj_per_bit=_optional_number(f, "forwarding_pj_per_bit"),
        pe_register_file=f.boolean("pe_register_file", False), buffers=tuple(buffers))
    f.finish()
    return spec


def load_arch(path: str | Path) -> Arch:
    """Read and validate an arch YAML file; raise SpecError listing every problem."""
    path = Path(path)
    top, log, digest = open_document(path)
    name = top.string("name", path.stem)
    description = top.string("description", "")
    top.raw("source", None)  # free-text provenance, optional
    compute_f, vector_f, memory_f = top.mapping("compute"), top.mapping("vector"), \
        top.mapping("memory")
    compute = _compute(compute_f) if compute_f is not None else None
    vector = None
    if vector_f is not None:
        vector = VectorUnit(vector_f.integer("lanes"))
        vector_f.finish()
    memory = _memory(memory_f) if memory_f is not None else None
    energy_f = top.mapping("energy", required=False)
    energy = EnergySpec()
    if energy_f is not None:
        names = tuple(b.name for b in memory.buffers) if memory is not None else ()
        energy = _energy(energy_f, names)
    top.finish()
    log.raise_if_any()
    assert compute is not None and vector is not None and memory is not None
    return Arch(name, description, compute, vector, memory, str(path), digest, energy)


def _energy_dict(e: EnergySpec) -> dict[str, Any]:
    out: dict[str, Any] = {"node_nm": e.node_nm}
    for key in ("vdd_v", "dram_pj_per_bit", "register_file_pj_per_bit", "forwarding_pj_per_bit"):
        if getattr(e, key) is not None:
            out[key] = getattr(e, key)
    if e.static_power_mw:
        out["static_power_mw"] = e.static_power_mw
    if e.pe_register_file:
        out["pe_register_file"] = True
    if e.buffers:
        out["sram"] = {b.name: {"read_pj_per_bit": b.read_pj_per_bit,
                                "write_pj_per_bit": b.write_pj_per_bit} for b in e.buffers}
    return out


def arch_to_yaml(arch: Arch, source: str = "") -> str:
    """Serialise an arch to YAML that `load_arch` reads back to an equal arch."""
    c, m = arch.compute, arch.memory
    sram: dict[str, Any] = {}
    for b in m.buffers:
        entry: dict[str, Any] = {"size_kib": b.size_bytes / KIB}
        if b.bandwidth_bytes_per_cycle:
            entry["bandwidth_bytes_per_cycle"] = b.bandwidth_bytes_per_cycle
        sram[b.name] = entry
    doc: dict[str, Any] = {"version": SPEC_VERSION, "name": arch.name,
                           "description": arch.description or arch.name}
    if source:
        doc["source"] = source
    doc.update({
        "compute": {"kind": c.kind, "rows": c.rows, "cols": c.cols, "dataflow": c.dataflow,
                    "clock_mhz": c.clock_mhz, "word_bits": c.word_bits,
                    "native_formats": [n.name for n in c.native_formats],
                    "unsupported_formats": "promote" if c.promote else "error",
                    **array_kind(c.kind).options_yaml(c.options)},
        "vector": {"lanes": arch.vector.lanes},
        "memory": {"sram": sram, "dram": {"bandwidth_bytes_per_cycle":
                                          m.dram_bandwidth_bytes_per_cycle,
                                          "ports": m.dram_ports}},
    })
    doc["energy"] = _energy_dict(arch.energy)
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)
