"""Named results: one `LayerResult` per problem and the totals, as the stable JSON interface.

Units live in field names: ``cycles``, ``_bytes``, ``_s``. SRAM accesses count elements (one
access per element, SCALE-Sim's convention); DRAM traffic is in bytes at the tensors' formats,
packed (two 4-bit values per byte).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.version import __version__
from hwsim.area import AreaBreakdown
from hwsim.energy.price import Executed
from hwsim.evaluate import KernelCounts
from hwsim.footprint import Footprint
from hwsim.lowering import Pass, ProblemKind, ProblemTable
from hwsim.spec.arch import MAPPING_OBJECTIVES, OPERANDS, Arch
from hwsim.spec.workload import Workload
from hwsim.totals import DRAM_KEYS as DRAM_KEYS  # the streams' names, for reports
from hwsim.totals import ProblemCosts, problem_costs, step_totals



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
    # With a searched mapping strategy: the layer's mapping and its accesses per storage level
    # and operand (`layer_mapping`, `layer_accesses`); None under SCALE-Sim's fold order.
    mapping: dict[str, Any] | None = None
    accesses: dict[str, Any] | None = None

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
                "total_energy_pj": self.total_energy_pj,
                **({} if self.mapping is None else {"mapping": self.mapping}),
                **({} if self.accesses is None else {"accesses": self.accesses})}


@dataclass(frozen=True, slots=True)
class ProblemResults:
    """One design's per-problem results as arrays of length P (the design's row of the
    [D, P] arrays): the problems, their kernel counts and reported costs, their energies by
    component (pJ) and the totals over them (`hwsim.totals.step_totals`, as Python numbers).
    `executed` are the formats the array executes MACs in, per distinct format tuple of
    `table` (`hwsim.api.executed_formats`)."""

    table: ProblemTable
    counts: KernelCounts
    costs: ProblemCosts
    energy_pj: dict[str, npt.NDArray[np.float64]]
    totals: dict[str, Any]
    executed: Executed | None = None

    @staticmethod
    def of(table: ProblemTable, counts: KernelCounts, energy_pj: dict[str, Any],
           executed: Executed | None = None, design: int = 0) -> ProblemResults:
        """Design `design`'s results from [D, P] counts and energies; a SpecError if a count
        or a total exceeds int64."""
        alone = counts.compute_cycles.shape[0] == 1    # one design: its rows already
        one = counts if alone else counts.design(design)
        costs = problem_costs(table, one)
        energy = energy_pj if alone else {k: v[design:design + 1] for k, v in energy_pj.items()}
        totals = _first(step_totals(table, costs, energy))
        return ProblemResults(table, one, costs, {k: v[0] for k, v in energy.items()}, totals,
                              executed)


@dataclass(frozen=True, slots=True, eq=False)
class Result:
    """A workload's cost on one arch. Per-problem results are kept as arrays (`problems`);
    `layers` names them problem by problem, built on first use."""

    workload: Workload
    arch: Arch
    mode: str
    batch: int
    problems: ProblemResults
    inputs: dict[str, str] = field(default_factory=dict)
    footprint: Footprint | None = None
    device_memory_bytes: float | None = None
    area: AreaBreakdown | None = None
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def layers(self) -> tuple[LayerResult, ...]:
        if "layers" not in self._cache:
            self._cache["layers"] = build_layers(self.problems, self.arch)
        return self._cache["layers"]  # type: ignore[no-any-return]

    @property
    def total_cycles(self) -> int:
        return int(self.problems.totals["cycles"])

    @property
    def macs(self) -> int:
        return int(self.problems.totals["macs"])

    @property
    def energy_breakdown_pj(self) -> dict[str, float]:
        return dict(self.problems.totals["energy_pj"])

    @property
    def energy_pj(self) -> float:
        return sum(self.energy_breakdown_pj.values())

    @property
    def latency_s(self) -> float:
        return self.total_cycles / (self.arch.compute.clock_mhz * 1e6)

    def totals(self) -> dict[str, Any]:
        pes = self.arch.compute.rows * self.arch.compute.cols
        t = self.problems.totals
        cycles = t["cycles"]
        return {"cycles": cycles, "compute_cycles": t["compute_cycles"],
                "stall_cycles": t["stall_cycles"], "latency_s": self.latency_s,
                "macs": t["macs"], "bitops": t["bitops"],
                "utilization": t["macs"] / (cycles * pes) if cycles else 0.0,
                "sram_reads": dict(t["sram_reads"]), "sram_writes": dict(t["sram_writes"]),
                "dram_bytes": dict(t["dram_bytes"]), "dram_bytes_total": t["dram_bytes_total"],
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
        p = self.problems
        extra = p.table.problem_kind == ProblemKind.COMPRESSION
        energy = 0
        for values in p.energy_pj.values():   # each problem's total, component by component
            energy = energy + values
        dram = 0
        for values in p.costs.dram_bytes.values():
            dram = dram + values
        return {**self.footprint.to_dict(self.device_memory_bytes),
                "activation_compression": {
                    "cycles": sum(p.costs.total_cycles[0][extra].tolist()),
                    "energy_pj": sum(np.asarray(energy)[extra].tolist()),
                    "dram_bytes": sum(np.asarray(dram)[0][extra].tolist())}}

    def to_dict(self) -> dict[str, Any]:
        pes = self.arch.compute.rows * self.arch.compute.cols
        return {"hwsim_version": __version__, "workload": self.workload.name,
                "arch": self.arch.name, "mode": self.mode, "batch": self.batch,
                "inputs": self.inputs, "totals": self.totals(),
                "layers": [layer.to_dict(pes) for layer in self.layers]}


def _first(totals: dict[str, Any]) -> dict[str, Any]:
    """Design 0's entries of `step_totals` as Python ints and floats."""
    return {k: _first(v) if isinstance(v, dict) else v[0].item() for k, v in totals.items()}


def _precision(table: ProblemTable, p: int, code: int,
               executed: Executed | None) -> dict[str, str]:
    """Formats of the problem's operands, and what the array executes them as when promoted."""
    a, b, out, acc = table.format_set[code]
    info = {"a": a.name, "b": b.name, "output": out.name, "accumulator": acc.name}
    if executed is not None and not table.is_vector[p]:
        for key, stored, ran in (("a", a, executed[code][0]), ("b", b, executed[code][1])):
            if ran != stored:
                info[f"{key}_executed_as"] = ran.name
    stored_bits = float(table.b_store_bits[p])
    if stored_bits != b.storage_bits:
        info["b_stored_bits"] = f"{stored_bits:g}"   # stored wider, used MSB-truncated
    return info


DIMS = "MNK"


def loop_order(inner: int) -> str:
    """A level's loops, outermost first, as dimension letters (`hwsim.mapping.Mapping`: the
    innermost one given, the other two in M, N, K order)."""
    return "".join(d for i, d in enumerate(DIMS) if i != inner) + DIMS[inner]


def layer_mapping(arch: Arch, row: list[int], searched: int, objective: int) -> dict[str, Any]:
    """A GEMM's mapping for the JSON: strategy (``scalesim`` where no searched mapping fits),
    objective, the fold chunk `t0` and per storage level the tile it holds (M, N, K elements),
    the order of the loops walking the next level's tiles (outermost first), its innermost
    loop and the operands that bypass it."""
    out: dict[str, Any] = {"strategy": "searched" if searched else "scalesim",
                           "objective": MAPPING_OBJECTIVES[objective]}
    if not searched:
        return out
    t0, bm, bn, bk, in0, in1, fm, fn, fk = row
    mem = arch.memory
    levels: dict[str, Any] = {
        "dram": {"loop_order": loop_order(in0), "innermost": DIMS[in0]},
        "sram": {"tile": {"M": bm, "N": bn, "K": bk},
                 "loop_order": loop_order(in1), "innermost": DIMS[in1],
                 "bypassed": [o for o in OPERANDS if o not in mem.held_operands]}}
    if mem.accumulator is not None:
        levels["accumulator"] = {"tile": {"M": fm, "N": fn}}
    levels["array"] = {"tile": {"M": fm, "N": fn, "K": fk}}
    return {**out, "t0": t0, "levels": levels}


def layer_accesses(counts: KernelCounts, p: int, arch: Arch) -> dict[str, Any]:
    """A problem's reads and writes per storage level and operand, in bits."""
    levels = [counts.dram, counts.sram]
    if arch.memory.accumulator is not None:
        levels.append(counts.accumulator)
    if arch.energy.pe_register_file:
        levels.append(counts.register_file)
    return {lv.name: {o: {"read_bits": float(lv.reads[o][0, p]),
                          "write_bits": float(lv.writes[o][0, p])} for o in OPERANDS}
            for lv in levels}


def build_layers(problems: ProblemResults, arch: Arch) -> tuple[LayerResult, ...]:
    """Name one design's per-problem results problem by problem; with a searched mapping
    strategy, each with its mapping and accesses."""
    table, counts, costs = problems.table, problems.counts, problems.costs
    searched_arch = arch.mapping.strategy == "searched"
    maps = counts.mappings

    def row(x: npt.NDArray[Any]) -> list[Any]:
        return x.reshape(-1).tolist()

    cols = {name: row(getattr(table, name)) for name in
            ("is_vector", "pass_code", "problem_kind", "M", "N", "K", "count", "layer_index",
             "format_index")}
    macs, bitops = row(table.macs), row(table.bitops)
    compute, stall = row(costs.compute_cycles), row(costs.stall_cycles)
    folds = row(counts.folds)
    mapping, util = row(counts.mapping_efficiency), row(counts.compute_utilization)
    reads = {k: row(v) for k, v in costs.sram_reads.items()}
    writes = {k: row(v) for k, v in costs.sram_writes.items()}
    dram = {k: row(v) for k, v in costs.dram_bytes.items()}
    energy = {k: row(v) for k, v in problems.energy_pj.items()}
    out: list[LayerResult] = []
    for p, name in enumerate(table.names):
        out.append(LayerResult(
            name=name, pass_name=Pass.from_code(cols["pass_code"][p]),
            problem_kind=ProblemKind(cols["problem_kind"][p]),
            M=cols["M"][p], N=cols["N"][p], K=cols["K"][p], count=cols["count"][p],
            macs=macs[p], compute_cycles=compute[p], stall_cycles=stall[p],
            folds=folds[p], sram_reads={k: v[p] for k, v in reads.items()},
            sram_writes={k: v[p] for k, v in writes.items()},
            dram_bytes={k: v[p] for k, v in dram.items()},
            mapping_efficiency=mapping[p], compute_utilization=util[p],
            bitops=bitops[p],
            precision=_precision(table, p, cols["format_index"][p], problems.executed),
            energy_pj={k: v[p] for k, v in energy.items()},
            layer_index=cols["layer_index"][p],
            mapping=None if not searched_arch or cols["is_vector"][p] else layer_mapping(
                arch, maps.rows[0, p].tolist(), int(maps.searched[0, p]),
                int(maps.objective[0])),
            accesses=layer_accesses(counts, p, arch) if searched_arch else None))
    return tuple(out)
