"""Lower workload layers to Problems: the GEMM view (M, N, K, count) or vector work.

The result is a `ProblemTable`, struct-of-arrays (one int64 entry per problem), which is all the
kernels see. Conventions (DESIGN.md):

- conv2d, im2col view: ``M = batch*P*Q``, ``N = out_channels/groups``,
  ``K = (in_channels/groups)*R*S``, ``count = groups`` (groups are independent GEMMs, run one
  after another as SCALE-Sim runs its per-channel depthwise layers).
- linear: ``M = batch*rows``, ``N = out_features``, ``K = in_features``.
- matmul: ``M, N, K`` as given, ``count = batch*count``.
- vector ops: ``elements = batch*elements`` outputs, each costing ``ops_per_element``.
- embedding: vector work of ``batch*tokens*embedding_dim`` elements at 0 ops per element (a
  lookup moves table rows, it computes nothing); its operand is the table, so it carries the
  weights' width.

Operand A (SCALE-Sim's ifmap) is M x K, operand B (filter) is K x N, the output (ofmap) M x N.
`a_unique` is the number of distinct A elements per GEMM: for a convolution the input feature map
(C/groups x H x W x batch, without padding) that the im2col rows are drawn from; the memory model
fetches unique data from DRAM while the array reads the im2col stream from SRAM.

Inference only here; training adds backward-data and backward-weight problems per layer through
`PASS_CODES` (the `passes` argument names which passes to emit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.precision import NumberFormat, TensorPrecision
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp, Workload

PASS_CODES = {"fwd": 0, "dgrad": 1, "wgrad": 2}
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ProblemTable:
    """One row per problem; every array has the same length. Counts are int64.

    `formats` holds, per problem, the formats of operand A, operand B, the output and the
    accumulator (the bit widths below are theirs); they price the problem's energy.
    """

    names: tuple[str, ...]
    formats: tuple[tuple[NumberFormat, NumberFormat, NumberFormat, NumberFormat], ...]
    layer_index: IntArray
    pass_code: IntArray
    is_vector: IntArray
    M: IntArray
    N: IntArray
    K: IntArray
    count: IntArray
    a_unique: IntArray
    a_bits: IntArray
    b_bits: IntArray
    out_bits: IntArray
    acc_bits: IntArray
    vector_elements: IntArray
    vector_ops_per_element: IntArray
    vector_inputs: IntArray

    def __len__(self) -> int:
        return len(self.names)

    @property
    def macs(self) -> IntArray:
        return self.M * self.N * self.K * self.count * (1 - self.is_vector)


_INT_FIELDS = ("layer_index", "pass_code", "is_vector", "M", "N", "K", "count", "a_unique",
               "a_bits", "b_bits", "out_bits", "acc_bits", "vector_elements",
               "vector_ops_per_element", "vector_inputs")


def _gemm_row(layer: Layer, batch: int) -> tuple[int, int, int, int, int]:
    """(M, N, K, count, a_unique) of a MAC layer's forward pass."""
    if isinstance(layer, Conv2d):
        g = layer.groups
        m = batch * layer.out_h * layer.out_w
        k = (layer.in_channels // g) * layer.kernel_h * layer.kernel_w
        unique = batch * (layer.in_channels // g) * layer.in_h * layer.in_w
        return m, layer.out_channels // g, k, g, min(unique, m * k)
    if isinstance(layer, Linear):
        m = batch * layer.rows
        return m, layer.out_features, layer.in_features, 1, m * layer.in_features
    assert isinstance(layer, Matmul)
    return layer.M, layer.N, layer.K, batch * layer.count, layer.M * layer.K


def operand_formats(layer: Layer, prec: TensorPrecision
                    ) -> tuple[NumberFormat, NumberFormat, NumberFormat, NumberFormat]:
    """Forward-pass formats of (A, B, output, accumulator): activations times weights, except
    a matmul (two activations), vector work (activations) and an embedding (table rows)."""
    if isinstance(layer, Embedding):
        return prec.weights, prec.weights, prec.weights, prec.accumulator
    weights_b = isinstance(layer, (Conv2d, Linear))
    return (prec.activations, prec.weights if weights_b else prec.activations,
            prec.activations, prec.accumulator)


def lower(workload: Workload, *, batch: int | None = None) -> ProblemTable:
    """Lower every layer of `workload` (inference: forward pass only)."""
    batch = batch or workload.batch
    names: list[str] = []
    formats: list[tuple[NumberFormat, NumberFormat, NumberFormat, NumberFormat]] = []
    cols: dict[str, list[int]] = {f: [] for f in _INT_FIELDS}
    for index, layer in enumerate(workload.layers):
        fmts = operand_formats(layer, workload.layer_precision(layer))
        row = dict.fromkeys(_INT_FIELDS, 0)
        row.update(layer_index=index, pass_code=PASS_CODES["fwd"], count=1,
                   a_bits=fmts[0].bits, b_bits=fmts[1].bits, out_bits=fmts[2].bits,
                   acc_bits=fmts[3].bits, vector_inputs=1)
        if isinstance(layer, VectorOp):
            row.update(is_vector=1, vector_elements=batch * layer.elements,
                       vector_ops_per_element=layer.ops_per_element, vector_inputs=layer.inputs)
        elif isinstance(layer, Embedding):
            row.update(is_vector=1, vector_elements=batch * layer.tokens * layer.embedding_dim,
                       vector_ops_per_element=0)
        else:
            m, n, k, count, unique = _gemm_row(layer, batch)
            row.update(M=m, N=n, K=k, count=count, a_unique=unique)
        names.append(layer.name)
        formats.append(fmts)
        for field in _INT_FIELDS:
            cols[field].append(row[field])
    arrays = {f: np.asarray(v, dtype=np.int64) for f, v in cols.items()}
    return ProblemTable(names=tuple(names), formats=tuple(formats), **arrays)
