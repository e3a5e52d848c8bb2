"""Evaluating many designs in one kernel call equals evaluating each alone."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace

import numpy as np

from hwsim.training_config import TrainingConfig
from hwsim.api import load_arch, load_workload
from hwsim.evaluate import LevelCounts, pack_designs, run_kernels
from hwsim.lowering import lower
from hwsim.spec.arch import OPERANDS
from tests_paths import WORKLOADS


def test_design_batch_equals_single_runs():
    base = load_arch("scalesim_default")
    archs = [replace(base, compute=replace(base.compute, rows=r, cols=c, dataflow=df))
             for r, c, df in [(32, 32, "ws"), (8, 64, "os"), (128, 16, "is"), (3, 5, "ws")]]
    archs.append(load_arch("tpu_like"))
    table = lower(load_workload(WORKLOADS / "resnet18.yaml"))
    together = run_kernels(table, pack_designs(archs))
    for d, arch in enumerate(archs):
        alone = run_kernels(table, pack_designs([arch]))
        for name, got, expected in _arrays(together.design(d), alone):
            np.testing.assert_array_equal(got, expected, err_msg=f"design {d} {name}")


def _arrays(counts, other):
    """(name, array of `counts`, array of `other`) for every named count, levels included."""
    for f in fields(counts):
        a, b = getattr(counts, f.name), getattr(other, f.name)
        if isinstance(a, LevelCounts):
            for side in ("reads", "writes"):
                for operand in getattr(a, side):
                    yield (f"{a.name} {side} {operand}", getattr(a, side)[operand],
                           getattr(b, side)[operand])
        elif is_dataclass(a):     # LayerMappings
            for g in fields(a):
                yield f"{f.name}.{g.name}", getattr(a, g.name), getattr(b, g.name)
        else:
            yield f.name, a, b


def test_counts_are_named_per_level_and_operand():
    table = lower(load_workload(WORKLOADS / "resnet18.yaml"), training=TrainingConfig())
    counts = run_kernels(table, pack_designs([load_arch("tpu_like")]))
    assert [level.name for level in counts.levels] == ["register_file", "accumulator", "sram",
                                                       "dram"]
    for level in counts.levels:
        for side in (level.reads, level.writes):
            assert tuple(side) == OPERANDS
            assert all(v.shape == (1, len(table)) for v in side.values())
    vector = table.is_vector.astype(bool)
    # a vector problem's DRAM traffic is all its tensors or nothing, split into reads and writes
    moved = counts.dram.reads["ifmap"][0, vector] > 0
    assert moved.any() and not moved.all()
    elements = table.vector_elements[vector][moved]
    np.testing.assert_array_equal(counts.dram.reads["ifmap"][0, vector][moved],
                                  elements * table.vector_read_bits[vector][moved])
    np.testing.assert_array_equal(counts.dram.writes["ofmap"][0, vector][moved],
                                  elements * table.vector_write_bits[vector][moved])
    # partial sums read back: every output write of the array but each output's last, at the
    # accumulator's width (storage levels count bits, the array elements)
    gemm = ~vector
    final = (table.M * table.N * table.count)[gemm]
    partial = np.maximum(0, counts.array.writes["ofmap"][0, gemm] - final)
    np.testing.assert_array_equal(counts.sram.reads["ofmap"][0, gemm],
                                  partial * table.acc_bits[gemm])
    np.testing.assert_array_equal(counts.sram.writes["ofmap"][0, gemm],
                                  final * table.out_bits[gemm] + partial * table.acc_bits[gemm])


def _counted_and_priced(table, workload, arch):
    """Kernel counts and energies of every problem of `table` (searched mapping inputs
    included), computed on `table` itself."""
    from hwsim.api import executed_formats
    from hwsim.energy.mapping_inputs import searched_inputs
    from hwsim.energy.price import price
    from hwsim.energy.table import energy_table
    tables, executed = [energy_table(arch)], [executed_formats(table, workload, arch)]
    designs = pack_designs([arch])
    counts = run_kernels(table, designs, searched_inputs(table, workload, designs, [arch],
                                                         tables, executed))
    return counts, price(table, counts, [arch], tables, executed)


def test_distinct_problems_spread_equal_every_problem_counted():
    """Counting and pricing each distinct problem once (`ProblemTable.distinct`), then spreading
    the results (`KernelCounts.spread`), gives every problem the counts and energies it gets
    when the whole table is counted: ResNet-50's training step (bottlenecks repeat within each
    stage) on tpu_like (searched mapping) and scalesim_default (SCALE-Sim's fold order)."""
    workload = load_workload(WORKLOADS / "resnet50.yaml")
    table = lower(workload, training=TrainingConfig())
    distinct, rows = table.distinct()
    assert len(distinct) < len(table)   # the repeats are there to be shared
    for name in ("tpu_like", "scalesim_default"):
        arch = load_arch(name)
        whole, whole_pj = _counted_and_priced(table, workload, arch)
        once, once_pj = _counted_and_priced(distinct, workload, arch)
        for what, got, expected in _arrays(once.spread(rows), whole):
            np.testing.assert_array_equal(got, expected, err_msg=f"{name} {what}")
        for component, pj in whole_pj.items():
            np.testing.assert_array_equal(once_pj[component][:, rows], pj,
                                          err_msg=f"{name} {component}")


def test_distinct_table_rows_are_the_problems_they_stand_for():
    """Problem j of a table equals row `rows[j]` of its distinct table in every column but its
    name and layer; the distinct table keeps each distinct problem's first occurrence, in table
    order."""
    from hwsim.lowering.problem import ROW_FIELDS
    table = lower(load_workload(WORKLOADS / "resnet50.yaml"), training=TrainingConfig())
    distinct, rows = table.distinct()
    for column in ROW_FIELDS:
        if column != "layer_index":
            np.testing.assert_array_equal(getattr(distinct, column)[rows],
                                          getattr(table, column), err_msg=column)
    firsts = [rows.tolist().index(r) for r in range(len(distinct))]
    assert firsts == sorted(firsts)
    assert list(distinct.names) == [table.names[j] for j in firsts]
    np.testing.assert_array_equal(distinct.layer_index, table.layer_index[firsts])
