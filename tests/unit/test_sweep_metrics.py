"""Constraints and objectives: parsed by a regular expression, never evaluated as code."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.spec.errors import SpecError
from hwsim.sweep.metrics import (METRICS, Constraint, Objective, feasible, parse_constraint,
                                 parse_objective)

KNOWN = (*METRICS, "compute.rows")


@pytest.mark.parametrize("text, expected", [
    ("sram_bytes <= 2e6", Constraint("sram_bytes", "<=", 2e6)),
    ("  latency_s<0.5 ", Constraint("latency_s", "<", 0.5)),
    ("tops_per_w >= -1.5E-1", Constraint("tops_per_w", ">=", -0.15)),
    ("compute.rows != 64", Constraint("compute.rows", "!=", 64.0)),
    ("pes == .5", Constraint("pes", "==", 0.5)),
    ("area_mm2 <= 4", Constraint("area_mm2", "<=", 4.0)),
])
def test_constraints_parse(text, expected):
    assert parse_constraint(text, KNOWN) == expected


@pytest.mark.parametrize("text", [
    "__import__('os').system('true') <= 1", "sram_bytes <= 2e6 or True", "sram_bytes <= x",
    "sram_bytes =< 2", "sram_bytes", "<= 5", "sram_bytes <= 2e6; 1"])
def test_anything_else_does_not_parse(text):
    with pytest.raises(SpecError, match=r"cannot parse .* expected '<metric> <op> <number>'"):
        parse_constraint(text, KNOWN, "s.yaml")


def test_unknown_metric_is_suggested():
    with pytest.raises(SpecError, match=r"unknown metric 'sram_byte' .*'sram_bytes'"):
        parse_constraint("sram_byte <= 1", KNOWN)
    with pytest.raises(SpecError, match=r"unknown metric 'area_mm' .*'area_mm2'"):
        parse_constraint("area_mm <= 50", KNOWN)


def test_feasible_combines_constraints():
    columns = {"sram_bytes": np.array([1e6, 3e6, 1e6]), "latency_s": np.array([1.0, 0.1, 0.2])}
    cons = [Constraint("sram_bytes", "<=", 2e6), Constraint("latency_s", "<", 0.5)]
    assert feasible(columns, cons).tolist() == [False, False, True]
    assert feasible(columns, []).tolist() == [True, True, True]


def test_objectives():
    assert parse_objective("energy_pj", KNOWN) == Objective("energy_pj", False)
    assert parse_objective("tops_per_w", KNOWN) == Objective("tops_per_w", True)
    assert parse_objective("min:tops_per_w", KNOWN) == Objective("tops_per_w", False)
    assert parse_objective("max:compute.rows", KNOWN) == Objective("compute.rows", True)
    with pytest.raises(SpecError, match="did you mean 'latency_s'"):
        parse_objective("latncy_s", KNOWN)
    with pytest.raises(SpecError, match="unknown objective 'best:cycles'"):
        parse_objective("best:cycles", KNOWN)
