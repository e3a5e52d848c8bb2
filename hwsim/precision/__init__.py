"""Number formats and per-tensor precision: the bits each tensor kind is stored and computed in."""

from hwsim.precision.formats import NumberFormat, parse_format
from hwsim.precision.tensors import TENSOR_KINDS, TensorPrecision

__all__ = ["TENSOR_KINDS", "NumberFormat", "TensorPrecision", "parse_format"]
