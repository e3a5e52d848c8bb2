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
tensor when the layer stores activations in their own format) add no work.
"""

from __future__ import annotations

import math

from hwsim.footprint.compression import (DEQUANTIZE_OPS, MERGE_OPS, QUANTIZE_OPS, SPLIT_OPS,
                                         FrequencySplit, compresses)
from hwsim.footprint.saved import saved_tensors
from hwsim.lower import Formats, Problem, vector
from hwsim.precision import TensorPrecision
from hwsim.spec.workload import Layer, VectorOp

COMPRESSION_STEPS = ("compress", "compress_lfc", "decompress", "decompress_lfc")


def is_compression(problem_name: str) -> bool:
    """Whether a problem is the compression work `compression_problems` adds."""
    return problem_name.rpartition(".")[2] in COMPRESSION_STEPS


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
        bits = prec.saved_activations.bits
        return ([vector(f"{name}.compress", index, "fwd", formats, elements, QUANTIZE_OPS, 0,
                        bits, in_dram=True)],
                [vector(f"{name}.decompress", index, "dgrad", formats, elements,
                        DEQUANTIZE_OPS, 0, 0)])
    lfc = -(-elements // split.block ** 2)
    return ([vector(f"{name}.compress", index, "fwd", formats, elements, SPLIT_OPS, 0,
                    split.hfc_bits, in_dram=True),
             vector(f"{name}.compress_lfc", index, "fwd", formats, lfc, 0, 0, split.lfc_bits,
                    in_dram=True)],
            [vector(f"{name}.decompress", index, "dgrad", formats, elements, MERGE_OPS, 0, 0),
             vector(f"{name}.decompress_lfc", index, "dgrad", formats, lfc, 0, split.lfc_bits,
                    0, in_dram=True)])


def stored_operand_bits(prec: TensorPrecision, split: FrequencySplit | None) -> int:
    """Width a backward GEMM reads a saved activation operand at: the high-frequency bits of a
    split, the `saved` format's width when it differs from the activations', else 0 (the
    activations' own width)."""
    if split is not None:
        return split.hfc_bits
    return prec.saved_activations.bits if compresses(prec, None) else 0


def saved_read_bits(layer: VectorOp, prec: TensorPrecision,
                    split: FrequencySplit | None) -> int:
    """Bits a vector op's backward reads per output element of what its forward saved (a 1-bit
    ReLU mask, a stored input or output, ...), rounded up: the payload, not the quantisation
    groups' metadata; a split's low-frequency component is read by its own problem."""
    payload = split.hfc_bits if split is not None else prec.saved_activations.bits
    tensors = [t for t in saved_tensors(layer, prec, split) if t.per_sample]
    bits = sum(t.elements * (payload if t.compressible else t.bits) for t in tensors)
    return math.ceil(bits / max(1, layer.elements) - 1e-9)
