"""Numba kernels: arrays and scalars in, arrays out; no objects, no I/O.

The kernel modules load lazily, on the first use of one of their attributes: loading one
imports Numba (about 0.4 s), which an estimate running the ahead-of-time compiled kernels
(`hwsim.kernels.compiled`) never needs, although `hwsim.mapping` imports the mapping kernels
(``from hwsim.kernels import mapping`` binds the module unloaded; ``import
hwsim.kernels.mapping`` and ``from hwsim.kernels.mapping import ...`` load it).
"""

import importlib.util
import sys


def _load_lazily(name: str) -> None:
    """Register module `name` to execute on the first use of one of its attributes, also as
    this package's attribute (which ``from hwsim.kernels import mapping`` finds, leaving the
    module unloaded)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    setattr(sys.modules[__name__], name.rsplit(".", 1)[1], module)


for _module in ("systolic", "memory", "mapping"):  # the modules that import Numba
    _load_lazily(f"{__name__}.{_module}")
