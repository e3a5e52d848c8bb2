"""What the mapping search minimises, priced as `hwsim.energy.price` prices: the inputs that
`hwsim.evaluate.run_kernels` needs for designs whose mapping strategy is ``searched``
(`hwsim.mapping.layers`, docs/mapping.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from hwsim.energy.price import Executed, mac_unit_pj, mapping_energy
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import DesignArrays, throughput
from hwsim.lowering import ProblemTable
from hwsim.spec.arch import Arch
from hwsim.spec.workload import Workload

if TYPE_CHECKING:
    from hwsim.mapping.layers import MappingInputs

F64 = npt.NDArray[np.float64]


def searched_inputs(table: ProblemTable, workload: Workload, designs: DesignArrays,
                    archs: Sequence[Arch], tables: Sequence[EnergyTable],
                    executed: Sequence[Executed], *,
                    mac_pj: F64 | None = None) -> MappingInputs | None:
    """The mapping search's inputs for `run_kernels` when a design's mapping strategy is
    ``searched``, else None: `table` (lowered from `workload`) on `archs` (packed as
    `designs`), priced with their energy tables and executed formats as `price` prices;
    `mac_pj` is their `mac_unit_pj` where the caller has it already (pricing needs it too)."""
    if not designs.searched.any():
        return None
    # imported here so that `import hwsim` does not load Numba (the mapping kernels)
    from hwsim.mapping.layers import MappingInputs, conv_rows, mapping_design
    from hwsim.mapping.model import pack_designs
    if mac_pj is None:
        k_pack, t_steps, _, _ = throughput(table, designs)
        mac_pj = mac_unit_pj(table, k_pack, t_steps, archs, tables, executed)
    levels, fixed, array, static = mapping_energy(table, mac_pj, archs, tables)
    packed = pack_designs([mapping_design(a, levels[d], float(static[d]))
                           for d, a in enumerate(archs)])
    return MappingInputs(conv_rows(table, workload), packed, fixed, array)
