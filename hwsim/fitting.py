"""Piecewise power laws through published points: the interpolation the energy and area models
share.

Between two published points (x1, y1) and (x2, y2) the value is y1 * (x / x1)^s with
s = ln(y2 / y1) / ln(x2 / x1): a straight line in log-log, exact at every point. Past the first
or last point the end segment's slope continues (an extrapolation, which callers name where
they rely on it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def power_law(points: Sequence[tuple[float, float]], x: float) -> float:
    """The piecewise power law through `points` ((x, y) pairs sorted by x) at `x`."""
    if len(points) == 1:
        return points[0][1]
    i = 0
    while i < len(points) - 2 and x > points[i + 1][0]:
        i += 1
    (x1, y1), (x2, y2) = points[i], points[i + 1]
    slope = math.log(y2 / y1) / math.log(x2 / x1)
    return y1 * (x / x1) ** slope
