"""Array kinds (``compute.kind``) as plug-ins: one module per kind, registered here.

`base.ArrayKind` says what a kind provides; `array_kind(name)` finds one. Adding a kind is a new
module with its `KIND` object (and its data) plus one line in `_SHIPPED` (docs/architecture.md,
"Array kinds").
"""

from hwsim.arrays.base import (ArrayKind, MacProblem, UnknownArrayKindError, array_kind,
                               kind_names, mac_datapath_key, register)
from hwsim.arrays import bitfusion, bitserial, lns, mx, systolic

_SHIPPED: tuple[ArrayKind, ...] = (systolic.KIND, bitserial.KIND, bitfusion.KIND, lns.KIND,
                                   mx.KIND)
for _kind in _SHIPPED:
    register(_kind)

__all__ = ["ArrayKind", "MacProblem", "UnknownArrayKindError", "array_kind", "kind_names",
           "mac_datapath_key", "register"]
