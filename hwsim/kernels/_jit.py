"""The one Numba policy for every kernel: cached, numpy error semantics, GIL released."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])


def jit(func: F) -> F:
    """Compile `func` in nopython mode with the project's options."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(func)  # type: ignore[no-any-return]


def jit_parallel(func: F) -> F:
    """As `jit`, with `numba.prange` loops run on all cores."""
    return numba.njit(cache=True, error_model="numpy", nogil=True, parallel=True)(func)  # type: ignore[no-any-return]
