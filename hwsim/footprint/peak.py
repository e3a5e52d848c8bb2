"""Peak memory of a training step from live ranges, and the largest batch a device holds.

The step runs the forward pass layer by layer, the backward pass in reverse, then the optimizer
update (the order `hwsim.lowering.lower` expands). Live at each point:

- weights and optimizer states, always;
- a layer's weight gradient from its backward step until the update (gradients are allocated
  when first written, as PyTorch does with ``zero_grad(set_to_none=True)``, its default);
- the tensors a layer saves (`saved_tensors`), from its forward step through its backward step;
- the working tensors of the running step: in the forward pass the layer's input (unless the
  saved copy is the input itself) and its output at the activations' width; in the backward pass
  the incoming gradient (output-sized) and the outgoing one (input-sized) at the gradients' width;
- on a pipeline stage with `in_flight` micro-batches in flight (`hwsim.distributed.in_flight`),
  the saved tensors of the `in_flight` - 1 earlier ones, waiting for their backward pass, at
  every step (each micro-batch keeps its own, batchnorm statistics included).

Every term is either fixed or proportional to the batch, so the memory at each step is
``fixed + per_sample * batch``: the peak at any batch is the largest of these lines, and the
largest batch that fits a device is the smallest per-step bound (no search needed).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.footprint.model_state import WHOLE_STATE, StateShares, model_state
from hwsim.footprint.saved import SavedTensor, input_elements, output_elements, saved_tensors
from hwsim.precision import TensorPrecision
from hwsim.spec.errors import SpecError
from hwsim.spec.layer_shape import shape_key
from hwsim.spec.workload import Layer, Workload
from hwsim.training_config import DEFAULT_TRAINING, FrequencySplit, TrainingConfig

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Footprint:
    """Memory of one training step on one device (bytes).

    `steps` names each point of the timeline; `fixed_bytes` and `per_sample_bytes` give the
    memory live there as ``fixed + per_sample * batch``. `saved` are one micro-batch's saved
    tensors (`saved_by_layer`: each layer's name and its tensors, named after the first layer
    of its shape), of which `in_flight` micro-batches are held.
    """

    batch: int
    weights_bytes: float
    gradients_bytes: float
    optimizer_state_bytes: float
    saved_by_layer: tuple[tuple[str, tuple[SavedTensor, ...]], ...]
    steps: tuple[str, ...]
    fixed_bytes: FloatArray
    per_sample_bytes: FloatArray
    in_flight: int = 1

    @property
    def saved(self) -> tuple[SavedTensor, ...]:
        """One micro-batch's saved tensors, each named after its layer."""
        return tuple(SavedTensor(name, t.what, t.elements, t.bits, t.per_sample, t.compressible,
                                 t.aliases_input)
                     for name, tensors in self.saved_by_layer for t in tensors)

    @property
    def model_state_bytes(self) -> float:
        return self.weights_bytes + self.gradients_bytes + self.optimizer_state_bytes

    def activation_bytes(self, batch: int | None = None) -> float:
        """All saved activations of the micro-batches in flight (live together at the end of the
        forward pass)."""
        return sum(t.bytes(batch or self.batch) for _ in range(self.in_flight)
                   for _, tensors in self.saved_by_layer for t in tensors)

    def memory_bytes(self, batch: int | None = None) -> FloatArray:
        """Bytes live at each step."""
        return self.fixed_bytes + self.per_sample_bytes * (batch or self.batch)

    def peak_memory_bytes(self, batch: int | None = None) -> float:
        return float(self.memory_bytes(batch).max())

    def peak_step(self, batch: int | None = None) -> str:
        return self.steps[int(self.memory_bytes(batch).argmax())]

    def to_dict(self, device_memory_bytes: float | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "weights_bytes": self.weights_bytes, "gradients_bytes": self.gradients_bytes,
            "optimizer_state_bytes": self.optimizer_state_bytes,
            "model_state_bytes": self.model_state_bytes,
            "activation_bytes": self.activation_bytes(),
            "peak_memory_bytes": self.peak_memory_bytes(), "peak_step": self.peak_step()}
        if device_memory_bytes is not None:
            out["device_memory_bytes"] = device_memory_bytes
            out["max_batch"] = max_batch(self, device_memory_bytes)
        return out


@dataclass(frozen=True, slots=True)
class _LayerMemory:
    """What one distinct layer (`hwsim.spec.layer_shape`) adds to the timeline, per sample
    unless fixed (bytes): its saved tensors (`saved`, named after the first such layer), their
    fixed and per-sample bytes, and the working tensors of its forward and backward steps."""

    saved: tuple[SavedTensor, ...]
    saved_fixed: float
    saved_per_sample: float
    forward_work: float
    backward_work: float

    @staticmethod
    def of(layer: Layer, prec: TensorPrecision, split: FrequencySplit | None) -> _LayerMemory:
        saved = saved_tensors(layer, prec, split)
        fixed = per_sample = 0
        for t in saved:
            if t.per_sample:
                per_sample += t.bytes(1)
            else:
                fixed += t.bytes(1)
        outputs, inputs = output_elements(layer), input_elements(layer)
        work = outputs * prec.activations.storage_bits / 8
        if not any(t.aliases_input for t in saved):
            work += inputs * prec.activations.storage_bits / 8
        backward = (outputs + inputs) * prec.gradients.storage_bits / 8
        return _LayerMemory(saved, fixed, per_sample, work, backward)


def footprint(workload: Workload, *, training: TrainingConfig = DEFAULT_TRAINING,
              batch: int | None = None, shares: StateShares = WHOLE_STATE,
              in_flight: int = 1) -> Footprint:
    """The memory timeline of one training step of `workload` on one device holding `shares`
    of the model state and the saved activations of `in_flight` micro-batches; `training`
    gives the optimizer (its state) and the storage of saved activations (its `split`)."""
    layers = workload.layers
    split = training.split
    states = model_state(workload, training.optimizer, shares)
    grad_at = {s.layer_index: s.gradients_bytes for s in states}
    always = sum(s.weights_bytes + s.optimizer_bytes for s in states)
    by_shape: dict[Hashable, _LayerMemory] = {}
    memory: list[_LayerMemory] = []
    for layer in layers:   # each distinct layer's memory once (see `_LayerMemory`)
        key = shape_key(layer)
        one = by_shape.get(key)
        if one is None:
            one = by_shape[key] = _LayerMemory.of(layer, workload.layer_precision(layer), split)
        memory.append(one)

    # The live bytes step by step, as running sums: forward steps add each layer's saved
    # tensors; a backward step first adds the layer's weight gradient, then frees its saved
    # tensors. np.cumsum adds in order, one value at a time, as a loop would.
    n = len(layers)
    saved_fixed = np.asarray([m.saved_fixed for m in memory], dtype=np.float64)
    saved_sample = np.asarray([m.saved_per_sample for m in memory], dtype=np.float64)
    grads = np.zeros(n)
    grads[list(grad_at)] = list(grad_at.values())
    fixed_fwd = np.cumsum(np.concatenate([[always], saved_fixed]))
    sample_fwd = np.cumsum(np.concatenate([[0.0], saved_sample]))
    steps_back = np.empty(2 * n)          # last layer first: + gradient, - saved, ...
    steps_back[0::2], steps_back[1::2] = grads[::-1], -saved_fixed[::-1]
    fixed_back = np.cumsum(np.concatenate([fixed_fwd[-1:], steps_back]))
    sample_back = np.cumsum(np.concatenate([sample_fwd[-1:], -saved_sample[::-1]]))
    work_fwd = np.asarray([m.forward_work for m in memory], dtype=np.float64)
    work_back = np.asarray([m.backward_work for m in memory[::-1]], dtype=np.float64)
    names = [f"{layer.name}.fwd" for layer in layers]
    names += [f"{layer.name}.bwd" for layer in reversed(layers)]
    names.append("update")
    fixed = np.concatenate([fixed_fwd[1:], fixed_back[1::2], fixed_back[-1:]])
    per_sample = np.concatenate([sample_fwd[1:] + work_fwd, sample_back[:-1] + work_back,
                                 [max(0.0, float(sample_back[-1]))]])
    saved = tuple((layer.name, mem.saved) for layer, mem in zip(layers, memory, strict=True))
    waiting = in_flight - 1     # earlier micro-batches' saved tensors, at every step
    waiting_fixed = waiting_sample = 0.0
    if waiting:
        waiting_fixed = waiting * sum(t.bytes(1) for mem in memory for t in mem.saved
                                      if not t.per_sample)
        waiting_sample = waiting * sum(t.bytes(1) for mem in memory for t in mem.saved
                                       if t.per_sample)
    return Footprint(batch or workload.batch,
                     sum(s.weights_bytes for s in states), sum(grad_at.values()),
                     sum(s.optimizer_bytes for s in states), saved, tuple(names),
                     fixed + waiting_fixed, per_sample + waiting_sample,
                     in_flight)


def max_batch(fp: Footprint, device_memory_bytes: float, *, source: str = "workload") -> int:
    """The largest batch whose peak memory fits `device_memory_bytes`; SpecError (naming the
    memory needed at batch 1) if not even one sample fits."""
    need_one = fp.peak_memory_bytes(1)
    if need_one > device_memory_bytes:
        raise SpecError.single(source, "device memory", f"expected at least {need_one:.0f} bytes "
                               f"({need_one / 2**30:.3f} GiB) to train at batch 1, got "
                               f"{device_memory_bytes:.0f} bytes "
                               f"({device_memory_bytes / 2**30:.3f} GiB)")
    room = device_memory_bytes - fp.fixed_bytes
    slopes = fp.per_sample_bytes
    bounds = np.floor(room[slopes > 0] / slopes[slopes > 0])
    return int(bounds.min()) if bounds.size else np.iinfo(np.int64).max
