"""Precision per tensor kind: the formats of weights, activations, gradients and accumulators."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hwsim.precision.formats import NumberFormat, parse_format

TENSOR_KINDS = ("weights", "activations", "gradients", "accumulator", "saved", "stored_weights",
                "backward_weights", "backward_activations")


@dataclass(frozen=True, slots=True)
class TensorPrecision:
    """Formats of the tensor kinds of a layer.

    Activations cover a layer's inputs and outputs (the output of one layer is the input of the
    next); the accumulator holds partial sums inside the array and when they spill to memory.
    `saved` is the format a training step stores the activations a layer keeps for its backward
    pass in (activation-compressed training: GACT, MESA, COMET); None stores them as computed,
    in the activations' format.

    `stored_weights` is the format one stored model keeps its weights in when it is run at a
    narrower `weights` width by dropping least significant bits (vertical-layered or
    any-precision models: Wu et al., "Vertical Layering of Quantized Neural Networks for
    Heterogeneous Inference", TPAMI 2023; Yu et al., "Any-Precision Deep Neural Networks",
    AAAI 2021): memory moves the stored width, the array computes with `weights`. None stores
    them as used.

    `backward_weights` and `backward_activations` are the formats the backward pass's GEMMs
    take the weights and activations in, quantized from their high-precision copies rather than
    re-quantized from the forward pass's (a recipe such as MXFP4 forward with MXFP8 backward:
    the weights from the fp32 master copy before backward-data, the activations from the
    producer's output as the forward pass writes it, saved for backward-weight in this
    format). None takes them in their forward formats (`hwsim.lowering.block_scaling` says
    what each costs).
    """

    weights: NumberFormat
    activations: NumberFormat
    gradients: NumberFormat
    accumulator: NumberFormat
    saved: NumberFormat | None = None
    stored_weights: NumberFormat | None = None
    backward_weights: NumberFormat | None = None
    backward_activations: NumberFormat | None = None

    @property
    def saved_activations(self) -> NumberFormat:
        """The format saved activations are stored in."""
        return self.activations if self.saved is None else self.saved

    @property
    def weights_backward(self) -> NumberFormat:
        """The format backward GEMMs multiply the weights in."""
        return self.weights if self.backward_weights is None else self.backward_weights

    @property
    def activations_backward(self) -> NumberFormat:
        """The format backward GEMMs multiply saved activations in."""
        return self.activations if self.backward_activations is None \
            else self.backward_activations

    @classmethod
    def default(cls) -> TensorPrecision:
        """int8 weights and activations, int8 gradients, int32 accumulation."""
        return cls(parse_format("int8"), parse_format("int8"), parse_format("int8"),
                   parse_format("int32"))

    def with_overrides(self, overrides: dict[str, NumberFormat]) -> TensorPrecision:
        return replace(self, **overrides) if overrides else self

    def to_dict(self) -> dict[str, str]:
        return {kind: getattr(self, kind).name for kind in TENSOR_KINDS
                if getattr(self, kind) is not None}
