"""Vector-unit work of activation compression: compressing the tensors a layer saves after its
forward step and decompressing them before its backward step.

Both are fused into the data path, as GACT and ActNN fuse them into the op's kernels: the
compressor takes the layer's output as the array produces it and writes the compressed copy to
DRAM; the decompressor reads the compressed copy from DRAM and feeds the backward GEMM. So the
saved activations cross DRAM at their compressed size, once each way; the ops per element are in
`hwsim.footprint.compression`. Tensors kept uncompressed (masks, indices, statistics, or every
tensor when the layer stores activations in their own format) add no work.
"""

from __future__ import annotations

from hwsim.footprint.compression import (DEQUANTIZE_OPS, MERGE_OPS, QUANTIZE_OPS, SPLIT_OPS,
                                         FrequencySplit)
from hwsim.footprint.saved import saved_tensors
from hwsim.lower import Formats, Problem, vector
from hwsim.precision import TensorPrecision
from hwsim.spec.workload import Layer

COMPRESSION_STEPS = ("compress", "compress_lfc", "decompress", "decompress_lfc")


def is_compression(problem_name: str) -> bool:
    """Whether a problem is the compression work `compression_problems` adds."""
    return problem_name.rpartition(".")[2] in COMPRESSION_STEPS


def compression_problems(layer: Layer, index: int, prec: TensorPrecision, batch: int,
                         split: FrequencySplit | None) -> tuple[list[Problem], list[Problem]]:
    """(forward-pass compress problems, backward-pass decompress problems) of one layer."""
    if split is None and prec.saved_activations == prec.activations:
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
                        DEQUANTIZE_OPS, bits, 0, in_dram=True)])
    lfc = -(-elements // split.block ** 2)
    return ([vector(f"{name}.compress", index, "fwd", formats, elements, SPLIT_OPS, 0,
                    split.hfc_bits, in_dram=True),
             vector(f"{name}.compress_lfc", index, "fwd", formats, lfc, 0, 0, split.lfc_bits,
                    in_dram=True)],
            [vector(f"{name}.decompress", index, "dgrad", formats, elements, MERGE_OPS,
                    split.hfc_bits, 0, in_dram=True),
             vector(f"{name}.decompress_lfc", index, "dgrad", formats, lfc, 0, split.lfc_bits,
                    0, in_dram=True)])
