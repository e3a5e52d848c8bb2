"""What training updates: the parameters a layer trains, and the optimizers that update them
(operations per parameter on the vector unit, and the state they keep per parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear


@dataclass(frozen=True, slots=True)
class Optimizer:
    """Per-parameter update cost: operations, and the state tensors read and written."""

    name: str
    ops_per_parameter: int
    state_tensors: int
    state_format: str
    reference: str
    master_weights: bool = True

    def state_bits(self, weights: NumberFormat) -> int:
        """Optimizer-state bits per parameter: its state tensors, plus an fp32 master copy of
        the weights when they are stored narrower than fp32 (mixed-precision training keeps
        one, Micikevicius et al., ICLR 2018, Sec. 3.1; ZeRO's K = 12 for Adam is 4 + 4 + 4)."""
        master = MASTER_BITS if self.master_weights and weights.bits < MASTER_BITS else 0
        return self.state_tensors * _format_bits(self.state_format) + master


MASTER_BITS = 32


@cache
def _format_bits(name: str) -> int:
    """Bits of the named format (parsed once: every parameter-holding layer asks)."""
    return parse_format(name).bits

# SGD with momentum: v = mu v + g + wd w; w -= lr v (4 operations, 1 state).
# Adam: m, v moving averages, bias corrections, sqrt, divide, update (12 operations, 2 states).
# Madam (LNS-Madam): w <- w 2^(-lr g/g* sign(w)), an integer add of the log weight after
# normalising g by its running RMS g* (3 operations, 1 state), all in the log domain.
OPTIMIZERS = {
    "sgd": Optimizer("sgd", 4, 1, "fp32", "SGD with momentum (PyTorch torch.optim.SGD)"),
    "adam": Optimizer("adam", 12, 2, "fp32", "Kingma & Ba 2015, Algorithm 1"),
    "madam": Optimizer("madam", 3, 1, "fp16",
                       "Zhao et al., LNS-Madam, 2022: multiplicative update as a log-domain add "
                       "on the stored LNS weights, no full-precision master copy",
                       master_weights=False),
}


def parameters(layer: Layer) -> int:
    """Trainable parameters (weights; biases and norm affine parameters are not counted)."""
    if isinstance(layer, Conv2d):
        return layer.out_channels * (layer.in_channels // layer.groups) * \
            layer.kernel_h * layer.kernel_w
    if isinstance(layer, Linear):
        return layer.in_features * layer.out_features
    if isinstance(layer, Embedding):
        return layer.num_embeddings * layer.embedding_dim
    return 0
