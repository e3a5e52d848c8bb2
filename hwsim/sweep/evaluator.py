"""Evaluate a chunk of a plan's designs: one kernel call per problem table.

Designs differ in their arch, which the kernels take as arrays (`hwsim.evaluate.pack_designs`),
and in their precision (policy, schedule bits, batch), which changes the problems themselves.
A chunk's designs are therefore grouped by problem table: each table is lowered once, and all
the distinct archs that need it are evaluated in one `run_kernels` call (Numba, `prange` over
designs), priced together (`hwsim.energy.price.price`) and totalled over the problems as an
estimate totals them (`hwsim.totals`). A training schedule splits a design into
its iteration groups (`iteration_groups`); each group's step cost, times its iterations, adds
to the design's totals, exactly as `hwsim.training_run.training_run` totals a run.

An `Evaluator` caches archs, tables, energy tables and schedule groups across the chunks it
evaluates (a grid revisits them in every chunk); it holds no other state. A cache that outgrows
`CACHE_LIMITS` is emptied before the next chunk, so a random sweep of millions of distinct
designs keeps memory bounded.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.api import executed_formats
from hwsim.area import arch_area
from hwsim.energy.price import COMPONENTS, Executed, price
from hwsim.energy.table import EnergyTable, energy_table
from hwsim.energy.mapping_inputs import searched_inputs
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lowering import ProblemTable, lower
from hwsim.spec.arch import Arch
from hwsim.sweep import design
from hwsim.sweep.metrics import ENERGY_COLUMNS
from hwsim.sweep.plan import Plan
from hwsim.totals import problem_costs, step_totals

Columns = dict[str, npt.NDArray[Any]]
TableKey = tuple[tuple[Any, ...], int | None, int | None]
CACHE_LIMITS = {"_archs": 50_000, "_energy": 50_000, "_tables": 64, "_executed": 256,
                "_groups": 4096}
INT_TOTALS = ("cycles", "compute_cycles", "stall_cycles", "macs", "bitops", "dram_bytes")


def _keys(plan: Plan, kind: str, start: int, stop: int) -> list[tuple[Any, ...]]:
    columns = [plan.samples[p][start:stop].tolist() for p in plan.paths(kind)]
    return list(zip(*columns, strict=True)) if columns else [()] * (stop - start)


class Evaluator:
    """Evaluates chunks of one plan (see the module doc)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.arch_paths = plan.paths("arch")
        self._arch_fields = design.arch_fields(plan.base_arch)
        self._archs: dict[Hashable, Arch] = {}
        self._tables: dict[TableKey, ProblemTable] = {}
        self._executed: dict[Hashable, Executed] = {}
        self._energy: dict[Hashable, EnergyTable] = {}
        self._groups: dict[Hashable, list[tuple[int | None, int | None, int]]] = {}

    def arch(self, key: tuple[Any, ...]) -> Arch:
        if key not in self._archs:
            values = dict(zip(self.arch_paths, key, strict=True))
            self._archs[key] = design.apply_arch(self.plan.base_arch, values, self._arch_fields)
        return self._archs[key]

    def groups(self, key: tuple[Any, ...]) -> list[tuple[int | None, int | None, int]]:
        """(bits, gradient bits, iterations) of a design's schedule, or the plain run."""
        if key not in self._groups:
            plan = self.plan
            if plan.schedule is None and not plan.paths("schedule"):
                self._groups[key] = [(None, None, plan.iterations)]
            else:
                from hwsim.precision.schedule import iteration_groups
                schedule = design.schedule_for(
                    plan.schedule, dict(zip(plan.paths("schedule"), key, strict=True)))
                self._groups[key] = [(b, g, c) for b, g, c in
                                     iteration_groups(schedule, plan.iterations)]
        return self._groups[key]

    def table(self, key: TableKey) -> ProblemTable:
        if key not in self._tables:
            plan = self.plan
            values = dict(zip(plan.paths("precision") + plan.paths("workload"), key[0],
                              strict=True))
            batch = values.pop("workload.batch", plan.batch)
            policy = design.policy_for(plan.policy, values)
            bits, grad = key[1], key[2]
            if bits is not None and grad is not None:   # a schedule sets both or neither
                policy = policy.at_schedule_bits(bits, grad)
            self._tables[key] = lower(policy.apply(plan.workload), batch=batch,
                                      training=plan.training)
        return self._tables[key]

    def _executed_formats(self, key: TableKey, arch: Arch) -> Executed:
        ek = (key, arch.compute.native_formats, arch.compute.promote)
        if ek not in self._executed:
            self._executed[ek] = executed_formats(self.table(key), self.plan.workload, arch)
        return self._executed[ek]

    def _energy_table(self, arch: Arch) -> EnergyTable:
        ek = (arch.memory.buffers, arch.memory.accumulator, arch.memory.dram_technology,
              arch.energy)
        if ek not in self._energy:
            self._energy[ek] = energy_table(arch)
        return self._energy[ek]

    def evaluate(self, key: TableKey, archs: list[Arch]) -> Columns:
        """One step of table `key` on every arch: totals per arch."""
        table = self.table(key)
        tables = [self._energy_table(a) for a in archs]
        executed = [self._executed_formats(key, a) for a in archs]
        designs = pack_designs(archs)
        counts = run_kernels(table, designs, searched_inputs(table, self.plan.workload, designs,
                                                             archs, tables, executed))
        energy = price(table, counts, archs, tables, executed)
        totals = step_totals(table, problem_costs(table, counts), energy)
        out: Columns = {name: totals[name] for name in INT_TOTALS if name != "dram_bytes"}
        out["dram_bytes"] = totals["dram_bytes_total"]
        for component, column in zip(COMPONENTS, ENERGY_COLUMNS, strict=True):
            out[column] = totals["energy_pj"][component]
        return out

    def rows(self, start: int, stop: int) -> Columns:
        """Parameters and metrics of designs start .. stop-1 (see `hwsim.sweep.metrics`)."""
        for name, limit in CACHE_LIMITS.items():
            cache = getattr(self, name)
            if len(cache) > limit:
                cache.clear()
        plan, n = self.plan, stop - start
        arch_keys = _keys(plan, "arch", start, stop)
        prec_keys = [p + w for p, w in zip(_keys(plan, "precision", start, stop),
                                           _keys(plan, "workload", start, stop), strict=True)]
        sched_keys = _keys(plan, "schedule", start, stop)
        work: dict[TableKey, tuple[list[int], list[Any], list[int]]] = {}
        for i in range(n):
            for bits, grad, count in self.groups(sched_keys[i]):
                rows, keys, weights = work.setdefault((prec_keys[i], bits, grad), ([], [], []))
                rows.append(i)
                keys.append(arch_keys[i])
                weights.append(count)
        totals: Columns = {name: np.zeros(n, dtype=np.int64) for name in INT_TOTALS}
        totals.update({name: np.zeros(n) for name in ENERGY_COLUMNS})
        for key, (rows, keys, weights) in work.items():
            unique = list(dict.fromkeys(keys))
            index = {k: j for j, k in enumerate(unique)}
            step = self.evaluate(key, [self.arch(k) for k in unique])
            pick = np.asarray([index[k] for k in keys], dtype=np.int64)
            r, w = np.asarray(rows, dtype=np.int64), np.asarray(weights, dtype=np.int64)
            for name, column in step.items():
                totals[name][r] += column[pick] * w
        return self._finish(start, stop, arch_keys, totals)

    def _finish(self, start: int, stop: int, arch_keys: list[tuple[Any, ...]],
                totals: Columns) -> Columns:
        archs = [self.arch(k) for k in arch_keys]
        clock_hz = np.asarray([a.compute.clock_mhz * 1e6 for a in archs])
        pes = np.asarray([a.compute.rows * a.compute.cols for a in archs], dtype=np.int64)
        sram = np.asarray([sum(b.size_bytes for b in a.memory.buffers) for a in archs],
                          dtype=np.int64)
        area = np.asarray([arch_area(a).total_mm2 for a in archs])
        energy = np.sum([totals[c] for c in ENERGY_COLUMNS], axis=0)
        latency = totals["cycles"] / clock_hz
        cycles = np.maximum(totals["cycles"], 1)
        out: Columns = {"design": np.arange(start, stop, dtype=np.int64)}
        out.update({p.path: self.plan.samples[p.path][start:stop] for p in self.plan.params})
        out.update({"cycles": totals["cycles"], "compute_cycles": totals["compute_cycles"],
                    "stall_cycles": totals["stall_cycles"], "latency_s": latency,
                    "macs": totals["macs"], "bitops": totals["bitops"],
                    "dram_bytes": totals["dram_bytes"], "sram_bytes": sram, "pes": pes,
                    "area_mm2": area, "utilization": totals["macs"] / (cycles * pes),
                    "energy_pj": energy})
        out.update({c: totals[c] for c in ENERGY_COLUMNS})
        out["edp_pj_s"] = energy * latency
        out["tops_per_w"] = np.divide(2.0 * totals["macs"], energy,
                                      out=np.zeros(len(energy)), where=energy > 0)
        return out

    def chunk(self, index: int) -> Columns:
        return self.rows(*self.plan.chunk_rows(index))
