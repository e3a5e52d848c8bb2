"""Vector work of block-scaled formats (`NumberFormat.is_block`): quantizing the outputs a problem
produces in a block format, and re-quantizing the operands a backward GEMM reduces along another
dimension than the pass that produced them.

A block format's blocks run along the reduction dimension of the GEMM that consumes the tensor
(OCP Microscaling Formats (MX) v1.0: the scale is shared by elements that are summed together).
What this module adds to a lowered step, and nothing else:

- **Quantize** (`<problem>.quantize`, same pass): every problem whose output format is
  block-scaled (a GEMM: M x N x count outputs; vector work and optimizer updates: their
  elements) quantizes its output as it produces it. The blocks run along the output's last
  dimension (a GEMM's N: the features, the next layer's reduction dimension). The work is
  fused into the output path: it reads and writes nothing beyond the producer's own output,
  which memory already moves at the block format's storage width.
- **Re-quantize** (`<gemm>.requant_a`, `<gemm>.requant_b`, before the GEMM): a backward GEMM
  reduces along a dimension the forward pass did not. Backward-data (dX = dY W^T, and a
  matmul's dA = dC B^T) reduces its B operand (weights, or a matmul's B) along the forward's N;
  backward-weight (dW = X^T dY, and a matmul's dB = A^T dC) reduces both operands along the
  forward's M (batch x positions), the gradient included (it arrives blocked along its
  features). Each such block-scaled operand is re-quantized along its new reduction dimension
  into a copy of the same format: it reads the stored tensor (its distinct elements: a
  convolution's input feature map, not the im2col stream), dequantizes, re-quantizes and
  writes the copy, at the format's storage width each way. A backward-data GEMM's A operand
  (the incoming gradient) is consumed along its features, as produced: not re-quantized.

Backward formats (`TensorPrecision.backward_weights`, `backward_activations`, a recipe such as
MXFP4 forward with MXFP8 backward) replace the re-quantization of those operands:

- **Backward weights** (`<dgrad>.requant_b`, before backward-data): quantized from the
  high-precision copy, the optimizer's fp32 master copy (`master_copy_bits`; the stored weights
  when the optimizer keeps none), along backward-data's reduction dimension. It reads the
  master copy and writes the backward copy in DRAM (where the optimizer keeps its state), at
  the master's and the backward format's storage widths: quantize operations per element, plus
  the dequantizing multiply when the source is the block-scaled stored weights.
- **Backward activations** (`<layer>.quantize_backward`, forward pass): a conv's, linear's or
  matmul's inputs are quantized into the backward format as they are produced, from the
  producer's output before it is rounded to the activations' format (fused into that output
  path: nothing extra read), with blocks along the dimension backward-weight (a matmul's
  backward-data too) reduces, and written to DRAM as the saved copy the backward GEMMs read
  (the footprint stores it, `hwsim.footprint.saved`). No backward re-quantization of them.
  Saved activations stored compressed (a `saved` format, a frequency split) keep their own
  compress and decompress work instead; the decompressor yields the backward format.

A backward format that is not block-scaled costs one conversion operation per element
(`CAST_OPS`) in place of the quantize operations.

Not modelled: the per-tensor FP32 scale of NVFP4 (one amax reduction per tensor), scale
swizzling for the array's layout, recipes that keep a second, transposed copy from the forward
pass instead of re-quantizing (same work, more memory), the transpose buffering a forward-pass
quantizer needs for blocks along the output's rows, and the transient memory of the backward
weights' copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from hwsim.footprint.compression import compresses
from hwsim.lowering.problem import Pass, Problem, ProblemKind, vector
from hwsim.optimizers import MASTER_BITS, OPTIMIZERS
from hwsim.precision import NumberFormat, TensorPrecision
from hwsim.precision.execution import operand_tensor
from hwsim.spec.workload import Conv2d, Layer, Linear, Matmul
from hwsim.training_config import FrequencySplit

#: Vector operations per element to quantize into a block format (OCP MX v1.0 conversion): a
#: compare into the block's running max |x|, the multiply by the inverse scale, the round and
#: clamp to the element format: 3 per element; plus 2 per block (the max's exponent, minus the
#: element format's emax) for blocks of at least 2 elements: at most 1 more, rounded up to 4.
QUANTIZE_OPS = 4
#: Dequantizing a stored block tensor: the multiply by its old scale.
DEQUANTIZE_OPS = 1
#: Re-quantizing a stored block tensor: dequantizing, then quantizing.
REQUANTIZE_OPS = QUANTIZE_OPS + DEQUANTIZE_OPS
#: Stochastic rounding (a format spelled ``..._sr``) adds 2 per element: drawing a uniform
#: random number (one step of a counter-based generator) and adding it below the rounding bit.
STOCHASTIC_OPS = 2
#: Converting into a backward format that is not block-scaled: one rounding per element.
CAST_OPS = 1


def _ops(fmt: NumberFormat, base: int) -> int:
    return base + (STOCHASTIC_OPS if fmt.stochastic else 0)


def _cast_ops(fmt: NumberFormat) -> int:
    """Operations per element to quantize a high-precision value into `fmt`."""
    return _ops(fmt, QUANTIZE_OPS) if fmt.is_block else CAST_OPS


def master_copy_bits(optimizer: str, weights: NumberFormat) -> int:
    """Bits per weight of the optimizer's high-precision master copy (`hwsim.optimizers`),
    0 when it keeps none (weights of 32 bits or more, or an optimizer without one)."""
    keeps = OPTIMIZERS[optimizer].master_weights and weights.bits < MASTER_BITS
    return MASTER_BITS if keeps else 0


def quantize_backward_copy(layer: Layer, forward: Problem, prec: TensorPrecision,
                           split: FrequencySplit | None) -> list[Problem]:
    """The forward pass's quantization of a conv's, linear's or matmul's inputs into
    `prec.backward_activations`, saved for the backward GEMMs (none without that format, for
    other layers, or when the saved activations are stored compressed)."""
    fmt = prec.backward_activations
    if fmt is None or compresses(prec, split) or \
            not isinstance(layer, (Conv2d, Linear, Matmul)):
        return []
    elements = forward.a_unique * forward.count
    if isinstance(layer, Matmul):  # both operands are activations
        elements += forward.K * forward.N * forward.count
    return [vector(f"{forward.name}.quantize_backward", forward.layer_index, Pass.FWD,
                   (fmt, fmt, prec.accumulator, prec.accumulator), elements, _cast_ops(fmt), 0,
                   fmt.storage_bits, in_dram=True)]


def quantize_outputs(problems: Iterable[Problem]) -> list[Problem]:
    """`problems` with a `.quantize` problem after every one whose output is block-scaled."""
    out: list[Problem] = []
    for p in problems:
        out.append(p)
        fmt, acc = p.formats[2], p.formats[3]
        if p.kind is ProblemKind.COMPRESSION or not fmt.is_block:
            continue
        elements = p.vector_elements if p.is_vector else p.M * p.N * p.count
        out.append(vector(f"{p.name}.quantize", p.layer_index, p.pass_name,
                          (fmt, fmt, acc, acc), elements, _ops(fmt, QUANTIZE_OPS), 0, 0))
    return out


def requantize_operands(backward: Iterable[Problem], forward: Problem, layer: Layer,
                        prec: TensorPrecision, master_bits: int = 0) -> list[Problem]:
    """`backward` (one layer's backward problems) with, before each backward GEMM, the
    re-quantization of every block-scaled operand it reduces along a new dimension, or the
    quantization of the weights into `prec.backward_weights` from their master copy
    (`master_bits` per weight, 0: none); `forward` is the layer's forward problem (a
    convolution's distinct input elements)."""
    weights_b = isinstance(layer, (Conv2d, Linear))
    out: list[Problem] = []
    for p in backward:
        if not p.is_vector and p.pass_name in (Pass.DGRAD, Pass.WGRAD):
            tensors = (operand_tensor(p.pass_name, weights_b, 0),
                       operand_tensor(p.pass_name, weights_b, 1))
            out += _requantize(p, forward, tensors, prec, master_bits)
        out.append(p)
    return out


def _requantize(p: Problem, forward: Problem, tensors: tuple[str, str], prec: TensorPrecision,
                master_bits: int) -> list[Problem]:
    a, b, _, acc = p.formats
    work = []
    if p.pass_name is Pass.WGRAD and a.is_block and not _from_forward(tensors[0], prec):
        work.append(("requant_a", a, p.a_unique * p.count, a.storage_bits,
                     _ops(a, REQUANTIZE_OPS), False))
    if tensors[1] == "weights" and prec.backward_weights is not None:
        source = prec.weights
        read_bits = master_bits or source.storage_bits
        ops = _cast_ops(b) + (DEQUANTIZE_OPS if not master_bits and source.is_block else 0)
        work.append(("requant_b", b, p.K * p.N * p.count, read_bits, ops, True))
    elif b.is_block and not _from_forward(tensors[1], prec):
        if p.pass_name is Pass.WGRAD and p.from_conv:  # the input feature map, not im2col
            elements = forward.a_unique * forward.count
        else:
            elements = p.K * p.N * p.count
        work.append(("requant_b", b, elements, p.b_store_bits or b.storage_bits,
                     _ops(b, REQUANTIZE_OPS), False))
    return [vector(f"{p.name}.{suffix}", p.layer_index, p.pass_name, (fmt, fmt, acc, acc),
                   elements, ops, read_bits, fmt.storage_bits, in_dram=in_dram)
            for suffix, fmt, elements, read_bits, ops, in_dram in work]


def _from_forward(tensor: str, prec: TensorPrecision) -> bool:
    """Whether a backward operand of kind `tensor` was quantized along its backward reduction
    dimension in the forward pass (`quantize_backward_copy`)."""
    return tensor == "activations" and prec.backward_activations is not None
