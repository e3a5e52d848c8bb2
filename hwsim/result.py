"""Named results: one `LayerResult` per problem and the totals, as the stable JSON interface.

Units live in field names: ``cycles``, ``_bytes``, ``_s``. SRAM accesses count elements (one
access per element, SCALE-Sim's convention); DRAM traffic is in bytes at the tensors' formats,
packed (two 4-bit values per byte).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.version import __version__
from hwsim.area import AreaBreakdown
from hwsim.evaluate import RawCounts
from hwsim.footprint import Footprint
from hwsim.lowering import Pass, ProblemKind, ProblemTable
from hwsim.spec.arch import Arch
from hwsim.precision import NumberFormat
from hwsim.spec.workload import Workload

DRAM_KEYS = ("ifmap_read", "filter_read", "ofmap_write", "psum_read")


@dataclass(frozen=True, slots=True)
class LayerResult:
    """Cost of one problem (a layer's pass) on one design."""

    name: str
    pass_name: Pass
    problem_kind: ProblemKind
    M: int
    N: int
    K: int
    count: int
    macs: int
    bitops: int
    compute_cycles: int
    stall_cycles: int
    folds: int
    sram_reads: dict[str, int]
    sram_writes: dict[str, int]
    dram_bytes: dict[str, int]
    mapping_efficiency: float
    compute_utilization: float
    precision: dict[str, str]
    energy_pj: dict[str, float]
    layer_index: int = -1     # the workload layer the problem comes from

    @property
    def kind(self) -> str:
        """``gemm`` (on the array) or ``vector`` (on the vector unit)."""
        return self.problem_kind.unit

    @property
    def total_cycles(self) -> int:
        return self.compute_cycles + self.stall_cycles

    @property
    def total_energy_pj(self) -> float:
        return sum(self.energy_pj.values())

    def to_dict(self, array_pes: int) -> dict[str, Any]:
        util = self.macs / (self.total_cycles * array_pes) if self.total_cycles else 0.0
        return {"name": self.name, "layer_index": self.layer_index, "pass": self.pass_name,
                "kind": self.kind,
                "M": self.M, "N": self.N, "K": self.K, "count": self.count, "macs": self.macs,
                "bitops": self.bitops, "cycles": {"compute": self.compute_cycles,
                                                  "stall": self.stall_cycles,
                                                  "total": self.total_cycles},
                "folds": self.folds, "sram_reads": self.sram_reads,
                "sram_writes": self.sram_writes, "dram_bytes": self.dram_bytes,
                "mapping_efficiency": self.mapping_efficiency,
                "compute_utilization": self.compute_utilization, "utilization": util,
                "precision": self.precision, "energy_pj": self.energy_pj,
                "total_energy_pj": self.total_energy_pj}


@dataclass(frozen=True, slots=True)
class Result:
    """A workload's cost on one arch."""

    workload: Workload
    arch: Arch
    mode: str
    batch: int
    layers: tuple[LayerResult, ...]
    inputs: dict[str, str] = field(default_factory=dict)
    footprint: Footprint | None = None
    device_memory_bytes: float | None = None
    area: AreaBreakdown | None = None

    @property
    def total_cycles(self) -> int:
        return sum(layer.total_cycles for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def energy_breakdown_pj(self) -> dict[str, float]:
        keys = self.layers[0].energy_pj.keys() if self.layers else ()
        return {k: sum(layer.energy_pj[k] for layer in self.layers) for k in keys}

    @property
    def energy_pj(self) -> float:
        return sum(self.energy_breakdown_pj.values())

    @property
    def latency_s(self) -> float:
        return self.total_cycles / (self.arch.compute.clock_mhz * 1e6)

    def totals(self) -> dict[str, Any]:
        pes = self.arch.compute.rows * self.arch.compute.cols
        cycles = self.total_cycles
        dram = {key: sum(layer.dram_bytes[key] for layer in self.layers) for key in DRAM_KEYS}
        return {"cycles": cycles,
                "compute_cycles": sum(layer.compute_cycles for layer in self.layers),
                "stall_cycles": sum(layer.stall_cycles for layer in self.layers),
                "latency_s": self.latency_s, "macs": self.macs,
                "bitops": sum(layer.bitops for layer in self.layers),
                "utilization": self.macs / (cycles * pes) if cycles else 0.0,
                "sram_reads": {k: sum(lr.sram_reads[k] for lr in self.layers)
                               for k in ("ifmap", "filter")},
                "sram_writes": {"ofmap": sum(lr.sram_writes["ofmap"] for lr in self.layers)},
                "dram_bytes": dram, "dram_bytes_total": sum(dram.values()),
                "energy_pj": self.energy_pj, "energy_breakdown_pj": self.energy_breakdown_pj,
                **self.memory_totals(), **self.area_totals()}

    def area_totals(self) -> dict[str, Any]:
        """The arch's silicon area (datapaths and storage, `hwsim.area`), where modelled."""
        if self.area is None:
            return {}
        return {"area_mm2": self.area.total_mm2, "area_breakdown_mm2": {
            "pe_array": self.area.pe_array_mm2,
            "pe_register_file": self.area.pe_register_file_mm2,
            **{f"buffer_{k}": v for k, v in self.area.buffers_mm2.items()},
            "vector": self.area.vector_mm2}}

    def memory_totals(self) -> dict[str, Any]:
        """Training memory (bytes) and the cost of activation compression, if any."""
        if self.footprint is None:
            return {}
        extra = [layer for layer in self.layers
                 if layer.problem_kind is ProblemKind.COMPRESSION]
        return {**self.footprint.to_dict(self.device_memory_bytes),
                "activation_compression": {
                    "cycles": sum(layer.total_cycles for layer in extra),
                    "energy_pj": sum(layer.total_energy_pj for layer in extra),
                    "dram_bytes": sum(sum(layer.dram_bytes.values()) for layer in extra)}}

    def to_dict(self) -> dict[str, Any]:
        pes = self.arch.compute.rows * self.arch.compute.cols
        return {"hwsim_version": __version__, "workload": self.workload.name,
                "arch": self.arch.name, "mode": self.mode, "batch": self.batch,
                "inputs": self.inputs, "totals": self.totals(),
                "layers": [layer.to_dict(pes) for layer in self.layers]}


def _precision(table: ProblemTable, p: int,
               executed: tuple[tuple[NumberFormat, NumberFormat], ...] | None) -> dict[str, str]:
    """Formats of the problem's operands, and what the array executes them as when promoted."""
    a, b, out, acc = table.formats[p]
    info = {"a": a.name, "b": b.name, "output": out.name, "accumulator": acc.name}
    if executed is not None and not table.is_vector[p]:
        for key, stored, ran in (("a", a, executed[p][0]), ("b", b, executed[p][1])):
            if ran != stored:
                info[f"{key}_executed_as"] = ran.name
    stored_bits = int(table.b_store_bits[p])
    if stored_bits and stored_bits != int(table.b_bits[p]):
        info["b_stored_bits"] = str(stored_bits)   # stored wider, used MSB-truncated
    return info


def _dram_bytes(table: ProblemTable, bits: npt.NDArray[np.float64], p: int) -> dict[str, int]:
    """DRAM bytes by stream. A vector problem moves all of its tensors or none (the kernel's
    total): then its reads and writes are its elements times the bits read and written."""
    if table.is_vector[p]:
        moved = float(table.vector_elements[p]) if bits[0] > 0 else 0.0
        bits = np.array([moved * table.vector_read_bits[p], 0.0,
                         moved * table.vector_write_bits[p], 0.0])
    return {key: math.ceil(bits[i] / 8) for i, key in enumerate(DRAM_KEYS)}


def build_layers(table: ProblemTable, raw: RawCounts,
                 energy: dict[str, npt.NDArray[np.float64]],
                 executed: tuple[tuple[NumberFormat, NumberFormat], ...] | None = None,
                 design: int = 0) -> tuple[LayerResult, ...]:
    """Name the kernel outputs and priced energies of design `design` problem by problem."""
    out: list[LayerResult] = []
    counts, ratios = raw.sram_counts[design], raw.ratios[design]
    dram_bits = raw.dram_bits[design]
    macs, bitops = table.macs, table.bitops      # whole arrays, built once
    for p, name in enumerate(table.names):
        vector = bool(table.is_vector[p])
        elements = int(table.vector_elements[p])
        if vector:
            compute = int(raw.vector_cycles[design, p])
            reads = {"ifmap": elements * int(table.vector_read_bits[p]) // max(1, int(
                table.a_bits[p])), "filter": 0}
            writes = {"ofmap": elements}
        else:
            compute = int(counts[p, 0])
            reads = {"ifmap": int(counts[p, 2]), "filter": int(counts[p, 3])}
            writes = {"ofmap": int(counts[p, 4])}
        out.append(LayerResult(
            name=name, pass_name=Pass.from_code(int(table.pass_code[p])),
            problem_kind=ProblemKind(int(table.problem_kind[p])),
            M=int(table.M[p]), N=int(table.N[p]), K=int(table.K[p]), count=int(table.count[p]),
            macs=int(macs[p]), compute_cycles=compute,
            stall_cycles=math.ceil(raw.stall_cycles[design, p]),
            folds=int(counts[p, 1]), sram_reads=reads, sram_writes=writes,
            dram_bytes=_dram_bytes(table, dram_bits[p], p),
            mapping_efficiency=float(ratios[p, 0]), compute_utilization=float(ratios[p, 1]),
            bitops=int(bitops[p]), precision=_precision(table, p, executed),
            energy_pj={component: float(values[p]) for component, values in energy.items()},
            layer_index=int(table.layer_index[p])))
    return tuple(out)
