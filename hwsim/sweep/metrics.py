"""The metrics of a sweep's rows, and constraints and objectives over them.

Per design (a whole run: one inference, one training step, or `iterations` steps under a
schedule):

- ``cycles`` = ``compute_cycles`` + ``stall_cycles``, ``latency_s`` = cycles / clock;
- ``macs``, ``bitops`` (MACs x bits(A) x bits(B)), ``dram_bytes`` (all DRAM traffic);
- ``sram_bytes``: on-chip buffer capacity (the sum of the SRAM buffers; a budget, not traffic);
- ``pes`` = rows x cols; ``utilization`` = macs / (cycles x pes);
- ``area_mm2``: silicon area of the PE array, PE-local storage, buffers and vector unit at the
  arch's node (`hwsim.area.arch_area`: its total, which leaves out networks, control and I/O);
- ``energy_pj`` and its components ``energy_<component>_pj`` (`hwsim.energy.price`);
- ``edp_pj_s`` = energy_pj x latency_s (energy-delay product);
- ``tops_per_w`` = 2 macs / energy (one MAC is two operations): (2 macs / latency) /
  (energy / latency) / 10^12 with energy in J, i.e. 2 macs / energy_pj.

A constraint is ``<metric> <op> <number>`` with op one of <=, <, >=, >, ==, != (read by a
regular expression, never evaluated as code). An objective is a metric name, minimised, or
``max:<metric>`` / ``min:<metric>``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.energy.price import COMPONENTS
from hwsim.spec.errors import SpecError, suggest

ENERGY_COLUMNS = tuple(f"energy_{c}_pj" for c in COMPONENTS)
METRICS = ("cycles", "compute_cycles", "stall_cycles", "latency_s", "macs", "bitops",
           "dram_bytes", "sram_bytes", "pes", "area_mm2", "utilization", "energy_pj",
           *ENERGY_COLUMNS, "edp_pj_s", "tops_per_w")
MAXIMISED = ("tops_per_w", "utilization")
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
    "==": operator.eq, "!=": operator.ne}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w.\[\]*?:-]*)\s*(<=|>=|==|!=|<|>)\s*"
                         r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Constraint:
    """``metric op value``."""

    metric: str
    op: str
    value: float

    def holds(self, columns: dict[str, npt.NDArray[Any]]) -> npt.NDArray[np.bool_]:
        return np.asarray(OPS[self.op](columns[self.metric], self.value), dtype=np.bool_)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class Objective:
    """A metric and whether larger is better."""

    metric: str
    maximise: bool

    def __str__(self) -> str:
        return f"{'max' if self.maximise else 'min'}:{self.metric}"


def parse_constraint(text: str, known: Sequence[str], file: str = "sweep") -> Constraint:
    """Read ``<metric> <op> <number>``; `known` are the numeric columns it may name."""
    match = _CONSTRAINT.match(str(text))
    if match is None:
        raise SpecError.single(file, "constraints", f"cannot parse {text!r}: expected "
                               "'<metric> <op> <number>' with op one of "
                               f"{', '.join(OPS)}, e.g. 'sram_bytes <= 2e6'")
    metric, op, number = match.groups()
    if metric not in known:
        raise SpecError.single(file, "constraints", f"unknown metric {metric!r} in {text!r}"
                               + suggest(metric, known) + f"; expected one of {', '.join(known)}")
    return Constraint(metric, op, float(number))


def parse_objective(text: str, known: Sequence[str], file: str = "sweep") -> Objective:
    """Read ``metric``, ``min:metric`` or ``max:metric``."""
    direction, sep, metric = str(text).strip().partition(":")
    if not sep:
        direction, metric = "", direction
    if direction not in ("", "min", "max") or metric not in known:
        raise SpecError.single(file, "objectives", f"unknown objective {text!r}"
                               + suggest(metric, known) + "; expected a metric, or "
                               f"min:/max: and a metric, among {', '.join(known)}")
    maximise = direction == "max" or (direction == "" and metric in MAXIMISED)
    return Objective(metric, maximise)


def feasible(columns: dict[str, npt.NDArray[Any]],
             constraints: Sequence[Constraint]) -> npt.NDArray[np.bool_]:
    """True for the rows that satisfy every constraint."""
    n = len(next(iter(columns.values()))) if columns else 0
    ok = np.ones(n, dtype=np.bool_)
    for c in constraints:
        ok &= c.holds(columns)
    return ok
