"""Pricing and totalling many designs at once (a sweep's chunk) equals estimating each design
alone, component by component."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwsim.training_config import TrainingConfig
from hwsim.api import estimate, executed_formats, load_arch, load_workload, shipped_arch_names
from hwsim.energy import price as price_module
from hwsim.energy.price import COMPONENTS, mac_unit_pj, price
from hwsim.energy.table import energy_table
from hwsim.energy.mapping_inputs import searched_inputs
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lowering import lower
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.totals import problem_costs, step_totals
from tests_paths import WORKLOADS


def _variants(name: str) -> list:
    """The shipped arch and variants that change what pricing reads: node (energy scale),
    dataflow (operand hops), buffer size (SRAM energy), static power."""
    base = load_arch(name)
    c, e = base.compute, base.energy
    return [base,
            replace(base, compute=replace(c, dataflow="os", rows=max(4, c.rows // 2)),
                    energy=replace(e, node_nm=7, static_power_mw=120.0)),
            replace(base, compute=replace(c, dataflow="is", clock_mhz=333.0),
                    memory=replace(base.memory, buffers=tuple(
                        replace(b, size_bytes=b.size_bytes * 4) for b in base.memory.buffers)),
                    energy=replace(e, node_nm=32))]


def _mixed_precision(workload, arch):
    """Mixed narrow formats, or the array's own where it accepts no other (no promotion)."""
    native = arch.compute.native_formats[0]
    narrow, wide = (parse_format("int4"), parse_format("int8")) if arch.compute.promote \
        else (native, native)
    return Policy({"weights": narrow, "activations": narrow, "gradients": wide},
                  (Rule("first", {"weights": wide}),)).apply(workload)


@pytest.mark.parametrize("arch_name", shipped_arch_names())
def test_designs_priced_together_total_as_each_estimate(arch_name):
    archs = _variants(arch_name)
    workload = _mixed_precision(load_workload(WORKLOADS / "resnet18.yaml"), archs[0])
    table = lower(workload, batch=2, training=TrainingConfig())
    tables = [energy_table(a) for a in archs]
    executed = [executed_formats(table, workload, a) for a in archs]
    designs = pack_designs(archs)   # the designs' own mapping strategies, as a sweep runs them
    counts = run_kernels(table, designs, searched_inputs(table, workload, designs, archs, tables,
                                                         executed))
    energy = price(table, counts, archs, tables, executed)
    assert tuple(energy) == COMPONENTS
    got = step_totals(table, problem_costs(table, counts), energy)
    for d, arch in enumerate(archs):
        expected = estimate(workload, arch, batch=2, training=TrainingConfig()).totals()
        where = f"{arch_name} design {d}"
        for component in COMPONENTS:
            # the same formulas summed in the same order: equal; components the arch cannot
            # have (the estimate leaves them out) are 0
            assert got["energy_pj"][component][d] == \
                expected["energy_breakdown_pj"].get(component, 0.0), f"{where} {component}"
        for name in ("cycles", "compute_cycles", "stall_cycles", "macs", "bitops",
                     "dram_bytes_total"):
            assert got[name][d] == expected[name], f"{where} {name}"
        for name in ("dram_bytes", "sram_reads", "sram_writes"):
            assert {k: v[d] for k, v in got[name].items()} == expected[name], f"{where} {name}"
    assert all(np.all(got["energy_pj"][c] > 0) for c in ("mac", "dram", "vector", "forwarding"))


def test_mac_energy_runs_once_per_datapath_node_and_distinct_problem(monkeypatch):
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    table = lower(workload, training=TrainingConfig())
    base = load_arch("stripes_like")
    archs = [base, replace(base, energy=replace(base.energy, node_nm=7)), base]
    counts = run_kernels(table, pack_designs(archs))
    tables = [energy_table(a) for a in archs]
    executed = [executed_formats(table, workload, a) for a in archs]
    calls = []
    real = price_module._mac_pj
    monkeypatch.setattr(price_module, "_mac_pj", lambda *args: calls.append(args) or real(*args))
    together = mac_unit_pj(table, counts.k_pack, counts.t_steps, archs, tables, executed)
    gemm = table.is_vector == 0
    distinct = {(int(table.format_index[p]), int(table.from_conv[p]), int(table.K[p]),
                 int(counts.k_pack[0, p]), int(counts.t_steps[0, p]))
                for p in np.flatnonzero(gemm)}
    # two nodes of one datapath (the third design repeats the first): one call per distinct
    # problem and node, fewer than one per problem
    assert len(calls) == 2 * len(distinct) < 2 * int(gemm.sum())
    for d, arch in enumerate(archs):
        one = counts.design(d)
        alone = mac_unit_pj(table, one.k_pack, one.t_steps, [arch], [tables[d]], [executed[d]])
        np.testing.assert_array_equal(together[d], alone[0])
    assert np.all(together[:, gemm] > 0) and np.all(together[:, ~gemm] == 0)
    assert np.all(together[1, gemm] < together[0, gemm])  # 7 nm spends less than 45 nm
