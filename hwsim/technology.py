"""The technology nodes hwsim models: Stillmaker & Baas 2017's energy polynomial per node
(``hwsim/unit_energy/data/stillmaker_baas_2017.yaml``, Table 5). Arch specs are checked against this
list and the energy model scales by it (`hwsim.unit_energy.scaling`); it sits below both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True, slots=True)
class NodeCoefficients:
    """Stillmaker & Baas energy polynomial a V^2 + b V + c of one node, at supply `vdd_v`."""

    node_nm: int
    a: float
    b: float
    c: float
    vdd_v: float

    def energy_factor(self, vdd_v: float | None = None) -> float:
        v = self.vdd_v if vdd_v is None else vdd_v
        return self.a * v * v + self.b * v + self.c


@cache
def node_table() -> dict[int, NodeCoefficients]:
    """Every node of the table (nm) and its polynomial."""
    path = resources.files("hwsim") / "unit_energy" / "data" / "stillmaker_baas_2017.yaml"
    doc = yaml.safe_load(path.read_text())
    return {row["node_nm"]: NodeCoefficients(**row) for row in doc["nodes"]}


def supported_nodes() -> list[int]:
    """The nodes of the table (nm), largest first."""
    return sorted(node_table(), reverse=True)
