"""Which format an array's MACs execute an operand in: its own, or a promoted native one.

An arch declares the formats its MACs execute natively (`compute.native_formats`) and what to do
with others (`compute.unsupported_formats`): ``error``, or ``promote`` to the narrowest native
format that holds every value of the operand's format. Storage and data movement stay at the
operand's own width (a narrower format saves memory traffic and energy); the multiply is priced
at the executed format; cycles on a fixed-width array do not depend on width at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from hwsim.precision.formats import NumberFormat

INTEGER_KINDS = ("int", "uint", "binary")
LOG_KINDS = ("lns", "luq")


def holds(native: NumberFormat, fmt: NumberFormat) -> bool:
    """True when every value of `fmt` is representable in `native`.

    A block format is held by a block format of the same scale and block size whose element
    holds its element, and by a plain fp format of at least 8 exponent bits whose significand
    holds the element's (bf16, fp32: the dequantized values, whose range is the E8M0 scale's);
    a plain format is never held by a block format (its tensors carry no scales)."""
    fmt = fmt.deterministic
    if fmt.is_block or native.is_block:
        if not fmt.is_block:
            return False
        if native.is_block:
            return native.scale == fmt.scale and native.block == fmt.block and \
                holds(native.element, fmt.element)
        return native.kind == "fp" and native.exponent_bits >= 8 and \
            holds(NumberFormat("fp", 1 + native.exponent_bits + native.mantissa_bits,
                               fmt.element.exponent_bits, native.mantissa_bits), fmt.element)
    if fmt.kind in INTEGER_KINDS:
        if native.kind == "int":  # uint needs a sign bit more, binary's +-1 two bits
            return native.bits >= fmt.bits + (fmt.kind in ("uint", "binary"))
        return native.kind == "fp" and native.mantissa_bits + 1 >= fmt.bits
    if fmt.kind == "fp":
        return native.kind == "fp" and native.exponent_bits >= fmt.exponent_bits and \
            native.mantissa_bits >= fmt.mantissa_bits
    return native.kind in LOG_KINDS and native.bits >= fmt.bits and \
        native.frac_bits >= fmt.frac_bits


# The tensor kinds of a GEMM's operands (A, B) by pass and by whether the layer's operand B is
# its weights (conv, linear) rather than an activation (matmul); `hwsim.lowering.training`
# builds dgrad as dY W^T (gradients, weights) and wgrad as dY^T X (gradients, activations), a
# matmul's dgrad and wgrad as (gradients, activations) and (activations, gradients).
OPERAND_TENSORS = {("fwd", True): ("activations", "weights"),
                   ("fwd", False): ("activations", "activations"),
                   ("dgrad", True): ("gradients", "weights"),
                   ("dgrad", False): ("gradients", "activations"),
                   ("wgrad", True): ("gradients", "activations"),
                   ("wgrad", False): ("activations", "gradients")}


def operand_tensor(pass_name: str, weights_operand: bool, operand: int) -> str:
    """The tensor kind of operand 0 (A) or 1 (B) of a GEMM of `pass_name`."""
    return OPERAND_TENSORS.get((pass_name, weights_operand), ("operand A", "operand B"))[operand]


class UnsupportedFormatError(ValueError):
    """The array cannot execute the format (and may not promote it)."""


def execution_format(fmt: NumberFormat, natives: Sequence[NumberFormat],
                     promote: bool) -> NumberFormat:
    """The format the array executes `fmt` in; raises UnsupportedFormatError."""
    if fmt.deterministic in natives:  # the rounding of its quantization is not the MAC's
        return fmt
    names = ", ".join(n.name for n in natives)
    if fmt.is_block and not any(n.is_block for n in natives):
        names += "; compute.native_formats has no block-scaled format"
    candidates = sorted((n for n in natives if holds(n, fmt)), key=lambda n: n.bits)
    if not promote:
        hint = f" (or set compute.unsupported_formats: promote to run it as " \
               f"{candidates[0].name})" if candidates else ""
        raise UnsupportedFormatError(f"expected a format the array executes natively "
                                     f"({names}), got {fmt.name}{hint}")
    if not candidates:
        raise UnsupportedFormatError(f"expected a format that one of the array's native "
                                     f"formats ({names}) can hold, got {fmt.name}")
    return candidates[0]
