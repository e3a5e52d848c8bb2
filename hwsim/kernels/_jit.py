"""The one Numba policy for every kernel: cached, numpy error semantics, GIL released.

Compiled kernels are cached where Numba's own rules put them (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` beside the source), except that an hwsim installed into site-packages caches in
Numba's user-wide cache directory instead: files written at run time inside an installed package
are not pip's to remove, so uninstalling would leave an ``hwsim/`` folder behind, which Python
then imports as an empty namespace package ahead of a later editable install.
"""

from __future__ import annotations

import site
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numba
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, InTreeCacheLocator,
                                UserProvidedCacheLocator, UserWideCacheLocator)

F = TypeVar("F", bound=Callable[..., Any])
OPTIONS = {"error_model": "numpy", "nogil": True}


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


class _KernelCache(FunctionCache):
    _impl_class = _KernelCacheImpl


def _compile(func: F, **options: Any) -> F:
    dispatcher: Any = numba.njit(**OPTIONS, **options)(func)
    dispatcher._cache = _KernelCache(dispatcher.py_func)  # Dispatcher.enable_caching, our locators
    return dispatcher  # type: ignore[no-any-return]


def jit(func: F) -> F:
    """Compile `func` in nopython mode with the project's options."""
    return _compile(func)


def jit_parallel(func: F) -> F:
    """As `jit`, with `numba.prange` loops run on all cores."""
    return _compile(func, parallel=True)
