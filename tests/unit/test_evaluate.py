"""Evaluating many designs in one kernel call equals evaluating each alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hwsim.api import load_arch, load_workload
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.lowering import lower
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
        np.testing.assert_array_equal(together.sram_counts[d], alone.sram_counts[0])
        np.testing.assert_array_equal(together.dram_bits[d], alone.dram_bits[0])
        np.testing.assert_array_equal(together.stall_cycles[d], alone.stall_cycles[0])
