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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.footprint.model_state import WHOLE_STATE, StateShares, model_state
from hwsim.footprint.saved import SavedTensor, input_elements, output_elements, saved_tensors
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Workload
from hwsim.training_config import DEFAULT_TRAINING, TrainingConfig

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Footprint:
    """Memory of one training step on one device (bytes).

    `steps` names each point of the timeline; `fixed_bytes` and `per_sample_bytes` give the
    memory live there as ``fixed + per_sample * batch``. `saved` are one micro-batch's saved
    tensors, of which `in_flight` micro-batches are held.
    """

    batch: int
    weights_bytes: float
    gradients_bytes: float
    optimizer_state_bytes: float
    saved: tuple[SavedTensor, ...]
    steps: tuple[str, ...]
    fixed_bytes: FloatArray
    per_sample_bytes: FloatArray
    in_flight: int = 1

    @property
    def model_state_bytes(self) -> float:
        return self.weights_bytes + self.gradients_bytes + self.optimizer_state_bytes

    def activation_bytes(self, batch: int | None = None) -> float:
        """All saved activations of the micro-batches in flight (live together at the end of the
        forward pass)."""
        return sum(t.bytes(batch or self.batch) for _ in range(self.in_flight) for t in self.saved)

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
    saved = [saved_tensors(layer, workload.layer_precision(layer), split) for layer in layers]

    def saved_split(index: int) -> tuple[float, float]:
        fixed = sum(t.bytes(1) for t in saved[index] if not t.per_sample)
        return fixed, sum(t.bytes(1) for t in saved[index] if t.per_sample)

    names: list[str] = []
    fixed: list[float] = []
    per_sample: list[float] = []
    live_fixed, live_sample = always, 0.0
    for i, layer in enumerate(layers):                       # forward
        prec = workload.layer_precision(layer)
        f, s = saved_split(i)
        live_fixed, live_sample = live_fixed + f, live_sample + s
        aliased = any(t.aliases_input for t in saved[i])
        work = output_elements(layer) * prec.activations.storage_bits / 8
        if not aliased:
            work += input_elements(layer) * prec.activations.storage_bits / 8
        names.append(f"{layer.name}.fwd")
        fixed.append(live_fixed)
        per_sample.append(live_sample + work)
    for i in reversed(range(len(layers))):                   # backward
        layer = layers[i]
        g_bits = workload.layer_precision(layer).gradients.storage_bits
        live_fixed += grad_at.get(i, 0.0)
        work = (output_elements(layer) + input_elements(layer)) * g_bits / 8
        names.append(f"{layer.name}.bwd")
        fixed.append(live_fixed)
        per_sample.append(live_sample + work)
        f, s = saved_split(i)                                # freed after its backward
        live_fixed, live_sample = live_fixed - f, live_sample - s
    names.append("update")
    fixed.append(live_fixed)
    per_sample.append(max(0.0, live_sample))
    one = tuple(t for ts in saved for t in ts)
    waiting = in_flight - 1
    waiting_fixed = waiting * sum(t.bytes(1) for t in one if not t.per_sample)
    waiting_sample = waiting * sum(t.bytes(1) for t in one if t.per_sample)
    return Footprint(batch or workload.batch,
                     sum(s.weights_bytes for s in states), sum(grad_at.values()),
                     sum(s.optimizer_bytes for s in states), one, tuple(names),
                     np.asarray(fixed) + waiting_fixed, np.asarray(per_sample) + waiting_sample,
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
