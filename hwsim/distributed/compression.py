"""Compressed communication: bytes on the wire for gradients and pipeline activations, the
device memory a scheme keeps, and its compress/decompress work on the vector unit.

Gradients (data parallel):

- **Bucketed max-min quantisation** (CGX: Markov, Ramezanikebrya & Alistarh, "CGX: Adaptive
  System Support for Communication-Efficient Deep Learning", Middleware 2022). Values are split
  into buckets of `bucket_size`; each bucket sends its min and max at the gradients' own width
  (2 meta values) and every value as a `bits`-bit level: ``ceil(n*bits/8) + 2*ceil(n/bucket) *
  meta_bits/8`` bytes, as torch_cgx's ``MaxMinQuantizer::BufferSize`` computes it
  (src/common/compressor.cc). Defaults: 4 bits and buckets of 1024, the setting of all
  experiments on the CGX project page (pytorch-cgx.github.io/benchmarks); the library's own
  default bucket is 512 (``CGX_COMPRESSION_BUCKET_SIZE``, README).
- **Natural compression** (Horváth, Ho, Horváth, Sahu, Canini & Richtárik, "Natural Compression
  for Distributed Deep Learning", MSML 2022 / arXiv:1905.10988): each value is randomly rounded
  to one of its two neighbouring powers of two, so only the sign and exponent are sent: 1 + 8 =
  9 bits for fp32 (the paper's 32/9 = 3.56x saving), 1 + e bits for a format with e exponent
  bits.

Activations and their gradients at pipeline boundaries (AC-SGD / AQ-SGD: Wang, Yuan, Rimanic,
He, Dao, Chen, Ré & Zhang, "Fine-tuning Language Models over Slow Networks using Activation
Compression with Guarantees", NeurIPS 2022): a message of n values is sent as `bits`-bit levels
plus one fp16 scale per channel (the max of |x| over the micro-batch and sequence, as
compress/fixpoint.py of DS3Lab/AC-SGD computes it). Forward activations use the
compress-the-change scheme: the sender quantises a - m(xi), the change against the last message
m(xi) for the same training example, and both sides update m(xi) += Q(a - m(xi)); backward
gradients are quantised directly. The buffer of m(xi) costs one activation per training example
on each side of a boundary at its stored width (fp16 in the reference code, which keeps it in a
memory-mapped file and prefetches a step's examples): `acsgd_buffer_bytes`.

Vector-unit work per element (operations, one per lane per cycle; bit packing is part of the
store and is not counted, as in `hwsim.footprint.compression`):

- max-min quantise: min and max reductions (2), subtract min (1), multiply by the inverse step
  (1), add the rounding dither (1), floor (1) = 6; dequantise: multiply by the step, add min = 2;
- natural compression: compare the mantissa with a uniform random number (1), add the carry to
  the exponent (1) = 2; decompress: place sign and exponent in a float (1 shift) = 1;
- AC-SGD direct quantise (compress/fixpoint.py ``_compress_nbits``): |x| and the max reduction
  (2), divide by the scale (1), scale by 2^(bits-1) (1), round (1), clip to both ends (2),
  offset to unsigned (1) = 8; dequantise: remove the offset (1), divide by 2^(bits-1) (1),
  multiply by the scale (1) = 3;
- AC-SGD change compression: the sender subtracts m(xi) (1), quantises (8) and updates m(xi)
  by dequantising its own message and adding it (3 + 1) = 13; the receiver dequantises and adds
  (3 + 1) = 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.distributed import _checks

CGX_BITS = 4
CGX_BUCKET_SIZE = 1024
NATURAL_FP32_BITS = 1 + 8
# DS3Lab/AC-SGD run_lm.sh: --forward-compress-method delta --forward-bits 4,
# --backward-compress-method fixpoint --backward-bits 8.
ACSGD_FORWARD_BITS = 4
ACSGD_BACKWARD_BITS = 8
ACSGD_SCALE_BITS = 16       # compress/fixpoint.py: scale = scale.half()


@dataclass(frozen=True, slots=True)
class Codec:
    """Vector-unit operations per element to compress (sender) and decompress (receiver)."""

    name: str
    compress_ops_per_element: int
    decompress_ops_per_element: int


NONE = Codec("none", 0, 0)
MAXMIN = Codec("maxmin", 6, 2)
NATURAL = Codec("natural", 2, 1)
ACSGD_DIRECT = Codec("acsgd_direct", 8, 3)
ACSGD_DELTA = Codec("acsgd_delta", 13, 4)


@dataclass(frozen=True, slots=True)
class VectorWork:
    """`elements` values, each costing `ops_per_element` vector operations."""

    what: str
    elements: float
    ops_per_element: int

    @property
    def ops(self) -> float:
        return self.elements * self.ops_per_element


def _packed_bytes(elements: int, bits: int) -> int:
    return math.ceil(elements * bits / 8)


def bucketed_quantized_bytes(elements: int, bits: int = CGX_BITS,
                             bucket_size: int = CGX_BUCKET_SIZE, meta_bits: int = 32) -> float:
    """Bytes of `elements` values quantised to `bits` in buckets of `bucket_size`, each bucket
    carrying its min and max at `meta_bits` (the gradients' width)."""
    n = _checks.count(elements, "elements", minimum=0)
    buckets = math.ceil(n / _checks.count(bucket_size, "bucket_size"))
    return _packed_bytes(n, _checks.bits(bits, "bits")) + \
        2 * buckets * _checks.bits(meta_bits, "meta_bits", 64) / 8


def natural_compression_bytes(elements: int, exponent_bits: int = 8) -> float:
    """Bytes of `elements` values sent as sign + exponent (9 bits each from fp32)."""
    n = _checks.count(elements, "elements", minimum=0)
    return _packed_bytes(n, 1 + _checks.bits(exponent_bits, "exponent_bits", 15))


def acsgd_message_bytes(elements: int, bits: int, scales: int,
                        scale_bits: int = ACSGD_SCALE_BITS) -> float:
    """Bytes of one AC-SGD message: `elements` values at `bits` plus `scales` scales (one per
    channel of the boundary tensor) at `scale_bits`."""
    n = _checks.count(elements, "elements", minimum=0)
    s = _checks.count(scales, "scales", minimum=0)
    return _packed_bytes(n, _checks.bits(bits, "bits")) + \
        s * _checks.bits(scale_bits, "scale_bits") / 8


def acsgd_buffer_bytes(training_examples: int, elements_per_example: int,
                       buffer_bits: int = 16) -> float:
    """Memory of AC-SGD's per-example buffer m(xi) on one side of one boundary: the last
    message for every training example, at `buffer_bits` per value."""
    examples = _checks.count(training_examples, "training_examples", minimum=0)
    per_example = _checks.count(elements_per_example, "elements_per_example", minimum=0)
    return examples * per_example * _checks.bits(buffer_bits, "buffer_bits") / 8


def p2p_codec_work(elements: float, codec: Codec) -> tuple[VectorWork, VectorWork]:
    """Work of one point-to-point message of `elements` values: (sender, receiver)."""
    n = _checks.amount(elements, "elements")
    return (VectorWork(f"{codec.name}.compress", n, codec.compress_ops_per_element),
            VectorWork(f"{codec.name}.decompress", n, codec.decompress_ops_per_element))


def ring_all_reduce_codec_work(elements: float, devices: int,
                               codec: Codec) -> tuple[VectorWork, ...]:
    """Per-device work of a ring all-reduce of `elements` values that compresses every chunk it
    sends (CGX's scatter-reduce-allgather). Reduce-scatter: in each of D-1 steps a device
    compresses the N/D chunk it sends, then decompresses and adds the chunk it receives. It
    then compresses its reduced chunk once (N/D); all-gather forwards compressed chunks as they
    are and decompresses each of the D-1 it receives. Totals: compress N, decompress
    2(D-1)/D N, add (D-1)/D N; nothing with D = 1."""
    n = _checks.amount(elements, "elements")
    d = _checks.count(devices, "devices")
    share = (d - 1) / d * n
    return (VectorWork(f"{codec.name}.compress", n if d > 1 else 0.0,
                       codec.compress_ops_per_element),
            VectorWork(f"{codec.name}.decompress", 2 * share, codec.decompress_ops_per_element),
            VectorWork("reduce.add", share, 1))
