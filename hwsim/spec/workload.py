"""Workload spec: the layers of a network, their shapes, batch and precisions.

A workload file (``workloads/*.yaml``, ``version: 1``) looks like::

    version: 1
    name: resnet18
    source: "ResNet-18 (He et al. 2016), 224x224 input, shapes from hwsim/zoo"
    batch: 1
    arch: tpu_like                # optional: the arch `hwsim estimate` uses without --arch
    precision: {weights: int8, activations: int8, gradients: int8, accumulator: int32}
    layers:
      - {name: conv1, op: conv2d, in_channels: 3, out_channels: 64, input: [224, 224],
         kernel: 7, stride: 2, padding: 3}
      - {name: relu1, op: relu, elements: 802816}
      - {name: fc, op: linear, in_features: 512, out_features: 1000}
      - {name: scores, op: matmul, M: 128, N: 128, K: 64, count: 12}
      - {name: wte, op: embedding, num_embeddings: 50257, embedding_dim: 768, tokens: 128}

Shapes are per sample; `batch` multiplies them when the workload is lowered.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.precision import TensorPrecision


@dataclass(frozen=True, slots=True)
class Conv2d:
    """2-D convolution (groups, stride, padding, dilation); shapes per sample.

    ``ceil_mode`` rounds the output size up (SCALE-Sim's topology semantics).
    """

    name: str
    in_channels: int
    out_channels: int
    in_h: int
    in_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    dilation_h: int = 1
    dilation_w: int = 1
    groups: int = 1
    ceil_mode: bool = False
    precision: TensorPrecision | None = None

    def _out(self, size: int, pad: int, dil: int, k: int, stride: int) -> int:
        span = size + 2 * pad - dil * (k - 1) - 1
        return (-(-span // stride) if self.ceil_mode else span // stride) + 1

    @property
    def out_h(self) -> int:
        return self._out(self.in_h, self.pad_h, self.dilation_h, self.kernel_h, self.stride_h)

    @property
    def out_w(self) -> int:
        return self._out(self.in_w, self.pad_w, self.dilation_w, self.kernel_w, self.stride_w)


@dataclass(frozen=True, slots=True)
class Linear:
    """Fully connected layer; `rows` is the tokens per sample (1 for a CNN classifier)."""

    name: str
    in_features: int
    out_features: int
    rows: int = 1
    precision: TensorPrecision | None = None


@dataclass(frozen=True, slots=True)
class Matmul:
    """`count` independent products C[M x N] = A[M x K] B[K x N] per sample (e.g. attention heads).

    Both operands are activations (no weights), as in attention scores and context.
    """

    name: str
    M: int
    N: int
    K: int
    count: int = 1
    precision: TensorPrecision | None = None


@dataclass(frozen=True, slots=True)
class VectorOp:
    """Element-wise or reduction work on the vector unit: `elements` outputs per sample, each
    costing `ops_per_element` operations and reading `inputs` operands (`op` one of
    `hwsim.spec.vector_ops`).

    `channels` (norms only, 0 when unknown) is the size of the dimension a norm keeps statistics
    for: a batchnorm's channel count, a layernorm's normalised (last) dimension.
    """

    name: str
    op: str
    elements: int
    ops_per_element: int
    inputs: int = 1
    precision: TensorPrecision | None = None
    channels: int = 0


@dataclass(frozen=True, slots=True)
class Embedding:
    """Table lookup: `tokens` rows of `embedding_dim` weights read per sample, no arithmetic.

    Costed as memory traffic only: vector work of ``tokens * embedding_dim`` elements at 0 ops
    per element, whose operand is the weight table (`num_embeddings` rows, kept for the record
    and the parameter count).
    """

    name: str
    num_embeddings: int
    embedding_dim: int
    tokens: int
    precision: TensorPrecision | None = None


Layer = Conv2d | Linear | Matmul | VectorOp | Embedding


@dataclass(frozen=True, slots=True)
class Workload:
    """A validated workload: its layers, default precision and provenance."""

    name: str
    source: str
    batch: int
    precision: TensorPrecision
    layers: tuple[Layer, ...]
    arch: str | None = None
    path: str = ""
    sha256: str = ""

    def layer_precision(self, layer: Layer) -> TensorPrecision:
        return layer.precision if layer.precision is not None else self.precision

