"""Training work of one layer: backward-data and backward-weight GEMMs, backward vector work,
and the optimizer update.

For a forward GEMM Y = X W:

- backward-data dX = dY W^T multiplies gradients by weights (precisions G x W);
- backward-weight dW = X^T dY multiplies activations by gradients (A x G).

The GEMMs take weights and activations in their backward formats when the precision sets them
(`TensorPrecision.backward_weights`, `backward_activations`), else in their forward formats.

Convolutions (im2col view, groups g): dgrad is the transposed convolution over the input
positions, ``M = batch*H*W, N = C/g, K = (out/g)*R*S`` (for stride s it runs over the
zero-inserted gradient, s^2 more MACs than the forward pass, as a dense array computes it);
wgrad is ``M = out/g, N = (C/g)*R*S, K = batch*P*Q``. A matmul C = A B with two activation
operands gets dA = dC B^T (G x A) and dB = A^T dC (A x G), the latter under the wgrad pass.

Vector ops run their backward on the vector unit (operations per element: `backward_ops` of
`hwsim.spec.vector_ops`, reading the incoming gradient and the tensor the forward saved). An
embedding's backward scatters gradient rows into its table: one add per element.

The optimizer update runs per parameter on the vector unit with its tensors in DRAM
(`hwsim.optimizers.OPTIMIZERS`: operations and state tensors per parameter, plus an fp32 master
copy of weights stored narrower than fp32).
"""

from __future__ import annotations

from hwsim.footprint.compression import FrequencySplit
from hwsim.lowering.compression import saved_read_bits, stored_operand_bits
from hwsim.lowering.problem import Pass, Problem, gemm, vector
from hwsim.optimizers import OPTIMIZERS, parameters
from hwsim.precision import TensorPrecision
from hwsim.spec.vector_ops import VECTOR_OP_SPECS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp


def backward_problems(layer: Layer, index: int, fwd: Problem, prec: TensorPrecision,
                      split: FrequencySplit | None = None) -> list[Problem]:
    """Backward work of one layer, given its forward problem; saved activations are read at
    the width they were stored in (`hwsim.lowering.compression`)."""
    g, acc = prec.gradients, prec.accumulator
    w, a = prec.weights_backward, prec.activations_backward   # GEMM operands
    name = layer.name
    stored = stored_operand_bits(prec, split)
    if isinstance(layer, Conv2d):
        groups = layer.groups
        batch_pq = fwd.M
        batch = batch_pq // (layer.out_h * layer.out_w)
        hw = batch * layer.in_h * layer.in_w
        out_g, in_g = layer.out_channels // groups, layer.in_channels // groups
        rs = layer.kernel_h * layer.kernel_w
        problems = [gemm(f"{name}.dgrad", index, Pass.DGRAD, (g, w, g, acc), hw, in_g,
                         out_g * rs, groups, batch_pq * out_g),
                    gemm(f"{name}.wgrad", index, Pass.WGRAD, (g, a, g, acc), out_g, in_g * rs,
                         batch_pq, groups)]
        for problem in problems:
            problem.from_conv = 1
        problems[1].b_store_bits = stored
        return problems
    if isinstance(layer, Linear):
        problems = [gemm(f"{name}.dgrad", index, Pass.DGRAD, (g, w, g, acc), fwd.M, fwd.K, fwd.N,
                         1),
                    gemm(f"{name}.wgrad", index, Pass.WGRAD, (g, a, g, acc), fwd.N, fwd.K, fwd.M,
                         1)]
        problems[1].b_store_bits = stored
        return problems
    if isinstance(layer, Matmul):
        problems = [gemm(f"{name}.dgrad", index, Pass.DGRAD, (g, a, g, acc), fwd.M, fwd.K, fwd.N,
                         fwd.count),
                    gemm(f"{name}.wgrad", index, Pass.WGRAD, (a, g, g, acc), fwd.K, fwd.N, fwd.M,
                         fwd.count)]
        problems[0].b_store_bits = stored
        return problems
    w, a = prec.weights, prec.activations
    if isinstance(layer, Embedding):
        return [vector(f"{name}.wgrad", index, Pass.WGRAD, (g, w, w, acc), fwd.vector_elements,
                       1, g.storage_bits + w.storage_bits, w.storage_bits)]
    assert isinstance(layer, VectorOp)
    ops = VECTOR_OP_SPECS[layer.op].backward_ops
    return [vector(f"{name}.dgrad", index, Pass.DGRAD, (g, a, g, acc), fwd.vector_elements, ops,
                   g.storage_bits + saved_read_bits(layer, prec, split),
                   layer.inputs * g.storage_bits)]


def optimizer_update(layer: Layer, index: int, prec: TensorPrecision,
                     optimizer: str) -> Problem | None:
    """The update of a parameter-holding layer's weights, or None."""
    count = parameters(layer)
    if not count:
        return None
    opt = OPTIMIZERS[optimizer]
    w, g = prec.weights, prec.gradients
    state_bits = opt.state_bits(w)
    reads = w.storage_bits + g.storage_bits + state_bits
    writes = w.storage_bits + state_bits
    return vector(f"{layer.name}.update", index, Pass.UPDATE, (w, g, w, prec.accumulator), count,
                  opt.ops_per_parameter, reads, writes, in_dram=True)
