"""Technology-node scaling of areas (Stillmaker & Baas 2017's area factors).

An area at 45 nm becomes A * f(node) at another node, f from ``data/stillmaker_baas_2017_area
.yaml``. Nodes outside that table but in `classical` (180 nm) take the tabulated factor of a
neighbour times the square of the feature-size ratio, the classical scaling rule.
"""

from __future__ import annotations

from hwsim.unit_area.data import node_scaling


class UnknownAreaNodeError(ValueError):
    """The technology node has no area scaling factor."""


def area_scale(to_nm: int) -> float:
    """Factor that takes an area at 45 nm to `to_nm`."""
    table = node_scaling()
    if to_nm in table.factor_by_node:
        return table.factor_by_node[to_nm]
    if to_nm in table.classical:
        via = table.classical[to_nm]
        return table.factor_by_node[via] * (to_nm / via) ** 2
    nodes = sorted([*table.factor_by_node, *table.classical], reverse=True)
    raise UnknownAreaNodeError(f"expected a technology node among "
                               f"{', '.join(map(str, nodes))} nm, got {to_nm}")
