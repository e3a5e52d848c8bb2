"""A design space: dotted field paths mapped to value lists or ranges, and its samplers.

A space is a mapping ``{path: spec}`` where a spec is

- a value or a list of values: ``compute.dataflow: [os, ws, is]``;
- ``{start, stop, step}``: an arithmetic range, `stop` included when the steps reach it
  (``compute.rows: {start: 16, stop: 128, step: 16}`` is 16, 32, ..., 128);
- ``{low, high}`` with optional ``log: true`` and ``num``: a continuous interval, sampled
  uniformly (log-uniformly with `log`) by the random and LHS samplers; with ``num`` it is
  ``num`` evenly (geometrically) spaced values, which the grid sampler can enumerate.

Integer fields (array rows, lanes, bits) are rounded to integers. Which paths exist is
`hwsim.sweep.design`'s business; this module only reads the specs and samples them:

- ``grid``: every combination, in the order of the space (the last path varies fastest);
- ``random``: `n` independent draws per path (`numpy.random.default_rng(seed)`);
- ``lhs``: `n` points of a Latin hypercube (`scipy.stats.qmc.LatinHypercube`, seeded), one
  dimension per path: a list of k values takes value floor(u k) of its stratum u.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.spec.errors import SpecError, suggest

SAMPLERS = ("grid", "random", "lhs")
RANGE_KEYS = ("start", "stop", "step", "low", "high", "log", "num")
Column = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Param:
    """One swept path: discrete `values`, or the continuous interval [`low`, `high`]."""

    path: str
    values: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    integer: bool = False

    @property
    def continuous(self) -> bool:
        return not self.values

    def representatives(self) -> tuple[Any, ...]:
        """Values that stand for the whole spec when validating it: every discrete value, or
        the two ends of an interval."""
        if self.values:
            return self.values
        ends = (self.low, self.high)
        return tuple(round(v) for v in ends) if self.integer else ends


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _canonical(value: Any) -> Any:
    """Lists inside a value list (``[3, 8]`` bit bounds, format lists) become "3,8"."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def parse_param(path: str, spec: Any, file: str, *, integer: bool) -> Param:
    """Read one path's spec; a SpecError names ``space.<path>`` and what was expected."""
    where = f"space.{path}"

    def fail(message: str) -> SpecError:
        return SpecError.single(file, where, message)

    if not isinstance(spec, dict):
        values = spec if isinstance(spec, list) else [spec]
        if not values:
            raise fail("expected a value or a non-empty list of values, got an empty list")
        return Param(path, tuple(_canonical(v) for v in values), integer=integer)
    for key in spec:
        if key not in RANGE_KEYS:
            raise fail(f"unknown range key {key!r}" + suggest(str(key), RANGE_KEYS)
                       + "; expected {start, stop, step} or {low, high[, log][, num]}")
    if "start" in spec or "stop" in spec or "step" in spec:
        return _arithmetic(path, spec, fail, integer)
    if "low" not in spec or "high" not in spec:
        raise fail("expected a range {start, stop, step} or {low, high[, log][, num]}, "
                   f"got {spec!r}")
    low, high, log = spec["low"], spec["high"], spec.get("log", False)
    if not (_is_number(low) and _is_number(high)) or not isinstance(log, bool):
        raise fail(f"expected numbers low and high and a boolean log, got {spec!r}")
    if low > high:
        raise fail(f"empty range: low {low} > high {high}")
    if log and low <= 0:
        raise fail(f"expected low > 0 with log: true, got {low}")
    num = spec.get("num")
    if num is None:
        return Param(path, (), float(low), float(high), log, integer)
    if not isinstance(num, int) or isinstance(num, bool) or num < 1:
        raise fail(f"expected num as a positive integer, got {num!r}")
    points = np.geomspace(low, high, num) if log else np.linspace(low, high, num)
    return Param(path, _dedupe(points, integer), integer=integer)


def _arithmetic(path: str, spec: dict[str, Any], fail: Any, integer: bool) -> Param:
    if not all(k in spec for k in ("start", "stop", "step")):
        raise fail(f"expected start, stop and step together, got {spec!r}")
    start, stop, step = spec["start"], spec["stop"], spec["step"]
    if not all(_is_number(v) for v in (start, stop, step)) or len(spec) != 3:
        raise fail(f"expected numbers start, stop and step only, got {spec!r}")
    if step <= 0:
        raise fail(f"expected step > 0, got {step}")
    if start > stop:
        raise fail(f"empty range: start {start} > stop {stop}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    return Param(path, _dedupe(start + step * np.arange(count), integer), integer=integer)


def _dedupe(points: npt.NDArray[np.float64], integer: bool) -> tuple[Any, ...]:
    values = [round(float(v)) if integer else float(v) for v in points]
    return tuple(dict.fromkeys(values))


def parse_space(space: Mapping[str, Any], file: str,
                integer_paths: frozenset[str] = frozenset()) -> list[Param]:
    """Every path's spec, in the order given; `integer_paths` are rounded to integers."""
    if not isinstance(space, Mapping) or not space:
        raise SpecError.single(file, "space", "expected a non-empty mapping of field paths to "
                               f"values or ranges, got {space!r}")
    return [parse_param(str(path), spec, file, integer=str(path) in integer_paths)
            for path, spec in space.items()]


def _column(values: Sequence[Any]) -> Column:
    """A numpy column: int64 if all values are integers, float64 if all are numbers, else
    strings."""
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    if all(_is_number(v) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray([str(v) for v in values], dtype=np.str_)


def _from_unit(param: Param, u: npt.NDArray[np.float64]) -> Column:
    """Map uniform draws in [0, 1) to the param's values."""
    if param.values:
        index = np.minimum((u * len(param.values)).astype(np.int64), len(param.values) - 1)
        return _column(param.values)[index]
    if param.log:
        x = np.exp(np.log(param.low) + u * (np.log(param.high) - np.log(param.low)))
    else:
        x = param.low + u * (param.high - param.low)
    return np.rint(x).astype(np.int64) if param.integer else x


def sample(params: Sequence[Param], sampler: str, n: int | None, seed: int,
           file: str = "sweep") -> dict[str, Column]:
    """The design points: one column per path, one entry per design."""
    if sampler not in SAMPLERS:
        raise SpecError.single(file, "sampler", f"expected one of {', '.join(SAMPLERS)}, got "
                               f"{sampler!r}" + suggest(str(sampler), SAMPLERS))
    if sampler == "grid":
        for p in params:
            if p.continuous:
                raise SpecError.single(file, f"space.{p.path}", "the grid sampler needs "
                                       "values: a list, {start, stop, step} or {low, high, num}")
        if n is not None:
            raise SpecError.single(file, "n", "expected no n with the grid sampler (it takes "
                                   "every combination); n is for random and lhs")
        combos = list(itertools.product(*(p.values for p in params)))
        return {p.path: _column([c[i] for c in combos]) for i, p in enumerate(params)}
    if n is None or isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError.single(file, "n", f"expected a positive number of designs for the "
                               f"{sampler} sampler, got {n!r}")
    if sampler == "random":
        rng = np.random.default_rng(seed)
        units = rng.random((n, len(params)))
    else:
        from scipy.stats import qmc
        units = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(seed)).random(n)
    return {p.path: _from_unit(p, units[:, i]) for i, p in enumerate(params)}
