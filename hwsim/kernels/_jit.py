"""The one Numba policy for every kernel: cached, numpy error semantics, GIL released.

Compiled kernels are cached where Numba's own rules put them (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` beside the source), except that an hwsim installed into site-packages caches in
Numba's user-wide cache directory instead: files written at run time inside an installed package
are not pip's to remove, so uninstalling would leave an ``hwsim/`` folder behind, which Python
then imports as an empty namespace package ahead of a later editable install.

Compile time is what a first run waits for, so the policy keeps specialisations few:

- a kernel called from another kernel is compiled for its argument types, not their values
  (Numba would otherwise compile ``tile_elements(0, 1, ...)`` and ``tile_elements(0, 2, ...)``
  separately, one specialisation per literal constant);
- a kernel over designs (`jit_over_designs`) is compiled from one body twice: serially for a
  call on a single design (an estimate), where Numba's parallel lowering and thread pool cost
  far more than they save, and with its ``prange`` loop on all cores for more (a sweep). Each
  variant compiles only when first called.
"""

from __future__ import annotations

import inspect
import site
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from numba.core import types
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, InTreeCacheLocator,
                                UserProvidedCacheLocator, UserWideCacheLocator)
from numba.core.registry import CPUDispatcher

F = TypeVar("F", bound=Callable[..., Any])
OPTIONS = {"nopython": True, "error_model": "numpy", "nogil": True}


def _installed(py_file: str) -> bool:
    """Whether `py_file` lies in an installation's site-packages (system, venv or user)."""
    roots = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    roots.update([*site.getsitepackages(), site.getusersitepackages()])
    path = Path(py_file).resolve()
    return any(path.is_relative_to(Path(root).resolve()) for root in roots)


class _CheckoutLocator(InTreeCacheLocator):
    """``__pycache__`` beside the source, for a source checkout only."""

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        return None if _installed(py_file) else super().from_function(py_func, py_file)


class _KernelCacheImpl(CompileResultCacheImpl):
    _locator_classes = (UserProvidedCacheLocator, _CheckoutLocator, UserWideCacheLocator)


class _SerialKernelCacheImpl(_KernelCacheImpl):
    """Cache files of the serial variant of a parallel kernel: Numba's cache index is keyed by
    argument types and bytecode, not compile options, so the variant needs files of its own."""

    def get_filename_base(self, fullname: str, abiflags: str) -> str:
        return super().get_filename_base(f"{fullname}.serial", abiflags)


class _KernelCache(FunctionCache):
    _impl_class = _KernelCacheImpl


class _SerialKernelCache(FunctionCache):
    _impl_class = _SerialKernelCacheImpl


class _KernelDispatcher(CPUDispatcher):
    """Numba's CPU dispatcher, typing calls from other kernels by argument type, not value."""

    def get_call_template(self, args: Any, kws: Any) -> Any:
        return super().get_call_template([types.unliteral(a) for a in args],
                                         {k: types.unliteral(v) for k, v in kws.items()})


def _compile(func: F, cache: type[FunctionCache] = _KernelCache, **options: Any) -> F:
    dispatcher: Any = _KernelDispatcher(py_func=func, locals={},
                                        targetoptions={**OPTIONS, **options})
    dispatcher._cache = cache(func)  # Dispatcher.enable_caching, our locators
    return dispatcher  # type: ignore[return-value]


def jit(func: F) -> F:
    """Compile `func` in nopython mode with the project's options."""
    return _compile(func)


class OverDesigns:
    """A kernel whose ``prange`` loop runs over designs: `serial` (``prange`` runs as ``range``)
    for a call on one design, `parallel` (``prange`` on all cores) for more. Both are compiled
    from the same function, so their results are the same."""

    def __init__(self, func: Callable[..., Any], designs: str) -> None:
        self.py_func = func
        self.serial: Any = _compile(func, _SerialKernelCache)  # Numba dispatchers
        self.parallel: Any = _compile(func, parallel=True)
        self._position = list(inspect.signature(func).parameters).index(designs)
        self._designs = designs
        self.__doc__, self.__name__ = func.__doc__, func.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        designs = kwargs[self._designs] if self._designs in kwargs else args[self._position]
        kernel = self.serial if designs.shape[0] == 1 else self.parallel
        return kernel(*args, **kwargs)


def jit_over_designs(designs: str) -> Callable[[Callable[..., Any]], OverDesigns]:
    """As `jit`, for a kernel whose ``prange`` loop runs over the designs of argument `designs`
    (an array of length D): serial for D == 1, on all cores otherwise (`OverDesigns`)."""
    def decorate(func: Callable[..., Any]) -> OverDesigns:
        return OverDesigns(func, designs)
    return decorate
