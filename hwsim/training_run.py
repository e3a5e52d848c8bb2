"""Whole-training cost: a training step's cost for every distinct precision of a schedule,
times the iterations that use it.

Iterations are grouped by (bits, gradient bits) (`iteration_groups`), so a run of 10^6
iterations needs one step evaluation per distinct pair, never a loop over iterations. The
schedule sets the default weights and activations to ``int<bits>`` and gradients to
``int<grad bits>``; per-layer rules of the policy still apply on top (e.g. first and last layer
at 8 bits).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hwsim.api import estimate
from hwsim.spec.policy import Policy
from hwsim.precision.schedule import Schedule, iteration_groups
from hwsim.result import Result
from hwsim.spec.arch import Arch
from hwsim.spec.workload import Workload
from hwsim.training_config import DEFAULT_TRAINING, TrainingConfig


@dataclass(frozen=True, slots=True)
class GroupCost:
    """The iterations that share one precision, and the cost of one of their steps."""

    bits: int | None
    grad_bits: int | None
    iterations: int
    step: Result

    def per_pass(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for layer in self.step.layers:
            out[layer.pass_name]["cycles"] += layer.total_cycles
            out[layer.pass_name]["energy_pj"] += layer.total_energy_pj
            out[layer.pass_name]["bitops"] += layer.bitops
        return {k: dict(v) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """A schedule's whole-training cost on one arch."""

    workload: str
    arch: Arch
    schedule: Schedule | None
    iterations: int
    groups: tuple[GroupCost, ...]

    def totals(self) -> dict[str, float]:
        keys = ("cycles", "energy_pj", "bitops", "macs")
        sums: dict[str, float] = dict.fromkeys(keys, 0.0)
        for g in self.groups:
            step = g.step.totals()
            for key in keys:
                sums[key] += step[key] * g.iterations
        sums["latency_s"] = sums["cycles"] / (self.arch.compute.clock_mhz * 1e6)
        return {k: (int(v) if k in ("cycles", "bitops", "macs") else v) for k, v in sums.items()}

    def to_dict(self) -> dict[str, Any]:
        s = self.schedule
        return {"workload": self.workload, "arch": self.arch.name, "mode": "training",
                "iterations": self.iterations,
                "schedule": None if s is None else {"kind": s.kind, "bits": list(s.bits),
                                                    "grad_bits": list(s.grad_bits),
                                                    "cycles": s.cycles},
                "totals": self.totals(),
                "groups": [{"bits": g.bits, "grad_bits": g.grad_bits,
                            "iterations": g.iterations, "step": g.step.totals(),
                            "passes": g.per_pass()} for g in self.groups]}


def training_run(workload: Workload, arch: Arch, training: TrainingConfig = DEFAULT_TRAINING,
                 *, policy: Policy | None = None, batch: int | None = None) -> TrainingRun:
    """Whole-training cost of `training.iterations` steps; without `training.schedule`, every
    iteration runs the policy's precision."""
    policy = policy or Policy({})
    iterations, schedule = training.iterations, training.schedule
    plans: list[tuple[int | None, int | None, int, Policy]]  # bits, grad bits, iterations
    if schedule is None:
        plans = [(None, None, iterations, policy)]
    else:
        plans = [(bits, grad_bits, count, policy.at_schedule_bits(bits, grad_bits))
                 for bits, grad_bits, count in iteration_groups(schedule, iterations)]
    groups = tuple(GroupCost(bits, grad_bits, count,
                             estimate(chosen.apply(workload), arch, batch=batch, training=training))
                   for bits, grad_bits, count, chosen in plans)
    return TrainingRun(workload.name, arch, schedule, iterations, groups)
