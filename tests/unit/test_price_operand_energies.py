"""Pricing with the arch's per-operand register-file energies, an explicit `energy.mac_pj` and a
DRAM technology: each priced as its documented formula, the single-number case unchanged, and
sweeps over these fields equal estimating each design alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import hwsim
from hwsim.api import estimate, executed_formats, load_arch, load_workload
from hwsim.arrays import MacProblem
from hwsim.energy.price import _fitted_mac_pj, mac_unit_pj, price
from hwsim.energy.table import energy_table
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lowering import lower
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy
from hwsim.training_config import TrainingConfig
from tests_paths import WORKLOADS


@pytest.fixture(scope="module")
def resnet18():
    return load_workload(WORKLOADS / "resnet18.yaml")


def _priced(workload, arch):
    table = lower(workload, training=TrainingConfig())
    counts = run_kernels(table, pack_designs([arch]))
    tables = [energy_table(arch)]
    energy = price(table, counts, [arch], tables, [executed_formats(table, workload, arch)])
    return table, counts, energy


def test_register_file_prices_each_operand_at_its_own_energy(resnet18):
    base = load_arch("eyeriss_like")  # pe_register_file: true
    rf = (0.05, 0.11, 0.23)
    arch = replace(base, energy=replace(base.energy, register_file_pj_per_bit=rf))
    table, _, energy = _priced(resnet18, arch)
    macs = table.macs.astype(np.float64)
    # per MAC: A's bits read, B's bits read, the partial sum read and written
    expected = macs * (table.a_bits * rf[0] + table.b_bits * rf[1] + 2 * table.acc_bits * rf[2])
    np.testing.assert_allclose(energy["register_file"][0], expected, rtol=1e-12)
    assert np.all(energy["register_file"][0][table.macs > 0] > 0)


def test_one_register_file_energy_prices_as_before(resnet18):
    """The shipped eyeriss_like gives one number (0.10214 pJ/bit): the component is MACs x
    (a + b + 2 acc) x 0.10214 exactly, the arithmetic of a single shared energy."""
    arch = load_arch("eyeriss_like")
    assert arch.energy.register_file_pj_per_bit == (0.10214,) * 3
    table, _, energy = _priced(resnet18, arch)
    expected = table.macs.astype(np.float64) * (table.a_bits + table.b_bits +
                                                2 * table.acc_bits) * 0.10214
    np.testing.assert_array_equal(energy["register_file"][0], expected)


def test_mac_pj_is_the_native_mac_and_scales_other_formats(resnet18):
    """tpu_like's first native format is int8. With mac_pj 0.5, a MAC executed int8 x int8 costs
    0.5 pJ whatever its accumulator; one executed in other formats (a, b) costs
    0.5 x fitted(a, b, acc) / fitted(int8, int8, acc). The training step's problems mix both
    (bf16 forward, int8 gradients)."""
    base = load_arch("tpu_like")
    arch = replace(base, energy=replace(base.energy, mac_pj=0.5))
    int8, bf16 = parse_format("int8"), parse_format("bf16")
    fitted = energy_table(base)
    seen = set()
    for fmt in (int8, bf16):
        workload = Policy({"weights": fmt, "activations": fmt, "gradients": int8}).apply(
            resnet18)
        table = lower(workload, training=TrainingConfig())
        counts = run_kernels(table, pack_designs([arch]))
        executed = executed_formats(table, workload, arch)
        unit = mac_unit_pj(table, counts.k_pack, counts.t_steps, [arch], [energy_table(arch)],
                           [executed])[0]
        for p in np.flatnonzero(table.is_vector == 0):
            code = int(table.format_index[p])
            a, b = executed[code]
            acc = table.format_set[code][3]
            if (a, b) == (int8, int8):
                assert unit[p] == 0.5
            else:
                mac = MacProblem(a.bits, b.bits, acc.bits, int(table.K[p]), True, 1, 1)
                ratio = _fitted_mac_pj(base, fitted, mac, (a, b, acc)) / _fitted_mac_pj(
                    base, fitted, replace(mac, a_bits=8, b_bits=8), (int8, int8, acc))
                assert ratio > 1  # a MAC with a bf16 operand costs more than int8 in the fits
                assert unit[p] == pytest.approx(0.5 * ratio, rel=1e-12)
            seen.add((a.name, b.name))
    assert {("int8", "int8"), ("bf16", "bf16"), ("int8", "bf16")} <= seen


def test_designs_differing_only_in_mac_pj_are_priced_apart(resnet18):
    base = load_arch("tpu_like")
    archs = [replace(base, energy=replace(base.energy, mac_pj=pj)) for pj in (0.5, 0.25)]
    table = lower(resnet18, training=TrainingConfig())
    counts = run_kernels(table, pack_designs(archs))
    executed = [executed_formats(table, resnet18, a) for a in archs]
    unit = mac_unit_pj(table, counts.k_pack, counts.t_steps, archs,
                       [energy_table(a) for a in archs], executed)
    gemm = table.is_vector == 0
    np.testing.assert_array_equal(unit[0, gemm], 2 * unit[1, gemm])


def test_sweeping_the_new_fields_equals_estimating_each_design(resnet18):
    base = load_arch("tpu_like")
    space = {"memory.dram.technology": ["lpddr4", "hbm2"], "energy.mac_pj": [0.3, 0.6]}
    rows = hwsim.sweep(resnet18, base, space, chunk_size=4)
    energies = set()
    for i in range(4):
        row = rows.row(i)
        arch = replace(base, memory=replace(base.memory,
                                            dram_technology=row["memory.dram.technology"]),
                       energy=replace(base.energy, mac_pj=float(row["energy.mac_pj"])))
        assert row["energy_pj"] == estimate(resnet18, arch).totals()["energy_pj"]
        energies.add(row["energy_pj"])
    assert len(energies) == 4
