"""Technology-node scaling of energies (Stillmaker & Baas 2017, Table 5).

An energy measured at node n (supply V_n) becomes E * E_m(V_m) / E_n(V_n) at node m, with each
node's polynomial from ``data/stillmaker_baas_2017.yaml``. Only the nodes of that table are
accepted: scaling to any other node would be an extrapolation the source does not support.
"""

from __future__ import annotations

from hwsim.technology import node_table, supported_nodes


class UnknownNodeError(ValueError):
    """The technology node is not in the scaling table."""


def energy_scale(from_nm: int, to_nm: int, *, to_vdd_v: float | None = None) -> float:
    """Factor that takes an energy at `from_nm` (nominal supply) to `to_nm`."""
    table = node_table()
    for node in (from_nm, to_nm):
        if node not in table:
            raise UnknownNodeError(f"expected a technology node among "
                                   f"{', '.join(map(str, supported_nodes()))} nm, got {node}")
    return table[to_nm].energy_factor(to_vdd_v) / table[from_nm].energy_factor()
