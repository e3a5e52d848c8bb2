"""One training step's time split into compute, communication and pipeline bubble, with the
bytes each device sends and their energy.

Data parallel and ZeRO (`data_parallel_step`): compute is forward + backward + optimizer
update; communication is the step's collectives (`hwsim.distributed.zero.zero_collectives`).
Without overlap every collective is exposed: step = compute + comm. With overlap, the
collectives a phase issues run during that phase's compute and only their excess is exposed:
backward collectives hide behind the backward pass, exposed = max(0, comm_backward - backward_s),
and ZeRO-3's forward parameter gathers behind the forward pass; collectives issued at the update
(ZeRO-1/2 parameter all-gather) stay exposed. This assumes gradients are reduced in buckets as
they become ready, as PyTorch DistributedDataParallel does (Li et al., "PyTorch Distributed:
Experiences on Accelerating Data Parallel Training", VLDB 2020, Sec. 3.2: gradient bucketing
and overlapping communication with computation; default buckets of 25 MB), and that the
compute is not slowed by the communication. It is optimistic by the last bucket, whose
reduction can only start after the last gradient is ready.

Pipeline (`pipeline_step`): each of the m + p - 1 GPipe slots (`hwsim.distributed.pipeline`)
lasts the slowest stage's compute for one micro-batch (forward + backward) plus the busiest
boundary's transfer of that micro-batch, or the larger of the two when sends overlap the next
micro-batch's compute. Gradient collectives among data-parallel replicas of the pipeline run
after the flush, exposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hwsim.distributed import _checks
from hwsim.distributed.collectives import Collective
from hwsim.distributed.link import Link, transfer_energy_pj
from hwsim.distributed.pipeline import Boundary


@dataclass(frozen=True, slots=True)
class StepBreakdown:
    """A training step on one device (the busiest one for a pipeline).

    step_s = compute_s + exposed_comm_s + bubble_s; comm_s is the time the links are busy
    (hidden or not); comm_bytes are the bytes the device sends; comm_energy_pj their energy."""

    compute_s: float
    comm_s: float
    exposed_comm_s: float
    bubble_s: float
    step_s: float
    comm_bytes: float
    comm_energy_pj: float


def _time_s(collectives: Sequence[Collective], link: Link, phase: str | None = None) -> float:
    return sum(c.time_s(link) for c in collectives if phase is None or c.phase == phase)


def data_parallel_step(forward_s: float, backward_s: float, update_s: float,
                       collectives: Sequence[Collective], link: Link, *,
                       overlap: bool = False) -> StepBreakdown:
    """A data-parallel or ZeRO step: compute times per phase (seconds) and the step's
    collectives on `link`; with `overlap`, forward and backward collectives hide behind their
    phase's compute."""
    f = _checks.amount(forward_s, "forward_s")
    b = _checks.amount(backward_s, "backward_s")
    u = _checks.amount(update_s, "update_s")
    comm = _time_s(collectives, link)
    exposed = comm
    if overlap:
        hidden = min(_time_s(collectives, link, "forward"), f) + \
            min(_time_s(collectives, link, "backward"), b)
        exposed = comm - hidden
    sent = sum(c.sent_bytes for c in collectives)
    return StepBreakdown(f + b + u, comm, exposed, 0.0, f + b + u + exposed, sent,
                         transfer_energy_pj(link, sent))


def pipeline_step(stage_s: Sequence[float], boundaries: Sequence[Boundary], link: Link,
                  micro_batches: int, update_s: float = 0.0, *, overlap: bool = False,
                  gradient_collectives: Sequence[Collective] = ()) -> StepBreakdown:
    """A GPipe step of p = len(stage_s) stages: `stage_s[s]` is stage s's forward + backward
    seconds for one micro-batch, `boundaries[s]` what crosses between stages s and s + 1 per
    micro-batch, `update_s` the optimizer update after the flush."""
    stages = [_checks.amount(t, f"stage_s[{i}]") for i, t in enumerate(stage_s)]
    p = _checks.count(len(stages), "len(stage_s)")
    if len(boundaries) != p - 1:
        raise _checks.fail("boundaries", f"{p - 1} boundaries for {p} stages", len(boundaries))
    m = _checks.count(micro_batches, "micro_batches")
    u = _checks.amount(update_s, "update_s")
    compute_slot = max(stages)
    comm_slot = max((b.time_s(link) for b in boundaries), default=0.0)
    slot = max(compute_slot, comm_slot) if overlap else compute_slot + comm_slot
    after_flush = _time_s(gradient_collectives, link)
    sent = max(m * ((boundaries[s].forward_bytes if s < p - 1 else 0.0) +
                    (boundaries[s - 1].backward_bytes if s > 0 else 0.0)) for s in range(p))
    sent += sum(c.sent_bytes for c in gradient_collectives)
    exposed = m * (max(0.0, comm_slot - compute_slot) if overlap else comm_slot) + after_flush
    bubble = (p - 1) * slot
    return StepBreakdown(m * compute_slot + u, m * comm_slot + after_flush, exposed, bubble,
                         m * compute_slot + u + exposed + bubble, sent,
                         transfer_energy_pj(link, sent))
