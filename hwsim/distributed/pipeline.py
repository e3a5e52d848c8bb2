"""Pipeline parallelism: splitting layers into stages, the GPipe schedule, the bytes crossing
stage boundaries, and the saved activations each stage holds for in-flight micro-batches.

- Partition: contiguous stages minimising the slowest stage's time, solved exactly by dynamic
  programming over prefix sums (the linear partition problem).
- Schedule: with p stages and m micro-batches, GPipe runs m + p - 1 slots of the slowest stage
  per pass, so a step takes (m + p - 1) x t_stage, of which (p - 1) x t_stage is the bubble:
  bubble fraction (p - 1)/(m + p - 1) (Huang et al., "GPipe: Efficient Training of Giant Neural
  Networks using Pipeline Parallelism", NeurIPS 2019, Sec. 2). The 1F1B schedule (PipeDream-
  Flush) has the same bubble and the same time.
- Memory: GPipe keeps the saved activations of all m micro-batches until their backward
  passes; 1F1B starts a micro-batch's backward as soon as it can, so stage s (0-based) holds at
  most min(p - s, m) (Narayanan et al., "Memory-Efficient Pipeline-Parallel DNN Training",
  ICML 2021, PipeDream-Flush; "Efficient Large-Scale Language Model Training on GPU Clusters
  Using Megatron-LM", SC'21, Sec. 2.2.1).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hwsim.distributed import _checks
from hwsim.distributed.link import Link, transfer_s

SCHEDULES = ("gpipe", "1f1b")


@dataclass(frozen=True, slots=True)
class Partition:
    """Layers split into stages: `starts[s]` is stage s's first layer; `stage_s[s]` its time."""

    starts: tuple[int, ...]
    stage_s: tuple[float, ...]

    @property
    def slowest_stage_s(self) -> float:
        return max(self.stage_s)


def partition_layers(layer_s: Sequence[float] | np.ndarray, stages: int) -> Partition:
    """Split the ordered per-layer times `layer_s` (seconds) into `stages` contiguous non-empty
    stages so that the slowest stage is as fast as possible (exact).

    best[k][j], the least possible slowest stage for the first j layers in k stages, is
    min over i of max(best[k-1][i], prefix[j] - prefix[i]); every stage time is a difference
    of prefix sums, so the optimum is found without rounding beyond those sums."""
    costs = np.asarray(layer_s, dtype=np.float64)
    if costs.ndim != 1 or not np.all(np.isfinite(costs)) or np.any(costs < 0):
        raise _checks.fail("layer_s", "a list of finite times >= 0", list(np.ravel(costs)))
    n = len(costs)
    p = _checks.count(stages, "stages")
    if p > n:
        raise _checks.fail("stages", f"at most the number of layers ({n})", p)
    prefix = np.concatenate(([0.0], np.cumsum(costs)))
    segment = prefix[None, :] - prefix[:, None]           # segment[i, j]: layers i..j-1
    upper = np.triu(np.ones((n + 1, n + 1), dtype=bool), k=1)
    best = np.where(np.arange(n + 1) == 0, 0.0, np.inf)   # zero stages: only zero layers
    choice = np.zeros((p + 1, n + 1), dtype=np.int64)
    for k in range(1, p + 1):
        candidates = np.where(upper, np.maximum(best[:, None], segment), np.inf)
        choice[k] = np.argmin(candidates, axis=0)
        best = candidates[choice[k], np.arange(n + 1)]
    starts, end = [], n
    for k in range(p, 0, -1):
        end = int(choice[k][end])
        starts.append(end)
    starts.reverse()
    bounds = [*starts, n]
    return Partition(tuple(starts), tuple(float(prefix[b] - prefix[a])
                                          for a, b in itertools.pairwise(bounds)))


def bubble_fraction(stages: int, micro_batches: int) -> float:
    """Idle share of a GPipe step, (p - 1)/(m + p - 1) (Huang et al., Sec. 2)."""
    p, m = _checks.count(stages, "stages"), _checks.count(micro_batches, "micro_batches")
    return (p - 1) / (m + p - 1)


def gpipe_time_s(slowest_stage_s: float, stages: int, micro_batches: int) -> float:
    """One step of the pipeline: (m + p - 1) slots of the slowest stage, where a slot is one
    micro-batch's forward and backward on that stage (exact for equal stages, an upper bound
    otherwise)."""
    t = _checks.amount(slowest_stage_s, "slowest_stage_s")
    p, m = _checks.count(stages, "stages"), _checks.count(micro_batches, "micro_batches")
    return (m + p - 1) * t


@dataclass(frozen=True, slots=True)
class Boundary:
    """What crosses one stage boundary per micro-batch: activations forward, their gradients
    backward, each at its own bit width."""

    forward_bytes: float
    backward_bytes: float

    def time_s(self, link: Link) -> float:
        """Seconds per micro-batch: one forward and one backward message on `link`."""
        return transfer_s(link, self.forward_bytes, 1) + transfer_s(link, self.backward_bytes, 1)


def boundary(elements: float, activation_bits: int, gradient_bits: int) -> Boundary:
    """The boundary tensor of `elements` values per micro-batch, sent forward at
    `activation_bits` and its gradient backward at `gradient_bits`."""
    n = _checks.amount(elements, "elements")
    a = _checks.bits(activation_bits, "activation_bits")
    g = _checks.bits(gradient_bits, "gradient_bits")
    return Boundary(n * a / 8, n * g / 8)


def p2p_step_s(boundaries: Sequence[Boundary], link: Link, micro_batches: int) -> float:
    """Seconds per step that the busiest boundary link spends sending: m micro-batches, each
    one forward and one backward message. Boundaries use separate links, so they overlap."""
    m = _checks.count(micro_batches, "micro_batches")
    return max((m * b.time_s(link) for b in boundaries), default=0.0)


def in_flight(schedule: str, stages: int, micro_batches: int) -> tuple[int, ...]:
    """Micro-batches whose saved activations each stage holds at its peak: m for GPipe,
    min(p - s, m) for stage s under 1F1B."""
    p, m = _checks.count(stages, "stages"), _checks.count(micro_batches, "micro_batches")
    if schedule == "gpipe":
        return (m,) * p
    if schedule == "1f1b":
        return tuple(min(p - s, m) for s in range(p))
    raise _checks.fail("schedule", f"one of {', '.join(SCHEDULES)}", schedule)


def stage_activation_bytes(saved_bytes_per_micro_batch: Sequence[float], schedule: str,
                           micro_batches: int) -> tuple[float, ...]:
    """Peak saved-activation bytes per stage: each stage's saved bytes for one micro-batch
    times the micro-batches it holds in flight under `schedule`."""
    saved = [_checks.amount(b, f"saved_bytes_per_micro_batch[{i}]")
             for i, b in enumerate(saved_bytes_per_micro_batch)]
    counts = in_flight(schedule, len(saved), micro_batches)
    return tuple(b * c for b, c in zip(saved, counts, strict=True))
