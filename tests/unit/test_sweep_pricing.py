"""Pricing many designs at once equals `hwsim.energy.price.price` summed, design by design."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwsim.api import executed_formats, load_arch, load_workload, shipped_arch_names
from hwsim.energy.price import COMPONENTS, price
from hwsim.energy.table import energy_table
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lowering import lower
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.sweep.pricing import design_energy, mac_energy, price_totals, table_sums
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


@pytest.mark.parametrize("arch_name", shipped_arch_names())
def test_equals_price_for_every_design(arch_name):
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    archs = _variants(arch_name)
    # mixed narrow formats, or the array's own where it accepts no other (no promotion)
    native = archs[0].compute.native_formats[0]
    narrow, wide = (parse_format("int4"), parse_format("int8")) if archs[0].compute.promote \
        else (native, native)
    policy = Policy({"weights": narrow, "activations": narrow, "gradients": wide},
                    (Rule("first", {"weights": wide}),))
    table = lower(policy.apply(workload), batch=2, training=True)
    raw = run_kernels(table, pack_designs(archs))
    tables = [energy_table(a) for a in archs]
    executed = [executed_formats(table, workload, a) for a in archs]
    mac = mac_energy(table, raw, archs, tables, executed)
    got = price_totals(table, raw, design_energy(archs, tables), mac, table_sums(table))
    assert tuple(got) == COMPONENTS
    for d, arch in enumerate(archs):
        expected = price(table, raw, tables[d], arch, executed[d], design=d)
        for component in COMPONENTS:
            # the same formulas summed in another order: equal to rounding
            np.testing.assert_allclose(got[component][d], expected[component].sum(),
                                       rtol=1e-11, atol=0,
                                       err_msg=f"{arch_name} design {d} {component}")
    assert all(np.all(got[c] > 0) for c in ("mac", "dram", "vector", "forwarding"))


def test_mac_cache_reuses_a_datapaths_energy_across_nodes():
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    table = lower(workload)
    base = load_arch("stripes_like")
    archs = [base, replace(base, energy=replace(base.energy, node_nm=7))]
    raw = run_kernels(table, pack_designs(archs))
    tables = [energy_table(a) for a in archs]
    executed = [executed_formats(table, workload, a) for a in archs]
    cache: dict = {}
    mac = mac_energy(table, raw, archs, tables, executed, cache)
    assert len(cache) == 1  # one datapath: price ran once, the 7 nm design was rescaled
    expected = price(table, raw, tables[1], archs[1], executed[1], design=1)["mac"].sum()
    np.testing.assert_allclose(mac[1], expected, rtol=1e-12)
