"""The kernels an estimate calls from Python: ahead-of-time compiled machine code when the package
was built with it, Numba's JIT otherwise. Importing this module does not import Numba.

Building the package (`pip install`, see ``setup.py``) compiles the entry kernels named in
``entry_signatures.json`` (`ENTRY_SIGNATURES`) with ``numba.pycc`` into the extension module
``hwsim.kernels._aot``, from the kernels' own source, for the argument types recorded there
(`hwsim.kernels.aot_build`). The extension needs no Numba to load, so an estimate neither
compiles nor imports Numba. A call runs the compiled code only when

- the extension exists and was built from exactly the kernel sources present now (a SHA-256
  over every file of ``hwsim/kernels``, `source_digest`; an edited kernel in a source checkout
  makes it stale until the next build),
- every argument is an array of one of the recorded signatures' dtypes and dimensions,
  C-contiguous, aligned and writeable (what Numba's JIT would type it as), and
- the call is on a single design (a kernel over designs, `hwsim.kernels._jit.OverDesigns`, runs
  its ``prange`` loop on all cores for more, which stays Numba's JIT);

any other call goes to the Numba kernel (`jit_kernel`), compiled from the same source, so the
results are the same bit for bit either way.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

KERNELS_DIR = Path(__file__).parent
ENTRY_SIGNATURES = KERNELS_DIR / "entry_signatures.json"
AOT_MODULE = "hwsim.kernels._aot"


def source_digest() -> str:
    """SHA-256 (hex) over the names and bytes of every ``.py`` file of ``hwsim/kernels`` and the
    signature record: what the compiled extension is built from."""
    digest = hashlib.sha256()
    for path in sorted([*KERNELS_DIR.glob("*.py"), ENTRY_SIGNATURES]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def entry_signatures() -> dict[str, Any]:
    """The record ``entry_signatures.json``: per entry kernel, its ``module``, the name of its
    ``designs`` argument and its ``signatures`` (lists of [dtype name, dimensions] per
    argument)."""
    return json.loads(ENTRY_SIGNATURES.read_text())


def export_name(kernel: str, index: int) -> str:
    """The extension's function for signature `index` of `kernel`."""
    return f"{kernel}__{index}"


@cache
def aot_module() -> ModuleType | None:
    """The compiled extension if it is present and built from the current sources, else None."""
    try:
        module = importlib.import_module(AOT_MODULE)
        built_from = module.build_digest()
    except Exception:  # absent, or unloadable here (e.g. another NumPy ABI): the JIT serves
        return None
    return module if built_from == source_digest() else None


def jit_kernel(name: str) -> Callable[..., Any]:
    """The Numba kernel `name` (importing its module, and with it Numba), looked up at each call
    so that the module's current attribute is the one called."""
    return getattr(importlib.import_module(entry_signatures()[name]["module"]), name)


def _matches(args: tuple[Any, ...], signature: list[list[Any]]) -> bool:
    return len(args) == len(signature) and all(
        isinstance(a, np.ndarray) and a.dtype == np.dtype(dtype) and a.ndim == ndim
        and a.flags.c_contiguous and a.flags.aligned and a.flags.writeable
        for a, (dtype, ndim) in zip(args, signature, strict=True))


class EntryKernel:
    """Entry kernel `name`: its compiled variant for calls that match it (see the module doc),
    its Numba kernel for the rest."""

    def __init__(self, name: str) -> None:
        self.name = name

    @cache  # noqa: B019  (one instance per entry kernel, alive as long as the module)
    def _compiled(self) -> list[tuple[list[list[Any]], Callable[..., Any]]]:
        """(signature, compiled function) pairs; none without a current extension."""
        module = aot_module()
        if module is None:
            return []
        entry = entry_signatures()[self.name]
        return [(sig, getattr(module, export_name(self.name, i)))
                for i, sig in enumerate(entry["signatures"])]

    @cache  # noqa: B019
    def _designs_position(self) -> int:
        return int(entry_signatures()[self.name]["designs_position"])

    def __call__(self, *args: Any) -> Any:
        for signature, function in self._compiled():
            if _matches(args, signature) and args[self._designs_position()].shape[0] == 1:
                return function(*args)
        return jit_kernel(self.name)(*args)


systolic_compute = EntryKernel("systolic_compute")
memory_model = EntryKernel("memory_model")
search_mappings = EntryKernel("search_mappings")
