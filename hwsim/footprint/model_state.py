"""Model state of a training step: weights, weight gradients and optimizer states, per layer.

Bytes per parameter follow each layer's formats: weights and gradients at their own widths, the
optimizer's state tensors plus, for optimizers that keep one, an fp32 master copy of weights
stored narrower than fp32 (`hwsim.optimizers.Optimizer.state_bits`). With fp16 weights and
gradients and Adam this is ZeRO's (2 + 2 + 12) bytes per parameter (Rajbhandari et al., SC'20,
Sec. 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.spec.workload import Workload
from hwsim.optimizers import OPTIMIZERS, parameters


@dataclass(frozen=True, slots=True)
class StateShares:
    """The fraction of each model-state tensor one device holds (1 = all of it): ZeRO stage 1
    keeps 1/D of the optimizer states, stage 2 also of the gradients, stage 3 also of the
    weights (`hwsim.distributed.zero`)."""

    weights: float = 1.0
    gradients: float = 1.0
    optimizer: float = 1.0


WHOLE_STATE = StateShares()   # one device holds all of the model state


@dataclass(frozen=True, slots=True)
class LayerState:
    """One parameter-holding layer's model state, in bytes."""

    layer_index: int
    parameters: int
    weights_bytes: float
    gradients_bytes: float
    optimizer_bytes: float


def model_state(workload: Workload, optimizer: str,
                shares: StateShares = WHOLE_STATE) -> tuple[LayerState, ...]:
    """Model state one device holds of every layer that has parameters, in layer order."""
    opt = OPTIMIZERS[optimizer]
    state_bits: dict[int, int] = {}   # by weights format object (layers share a few)
    out = []
    for index, layer in enumerate(workload.layers):
        count = parameters(layer)
        if not count:
            continue
        prec = workload.layer_precision(layer)
        bits = state_bits.get(id(prec.weights))
        if bits is None:
            bits = state_bits[id(prec.weights)] = opt.state_bits(prec.weights)
        out.append(LayerState(index, count, shares.weights * count * prec.weights.storage_bits / 8,
                              shares.gradients * count * prec.gradients.storage_bits / 8,
                              shares.optimizer * count * bits / 8))
    return tuple(out)
