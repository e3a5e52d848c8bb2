"""The one Numba policy for every kernel: cached, numpy error semantics, GIL released.

How kernels are compiled: the entry kernels an estimate calls are compiled ahead of time when
the package is built (``setup.py``, ``numba.pycc``, `hwsim.kernels.compiled`), from the same
functions as the JIT; this module is the JIT, which compiles every other call (and all calls
when the package was installed without a C compiler or a kernel was edited since the build)
on first use.

Compiled kernels are cached where Numba's own rules put them (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` beside the source), except that an hwsim installed into site-packages caches in
Numba's user-wide cache directory instead: files written at run time inside an installed package
are not pip's to remove, so uninstalling would leave an ``hwsim/`` folder behind, which Python
then imports as an empty namespace package ahead of a later editable install.

Compile time is what a first run waits for (Numba compiles every function a kernel calls as
a module of its own), so the policy keeps compiled code small and few:

- a kernel called from another kernel (`jit`) is compiled without the CPython and C entry
  points a call from Python needs, and is not cached on its own: its callers' cached code
  contains it. A call from Python compiles (and caches) a second variant with entry points;
- a kernel called from another kernel is compiled for its argument types, not their values
  (Numba would otherwise compile ``tile_elements(0, 1, ...)`` and ``tile_elements(0, 2, ...)``
  separately, one specialisation per literal constant);
- a kernel over designs (`jit_over_designs`) is compiled from one body twice: serially for a
  call on a single design (an estimate), where Numba's parallel lowering and thread pool cost
  far more than they save, and with its ``prange`` loop on all cores for more (a sweep). Each
  variant compiles only when first called;
- Numba's CPU target, set up on the first compile or cache load, probes for a BLAS by importing
  ``scipy.linalg`` (about 0.4 s) to choose how ``np.correlate`` and ``np.convolve`` multiply;
  no kernel uses them, so the probe is skipped (`_skip_blas_probe`). Functions that need a
  BLAS (``np.dot``, ``np.linalg``) still find it when they are compiled.
"""

from __future__ import annotations

import inspect
import site
import sys
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


def _skip_blas_probe() -> None:
    """Import Numba's NumPy math implementations with their BLAS probe answered "none" (see
    the module doc); Numba's own BLAS check is restored for every later caller."""
    if "numba.np.arraymath" in sys.modules:
        return
    import numba.np.linalg as linalg

    def no_blas() -> None:
        raise ImportError("BLAS probe skipped: no kernel uses np.correlate or np.convolve")

    probe = linalg.ensure_blas
    linalg.ensure_blas = no_blas
    try:
        import numba.np.arraymath  # noqa: F401  (runs the probe once, at import)
    finally:
        linalg.ensure_blas = probe


_skip_blas_probe()


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


def _variant_cache(suffix: str) -> type[FunctionCache]:
    """A cache whose files are named ``<function>.<suffix>``: Numba's cache index is keyed by
    argument types and bytecode, not compile options, so each variant of a function compiled
    with other options needs files of its own."""
    class Impl(_KernelCacheImpl):
        def get_filename_base(self, fullname: str, abiflags: str) -> str:
            return super().get_filename_base(f"{fullname}.{suffix}", abiflags)

    class Cache(FunctionCache):
        _impl_class = Impl

    return Cache


class _KernelCache(FunctionCache):
    _impl_class = _KernelCacheImpl


_SerialKernelCache = _variant_cache("serial")
_PythonCallCache = _variant_cache("python")


class _KernelDispatcher(CPUDispatcher):
    """Numba's CPU dispatcher, typing calls from other kernels by argument type, not value."""

    def get_call_template(self, args: Any, kws: Any) -> Any:
        return super().get_call_template([types.unliteral(a) for a in args],
                                         {k: types.unliteral(v) for k, v in kws.items()})


class _InnerDispatcher(_KernelDispatcher):
    """A kernel as other kernels call it: compiled without the CPython and C entry points a
    call from Python needs (Numba builds both for every function it compiles, and they cost
    about as much to compile as a small kernel's body). A call from Python compiles a second
    variant with them (`python_call`), cached under its own file names."""

    _python: Any = None

    def python_call(self) -> Any:
        """The variant of this kernel callable from Python (a Numba dispatcher)."""
        if self._python is None:
            self._python = _compile(self.py_func, _PythonCallCache)
        return self._python

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.python_call()(*args, **kwargs)


def _compile(func: F, cache: type[FunctionCache] | None = _KernelCache,
             dispatcher_class: type[CPUDispatcher] = _KernelDispatcher, **options: Any) -> F:
    dispatcher: Any = dispatcher_class(py_func=func, locals={},
                                       targetoptions={**OPTIONS, **options})
    if cache is not None:
        dispatcher._cache = cache(func)  # Dispatcher.enable_caching, our locators
    return dispatcher  # type: ignore[return-value]


def jit(func: F) -> F:
    """Compile `func` in nopython mode with the project's options, for calls from other
    kernels (compiled without Python entry points) and from Python (compiled with them, on
    the first such call)."""
    return _compile(func, None, dispatcher_class=_InnerDispatcher, no_cpython_wrapper=True,
                    no_cfunc_wrapper=True)


class OverDesigns:
    """A kernel whose ``prange`` loop runs over designs: `serial` (``prange`` runs as ``range``)
    for a call on one design, `parallel` (``prange`` on all cores) for more. Both are compiled
    from the same function, so their results are the same."""

    def __init__(self, func: Callable[..., Any], designs: str) -> None:
        self.py_func = func
        self.serial: Any = _compile(func, _SerialKernelCache)  # Numba dispatchers
        self.parallel: Any = _compile(func, parallel=True)
        self._position = list(inspect.signature(func).parameters).index(designs)
        self.designs = designs  # the name of the argument over designs
        self.__doc__, self.__name__ = func.__doc__, func.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        designs = kwargs[self.designs] if self.designs in kwargs else args[self._position]
        kernel = self.serial if designs.shape[0] == 1 else self.parallel
        return kernel(*args, **kwargs)


def jit_over_designs(designs: str) -> Callable[[Callable[..., Any]], OverDesigns]:
    """As `jit`, for a kernel whose ``prange`` loop runs over the designs of argument `designs`
    (an array of length D): serial for D == 1, on all cores otherwise (`OverDesigns`)."""
    def decorate(func: Callable[..., Any]) -> OverDesigns:
        return OverDesigns(func, designs)
    return decorate


def jit_inline(func: F) -> F:
    """As `jit`, for a small kernel of scalars and tuples on a hot path: Numba inlines its body
    into every kernel calling it, where a call would cost more than the body (and a caller
    that calls no other kernel pays no reference counting for its array arguments)."""
    return _compile(func, None, dispatcher_class=_InnerDispatcher, no_cpython_wrapper=True,
                    no_cfunc_wrapper=True, inline="always")
