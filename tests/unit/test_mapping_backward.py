"""Backward convolutions in a searched training estimate: every convolution GEMM of a training
step carries its pass's geometry (forward and backward-data: A; backward-weight: B), each
backward GEMM's DRAM traffic is at least its compulsory traffic counted from the layer
(distinct pixels of the viewed tensor, by brute force), and its searched objective is never
worse than the same GEMM searched as a plain GEMM (the halo only lowers fills and adds
aligned candidates), and better on some."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import numpy as np
import pytest

from hwsim.api import executed_formats, load_arch, load_workload
from hwsim.dataflow.systolic import ROLE_DIMS, ROW_COEF
from hwsim.energy.mapping_inputs import searched_inputs
from hwsim.energy.table import energy_table
from hwsim.evaluate import pack_designs, run_kernels
from hwsim.kernels import mapping as km
from hwsim.lowering import Pass, lower
from hwsim.mapping import ConvGeometry
from hwsim.mapping.geometry import NO_CONV
from hwsim.spec.arch import MappingSpec
from hwsim.spec.workload import Conv2d
from hwsim.training_config import TrainingConfig
from tests_paths import WORKLOADS, for_arch

GEOMETRY = {Pass.FWD.code: ConvGeometry.from_layer, Pass.DGRAD.code: ConvGeometry.dgrad_of_layer,
            Pass.WGRAD.code: ConvGeometry.wgrad_of_layer}


def training_context(arch_name: str):
    """ResNet-18 (strided 7 x 7, 3 x 3 and 1 x 1 convolutions) one training step at batch 2 on
    `arch_name`, searched on energy: the table, designs, mapping inputs, counts, factors."""
    from hwsim.arrays.throughput import throughput_factors
    arch = replace(load_arch(arch_name), mapping=MappingSpec("searched", "energy"))
    workload = for_arch(load_workload(WORKLOADS / "resnet18.yaml"), arch_name)
    table = lower(workload, batch=2, training=TrainingConfig())
    designs = pack_designs([arch])
    inputs = searched_inputs(table, workload, designs, [arch], [energy_table(arch)],
                             [executed_formats(table, workload, arch)])
    assert inputs is not None
    factors = np.stack(throughput_factors(designs.kind, designs.serial, designs.bits_per_cycle,
                                          designs.window_lanes, designs.word_bits,
                                          designs.dataflow, table.a_bits, table.b_bits,
                                          table.from_conv))
    return workload, table, designs, inputs, factors


def used_pixels(layer: Conv2d, pass_code: int) -> int:
    """Pixels per image and channel of the tensor a pass's viewed operand reads, by brute force:
    input pixels some output and tap touch (forward, backward-weight), or output-gradient
    pixels some input pixel inside the input touches (backward-data)."""
    pairs = set()
    for p, q, r, s in product(range(layer.out_h), range(layer.out_w), range(layer.kernel_h),
                              range(layer.kernel_w)):
        h = p * layer.stride_h + r * layer.dilation_h - layer.pad_h
        w = q * layer.stride_w + s * layer.dilation_w - layer.pad_w
        if 0 <= h < layer.in_h and 0 <= w < layer.in_w:
            pairs.add((p, q) if pass_code == Pass.DGRAD.code else (h, w))
    return len(pairs)


def test_every_convolution_pass_carries_its_geometry():
    workload, table, _, inputs, _ = training_context("tpu_like")
    seen = set()
    for p in np.flatnonzero((table.from_conv == 1) & (table.is_vector == 0)):
        layer = workload.layers[int(table.layer_index[p])]
        assert isinstance(layer, Conv2d)
        code = int(table.pass_code[p])
        mnk = (int(table.M[p]), int(table.N[p]), int(table.K[p]))
        geo = GEOMETRY[code](layer, 2)
        np.testing.assert_array_equal(inputs.conv[p], geo.as_row(), err_msg=table.names[p])
        pix, taps = geo.dims
        assert geo.gemm == (mnk[pix], mnk[taps]), table.names[p]
        seen.add(code)
    assert seen == set(GEOMETRY)
    plain = (table.from_conv == 0) | (table.is_vector == 1)
    assert np.all(inputs.conv[plain] == NO_CONV)


@pytest.mark.parametrize("arch_name", ["tpu_like", "eyeriss_like", "lns_madam_like"])
def test_backward_dram_at_least_compulsory_and_halos_never_worse(arch_name):
    workload, table, designs, inputs, factors = training_context(arch_name)
    with_halo = run_kernels(table, designs, inputs)
    plain_conv = inputs.conv.copy()
    backward = (table.pass_code != Pass.FWD.code) & (table.is_vector == 0)
    plain_conv[backward] = NO_CONV
    plain = run_kernels(table, designs, replace(inputs, conv=plain_conv))
    better = 0
    for p in np.flatnonzero(backward & (table.from_conv == 1)):
        layer = workload.layers[int(table.layer_index[p])]
        assert isinstance(layer, Conv2d)
        code = int(table.pass_code[p])
        m, n, k = int(table.M[p]), int(table.N[p]), int(table.K[p])
        a_bits, b_bits = float(table.a_bits[p]), float(table.b_store_bits[p])
        out_bits = min(float(table.out_bits[p]), float(table.acc_bits[p]))
        channels = (layer.out_channels if code == Pass.DGRAD.code
                    else layer.in_channels) // layer.groups
        viewed = 2 * channels * used_pixels(layer, code)
        a, b = (viewed, k * n) if code == Pass.DGRAD.code else (m * k, viewed)
        compulsory = (a * a_bits + b * b_bits + m * n * out_bits) * int(table.count[p])
        dram = sum(float(lv[o][0, p]) for lv in (with_halo.dram.reads, with_halo.dram.writes)
                   for o in lv)
        assert dram >= compulsory * (1 - 1e-12), table.names[p]
        if not (with_halo.mappings.searched[0, p] and plain.mappings.searched[0, p]):
            continue
        ours = objective_of(table, inputs.conv[p], inputs, factors, p,
                            with_halo.mappings.rows[0, p])
        theirs = objective_of(table, NO_CONV, inputs, factors, p,
                              plain.mappings.rows[0, p])
        assert ours <= theirs * (1 + 1e-12), table.names[p]
        better += ours < theirs * (1 - 1e-9)
    assert better > 0


def objective_of(table, conv, inputs, factors, p: int, row) -> float:
    """The energy (pJ) of mapping `row` of problem `p` on design 0 with convolution row
    `conv`."""
    counts = np.zeros((3, 3, 2))
    mnk = np.array([table.M[p], table.N[p], table.K[p]], dtype=np.int64)
    bits = np.array([table.a_bits[p], table.b_store_bits[p], table.out_bits[p],
                     table.acc_bits[p]], dtype=np.float64)
    status, value, _, _, _ = km.evaluate_mapping(
        mnk, bits, np.ascontiguousarray(conv), factors[:, 0, p].copy(),
        float(inputs.fixed_pj[0, p]), inputs.array_pj[0, p].copy(), inputs.designs.ints[0],
        inputs.designs.floats[0], inputs.designs.energy[0], ROLE_DIMS, ROW_COEF, km.OBJ_ENERGY,
        np.asarray(row[:6], dtype=np.int64), counts)
    assert status == 0
    return value
