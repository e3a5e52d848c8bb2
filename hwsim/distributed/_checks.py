"""Input checks shared by the distributed cost models.

Each check raises `SpecError` naming the source (``distributed``), the argument (the field path)
and what was expected, e.g. ``distributed: devices: expected an integer >= 1, got 0``. Callers
that read these values from a file or CLI flag may re-raise with their own source name.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from hwsim.spec.errors import SpecError

SOURCE = "distributed"


def fail(field: str, expected: str, got: object) -> SpecError:
    """The error for argument `field`: expected ``expected``, got ``got``."""
    return SpecError.single(SOURCE, field, f"expected {expected}, got {got!r}")


def count(value: object, field: str, minimum: int = 1) -> int:
    """An integer >= `minimum` (devices, stages, micro-batches, bucket sizes)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise fail(field, f"an integer >= {minimum}", value)
    return int(value)


def _number(value: object) -> float | None:
    """`value` as a float if it is a finite real number (numpy scalars too; not a bool)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        return None
    return float(value)


def amount(value: object, field: str) -> float:
    """A finite number >= 0 (bytes, seconds, elements)."""
    number = _number(value)
    if number is None or number < 0:
        raise fail(field, "a finite number >= 0", value)
    return number


def positive(value: object, field: str) -> float:
    """A finite number > 0 (a bandwidth)."""
    number = _number(value)
    if number is None or number <= 0:
        raise fail(field, "a finite number > 0", value)
    return number


def bits(value: object, field: str, maximum: int = 32) -> int:
    """A bit width from 1 to `maximum`."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= int(value) <= maximum:
        raise fail(field, f"an integer number of bits from 1 to {maximum}", value)
    return int(value)
