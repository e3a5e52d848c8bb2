"""Bit-exact golden models of the number formats the RTL implements (``rtl/*.v``).

``lns`` defines the LNS word and ``lns_add`` (``rtl/lns_add.v``); ``quantize`` defines the
quantizer (``rtl/quantizer.v``); the RTL tests check the Verilog against them. The cost model
does not call them: it prices a format by its kind and widths (`hwsim.precision`).
``formats`` quantizes and dequantizes numpy arrays to every format hwsim names (int, uint, fp,
lns, luq, binary), with round to nearest even or seeded stochastic rounding and per-tensor or
per-channel scales; ``docs/numerics.md`` states each format's semantics. ``mx`` quantizes to
block-scaled formats (OCP MX with E8M0 scales, NVFP4; names in ``block_formats``), the model of
``rtl/mx_quantizer.v``.
"""

from hwsim.numerics.formats import (
    Quantized,
    choose_scale,
    dequantize_array,
    fake_quantize,
    max_level,
    quantize_array,
)
from hwsim.numerics.lns import (
    decode,
    encode,
    encode_scaled,
    lns_add,
    lns_add_np,
    log_round,
    log_thresholds,
    phi_tables,
    zero_word,
)
from hwsim.numerics.quantize import quantize, quantize_np, value_of

__all__ = [
    "Quantized",
    "choose_scale",
    "decode",
    "dequantize_array",
    "encode",
    "encode_scaled",
    "fake_quantize",
    "lns_add",
    "lns_add_np",
    "log_round",
    "log_thresholds",
    "max_level",
    "phi_tables",
    "quantize",
    "quantize_array",
    "quantize_np",
    "value_of",
    "zero_word",
]
