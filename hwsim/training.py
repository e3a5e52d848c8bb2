"""Training work of one layer: backward-data and backward-weight GEMMs, backward vector work,
and the optimizer update (DESIGN.md, "Training expansion").

For a forward GEMM Y = X W:

- backward-data dX = dY W^T multiplies gradients by weights (precisions G x W);
- backward-weight dW = X^T dY multiplies activations by gradients (A x G).

Convolutions (im2col view, groups g): dgrad is the transposed convolution over the input
positions, ``M = batch*H*W, N = C/g, K = (out/g)*R*S`` (for stride s it runs over the
zero-inserted gradient, s^2 more MACs than the forward pass, as a dense array computes it);
wgrad is ``M = out/g, N = (C/g)*R*S, K = batch*P*Q``. A matmul C = A B with two activation
operands gets dA = dC B^T (G x A) and dB = A^T dC (A x G), the latter under the wgrad pass.

Vector ops run their backward on the vector unit (operations per element: `backward_ops` of
`hwsim.spec.vector_ops`, reading the incoming gradient and the tensor the forward saved). An
embedding's backward scatters gradient rows into its table: one add per element.

The optimizer update runs per parameter on the vector unit with its tensors in DRAM
(`OPTIMIZERS`: operations and state tensors per parameter, plus an fp32 master copy of weights
stored narrower than fp32).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwsim.lower import Problem, gemm, vector

if TYPE_CHECKING:
    from hwsim.footprint.compression import FrequencySplit
from hwsim.precision import NumberFormat, TensorPrecision, parse_format
from hwsim.spec.vector_ops import VECTOR_OP_SPECS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp

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
        return self.state_tensors * parse_format(self.state_format).bits + master


MASTER_BITS = 32

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


def backward_problems(layer: Layer, index: int, fwd: Problem, prec: TensorPrecision,
                      split: FrequencySplit | None = None) -> list[Problem]:
    """Backward work of one layer, given its forward problem; saved activations are read at
    the width they were stored in (`hwsim.footprint.work`)."""
    from hwsim.footprint.work import saved_read_bits, stored_operand_bits

    g, w, a, acc = prec.gradients, prec.weights, prec.activations, prec.accumulator
    name = layer.name
    stored = stored_operand_bits(prec, split)
    if isinstance(layer, Conv2d):
        groups = layer.groups
        batch_pq = fwd.M
        batch = batch_pq // (layer.out_h * layer.out_w)
        hw = batch * layer.in_h * layer.in_w
        out_g, in_g = layer.out_channels // groups, layer.in_channels // groups
        rs = layer.kernel_h * layer.kernel_w
        problems = [gemm(f"{name}.dgrad", index, "dgrad", (g, w, g, acc), hw, in_g,
                         out_g * rs, groups, batch_pq * out_g),
                    gemm(f"{name}.wgrad", index, "wgrad", (g, a, g, acc), out_g, in_g * rs,
                         batch_pq, groups)]
        for problem in problems:
            problem.from_conv = 1
        problems[1].b_store_bits = stored
        return problems
    if isinstance(layer, Linear):
        problems = [gemm(f"{name}.dgrad", index, "dgrad", (g, w, g, acc), fwd.M, fwd.K, fwd.N,
                         1),
                    gemm(f"{name}.wgrad", index, "wgrad", (g, a, g, acc), fwd.N, fwd.K, fwd.M,
                         1)]
        problems[1].b_store_bits = stored
        return problems
    if isinstance(layer, Matmul):
        problems = [gemm(f"{name}.dgrad", index, "dgrad", (g, a, g, acc), fwd.M, fwd.K, fwd.N,
                         fwd.count),
                    gemm(f"{name}.wgrad", index, "wgrad", (a, g, g, acc), fwd.K, fwd.N, fwd.M,
                         fwd.count)]
        problems[0].b_store_bits = stored
        return problems
    if isinstance(layer, Embedding):
        return [vector(f"{name}.wgrad", index, "wgrad", (g, w, w, acc), fwd.vector_elements,
                       1, g.bits + w.bits, w.bits)]
    assert isinstance(layer, VectorOp)
    ops = VECTOR_OP_SPECS[layer.op].backward_ops
    return [vector(f"{name}.dgrad", index, "dgrad", (g, a, g, acc), fwd.vector_elements, ops,
                   g.bits + saved_read_bits(layer, prec, split), layer.inputs * g.bits)]


def optimizer_update(layer: Layer, index: int, prec: TensorPrecision,
                     optimizer: str) -> Problem | None:
    """The update of a parameter-holding layer's weights, or None."""
    count = parameters(layer)
    if not count:
        return None
    opt = OPTIMIZERS[optimizer]
    w, g = prec.weights, prec.gradients
    state_bits = opt.state_bits(w)
    reads = w.bits + g.bits + state_bits
    writes = w.bits + state_bits
    return vector(f"{layer.name}.update", index, "update", (w, g, w, prec.accumulator), count,
                  opt.ops_per_parameter, reads, writes, in_dram=True)
