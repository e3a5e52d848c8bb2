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

Not modelled: the per-tensor FP32 scale of NVFP4 (one amax reduction per tensor), scale
swizzling for the array's layout, and recipes that keep a second, transposed copy from the
forward pass instead of re-quantizing (same work, more memory).
"""

from __future__ import annotations

from collections.abc import Iterable

from hwsim.lowering.problem import Pass, Problem, ProblemKind, vector
from hwsim.precision import NumberFormat, TensorPrecision

#: Vector operations per element to quantize into a block format (OCP MX v1.0 conversion): a
#: compare into the block's running max |x|, the multiply by the inverse scale, the round and
#: clamp to the element format: 3 per element; plus 2 per block (the max's exponent, minus the
#: element format's emax) for blocks of at least 2 elements: at most 1 more, rounded up to 4.
QUANTIZE_OPS = 4
#: Re-quantizing a stored block tensor adds the dequantizing multiply by its old scale.
REQUANTIZE_OPS = QUANTIZE_OPS + 1
#: Stochastic rounding (a format spelled ``..._sr``) adds 2 per element: drawing a uniform
#: random number (one step of a counter-based generator) and adding it below the rounding bit.
STOCHASTIC_OPS = 2


def _ops(fmt: NumberFormat, base: int) -> int:
    return base + (STOCHASTIC_OPS if fmt.stochastic else 0)


def scales_blocks(prec: TensorPrecision) -> bool:
    """Whether any format of a layer's precision is block-scaled: every format its problems
    use comes from it, so without one they add no (re-)quantization work."""
    return any(fmt is not None and fmt.is_block
               for fmt in (prec.weights, prec.activations, prec.gradients, prec.accumulator,
                           prec.saved, prec.stored_weights))


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


def requantize_operands(backward: Iterable[Problem], forward: Problem) -> list[Problem]:
    """`backward` (one layer's backward problems) with a re-quantization of every block-scaled
    operand a GEMM reduces along a new dimension before that GEMM; `forward` is the layer's
    forward problem (a convolution's distinct input elements)."""
    out: list[Problem] = []
    for p in backward:
        if not p.is_vector and p.pass_name in (Pass.DGRAD, Pass.WGRAD):
            out += _requantize(p, forward)
        out.append(p)
    return out


def _requantize(p: Problem, forward: Problem) -> list[Problem]:
    a, b, _, acc = p.formats
    work = []
    if p.pass_name is Pass.WGRAD and a.is_block:
        work.append(("requant_a", a, p.a_unique * p.count, a.storage_bits))
    if b.is_block:
        if p.pass_name is Pass.WGRAD and p.from_conv:  # the input feature map, not im2col
            elements = forward.a_unique * forward.count
        else:
            elements = p.K * p.N * p.count
        work.append(("requant_b", b, elements, p.b_store_bits or b.storage_bits))
    return [vector(f"{p.name}.{suffix}", p.layer_index, p.pass_name, (fmt, fmt, acc, acc),
                   elements, _ops(fmt, REQUANTIZE_OPS), read_bits, fmt.storage_bits)
            for suffix, fmt, elements, read_bits in work]
