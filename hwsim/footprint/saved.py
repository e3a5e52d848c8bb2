"""What each op keeps for its backward pass, and the tensors it reads and writes.

The saved tensors follow what reverse-mode autodiff needs (PyTorch's autograd formulas,
``tools/autograd/derivatives.yaml``), stored the way a memory-efficient trainer stores them:

- conv2d and linear keep their input (the weight is model state); a matmul of two activations
  keeps both operands;
- vector ops keep what the `saves` and `statistics` of their row of `hwsim.spec.vector_ops`
  say (relu/relu6 a 1-bit mask; gelu, silu and hardswish their input; sigmoid, tanh and softmax
  their output; mul both inputs; norms their input and fp32 statistics; maxpool the argmax
  position inside each window, ceil(log2 window) bits per output; add, avgpool and identity
  nothing);
- an embedding keeps its token ids (ceil(log2 num_embeddings) bits each).

Tensors a backward needs at full precision for routing (masks, indices, statistics) are never
compressed; inputs, outputs and operands are stored in the layer's `saved` format (activation
compression), or at the frequency split's bits per element. A conv's, linear's or matmul's
inputs are saved in `backward_activations` when the precision sets it (and stores them
uncompressed): a copy of its own, quantized as the forward pass produces them
(`hwsim.lowering.block_scaling`).

Sizes are per sample unless `per_sample` is False (batchnorm's statistics). A layer whose stored
copy is its input itself (`aliases_input`: stored uncompressed) needs no second copy while it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.footprint.compression import (GROUP_META_BITS, GROUP_SIZE, FrequencySplit,
                                         compresses)
from hwsim.precision import TensorPrecision
from hwsim.spec.vector_ops import VECTOR_OP_SPECS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp

STATISTIC_BITS = 32


@dataclass(frozen=True, slots=True)
class SavedTensor:
    """One tensor a layer keeps from its forward to its backward pass."""

    layer: str
    what: str
    elements: int
    bits: float
    per_sample: bool = True
    compressible: bool = True
    aliases_input: bool = False

    def bytes(self, batch: int) -> float:
        """Stored bytes at `batch` samples."""
        return self.elements * (batch if self.per_sample else 1) * self.bits / 8


def input_elements(layer: Layer) -> int:
    """Elements of a layer's input(s), per sample (a vector op's inputs as many as outputs)."""
    if isinstance(layer, Conv2d):
        return layer.in_channels * layer.in_h * layer.in_w
    if isinstance(layer, Linear):
        return layer.in_features * layer.rows
    if isinstance(layer, Matmul):
        return layer.count * (layer.M * layer.K + layer.K * layer.N)
    if isinstance(layer, Embedding):
        return layer.tokens
    return layer.elements * layer.inputs


def output_elements(layer: Layer) -> int:
    """Elements of a layer's output, per sample."""
    if isinstance(layer, Conv2d):
        return layer.out_channels * layer.out_h * layer.out_w
    if isinstance(layer, Linear):
        return layer.out_features * layer.rows
    if isinstance(layer, Matmul):
        return layer.count * layer.M * layer.N
    if isinstance(layer, Embedding):
        return layer.tokens * layer.embedding_dim
    return layer.elements


def saved_tensors(layer: Layer, prec: TensorPrecision,
                  split: FrequencySplit | None = None) -> tuple[SavedTensor, ...]:
    """The tensors `layer` keeps for its backward pass, at their stored widths."""
    compressed = compresses(prec, split)
    bits = split.bits_per_element() if split is not None else \
        float(prec.saved_activations.storage_bits)
    if compressed and split is None:
        bits += GROUP_META_BITS / GROUP_SIZE
    name = layer.name

    def data(what: str, elements: int, aliases: bool = False) -> SavedTensor:
        return SavedTensor(name, what, elements, bits, aliases_input=aliases and not compressed)

    backward = prec.backward_activations
    if isinstance(layer, (Conv2d, Linear, Matmul)) and backward is not None and not compressed:
        # a copy in the backward GEMMs' format, quantized as the input is produced
        what = "operands" if isinstance(layer, Matmul) else "input"
        return (SavedTensor(name, what, input_elements(layer), float(backward.storage_bits)),)
    if isinstance(layer, (Conv2d, Linear)):
        return (data("input", input_elements(layer), aliases=True),)
    if isinstance(layer, Matmul):
        return (data("operands", input_elements(layer), aliases=True),)
    if isinstance(layer, Embedding):
        index_bits = max(1, math.ceil(math.log2(layer.num_embeddings)))
        return (SavedTensor(name, "indices", layer.tokens, index_bits, compressible=False),)
    return _vector_saves(layer, data)


def _vector_saves(layer: VectorOp, data) -> tuple[SavedTensor, ...]:  # type: ignore[no-untyped-def]
    spec, name = VECTOR_OP_SPECS[layer.op], layer.name
    if spec.saves == "mask":
        return (SavedTensor(name, "mask", layer.elements, 1, compressible=False),)
    if spec.saves == "argmax":
        window = max(1, layer.ops_per_element)
        return (SavedTensor(name, "argmax", layer.elements,
                            max(1, math.ceil(math.log2(window))), compressible=False),)
    if spec.saves == "inputs":
        return (data("inputs", input_elements(layer), aliases=True),)
    if spec.saves == "output":
        return (data("output", layer.elements),)
    if spec.saves != "input":
        return ()
    saved = [data("input", layer.elements, aliases=True)]
    if layer.channels and spec.statistics == "channel":
        saved.append(SavedTensor(name, "statistics", 2 * layer.channels, STATISTIC_BITS,
                                 per_sample=False, compressible=False))
    elif layer.channels and spec.statistics == "row":
        saved.append(SavedTensor(name, "statistics", 2 * (layer.elements // layer.channels),
                                 STATISTIC_BITS, compressible=False))
    return tuple(saved)
