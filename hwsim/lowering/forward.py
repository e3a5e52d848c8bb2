"""The forward pass of one layer as a problem: the GEMM view (M, N, K, count) or vector work.

- conv2d, im2col view: ``M = batch*P*Q``, ``N = out_channels/groups``,
  ``K = (in_channels/groups)*R*S``, ``count = groups`` (groups are independent GEMMs, run one
  after another as SCALE-Sim runs its per-channel depthwise layers).
- linear: ``M = batch*rows``, ``N = out_features``, ``K = in_features``.
- matmul: ``M, N, K`` as given, ``count = batch*count``.
- vector ops: ``elements = batch*elements`` outputs, each costing ``ops_per_element``.
- embedding: vector work of ``batch*tokens*embedding_dim`` elements at 0 ops per element (a
  lookup moves table rows, it computes nothing); its operand is the table, so it carries the
  weights' width.
"""

from __future__ import annotations

from hwsim.lowering.problem import Formats, Pass, Problem, gemm, vector
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, Workload


def forward_problem(layer: Layer, index: int, formats: Formats, batch: int,
                    b_store_bits: int = 0) -> Problem:
    """The forward pass of one layer; `b_store_bits` (0: B's own width) is the width its
    weights are stored in (`weight_store_bits`)."""
    problem = _forward_problem(layer, index, formats, batch)
    problem.b_store_bits = b_store_bits
    return problem


def _forward_problem(layer: Layer, index: int, formats: Formats, batch: int) -> Problem:
    a, _, out, _ = formats
    if isinstance(layer, Conv2d):
        g = layer.groups
        m = batch * layer.out_h * layer.out_w
        k = (layer.in_channels // g) * layer.kernel_h * layer.kernel_w
        unique = batch * (layer.in_channels // g) * layer.in_h * layer.in_w
        problem = gemm(layer.name, index, Pass.FWD, formats, m, layer.out_channels // g, k, g,
                       unique)
        problem.from_conv = 1
        return problem
    if isinstance(layer, Linear):
        return gemm(layer.name, index, Pass.FWD, formats, batch * layer.rows, layer.out_features,
                    layer.in_features, 1)
    if isinstance(layer, Matmul):
        return gemm(layer.name, index, Pass.FWD, formats, layer.M, layer.N, layer.K,
                    batch * layer.count)
    if isinstance(layer, Embedding):
        return vector(layer.name, index, Pass.FWD, formats,
                      batch * layer.tokens * layer.embedding_dim, 0, a.storage_bits,
                      out.storage_bits)
    return vector(layer.name, index, Pass.FWD, formats, batch * layer.elements,
                  layer.ops_per_element, layer.inputs * a.storage_bits, out.storage_bits)


def operand_formats(layer: Layer, workload: Workload) -> Formats:
    """Forward-pass formats of (A, B, output, accumulator): activations times weights, except
    a matmul (two activations), vector work (activations) and an embedding (table rows)."""
    prec = workload.layer_precision(layer)
    if isinstance(layer, Embedding):
        return prec.weights, prec.weights, prec.weights, prec.accumulator
    weights_b = isinstance(layer, (Conv2d, Linear))
    return (prec.activations, prec.weights if weights_b else prec.activations,
            prec.activations, prec.accumulator)


def weight_store_bits(layer: Layer, workload: Workload) -> int:
    """Width the weights operand of a conv or linear layer is stored in when its precision
    stores them wider than it uses them (`TensorPrecision.stored_weights`); 0 otherwise. The
    used weights are the stored ones' most significant bits, so the stored format must be an
    integer of the same kind and at least as wide (else a SpecError)."""
    prec = workload.layer_precision(layer)
    stored, used = prec.stored_weights, prec.weights
    if not isinstance(layer, (Conv2d, Linear)) or stored is None:
        return 0
    if stored.kind not in ("int", "uint") or stored.kind != used.kind or stored.bits < used.bits:
        raise SpecError.single(workload.path or workload.name,
                               f"{layer.name}: precision.stored_weights",
                               f"expected an integer format of the weights' kind at least as "
                               f"wide as the weights ({used.name}), got {stored.name}")
    return stored.bits
