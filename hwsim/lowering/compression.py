"""Vector-unit work of activation compression, and the widths the backward pass reads saved
activations at.

Compression is fused into the data path, as GACT and ActNN fuse it into the op's kernels: the
compressor takes the layer's output as the array produces it and writes the compressed copy to
DRAM (`<layer>.compress`); the backward pass reads the compressed copy as its operand and the
decompressor expands it on the way into the array or vector unit (`<layer>.decompress`, vector
operations only). So saved activations cross DRAM at their compressed size, once each way:
a conv's or linear layer's wgrad reads its activation operand at the stored width
(`stored_operand_bits`), a matmul's dgrad likewise (its wgrad reads its A operand at the
activations' width: the problem table has no stored width for operand A), and a vector op's
backward reads what its forward saved (`saved_read_bits`). DIVISION's low-frequency component
is read back by its own `decompress_lfc` problem. The ops per element are in
`hwsim.footprint.compression`. Tensors kept uncompressed (masks, indices, statistics, or every
tensor when the layer stores activations in their own format) add no work. The problems are of
kind `ProblemKind.COMPRESSION`, so results total them apart from the network's own work.
"""

from __future__ import annotations

import math

from hwsim.footprint.compression import (DEQUANTIZE_OPS, MERGE_OPS, QUANTIZE_OPS, SPLIT_OPS,
                                         FrequencySplit, compresses)
from hwsim.footprint.saved import saved_tensors
from hwsim.lowering.problem import Formats, Pass, Problem, ProblemKind, vector
from hwsim.precision import TensorPrecision
from hwsim.spec.workload import Layer, VectorOp


def _work(name: str, index: int, pass_name: Pass, formats: Formats, elements: int, ops: int,
          read_bits: float, write_bits: float, in_dram: bool = False) -> Problem:
    """Vector work of the compression scheme, marked `ProblemKind.COMPRESSION` so results can
    total it apart from the network's own work."""
    return vector(name, index, pass_name, formats, elements, ops, read_bits, write_bits, in_dram,
                  kind=ProblemKind.COMPRESSION)


def compression_problems(layer: Layer, index: int, prec: TensorPrecision, batch: int,
                         split: FrequencySplit | None) -> tuple[list[Problem], list[Problem]]:
    """(forward-pass compress problems, backward-pass decompress problems) of one layer."""
    if not compresses(prec, split):
        return [], []
    elements = batch * sum(t.elements for t in saved_tensors(layer, prec, split)
                           if t.compressible)
    if not elements:
        return [], []
    a = prec.activations
    formats: Formats = (a, a, a, prec.accumulator)
    name = layer.name
    if split is None:
        bits = prec.saved_activations.storage_bits
        return ([_work(f"{name}.compress", index, Pass.FWD, formats, elements, QUANTIZE_OPS, 0,
                       bits, in_dram=True)],
                [_work(f"{name}.decompress", index, Pass.DGRAD, formats, elements,
                       DEQUANTIZE_OPS, 0, 0)])
    lfc = -(-elements // split.block ** 2)
    return ([_work(f"{name}.compress", index, Pass.FWD, formats, elements, SPLIT_OPS, 0,
                   split.hfc_bits, in_dram=True),
             _work(f"{name}.compress_lfc", index, Pass.FWD, formats, lfc, 0, 0, split.lfc_bits,
                   in_dram=True)],
            [_work(f"{name}.decompress", index, Pass.DGRAD, formats, elements, MERGE_OPS, 0, 0),
             _work(f"{name}.decompress_lfc", index, Pass.DGRAD, formats, lfc, 0, split.lfc_bits,
                   0, in_dram=True)])


def stored_operand_bits(prec: TensorPrecision, split: FrequencySplit | None) -> float:
    """Width a backward GEMM reads a saved activation operand at: the high-frequency bits of a
    split, the `saved` format's width when it differs from the activations', else 0 (the
    activations' own width)."""
    if split is not None:
        return split.hfc_bits
    return prec.saved_activations.storage_bits if compresses(prec, None) else 0


def saved_read_bits(layer: VectorOp, prec: TensorPrecision,
                    split: FrequencySplit | None) -> int:
    """Bits a vector op's backward reads per output element of what its forward saved (a 1-bit
    ReLU mask, a stored input or output, ...), rounded up: the payload, not the quantisation
    groups' metadata; a split's low-frequency component is read by its own problem."""
    payload = split.hfc_bits if split is not None else prec.saved_activations.storage_bits
    tensors = [t for t in saved_tensors(layer, prec, split) if t.per_sample]
    bits = sum(t.elements * (payload if t.compressible else t.bits) for t in tensors)
    return math.ceil(bits / max(1, layer.elements) - 1e-9)
