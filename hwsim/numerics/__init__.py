"""Bit-exact golden models of the number formats the RTL implements (``rtl/*.v``).

``lns`` defines the LNS word and ``lns_add`` (``rtl/lns_add.v``); ``quantize`` defines the
quantizer (``rtl/quantizer.v``). The cost model and the RTL tests use the same functions.
"""

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
    "decode",
    "encode",
    "encode_scaled",
    "lns_add",
    "lns_add_np",
    "log_round",
    "log_thresholds",
    "phi_tables",
    "quantize",
    "quantize_np",
    "value_of",
    "zero_word",
]
