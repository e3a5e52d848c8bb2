"""Precision per tensor kind: the formats of weights, activations, gradients and accumulators."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hwsim.precision.formats import NumberFormat, parse_format

TENSOR_KINDS = ("weights", "activations", "gradients", "accumulator", "saved", "stored_weights")


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
    """

    weights: NumberFormat
    activations: NumberFormat
    gradients: NumberFormat
    accumulator: NumberFormat
    saved: NumberFormat | None = None
    stored_weights: NumberFormat | None = None

    @property
    def saved_activations(self) -> NumberFormat:
        """The format saved activations are stored in."""
        return self.activations if self.saved is None else self.saved

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
