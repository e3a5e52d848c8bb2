"""A training step on D devices: data parallel, ZeRO stages 1-3, or a pipeline of data-parallel
replicas, costed from one device's step (`hwsim.api.estimate`) and the communication models of
`hwsim.distributed`.

Conventions:

- ``batch`` is the batch one device runs per step (data parallel: the global batch is D times
  it); in a pipeline it is the micro-batch, and a step runs `micro_batches` of them.
- Phase times come from the device's step: the forward problems, the backward ones (dgrad and
  wgrad, plus the decompression of saved activations), the optimizer update. ZeRO stages 1-3
  update only their 1/D of the parameters, so the update takes 1/D of the time and energy.
- Gradients travel at the gradients' format, or compressed: ``maxmin`` (CGX bucketed max-min at
  `grad_bits`) or ``natural`` (Natural Compression, sign and exponent of a floating-point
  gradient). Their compress/decompress/reduce work runs on the vector unit (`codec_s`), during the
  backward pass.
- Pipeline boundaries carry the boundary layer's output forward and its gradient backward, at
  the activations' and gradients' formats, or as AC-SGD messages (`act_bits` forward with
  compress-the-change, `act_grad_bits` backward, one fp16 scale per output channel). Stages
  end only at cut points, where one tensor carries everything the rest of the network needs:
  after the layers `cut_after` (a glob of layer names) selects, by default after every residual
  add (an ``add`` of two inputs that does not feed a softmax) when the workload has one (a
  ResNet block, a transformer sub-layer), else after any layer. Between cut points the segments
  are balanced on compute time (`hwsim.distributed.partition_layers`, exact).
- Memory per device: the single-device footprint with the model state a scheme leaves on a
  device (`StateShares`); a pipeline stage holds its layers' state and the saved activations of
  the micro-batches in flight (1F1B by default), on the stage with the highest peak.
"""

from __future__ import annotations

import bisect
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hwsim.api import estimate
from hwsim.distributed import (ACSGD_DELTA, ACSGD_DIRECT, MAXMIN, NATURAL, NONE, Boundary, Codec,
                               Link, StepBreakdown, acsgd_buffer_bytes, acsgd_message_bytes,
                               bucketed_quantized_bytes, data_parallel_step, device_shares,
                               in_flight, natural_compression_bytes, p2p_codec_work,
                               partition_layers, pipeline_step, ring_all_reduce,
                               ring_all_reduce_codec_work, zero_collectives)
from hwsim.distributed.pipeline import SCHEDULES
from hwsim.distributed.zero import SCHEMES as ZERO_SCHEMES
from hwsim.energy.table import energy_table
from hwsim.footprint import Footprint, StateShares, footprint, max_batch
from hwsim.footprint.saved import output_elements
from hwsim.lowering import Pass
from hwsim.result import LayerResult, Result
from hwsim.spec.arch import Arch
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Layer, Linear, VectorOp, Workload
from hwsim.optimizers import parameters
from hwsim.training_config import DEFAULT_TRAINING, TrainingConfig

SCHEMES = (*ZERO_SCHEMES, "pp")
PARALLELISM = "parallelism"    # errors in a `Parallelism` field read "parallelism: <field>: ..."
GRAD_CODECS = ("maxmin", "natural")
FORWARD, BACKWARD, UPDATE = (Pass.FWD,), (Pass.DGRAD, Pass.WGRAD), (Pass.UPDATE,)
TRAIN = FORWARD + BACKWARD


def _check_choice(field: str, value: str, options: tuple[str, ...]) -> None:
    """Refuse a `Parallelism` field whose value is not one of `options`."""
    if value not in options:
        raise SpecError.single(PARALLELISM, field, f"expected one of {', '.join(options)}, "
                               f"got {value!r}")


@dataclass(frozen=True, slots=True)
class Parallelism:
    """How a step is spread over `devices` and what its links and messages are; checked when
    built: a field out of range is a SpecError naming it (``parallelism: grad_bits: ...``),
    which the command line reports under the flag that set it."""

    devices: int = 1
    scheme: str = "dp"
    stages: int = 1
    micro_batches: int = 0          # pipeline: 0 means 4 x stages (GPipe's m >= 4p advice)
    schedule: str = "1f1b"
    link: Link = field(default_factory=lambda: Link(25.0))
    grad_bits: int | None = None
    grad_codec: str = "maxmin"
    act_bits: int | None = None
    act_grad_bits: int | None = None
    overlap: bool = False
    cut_after: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.devices, bool) or not isinstance(self.devices, int) \
                or self.devices < 1:
            raise SpecError.single(PARALLELISM, "devices", f"expected a positive integer, got "
                                   f"{self.devices}")
        _check_choice("scheme", self.scheme, SCHEMES)
        if self.stages < 1 or self.devices % self.stages:
            raise SpecError.single(PARALLELISM, "stages", f"expected a divisor of the "
                                   f"{self.devices} devices, got {self.stages}")
        if self.micro_batches < 0:
            raise SpecError.single(PARALLELISM, "micro_batches", f"expected an integer >= 0, "
                                   f"got {self.micro_batches}")
        _check_choice("schedule", self.schedule, SCHEDULES)
        for name, bits in (("grad_bits", self.grad_bits), ("act_bits", self.act_bits),
                           ("act_grad_bits", self.act_grad_bits)):
            if bits is not None and not 1 <= bits <= 32:
                raise SpecError.single(PARALLELISM, name, f"expected bits in 1..32, got {bits}")
        if self.grad_codec not in GRAD_CODECS:
            raise SpecError.single(PARALLELISM, "grad_codec", f"expected one of "
                                   f"{', '.join(GRAD_CODECS)}, got {self.grad_codec!r}")

    @property
    def replicas(self) -> int:
        return self.devices // self.stages

    @property
    def pipeline_micro_batches(self) -> int:
        return self.micro_batches or 4 * self.stages


def parse_parallel(text: str, devices: int) -> tuple[str, int]:
    """``dp``, ``zero1``..``zero3`` or ``pp:P`` -> (scheme, pipeline stages); SpecError naming
    the `Parallelism` field (``parallelism: scheme``, ``parallelism: stages``) otherwise."""
    scheme, _, stages = text.partition(":")
    if scheme not in SCHEMES or (scheme == "pp") != bool(stages):
        raise SpecError.single(PARALLELISM, "scheme", "expected dp, zero1, zero2, zero3 or "
                               f"pp:STAGES, got {text!r}")
    if scheme != "pp":
        return scheme, 1
    if not stages.isdigit() or int(stages) < 1:
        raise SpecError.single(PARALLELISM, "stages", f"expected a positive integer, got "
                               f"{stages!r}")
    if devices % int(stages):
        raise SpecError.single(PARALLELISM, "stages", f"expected a divisor of the {devices} "
                               f"devices, got {stages}")
    return scheme, int(stages)


@dataclass(frozen=True, slots=True)
class DistributedResult:
    """One device's share of a distributed training step."""

    step: Result
    parallel: Parallelism
    breakdown: StepBreakdown
    memory: Footprint
    codec_s: float
    compute_energy_pj: float
    codec_energy_pj: float
    stage_starts: tuple[int, ...] = (0,)
    device_memory_bytes: float | None = None
    acsgd_buffer_bytes_per_example: float = 0.0

    def totals(self) -> dict[str, Any]:
        b, fp = self.breakdown, self.memory
        out: dict[str, Any] = {
            "step_s": b.step_s, "compute_s": b.compute_s, "comm_s": b.comm_s,
            "exposed_comm_s": b.exposed_comm_s, "bubble_s": b.bubble_s,
            "codec_s": self.codec_s, "comm_bytes": b.comm_bytes,
            "compute_energy_pj": self.compute_energy_pj, "codec_energy_pj": self.codec_energy_pj,
            "comm_energy_pj": b.comm_energy_pj,
            "energy_pj": self.compute_energy_pj + self.codec_energy_pj + b.comm_energy_pj,
            **fp.to_dict(self.device_memory_bytes)}
        if self.parallel.act_bits is not None:
            out["acsgd_buffer_bytes_per_example"] = self.acsgd_buffer_bytes_per_example
        return out

    def to_dict(self) -> dict[str, Any]:
        p = self.parallel
        return {"workload": self.step.workload.name, "arch": self.step.arch.name,
                "mode": "training", "batch_per_device": self.step.batch,
                "parallel": {"devices": p.devices, "scheme": p.scheme, "stages": p.stages,
                             "replicas": p.replicas,
                             "micro_batches": p.pipeline_micro_batches if p.scheme == "pp"
                             else None,
                             "link_gbps": p.link.bandwidth_gbps, "link_latency_s": p.link.latency_s,
                             "link_pj_per_bit": p.link.energy_pj_per_bit,
                             "grad_bits": p.grad_bits, "grad_codec": p.grad_codec,
                             "act_bits": p.act_bits, "act_grad_bits": p.act_grad_bits,
                             "overlap": p.overlap, "cut_after": p.cut_after},
                "stage_starts": list(self.stage_starts),
                "totals": self.totals(), "device_step": self.step.totals()}


def distributed_estimate(workload: Workload, arch: Arch, parallel: Parallelism, *,
                         batch: int | None = None,
                         training: TrainingConfig = DEFAULT_TRAINING) -> DistributedResult:
    """One training step of `workload` on `parallel.devices` devices of `arch` (`training`:
    the optimizer, saved-activation storage and device memory of each device)."""
    _check(workload, parallel)
    # The device step's footprint fits the whole model state; the schemes below fit their share.
    step = estimate(workload, arch, batch=batch,
                    training=replace(training, device_memory_bytes=None))
    if parallel.scheme == "pp":
        return _pipeline(workload, arch, parallel, step, training)
    return _data_parallel(workload, arch, parallel, step, training)


def _check(workload: Workload, parallel: Parallelism) -> None:
    """SpecError if `parallel` does not fit `workload` (its own fields checked themselves)."""
    if parallel.scheme == "pp" and parallel.stages > len(workload.layers):
        raise SpecError.single(PARALLELISM, "stages", f"expected at most the workload's "
                               f"{len(workload.layers)} layers, got {parallel.stages}")


def _per_range(step: Result, passes: tuple[Pass, ...], bounds: Sequence[int],
               value: Callable[[LayerResult], float]) -> list[float]:
    """`value` of a problem summed over the problems of `passes` whose layer lies in each range
    ``bounds[i] <= layer_index < bounds[i + 1]``: one walk over the step's problems, adding in
    their order."""
    sums: list[float] = [0] * (len(bounds) - 1)
    for lr in step.layers:
        if lr.pass_name in passes:
            sums[bisect.bisect_right(bounds, lr.layer_index) - 1] += value(lr)
    return sums


def _seconds(step: Result, passes: tuple[Pass, ...], bounds: Sequence[int]) -> list[float]:
    """Seconds of the problems of `passes` per layer range (`_per_range`)."""
    hz = step.arch.compute.clock_mhz * 1e6
    cycles = _per_range(step, passes, bounds, lambda lr: lr.total_cycles)
    return [c / hz for c in cycles]


def _energy(step: Result, passes: tuple[Pass, ...], bounds: Sequence[int]) -> list[float]:
    """pJ of the problems of `passes` per layer range (`_per_range`)."""
    return _per_range(step, passes, bounds, lambda lr: lr.total_energy_pj)


def _gradient_payload(workload: Workload, parallel: Parallelism,
                      layers: range) -> tuple[int, float, Codec]:
    """(parameter count, gradient bytes on the wire, codec) of `layers`. Max-min buckets carry
    their min and max at the parameters' mean gradient width; natural compression sends the
    sign and exponent of the last layer's gradient format."""
    grads = [(parameters(x), workload.layer_precision(x).gradients)
             for x in workload.layers[layers.start:layers.stop]]
    count = sum(n for n, _ in grads)
    raw_bits = sum(n * g.storage_bits for n, g in grads)
    if parallel.grad_codec == "natural":
        last = grads[-1][1]
        if last.kind != "fp":
            raise SpecError.single(PARALLELISM, "grad_codec", "expected floating-point gradients "
                                   "for natural compression (sign and exponent are sent)")
        return count, natural_compression_bytes(count, last.exponent_bits), NATURAL
    if parallel.grad_bits is None:
        return count, raw_bits / 8, NONE
    meta = int(raw_bits // count) if count else 32
    return count, bucketed_quantized_bytes(count, parallel.grad_bits, meta_bits=meta), MAXMIN


def _all_reduce_codec_ops(elements: int, devices: int, codec: Codec) -> float:
    """Vector operations of a ring all-reduce: the reduction's adds, plus compression and
    decompression when it compresses with `codec`."""
    return sum(w.ops for w in ring_all_reduce_codec_work(elements, devices, codec))


def _codec_cost(arch: Arch, workload: Workload, ops: float) -> tuple[float, float]:
    """Seconds and pJ of `ops` vector operations (one per lane per cycle, an add each)."""
    seconds = ops / arch.vector.lanes / (arch.compute.clock_mhz * 1e6)
    return seconds, ops * energy_table(arch).add_pj(workload.precision.gradients)


def _data_parallel(workload: Workload, arch: Arch, par: Parallelism, step: Result,
                   training: TrainingConfig) -> DistributedResult:
    d, scheme = par.devices, par.scheme
    shares = StateShares(*device_shares(scheme, d))
    update_share = shares.optimizer
    count, grad_bytes, codec = _gradient_payload(workload, par, range(len(workload.layers)))
    weight_bytes = sum(parameters(x) * workload.layer_precision(x).weights.storage_bits / 8
                       for x in workload.layers)
    collectives = zero_collectives(scheme, d, weight_bytes, grad_bytes)
    codec_s, codec_pj = _codec_cost(arch, workload, _all_reduce_codec_ops(count, d, codec))
    whole = (0, len(workload.layers))
    forward_s, backward_s, update_s = (_seconds(step, passes, whole)[0]
                                       for passes in (FORWARD, BACKWARD, UPDATE))
    breakdown = data_parallel_step(forward_s, backward_s + codec_s, update_s * update_share,
                                   collectives, par.link, overlap=par.overlap)
    memory = footprint(workload, training=training, batch=step.batch, shares=shares)
    device_memory = training.device_memory_bytes
    if device_memory is not None:
        max_batch(memory, device_memory, source=workload.path or workload.name)
    energy = _energy(step, TRAIN, whole)[0] + _energy(step, UPDATE, whole)[0] * update_share
    return DistributedResult(step, par, breakdown, memory, codec_s, energy, codec_pj,
                             device_memory_bytes=device_memory)


def _boundary(workload: Workload, par: Parallelism, last: int, batch: int) -> tuple[Boundary,
                                                                                    float]:
    """What crosses after layer `last` per micro-batch, and its codec ops (both sides)."""
    layer = workload.layers[last]
    prec = workload.layer_precision(layer)
    n = output_elements(layer) * batch
    channels = layer.out_channels if isinstance(layer, Conv2d) else \
        layer.out_features if isinstance(layer, Linear) else 1
    fwd = n * prec.activations.storage_bits / 8 if par.act_bits is None else \
        acsgd_message_bytes(n, par.act_bits, channels)
    bwd = n * prec.gradients.storage_bits / 8 if par.act_grad_bits is None else \
        acsgd_message_bytes(n, par.act_grad_bits, channels)
    ops = 0.0
    for bits, codec in ((par.act_bits, ACSGD_DELTA), (par.act_grad_bits, ACSGD_DIRECT)):
        if bits is not None:
            ops += sum(w.ops for w in p2p_codec_work(n, codec))
    return Boundary(fwd, bwd), ops


def _pipeline(workload: Workload, arch: Arch, par: Parallelism, step: Result,
              training: TrainingConfig) -> DistributedResult:
    p, m, layers = par.stages, par.pipeline_micro_batches, len(workload.layers)
    ends = segment_ends(workload, par.cut_after)
    if p > len(ends):
        raise SpecError.single(PARALLELISM, "stages", f"expected at most {len(ends)} stages: "
                               f"the workload has {len(ends) - 1} cut points "
                               f"({PARALLELISM}.cut_after), got {p}")
    cuts = [0, *ends]
    part = partition_layers(_seconds(step, TRAIN, cuts), p)
    bounds = [*(cuts[i] for i in part.starts), layers]
    stages = [range(bounds[s], bounds[s + 1]) for s in range(p)]
    edges = [_boundary(workload, par, bounds[s + 1] - 1, step.batch) for s in range(p - 1)]
    codec_ops = max((edges[s - 1][1] if s else 0.0) + (edges[s][1] if s < p - 1 else 0.0)
                    for s in range(p)) * m
    count, grad_bytes, codec = max((_gradient_payload(workload, par, r) for r in stages),
                                   key=lambda payload: payload[1])
    collectives = (ring_all_reduce(grad_bytes, par.replicas),) if par.replicas > 1 else ()
    codec_ops += _all_reduce_codec_ops(count, par.replicas, codec)
    codec_s, codec_pj = _codec_cost(arch, workload, codec_ops)
    stage_s = [t + codec_s / m for t in part.stage_s]
    update_s = max(_seconds(step, UPDATE, bounds))
    breakdown = pipeline_step(stage_s, [e[0] for e in edges], par.link, m, update_s,
                              overlap=par.overlap, gradient_collectives=collectives)
    memories = [_stage_memory(workload, r, step.batch, training, count)
                for r, count in zip(stages, in_flight(par.schedule, p, m), strict=True)]
    worst = max(range(p), key=lambda s: memories[s].peak_memory_bytes())
    device_memory = training.device_memory_bytes
    if device_memory is not None:
        for memory in memories:
            max_batch(memory, device_memory, source=workload.path or workload.name)
    energy = max(train * m + update for train, update
                 in zip(_energy(step, TRAIN, bounds), _energy(step, UPDATE, bounds), strict=True))
    return DistributedResult(step, par, breakdown, memories[worst], codec_s, energy, codec_pj,
                             tuple(bounds[:-1]), device_memory,
                             _acsgd_buffer_per_example(workload, bounds))


def _acsgd_buffer_per_example(workload: Workload, bounds: list[int]) -> float:
    """AC-SGD's change buffer on the busiest device, per training example: the last message of
    each boundary the stage sends or receives on (`acsgd_buffer_bytes`). The reference code
    keeps it in host memory, so it is reported beside the device's peak, not in it."""
    sides = [acsgd_buffer_bytes(1, output_elements(workload.layers[cut - 1]))
             for cut in bounds[1:-1]]
    return max((sum(sides[max(0, s - 1):s + 1]) for s in range(len(sides) + 1)), default=0.0)


def segment_ends(workload: Workload, cut_after: str | None) -> list[int]:
    """Layer indices (exclusive) where pipeline segments end: after each layer `cut_after`
    matches, by default after residual adds if there are any, else after every layer; the last
    segment ends with the network."""
    layers = workload.layers
    if cut_after is not None:
        cuts = [i for i, x in enumerate(layers) if fnmatch.fnmatchcase(x.name, cut_after)]
    else:
        cuts = [i for i, x in enumerate(layers) if _residual_add(layers, i)]
        cuts = cuts or list(range(len(layers)))
    return sorted({i + 1 for i in cuts if i + 1 < len(layers)} | {len(layers)})


def _residual_add(layers: tuple[Layer, ...], i: int) -> bool:
    """An add of two inputs that does not feed a softmax (an attention mask or bias add does:
    it sits inside the attention block)."""
    x, after = layers[i], layers[i + 1] if i + 1 < len(layers) else None
    return isinstance(x, VectorOp) and x.op == "add" and x.inputs >= 2 and not (
        isinstance(after, VectorOp) and after.op == "softmax")


def _stage_memory(workload: Workload, layers: range, batch: int, training: TrainingConfig,
                  in_flight_count: int) -> Footprint:
    """A stage's footprint at the micro-batch: its layers' model state, and the saved
    activations of `in_flight_count` micro-batches."""
    stage = replace(workload, layers=workload.layers[layers.start:layers.stop])
    return footprint(stage, training=training, batch=batch, in_flight=in_flight_count)
