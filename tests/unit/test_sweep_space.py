"""Value lists, ranges and the grid, random and LHS samplers (hwsim.sweep.space)."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.spec.errors import SpecError
from hwsim.sweep.space import Param, parse_param, parse_space, sample


def test_arithmetic_range_includes_a_reached_stop():
    # 16 + 16 k for k = 0..7 reaches 128 exactly, so 128 is in; 100 is not reached by 16-steps
    assert parse_param("compute.rows", {"start": 16, "stop": 128, "step": 16}, "f",
                       integer=True).values == (16, 32, 48, 64, 80, 96, 112, 128)
    assert parse_param("x", {"start": 16, "stop": 100, "step": 16}, "f",
                       integer=True).values == (16, 32, 48, 64, 80, 96)
    # float steps: 0.5, 1.0, 1.5 (1.5 = 0.5 + 2 * 0.5 despite rounding in the step sum)
    assert parse_param("x", {"start": 0.5, "stop": 1.5, "step": 0.5}, "f",
                       integer=False).values == (0.5, 1.0, 1.5)


def test_log_range_with_num_is_geometric_and_rounded_for_integers():
    # 16 * 2^k for k = 0..4: geomspace(16, 256, 5)
    assert parse_param("compute.rows", {"low": 16, "high": 256, "log": True, "num": 5}, "f",
                       integer=True).values == (16, 32, 64, 128, 256)
    continuous = parse_param("memory.dram.bandwidth_bytes_per_cycle",
                             {"low": 8, "high": 64, "log": True}, "f", integer=False)
    assert continuous.continuous and (continuous.low, continuous.high, continuous.log) == \
        (8.0, 64.0, True)


def test_scalars_and_lists():
    assert parse_param("compute.dataflow", "ws", "f", integer=False).values == ("ws",)
    assert parse_param("schedule.bits", [[3, 8], 8], "f", integer=True).values == ("3,8", 8)


@pytest.mark.parametrize("spec, message", [
    ([], "got an empty list"),
    ({"start": 8, "stop": 4, "step": 1}, "empty range: start 8 > stop 4"),
    ({"start": 1, "stop": 4, "step": 0}, "expected step > 0"),
    ({"low": 5, "high": 1}, "empty range: low 5 > high 1"),
    ({"low": 0, "high": 1, "log": True}, "expected low > 0 with log: true"),
    ({"start": 1, "stop": 4}, "expected start, stop and step together"),
    ({"low": 1, "hgih": 4}, "unknown range key 'hgih' (did you mean 'high'?)"),
    ({"low": 1, "high": 4, "num": 0}, "expected num as a positive integer"),
])
def test_bad_specs_name_the_path(spec, message):
    with pytest.raises(SpecError) as err:
        parse_param("compute.rows", spec, "sweep.yaml", integer=True)
    issue = err.value.issues[0]
    assert (issue.file, issue.field_path) == ("sweep.yaml", "space.compute.rows")
    assert message in issue.message


def test_empty_space_is_an_error():
    with pytest.raises(SpecError, match="non-empty mapping"):
        parse_space({}, "f")


def test_grid_is_the_product_with_the_last_path_fastest():
    params = [Param("a", (1, 2)), Param("b", ("x", "y", "z"))]
    points = sample(params, "grid", None, 0)
    assert points["a"].tolist() == [1, 1, 1, 2, 2, 2]
    assert points["b"].tolist() == ["x", "y", "z", "x", "y", "z"]
    assert points["a"].dtype == np.int64


def test_grid_rejects_continuous_params_and_n():
    with pytest.raises(SpecError, match="grid sampler needs values"):
        sample([Param("a", (), 1.0, 2.0)], "grid", None, 0)
    with pytest.raises(SpecError, match="expected no n"):
        sample([Param("a", (1, 2))], "grid", 5, 0)


def test_random_is_seeded_and_stays_in_range():
    params = [Param("r", (), 16.0, 256.0, log=True, integer=True), Param("d", ("os", "ws"))]
    first, again = sample(params, "random", 500, 7), sample(params, "random", 500, 7)
    other = sample(params, "random", 500, 8)
    assert first["r"].tolist() == again["r"].tolist()
    assert first["r"].tolist() != other["r"].tolist()
    assert first["r"].min() >= 16 and first["r"].max() <= 256
    assert set(first["d"].tolist()) == {"os", "ws"}
    # log-uniform on [16, 256]: half the mass below the geometric mean 64
    assert 0.4 < np.mean(first["r"] < 64) < 0.6


def test_lhs_fills_every_stratum_once():
    n = 12
    params = [Param("u", (), 0.0, 1.0), Param("k", (1, 2, 3, 4))]
    points = sample(params, "lhs", n, 3)
    # Latin hypercube: the n draws of a dimension fall one in each interval [i/n, (i+1)/n)
    assert sorted(np.floor(points["u"] * n).astype(int).tolist()) == list(range(n))
    # a list of 4 values takes value floor(u * 4): each exactly n / 4 = 3 times
    assert np.bincount(points["k"])[1:].tolist() == [3, 3, 3, 3]
    assert points["u"].tolist() == sample(params, "lhs", n, 3)["u"].tolist()


@pytest.mark.parametrize("sampler, n, message", [
    ("sobol", None, "expected one of grid, random, lhs"),
    ("random", None, "expected a positive number of designs"),
    ("lhs", 0, "expected a positive number of designs"),
])
def test_bad_sampler_arguments(sampler, n, message):
    with pytest.raises(SpecError, match=message):
        sample([Param("a", (1,))], sampler, n, 0)
