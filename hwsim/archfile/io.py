"""Load arch YAML into a validated `Arch`, and write one back, both as the field tables of
`hwsim.archfile.fields` declare the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hwsim.arrays import ArrayKind, array_kind, kind_names
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import (ACCUMULATOR, MAPPING_STRATEGIES, OPERANDS, Accumulator, Arch,
                             BufferEnergy, ComputeArray, EnergySpec, KindOptions, MappingSpec,
                             Memory, SramBuffer, VectorUnit)
from hwsim.archfile.fields import (ACCUMULATOR_FIELDS, BUFFER_ENERGY, COMPUTE, DRAM, ENERGY,
                                   MAPPING, SRAM_BUFFER, VECTOR)
from hwsim.spec.fields import Fields
from hwsim.spec.schema import read_formats
from hwsim.spec.yaml_io import SPEC_VERSION, open_document


def _native_formats(f: Fields, word_bits: int, kind: ArrayKind) -> tuple[NumberFormat, ...]:
    """The array's `native_formats`, or its kind's defaults; a bad list is an issue, and the
    rest of the arch is checked against ``int<word_bits>`` meanwhile."""
    if f.raw("native_formats", None) is None:
        return kind.default_native_formats(word_bits)
    return read_formats(f, "native_formats", None) or (parse_format(f"int{word_bits}"),)


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
    values = COMPUTE.read(f)
    kind = array_kind(values["kind"])
    values["native_formats"] = _native_formats(f, values["word_bits"], kind)
    values["options"] = kind_options(f, kind)
    f.finish()
    return ComputeArray(**values)


def _memory(f: Fields) -> Memory:
    sram = f.mapping("sram")
    buffers: list[SramBuffer] = []
    if sram is not None:
        names = ("unified",) if sram.has("unified") else OPERANDS
        for name in names:
            sub = sram.mapping(name)
            if sub is not None:
                buffers.append(SramBuffer(name, **SRAM_BUFFER.read(sub)))
                sub.finish()
        sram.finish()
    dram = f.mapping("dram")
    link: dict[str, Any] = {"dram_bandwidth_bytes_per_cycle": 1.0, "dram_ports": "shared"}
    if dram is not None:
        link = DRAM.read(dram)
        dram.finish()
    accumulator = None
    acc = f.mapping(ACCUMULATOR, required=False)
    if acc is not None:
        accumulator = Accumulator(**ACCUMULATOR_FIELDS.read(acc))
        acc.finish()
    f.finish()
    return Memory(tuple(buffers), **link, accumulator=accumulator)


def _energy(f: Fields, buffer_names: tuple[str, ...]) -> EnergySpec:
    values = ENERGY.read(f)
    buffers: list[BufferEnergy] = []
    sram = f.mapping("sram", required=False)
    if sram is not None:
        for name in buffer_names:
            sub = sram.mapping(name, required=False)
            if sub is not None:
                read = BUFFER_ENERGY.read(sub)["read_pj_per_bit"]
                buffers.append(BufferEnergy(name, read, sub.number("write_pj_per_bit", read)))
                sub.finish()
        if sram.has(ACCUMULATOR) and ACCUMULATOR not in buffer_names:
            sram.raw(ACCUMULATOR)
            sram.error(ACCUMULATOR, "energies of an accumulator the arch does not have (no "
                                    "memory.accumulator)")
        sram.finish()
    f.finish()
    return EnergySpec(**values, buffers=tuple(buffers))


def _mapping(top: Fields) -> MappingSpec:
    """The ``mapping`` section: a mapping of `MAPPING`'s fields, or a strategy name alone."""
    value = top.data.get("mapping")
    if isinstance(value, str):
        return MappingSpec(strategy=top.choice("mapping", MAPPING_STRATEGIES))
    if value is not None and not isinstance(value, dict):
        top.raw("mapping")
        top.error("mapping", f"expected a strategy ({', '.join(MAPPING_STRATEGIES)}) or a "
                             f"mapping of strategy and objective, got {value!r}")
        return MappingSpec()
    f = top.mapping("mapping", required=False)
    if f is None:
        return MappingSpec()
    spec = MappingSpec(**MAPPING.read(f))
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
        vector = VectorUnit(**VECTOR.read(vector_f))
        vector_f.finish()
    memory = _memory(memory_f) if memory_f is not None else None
    energy_f = top.mapping("energy", required=False)
    energy = EnergySpec()
    if energy_f is not None:
        names = tuple(b.name for b in memory.buffers) if memory is not None else ()
        if memory is not None and memory.accumulator is not None:
            names += (ACCUMULATOR,)
        energy = _energy(energy_f, names)
    mapping = _mapping(top)
    top.finish()
    log.raise_if_any()
    assert compute is not None and vector is not None and memory is not None
    return Arch(name, description, compute, vector, memory, str(path), digest, energy, mapping)


def arch_to_yaml(arch: Arch, source: str = "") -> str:
    """Serialise an arch to YAML that `load_arch` reads back to an equal arch."""
    doc: dict[str, Any] = {"version": SPEC_VERSION, "name": arch.name,
                           "description": arch.description or arch.name}
    if source:
        doc["source"] = source
    memory: dict[str, Any] = {
        "sram": {b.name: SRAM_BUFFER.write(b) for b in arch.memory.buffers},
        "dram": DRAM.write(arch.memory)}
    if arch.memory.accumulator is not None:
        memory[ACCUMULATOR] = ACCUMULATOR_FIELDS.write(arch.memory.accumulator)
    energy = ENERGY.write(arch.energy)
    if arch.energy.buffers:
        energy["sram"] = {b.name: BUFFER_ENERGY.write(b) for b in arch.energy.buffers}
    doc.update({
        "compute": {**COMPUTE.write(arch.compute),
                    **array_kind(arch.compute.kind).options_yaml(arch.compute.options)},
        "vector": VECTOR.write(arch.vector),
        "memory": memory,
        "energy": energy,
    })
    mapping = MAPPING.write(arch.mapping)
    if mapping:
        doc["mapping"] = mapping["strategy"] if list(mapping) == ["strategy"] else mapping
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)
