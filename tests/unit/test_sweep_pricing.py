"""Vectorised pricing of many designs equals `hwsim.energy.price.price` design by design."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwsim.api import executed_formats, load_arch, load_workload, shipped_arch_names
from hwsim.energy.price import COMPONENTS, price
from hwsim.energy.table import energy_table
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lower import lower
from hwsim.precision import parse_format
from hwsim.precision.policy import Policy, Rule
from hwsim.sweep.pricing import design_energy, mac_energy, price_designs, vector_add_pj_45
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
    policy = Policy({"weights": parse_format("int4"), "activations": parse_format("int6")},
                    (Rule("first", {"weights": parse_format("int8")}),))
    table = lower(policy.apply(workload), batch=2, training=True)
    archs = _variants(arch_name)
    raw = run_kernels(table, pack_designs(archs))
    tables = [energy_table(a) for a in archs]
    executed = [executed_formats(table, workload, a) for a in archs]
    mac = mac_energy(table, raw, archs, tables, executed)
    got = price_designs(table, raw, design_energy(archs, tables), mac, vector_add_pj_45(table))
    assert tuple(got) == COMPONENTS
    for d, arch in enumerate(archs):
        expected = price(table, raw, tables[d], arch, executed[d], design=d)
        for component in COMPONENTS:
            np.testing.assert_allclose(got[component][d], expected[component], rtol=1e-12,
                                       atol=0, err_msg=f"{arch_name} design {d} {component}")
    assert all(np.any(got[c] > 0) for c in ("mac", "dram", "vector"))


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
    expected = price(table, raw, tables[1], archs[1], executed[1], design=1)["mac"]
    np.testing.assert_allclose(mac[1], expected, rtol=1e-12)
