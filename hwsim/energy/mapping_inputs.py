"""What the mapping search minimises, priced as `hwsim.energy.price` prices: the inputs that
`hwsim.evaluate.run_kernels` needs for designs whose mapping strategy is ``searched``
(`hwsim.mapping.layers`, docs/mapping.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hwsim.arrays.throughput import throughput_factors
from hwsim.energy.price import Executed, mapping_energy
from hwsim.energy.table import EnergyTable
from hwsim.evaluate import DesignArrays
from hwsim.lowering import ProblemTable
from hwsim.spec.arch import Arch
from hwsim.spec.workload import Workload

if TYPE_CHECKING:
    from hwsim.mapping.layers import MappingInputs


def searched_inputs(table: ProblemTable, workload: Workload, designs: DesignArrays,
                    archs: Sequence[Arch], tables: Sequence[EnergyTable],
                    executed: Sequence[Executed]) -> MappingInputs | None:
    """The mapping search's inputs for `run_kernels` when a design's mapping strategy is
    ``searched``, else None: `table` (lowered from `workload`) on `archs` (packed as
    `designs`), priced with their energy tables and executed formats as `price` prices."""
    if not designs.searched.any():
        return None
    # imported here so that `import hwsim` does not load Numba (the mapping kernels)
    from hwsim.mapping.layers import MappingInputs, conv_rows, mapping_design
    from hwsim.mapping.model import pack_designs
    k_pack, t_steps, _, _ = throughput_factors(
        designs.kind, designs.serial, designs.bits_per_cycle, designs.window_lanes,
        designs.word_bits, designs.dataflow, table.a_bits, table.b_bits, table.from_conv)
    levels, fixed, array, static = mapping_energy(table, k_pack, t_steps, archs, tables,
                                                  executed)
    packed = pack_designs([mapping_design(a, levels[d], float(static[d]))
                           for d, a in enumerate(archs)])
    return MappingInputs(conv_rows(table, workload), packed, fixed, array)
