"""Pareto fronts against a brute-force reference (definition of dominance, O(n^2))."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.sweep.pareto import pareto_mask


def brute_force(points: np.ndarray) -> list[bool]:
    """On the front unless some point is <= on every objective and < on one."""
    return [not any(np.all(q <= p) and np.any(q < p) for q in points) for p in points]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_matches_brute_force_on_random_points_with_ties(k):
    rng = np.random.default_rng(20260801 + k)
    for _ in range(150):
        n = int(rng.integers(1, 60))
        # few distinct levels: many ties and exact duplicates
        points = rng.integers(0, 6, size=(n, k)).astype(float)
        assert pareto_mask(points).tolist() == brute_force(points)


@pytest.mark.parametrize("k", [2, 3])
def test_matches_brute_force_on_continuous_points(k):
    rng = np.random.default_rng(7 * k)
    points = rng.lognormal(size=(400, k))
    assert pareto_mask(points).tolist() == brute_force(points)


def test_maximised_objectives_are_negated():
    rng = np.random.default_rng(3)
    points = rng.integers(0, 8, size=(80, 3)).astype(float)
    flipped = points * np.array([1.0, -1.0, 1.0])
    assert pareto_mask(points, [False, True, False]).tolist() == brute_force(flipped)


def test_small_cases():
    # (1, 3) and (3, 1) trade off; (2, 2) too; (3, 3) is dominated by (2, 2); duplicates stay
    points = [[1, 3], [3, 1], [2, 2], [3, 3], [2, 2]]
    assert pareto_mask(points).tolist() == [True, True, True, False, True]
    assert pareto_mask(np.zeros((0, 2))).tolist() == []
    with pytest.raises(ValueError, match="NaN"):
        pareto_mask([[1.0, np.nan]])
