"""The GEMM problems of a workload's forward pass, as the mapping search takes them."""

from __future__ import annotations

from hwsim.lowering import lower
from hwsim.mapping.geometry import ConvGeometry
from hwsim.mapping.model import GemmProblem
from hwsim.spec.workload import Conv2d, Workload


def workload_problems(workload: Workload, *, batch: int | None = None,
                      bits: tuple[int, int, int, int] | None = None
                      ) -> tuple[list[str], list[GemmProblem]]:
    """(layer names, problems) of every forward GEMM of `workload` (vector work left out);
    convolutions carry their geometry. `bits` (A, B, output, accumulator) overrides the widths
    the workload's precision gives."""
    batch = batch or workload.batch
    table = lower(workload, batch=batch)
    names: list[str] = []
    problems: list[GemmProblem] = []
    for i in range(len(table)):
        if table.is_vector[i]:
            continue
        layer = workload.layers[int(table.layer_index[i])]
        conv = (ConvGeometry.from_layer(layer, batch)
                if table.from_conv[i] and isinstance(layer, Conv2d) else None)
        widths = bits or (int(table.a_bits[i]), int(table.b_store_bits[i]),
                          int(table.out_bits[i]), int(table.acc_bits[i]))
        names.append(table.names[i])
        problems.append(GemmProblem(int(table.M[i]), int(table.N[i]), int(table.K[i]), widths,
                                    int(table.count[i]), conv))
    return names, problems
