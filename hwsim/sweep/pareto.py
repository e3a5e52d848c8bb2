"""Pareto fronts: the designs no other design beats on every objective.

Point j dominates point i when j is no worse on every objective and better on at least one
(all objectives minimised; a maximised one is negated). Identical points do not dominate each
other, so duplicates on the front all stay.

Algorithm: sort the points lexicographically. A dominator always sorts before the point it
dominates, and if the dominator is itself dominated, its own dominator dominates the point too
(transitivity), so a point is on the front exactly when no earlier *front* point dominates it.
Walking the sorted points, each new front point removes, in one numpy comparison over all
remaining points, everything it dominates: O(n x front size x objectives), vectorised over n.
Two objectives are a special case in O(n log n): after the sort, a point is on the front when
its second objective is below the running minimum of those before it, or equals it and is
identical to the earliest point holding it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def _two(points: F64, order: npt.NDArray[np.int64]) -> Mask:
    """Two objectives, `order` sorting by the first then the second."""
    x, y = points[order, 0], points[order, 1]
    n = len(order)
    prev_best = np.concatenate(([np.inf], np.minimum.accumulate(y)[:-1]))
    new = y < prev_best  # strictly below every earlier point: nothing earlier dominates it
    # index of the earliest point holding the running minimum before each point
    holder = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    before = np.concatenate(([0], holder[:-1]))
    # equal to that minimum: dominated unless that earliest holder is identical (same x)
    tie = (y == prev_best) & (x[before] == x)
    out = np.zeros(n, dtype=np.bool_)
    out[order] = new | tie
    return out


def pareto_mask(points: npt.ArrayLike, maximise: Sequence[bool] | None = None) -> Mask:
    """True for the rows of `points` (n x k, k >= 1) that are on the Pareto front."""
    values = np.array(points, dtype=np.float64, ndmin=2)
    n, k = values.shape
    if maximise is not None:
        values[:, np.asarray(maximise, dtype=np.bool_)] *= -1.0
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    if np.isnan(values).any():
        raise ValueError("objectives contain NaN")
    order = np.lexsort(values.T[::-1]).astype(np.int64)
    if k == 1:
        return values[:, 0] == values[:, 0].min()
    if k == 2:
        return _two(values, order)
    sorted_values = values[order]
    alive = np.ones(n, dtype=np.bool_)
    on = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if not alive[i]:
            continue
        on[i] = True
        p = sorted_values[i]
        rest = sorted_values[i + 1:]
        dominated = np.all(p <= rest, axis=1) & np.any(p < rest, axis=1)
        alive[i + 1:] &= ~dominated
    out = np.zeros(n, dtype=np.bool_)
    out[order] = on
    return out
