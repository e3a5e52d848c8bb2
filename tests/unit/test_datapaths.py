"""Precision-scalable arrays: Stripes, Loom and Bit Fusion timing, their MAC energy, and
formats they cannot run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwsim.api import estimate, load_arch
from hwsim.dataflow.scalable import KIND_CODES, SERIAL_CODES, throughput_factors
from hwsim.energy.scalable import fusion_unit_pj_per_cycle
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Linear, Workload

F = parse_format


def one_layer(layer, a="int8", w="int8") -> Workload:
    return Workload("t", "test", 1, TensorPrecision(F(w), F(a), F("int8"), F("int32")),
                    (layer,))


BIG_CONV = Conv2d("conv", 128, 128, 56, 56, 3, 3, pad_h=1, pad_w=1)   # M = 3136, K = 1152


@pytest.mark.parametrize("p", [16, 8, 5, 2])
def test_stripes_speedup_is_16_over_p_up_to_fill(p):
    """WS on 16x16: the baseline folds K = 1152 over 72 row folds and N = 128 over 8 column
    folds, each 2*16 + 16 + T - 2 cycles with T = M = 3136. Stripes serves 16 windows per PE
    (T = 3136/16 = 196) and spends p cycles per step: 2*16 + 16 + 196 p - 2. The speedup is
    (46 + 3136) / (46 + 196 p), 16/p but for the fill."""
    base = estimate(one_layer(BIG_CONV, a="int16"), "baseline_int16_stripes").layers[0]
    stripes = estimate(one_layer(BIG_CONV, a=f"int{p}"), "stripes_like").layers[0]
    assert base.compute_cycles == 72 * 8 * (46 + 3136) - 1
    assert stripes.compute_cycles == 72 * 8 * (46 + 196 * p) - 1
    speedup = base.compute_cycles / stripes.compute_cycles
    assert math.isclose(speedup, (72 * 8 * (46 + 3136) - 1) / (72 * 8 * (46 + 196 * p) - 1))
    assert abs(speedup / (16 / p) - 1) < 0.15


def test_loom_conv_and_fc_behaviour():
    """Loom serialises both operands in convolutions (steps = a * w) and only the weights in
    fully connected layers (steps = w)."""
    kinds = np.array([KIND_CODES["bitserial"]])
    k_pack, t_steps, m_pack = throughput_factors(
        kinds, np.array([SERIAL_CODES["both"]]), np.array([1]), np.array([256]),
        np.array([8, 8]), np.array([4, 4]), np.array([1, 0]))
    assert t_steps.tolist() == [[32, 4]] and m_pack.tolist() == [[256, 256]]


@pytest.mark.parametrize(("a", "w"), [(8, 8), (4, 8), (4, 4), (2, 2), (3, 5), (1, 2)])
def test_bitfusion_speedup_formula(a, w):
    """Sharma et al.: a Fusion Unit runs floor(8/max(a,2)) * floor(8/max(w,2)) products per
    cycle; on a reduction long enough to fill the array the layer runs that much faster than
    at 8x8 bits (Linear with K = 16*32*... folds K exactly)."""
    layer = Linear("fc", 16 * 64 * 16, 512, rows=4096)
    t8 = estimate(one_layer(layer), "bitfusion_like").layers[0].compute_cycles
    tp = estimate(one_layer(layer, f"int{a}", f"int{w}"), "bitfusion_like").layers[0]
    f = (8 // max(a, 2)) * (8 // max(w, 2))
    folds8, folds_p = (16 * 64 * 16) // 16 * 16, -(-(16 * 64 * 16) // f) // 16 * 16
    assert tp.compute_cycles == folds_p * (2 * 16 + 32 + 4096 - 2) - 1
    assert t8 == folds8 * (2 * 16 + 32 + 4096 - 2) - 1
    assert math.isclose(t8 / tp.compute_cycles, f, rel_tol=1e-6)


def test_bitfusion_mac_energy_from_published_power():
    """2 x 171.8 uW at 500 MHz = 0.6872 pJ per Fusion Unit cycle; at 4x4 bits it completes
    4 products per cycle, so a MAC costs 0.1718 pJ."""
    assert math.isclose(fusion_unit_pj_per_cycle(), 0.6872)
    layer = Linear("fc", 1024, 512, rows=64)
    r = estimate(one_layer(layer, "int4", "int4"), "bitfusion_like").layers[0]
    assert math.isclose(r.energy_pj["mac"], 64 * 1024 * 512 * 0.6872 / 4)


def test_bitserial_energy_grows_with_activation_bits():
    e = [estimate(one_layer(BIG_CONV, a=f"int{p}"), "stripes_like").layers[0].energy_pj["mac"]
         for p in (2, 4, 8, 16)]
    assert e == sorted(e)


def test_float_on_bitfusion_is_an_error_naming_layer_and_arch():
    with pytest.raises(SpecError, match=r"layers\[0\] \(conv, operand A\).*got fp16 on arch "
                                        r"bitfusion_like"):
        estimate(one_layer(BIG_CONV, a="fp16"), load_arch("bitfusion_like"))


def test_lns_madam_datapath_energy_against_fp32_and_fp8():
    """LNS-Madam (Zhao et al. 2022) reports its 8-bit LNS datapath uses over 90% less energy
    than FP32 and 55% less than FP8. Same layer, same PE count: MAC energy of lns8_f3 with
    24-bit bucket accumulators against fp32 (fp32 accumulate) and fp8 (E4M3 x E5M2 with fp16
    accumulate, FP8 training's usual pairing); within 10 points of the paper."""
    layer = Conv2d("conv", 64, 64, 28, 28, 3, 3, pad_h=1, pad_w=1)

    def mac(arch, w, a, acc):
        wl = Workload("t", "test", 1, TensorPrecision(F(w), F(a), F(w), F(acc)), (layer,))
        return estimate(wl, arch).layers[0].energy_pj["mac"]

    lns = mac("lns_madam_like", "lns8_f3", "lns8_f3", "int24")
    fp32 = mac("baseline_fp32", "fp32", "fp32", "fp32")
    fp8 = mac("baseline_fp8", "fp8_e4m3", "fp8_e5m2", "fp16")
    assert 1 - lns / fp32 >= 0.90 - 0.10
    assert abs((1 - lns / fp8) - 0.55) <= 0.10
