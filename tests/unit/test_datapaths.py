"""Precision-scalable arrays: Stripes, Loom and Bit Fusion timing against their papers, their MAC
energy, binary (XNOR-popcount) layers, one stored model used at several widths, and formats
they cannot run."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from tests_paths import WORKLOADS

from hwsim.api import estimate, load_arch, load_workload
from hwsim.arrays.bitserial import SERIAL_CODES
from hwsim.arrays.throughput import KIND_CODES, throughput_factors
from hwsim.dataflow.systolic import DATAFLOW_CODES
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.arch import Arch, MappingSpec
from hwsim.spec.errors import SpecError
from hwsim.spec.policy import Policy, parse_precision_flag
from hwsim.spec.workload import Conv2d, Linear, VectorOp, Workload
from hwsim.training_config import TrainingConfig
from hwsim.unit_energy import ops
from hwsim.unit_energy.data import fusion_unit_pj_per_cycle

F = parse_format
# Every cycle count below is folds x cycles per fold - 1: the layer's compute time is SCALE-Sim's
# CALC `Total Cycles`, the index of the last demand-matrix row (hwsim/kernels/systolic.py).


def one_layer(layer, a="int8", w="int8") -> Workload:
    return Workload("t", "test", 1, TensorPrecision(F(w), F(a), F("int8"), F("int32")),
                    (layer,))


BIG_CONV = Conv2d("conv", 128, 128, 56, 56, 3, 3, pad_h=1, pad_w=1)   # M = 3136, K = 1152


def fold_order(name: str) -> Arch:
    """The shipped arch under SCALE-Sim's fold order (`mapping: scalesim`). The cycle tests
    below state each datapath's fold-time model with the temporal dimension whole; a searched
    mapping may cut it into chunks, each paying a fold's fixed overhead (docs/mapping.md)."""
    return replace(load_arch(name), mapping=MappingSpec("scalesim"))


@pytest.mark.parametrize("p", [16, 8, 5, 2])
def test_stripes_speedup_is_16_over_p_up_to_fill(p):
    """WS on 16x16: the baseline folds K = 1152 over 72 row folds and N = 128 over 8 column
    folds, each 2*16 + 16 + T - 2 cycles with T = M = 3136. Stripes serves 16 windows per PE
    (T = 3136/16 = 196) and spends p cycles per step: 2*16 + 16 + 196 p - 2. The speedup is
    (46 + 3136) / (46 + 196 p), 16/p but for the fill."""
    base = estimate(one_layer(BIG_CONV, a="int16"), fold_order("baseline_int16_stripes")).layers[0]
    stripes = estimate(one_layer(BIG_CONV, a=f"int{p}"), fold_order("stripes_like")).layers[0]
    assert base.compute_cycles == 72 * 8 * (46 + 3136) - 1
    assert stripes.compute_cycles == 72 * 8 * (46 + 196 * p) - 1
    speedup = base.compute_cycles / stripes.compute_cycles
    assert abs(speedup / (16 / p) - 1) < 0.15


def test_loom_conv_and_fc_behaviour():
    """Loom serialises both operands in convolutions (steps = a * w over 256 windows) and only
    the weights in fully connected layers (steps = w), where its 256 1b x 1b cells per PE make
    256 / 16 = 16 products of a 16-bit activation and one weight bit per cycle (k_pack), whose
    16 weights of 4 bits take 16 * 4 / 16 = 4 preload cycles per row (ws)."""
    kinds = np.array([KIND_CODES["bitserial"]])
    k_pack, t_steps, m_pack, preload = throughput_factors(
        kinds, np.array([SERIAL_CODES["both"]]), np.array([1]), np.array([256]),
        np.array([16]), np.array([DATAFLOW_CODES["ws"]]), np.array([8, 8]), np.array([4, 4]),
        np.array([1, 0]))
    assert t_steps.tolist() == [[32, 4]] and m_pack.tolist() == [[256, 1]]
    assert k_pack.tolist() == [[1, 16]] and preload.tolist() == [[1, 4]]


@pytest.mark.parametrize(("a", "w"), [(8, 8), (4, 8), (4, 4), (2, 2), (3, 5), (1, 2)])
def test_bitfusion_speedup_formula(a, w):
    """Sharma et al.: a Fusion Unit runs floor(8/max(a,2)) * floor(8/max(w,2)) products per
    cycle; on a reduction long enough to fill the array the layer runs that much faster than
    at 8x8 bits (Linear with K = 16*32*... folds K exactly). Each Fusion Unit preloads its f
    weights of w bits over the 16-bit link in ceil(f*w/16) cycles per row (16 of them), so a
    weight-stationary fold of M = 4096 rows takes 16 + 16 ceil(f w / 16) + 32 + 4096 - 2
    cycles: the speed-up is f up to the preload, under 16 / 4142 of a fold."""
    layer = Linear("fc", 16 * 64 * 16, 512, rows=4096)
    t8 = estimate(one_layer(layer), fold_order("bitfusion_like")).layers[0].compute_cycles
    tp = estimate(one_layer(layer, f"int{a}", f"int{w}"), fold_order("bitfusion_like")).layers[0]
    f = (8 // max(a, 2)) * (8 // max(w, 2))
    folds8, folds_p = (16 * 64 * 16) // 16 * 16, -(-(16 * 64 * 16) // f) // 16 * 16
    preload = -(-f * w // 16)
    assert tp.compute_cycles == folds_p * (16 + 16 * preload + 32 + 4096 - 2) - 1
    assert t8 == folds8 * (2 * 16 + 32 + 4096 - 2) - 1
    assert math.isclose(t8 / tp.compute_cycles, f, rel_tol=16 / 4142)


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
    with pytest.raises(SpecError, match=r"layers\[0\] \(conv, operand A\).*got fp16 for the "
                                        r"activations on arch bitfusion_like"):
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


# Loom (Sharify et al., "Loom: Exploiting Weight and Activation Precisions to Accelerate
# Convolutional Neural Networks", DAC 2018). Its abstract states the two scaling laws tested
# here: "for convolutional layers LM's execution time scales inversely proportionally with the
# precisions of both weights and activations. For fully-connected layers LM's performance scales
# inversely proportionally with the precision of the weights", against a bit-parallel
# accelerator of equal 16b x 16b MAC throughput (here the 16x16 int16 baseline).
VGG_CONV = Conv2d("conv1_2", 64, 64, 224, 224, 3, 3, pad_h=1, pad_w=1)  # M = 196 * 256, K = 576


@pytest.mark.parametrize(("a", "w"), [(16, 16), (12, 10), (8, 8), (7, 5), (4, 4)])
def test_loom_conv_speedup_is_256_over_pa_pw_up_to_fill(a, w):
    """WS on 16x16 PEs: K = 576 makes 36 row folds, N = 64 four column folds, 144 folds. The
    baseline streams T = M = 50176 rows per fold: 2*16 + 16 + 50176 - 2 cycles. Loom serves 256
    windows per PE (T = 196), Pa * Pw cycles each: 46 + 196 Pa Pw. The speed-up
    (46 + 50176) / (46 + 196 Pa Pw) is the paper's 256 / (Pa Pw) times
    (1 + 46/50176) / (1 + 46/(196 Pa Pw)): within 46/(196 Pa Pw) + 46/50176 of it."""
    base = estimate(one_layer(VGG_CONV, "int16", "int16"),
                    fold_order("baseline_int16_stripes")).layers[0]
    loom = estimate(one_layer(VGG_CONV, f"int{a}", f"int{w}"), fold_order("loom_like")).layers[0]
    assert base.compute_cycles == 144 * (46 + 50176) - 1
    assert loom.compute_cycles == 144 * (46 + 196 * a * w) - 1
    speedup = base.compute_cycles / loom.compute_cycles
    assert abs(speedup / (256 / (a * w)) - 1) <= 46 / (196 * a * w) + 46 / 50176


@pytest.mark.parametrize("w", [16, 8, 4, 2, 1])
def test_loom_fc_speedup_is_16_over_pw_once_rows_hide_the_fill(w):
    """A fully connected layer K = N = 4096 over M = 4096 rows. Baseline: 256 * 256 folds of
    46 + 4096 cycles. Loom feeds 16-bit activations in parallel and serialises the weights: 16
    products per PE cycle along K (16 * 16 = 256 row positions per fold, 16 row folds x 256
    column folds), each PE preloading 16 weights of w bits over its 16-bit link (w cycles per
    row): 16 w + 16 + 16 - 2 + 4096 w cycles per fold. The speed-up
    16 (46 + 4096) / (4112 w + 30) is 16/Pw within 46/4096."""
    fc = Linear("fc", 4096, 4096, rows=4096)
    base = estimate(one_layer(fc, "int16", "int16"), fold_order("baseline_int16_stripes")).layers[0]
    loom = estimate(one_layer(fc, "int16", f"int{w}"), fold_order("loom_like")).layers[0]
    assert base.compute_cycles == 256 * 256 * (46 + 4096) - 1
    assert loom.compute_cycles == 16 * 256 * (16 * w + 30 + 4096 * w) - 1
    assert abs(base.compute_cycles / loom.compute_cycles / (16 / w) - 1) <= 46 / 4096


@pytest.mark.parametrize("w", [16, 8, 4, 2, 1])
def test_loom_fc_at_batch_one_is_fill_bound(w):
    """At one row (batch-1 inference) every weight-stationary fold is mostly fill: the baseline
    takes 2*16 + 16 + 1 - 2 = 47 cycles for one row through 16 x 16 weights, Loom
    16 w + 30 + w for 16 times as many weights, so its speed-up is 16 * 47 / (17 w + 30), not
    the paper's 16/Pw (reports/datapaths.md: the weight-stationary fold model, not Loom's
    weight streaming, sets time here). K = N = 4096: 65536 baseline folds, 4096 Loom folds."""
    fc = Linear("fc", 4096, 4096)
    base = estimate(one_layer(fc, "int16", "int16"), "baseline_int16_stripes").layers[0]
    loom = estimate(one_layer(fc, "int16", f"int{w}"), "loom_like").layers[0]
    assert base.compute_cycles == 65536 * 47 - 1
    assert loom.compute_cycles == 4096 * (17 * w + 30) - 1


@pytest.mark.parametrize(("b", "steps"), [(1, 35), (2, 12), (4, 4)])
def test_loom_bits_per_cycle_variants_round_precisions_up(b, steps):
    """Loom's 2- and 4-bit variants take b bits of each operand per cycle: ceil(Pa/b) ceil(Pw/b)
    cycles per MAC (DNNsim's Loom model, isakedo/DNNsim core/src/Loom.cpp, divides both
    precisions by PE_SERIAL_BITS, rounding up). At equal peak throughput (256/b^2 windows per
    PE) Pa = 5, Pw = 7 takes 35, 3 * 4 = 12 and 2 * 2 = 4 steps over T = 50176 b^2 / 256
    windows: speed-ups 256/35 = 7.3, 256/48 = 5.3 and 256/64 = 4, up to the fill."""
    loom = fold_order("loom_like")
    options = replace(loom.compute.options, bits_per_cycle=b, window_lanes=256 // b ** 2)
    arch = replace(loom, compute=replace(loom.compute, options=options))
    r = estimate(one_layer(VGG_CONV, "int5", "int7"), arch).layers[0]
    assert r.compute_cycles == 144 * (46 + 50176 * b ** 2 // 256 * steps) - 1


# Binary layers: XNOR-Net (Rastegari et al., ECCV 2016) computes a +-1 dot product as XNOR and
# popcount; FINN (Umuroglu et al., FPGA 2017) builds it as XNOR lanes, a popcount and an
# accumulator. On a bit-serial array a binary operand is one bit-plane.

@pytest.mark.parametrize(("arch", "windows"), [("stripes_like", 16), ("loom_like", 256)])
def test_binary_layer_takes_one_step_per_window_group(arch, windows):
    """One bit-plane per operand: one cycle per window step, so a WS fold streams
    M / windows steps of one cycle: 46 + 50176 / windows cycles, over 144 folds."""
    r = estimate(one_layer(VGG_CONV, "binary", "binary"), fold_order(arch)).layers[0]
    assert r.compute_cycles == 144 * (46 + 50176 // windows) - 1
    assert "a_executed_as" not in r.precision and "b_executed_as" not in r.precision


def test_binary_mac_energy_is_xnor_popcount_and_correction():
    """Per MAC: one XNOR gate (a fifth of a full-adder bit of the 8-bit adder, 0.03 pJ / 8 / 5),
    a sixteenth of the SIP's 16-input popcount (8 one-bit, 4 two-bit, 2 three-bit and 1
    four-bit adders) and of its int32 accumulate, and the per-output 2*popcount - K correction,
    one int32 add per K = 576 MACs."""
    add = ops.int_add_pj
    assert math.isclose(add(8), 0.03)
    popcount = 8 * add(1) + 4 * add(2) + 2 * add(3) + add(4)
    per_mac = 0.03 / 8 / 5 + (popcount + add(32)) / 16 + add(32) / 576
    r = estimate(one_layer(VGG_CONV, "binary", "binary"), "loom_like").layers[0]
    assert math.isclose(r.energy_pj["mac"], r.macs * per_mac)


def test_binary_on_an_lns_array_is_an_error_naming_layer_tensor_and_arch():
    with pytest.raises(SpecError, match=r"layers\[0\] \(conv, operand A\).*got binary for the "
                                        r"activations on arch lns_madam_like"):
        estimate(one_layer(BIG_CONV, a="binary", w="binary"), "lns_madam_like")


def test_unsupported_gradients_name_the_backward_pass_tensor():
    """Training lowers dgrad = dY W^T: operand A of the conv's backward-data GEMM is the
    gradients, here fp16 on an array that runs only lns8_f3."""
    layer = Conv2d("conv", 64, 64, 28, 28, 3, 3, pad_h=1, pad_w=1)
    lns = F("lns8_f3")
    wl = Workload("t", "test", 1, TensorPrecision(lns, lns, F("fp16"), F("int24")),
                  (VectorOp("input", "identity", 1, 0), layer))   # the input needs no gradient
    with pytest.raises(SpecError, match=r"layers\[1\] \(conv.dgrad, operand A\).*got fp16 for "
                                        r"the gradients on arch lns_madam_like"):
        estimate(wl, "lns_madam_like", training=TrainingConfig())


def test_binary_on_bitfusion_runs_as_two_bit_bricks():
    """Bit Fusion has no XNOR path: +-1 needs a signed 2-bit BitBrick (int2), and the fused
    speed-up formula counts 1-bit operands as 2-bit: 16 products per Fusion Unit cycle, over
    1024 folds (test_bitfusion_speedup_formula). The 16 stationary +-1 weights still move as
    one bit each, 16 bits: one preload cycle per row where int2 needs two, so a fold is
    2*16 + 32 + 4096 - 2 cycles against int2's 16 + 2*16 + 32 + 4096 - 2."""
    layer = Linear("fc", 16 * 64 * 16, 512, rows=4096)
    r = estimate(one_layer(layer, "binary", "binary"), fold_order("bitfusion_like")).layers[0]
    assert r.precision["a_executed_as"] == r.precision["b_executed_as"] == "int2"
    two = estimate(one_layer(layer, "int2", "int2"), fold_order("bitfusion_like")).layers[0]
    assert r.compute_cycles == 1024 * (2 * 16 + 32 + 4096 - 2) - 1
    assert two.compute_cycles == 1024 * (16 + 2 * 16 + 32 + 4096 - 2) - 1


# One stored model at several precisions (vertical layering, Wu et al., TPAMI 2023; any-precision
# DNNs, Yu et al., AAAI 2021): weights stored as int8, used by their u most significant bits.

def resnet18_stored_int8(used_bits):
    r18 = load_workload(WORKLOADS / "resnet18.yaml")
    flag = f"w=int{used_bits},sw=int8,a=int8,acc=int32"
    return Policy(parse_precision_flag(flag)).apply(r18)


@pytest.fixture(scope="module")
def stored_runs():
    return {(arch, u): estimate(resnet18_stored_int8(u), arch)
            for arch in ("stripes_like", "loom_like", "baseline_int8") for u in (8, 6, 4, 2)}


@pytest.mark.parametrize("arch", ["stripes_like", "loom_like", "baseline_int8"])
def test_stored_width_sets_memory_traffic(stored_runs, arch):
    """DRAM bytes and SRAM filter energy depend on the stored width only: equal at u = 8..2."""
    runs = [stored_runs[(arch, u)] for u in (8, 6, 4, 2)]
    assert len({r.totals()["dram_bytes_total"] for r in runs}) == 1
    assert len({r.energy_breakdown_pj["sram_filter"] for r in runs}) == 1


def test_used_width_sets_loom_cycles(stored_runs):
    """Loom serialises the weights: a conv fold takes 46 + ceil(M/256) * 8 * u cycles
    (8-bit activations), the fc layer (K = 512, N = 1000, one row) 16 u + 30 + u per fold over
    ceil(512 / 256) * ceil(1000 / 16) = 126 folds; compute energy falls with u."""
    for u in (8, 6, 4, 2):
        gemms = [layer for layer in stored_runs[("loom_like", u)].layers if layer.kind == "gemm"]
        assert gemms[-1].name == "fc" and len(gemms) > 1  # the convs, then the fc layer
        for layer in gemms[:-1]:
            folds = -(-layer.K // 16) * -(-layer.N // 16) * layer.count
            assert layer.compute_cycles == folds * (46 + -(-layer.M // 256) * 8 * u) - 1
        assert gemms[-1].compute_cycles == 126 * (17 * u + 30) - 1
    mac = [stored_runs[("loom_like", u)].energy_breakdown_pj["mac"] for u in (8, 6, 4, 2)]
    assert mac == sorted(mac, reverse=True) and len(set(mac)) == 4


def test_used_width_on_stripes_and_fixed_width_arrays(stored_runs):
    """Stripes keeps weights bit-parallel: cycles do not change with u, the MAC energy falls
    (a narrower 1 x u gate array and adder tree). A fixed-width int8 array promotes int<u> to
    int8: neither cycles nor energy change."""
    stripes = [stored_runs[("stripes_like", u)] for u in (8, 6, 4, 2)]
    assert len({r.totals()["compute_cycles"] for r in stripes}) == 1
    mac = [r.energy_breakdown_pj["mac"] for r in stripes]
    assert mac == sorted(mac, reverse=True) and len(set(mac)) == 4
    fixed = [stored_runs[("baseline_int8", u)] for u in (8, 6, 4, 2)]
    assert len({r.total_cycles for r in fixed}) == 1
    assert len({r.energy_pj for r in fixed}) == 1


def test_result_records_the_stored_width(stored_runs):
    """Used at 4 bits, stored at 8: the layer's precision says both; used at 8, only one."""
    conv1 = stored_runs[("loom_like", 4)].layers[0].precision
    assert (conv1["b"], conv1["b_stored_bits"]) == ("int4", "8")
    assert "b_stored_bits" not in stored_runs[("loom_like", 8)].layers[0].precision


def test_stored_weights_narrower_than_used_is_an_error():
    r18 = Policy(parse_precision_flag("w=int8,sw=int4")).apply(
        load_workload(WORKLOADS / "resnet18.yaml"))
    with pytest.raises(SpecError, match=r"conv1: precision.stored_weights: expected an integer "
                                        r"format .* at least as wide as the weights \(int8\), "
                                        r"got int4"):
        estimate(r18, "loom_like")
