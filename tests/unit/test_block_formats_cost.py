"""Block-scaled formats (OCP MX, NVFP4) in the cost model: names and storage, execution rules,
memory traffic at fractional widths, block MAC energy, the mx array kind, quantization and
re-quantization work, shipped recipes, and their bad-input errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from hwsim.api import estimate, load_arch
from hwsim.arrays.mx import mx_factors
from hwsim.unit_energy import ops
from hwsim.lowering import lower
from hwsim.lowering.block_scaling import QUANTIZE_OPS, REQUANTIZE_OPS, STOCHASTIC_OPS
from hwsim.precision import TensorPrecision, parse_format
from hwsim.precision.schedule import Schedule
from hwsim.precision.execution import UnsupportedFormatError, execution_format, holds
from hwsim.spec.arch import MappingSpec
from hwsim.spec.policy import Policy, load_policy, shipped_policy_names
from hwsim.spec.workload import Linear, VectorOp, Workload
from hwsim.training_config import TrainingConfig
from hwsim.training_run import training_run
from tests_paths import WORKLOADS, assert_one_line_error
from tests_paths import run_hwsim as hwsim

F = parse_format
FP32 = F("fp32")


# OCP MX v1.0 Table 1 (element, block 32, 8-bit E8M0 scale) and NVFP4 (E2M1, block 16, 8-bit
# E4M3 scale): storage = element bits + 8 / block.
@pytest.mark.parametrize(("name", "element", "block", "storage"), [
    ("mxfp8_e4m3", "fp8_e4m3", 32, 8 + 8 / 32), ("mxfp8_e5m2", "fp8_e5m2", 32, 8.25),
    ("mxfp6_e3m2", "fp6_e3m2", 32, 6.25), ("mxfp6_e2m3", "fp6_e2m3", 32, 6.25),
    ("mxfp4", "fp4_e2m1", 32, 4.25), ("mxint8", "int8", 32, 8.25),
    ("nvfp4", "fp4_e2m1", 16, 4 + 8 / 16), ("mxfp4_e2m1_b16", "fp4_e2m1", 16, 4.5),
    ("mxint4_b64", "int4", 64, 4 + 8 / 64), ("nvfp4_b32", "fp4_e2m1", 32, 4.25)])
def test_block_format_names_elements_and_storage(name, element, block, storage):
    fmt = F(name)
    assert (fmt.name, fmt.element.name, fmt.block, fmt.storage_bits) == \
        (name, element, block, storage)
    assert F(fmt.name) == fmt and fmt.is_block and not fmt.element.is_block


def test_general_spelling_names_the_concrete_format():
    assert F("mxfp4_b32") == F("mxfp4") and F("mxfp8_e4m3_b32").name == "mxfp8_e4m3"
    assert F("mxfp4_b16").name == "mxfp4_e2m1_b16"
    assert F("nvfp4_sr").stochastic and F("nvfp4_sr").deterministic == F("nvfp4")


def test_plain_formats_keep_whole_storage_bits():
    for name in ("int8", "bf16", "fp8_e4m3", "lns8_f3", "binary"):
        assert F(name).storage_bits == F(name).bits and not F(name).is_block


@pytest.mark.parametrize(("text", "message"), [
    ("mxfp4_b0", "expected a block size that is a positive integer up to 4096 after _b in "
                 "mx<element>_b<k> or nvfp4_b<k>, got '0' in 'mxfp4_b0'"),
    ("mxfp4_bx", "got 'x' in 'mxfp4_bx'"), ("mxfp4_b-2", "got '-2' in 'mxfp4_b-2'"),
    ("mxfp4_b5000", "got '5000' in 'mxfp4_b5000'"),
    ("mxfp5_b32", "expected an element format fp<n>_e<E>m<M> (n = 1 + E + M <= 16), fp4 or "
                  "int<B> (B in 2..16) in mx<element>_b<k> or nvfp4_b<k>, got 'fp5' in "
                  "'mxfp5_b32'"),
    ("mxint1_b32", "got 'int1' in 'mxint1_b32'"),
    ("nvfp8_e4m3_b16", "expected nvfp4_b<k> (NVFP4's elements are fp4, E2M1)"),
    ("bf16_sr", "expected _sr (stochastic rounding) after a block format")])
def test_bad_block_format_names(text, message):
    with pytest.raises(ValueError) as info:
        F(text)
    assert message in str(info.value)


def test_holds_block_formats():
    """A block format is held by a block format of its scale and block size with a wider
    element, and by plain fp with 8 exponent bits (bf16, fp32); never by narrower plain fp,
    and a plain format is never held by a block format."""
    assert holds(F("mxfp8_e4m3"), F("mxfp4")) and holds(F("bf16"), F("mxfp4"))
    assert holds(F("fp32"), F("mxint8")) and holds(F("bf16"), F("nvfp4"))
    assert not holds(F("fp8_e4m3"), F("mxfp4")) and not holds(F("fp16"), F("mxfp4"))
    assert not holds(F("mxfp8_e4m3"), F("nvfp4")) and not holds(F("mxfp8_e4m3"), F("mxfp4_b16"))
    assert not holds(F("mxfp8_e4m3"), F("fp4_e2m1"))
    assert execution_format(F("nvfp4_sr"), [F("nvfp4")], False) == F("nvfp4_sr")
    with pytest.raises(UnsupportedFormatError, match=r"compute\.native_formats has no "
                                                     r"block-scaled format"):
        execution_format(F("mxfp4"), [F("int8")], False)


def test_block_mac_energy_derivation():
    """E8M0: element product + accumulator add + an 8-bit exponent add per block of each
    block-scaled operand; NVFP4's E4M3 scale is a multiply by the partial sum in fp32."""
    fp4, fp8 = F("fp4_e2m1"), F("fp8_e4m3")
    mx4 = ops.mult_pj(fp4, fp4) + ops.add_pj(FP32) + 2 * ops.int_add_pj(8) / 32
    assert math.isclose(ops.mac_pj(F("mxfp4"), F("mxfp4"), FP32), mx4)
    nv4 = ops.mult_pj(fp4, fp4) + ops.add_pj(FP32) + 2 * ops.mult_pj(fp8, FP32) / 16
    assert math.isclose(ops.mac_pj(F("nvfp4"), F("nvfp4"), FP32), nv4)
    mixed = ops.mult_pj(F("fp8_e5m2"), fp4) + ops.add_pj(FP32) + 2 * ops.int_add_pj(8) / 32
    assert math.isclose(ops.mac_pj(F("mxfp8_e5m2"), F("mxfp4"), FP32), mixed)
    assert ops.mac_pj(F("mxfp4"), F("mxfp4"), FP32) < ops.mac_pj(F("mxfp8_e4m3"),
                                                                 F("mxfp8_e4m3"), FP32)
    assert ops.mac_pj(F("int8"), F("int8"), F("int32")) == \
        ops.mult_pj(F("int8"), F("int8")) + ops.add_pj(F("int32"))  # plain formats unchanged


def test_mx_kind_throughput_ratios():
    """FP4 : FP8 = FP6 : BF16 = 2 : 1 : 1/2 products per PE and cycle (HGX B200 dense)."""
    k_pack, t_steps = mx_factors(np.array([4, 8, 6, 16, 4]), np.array([4, 8, 6, 16, 8]))
    assert k_pack.tolist() == [2, 1, 1, 1, 1] and t_steps.tolist() == [1, 1, 1, 2, 1]


def one_linear(prec: TensorPrecision, k: int = 512, n: int = 512, rows: int = 64) -> Workload:
    """An identity op standing for the network input, then one linear layer (so that it gets
    every backward pass)."""
    return Workload("t", "test", 1, prec, (VectorOp("input", "identity", 1, 0),
                                           Linear("fc", k, n, rows)))


def prec(w: str, a: str, g: str) -> TensorPrecision:
    return TensorPrecision(F(w), F(a), F(g), FP32)


def test_folds_halve_from_mxfp8_to_mxfp4_on_the_mx_array():
    """ws on 16x32 PEs in SCALE-Sim's fold order: K = 512 runs over the rows, ceil(512 / k_pack
    / 16) row folds times ceil(512 / 32) column folds: 32 * 16 at FP8 (k_pack 1), 16 * 16 at
    FP4 (k_pack 2)."""
    arch = dataclasses.replace(load_arch("mx_array_like"), mapping=MappingSpec("scalesim"))
    fc = {}
    for name in ("mxfp8_e4m3", "mxfp4"):
        layers = estimate(one_linear(prec(name, name, name)), arch).layers
        fc[name] = next(x for x in layers if x.name == "fc")
    assert (fc["mxfp8_e4m3"].folds, fc["mxfp4"].folds) == (32 * 16, 16 * 16)


def test_dram_traffic_counts_the_scales():
    """B (512 x 512 weights) moves once: 512*512*4.25 bits for MXFP4 against 512*512*4 for
    FP4 E2M1 on the same array (promoted to bf16, so only storage differs), in SCALE-Sim's
    fold order (B is fetched once when it fits its buffer)."""
    arch = dataclasses.replace(load_arch("baseline_bf16"), mapping=MappingSpec("scalesim"))
    mx = estimate(one_linear(prec("mxfp4", "bf16", "bf16")), arch).layers
    plain = estimate(one_linear(prec("fp4_e2m1", "bf16", "bf16")), arch).layers
    fc_mx = next(x for x in mx if x.name == "fc")
    fc_plain = next(x for x in plain if x.name == "fc")
    assert fc_plain.dram_bytes["filter_read"] == 512 * 512 * 4 // 8
    assert fc_mx.dram_bytes["filter_read"] == math.ceil(512 * 512 * 4.25 / 8)


def test_quantization_and_requantization_work():
    """Forward: fc's MXFP4 output quantized (64 x 512 outputs). Backward: dgrad re-quantizes W
    (512 x 512) along N; wgrad re-quantizes dY (64 x 512) and X (64 x 512) along M."""
    t = lower(one_linear(prec("mxfp4", "mxfp4", "mxfp8_e5m2")), training=TrainingConfig())
    rows = {name: i for i, name in enumerate(t.names)}
    expected = {"fc.quantize": (64 * 512, QUANTIZE_OPS),
                "fc.dgrad.requant_b": (512 * 512, REQUANTIZE_OPS),
                "fc.wgrad.requant_a": (512 * 64, REQUANTIZE_OPS),
                "fc.wgrad.requant_b": (64 * 512, REQUANTIZE_OPS)}
    for name, (elements, ops_each) in expected.items():
        i = rows[name]
        assert (t.vector_elements[i], t.vector_ops_per_element[i]) == (elements, ops_each)
    i = rows["fc.dgrad.requant_b"]  # reads and writes the MXFP4 weights
    assert (t.vector_read_bits[i], t.vector_write_bits[i]) == (4.25, 4.25)
    assert rows["fc.dgrad.requant_b"] < rows["fc.dgrad"] < rows["fc.dgrad.quantize"]
    plain = lower(one_linear(prec("bf16", "bf16", "bf16")), training=TrainingConfig())
    assert not any("quant" in name for name in plain.names)


def test_stochastic_rounding_adds_vector_work():
    t = lower(one_linear(prec("nvfp4", "nvfp4", "nvfp4_sr")), training=TrainingConfig())
    i = t.names.index("fc.wgrad.requant_a")  # the gradient dY
    assert t.vector_ops_per_element[i] == REQUANTIZE_OPS + STOCHASTIC_OPS


def test_footprint_counts_scale_bytes():
    """Weights' and gradients' bytes at 4.25 bits (MXFP4) against 4 (FP4): ratio 17/16."""
    arch = load_arch("baseline_bf16")
    mx = estimate(one_linear(prec("mxfp4", "bf16", "mxfp4")), arch, training=TrainingConfig())
    plain = estimate(one_linear(prec("fp4_e2m1", "bf16", "fp4_e2m1")), arch,
                     training=TrainingConfig())
    assert mx.footprint.weights_bytes * 16 == plain.footprint.weights_bytes * 17


def test_shipped_recipes_load_and_run_whole_training():
    assert shipped_policy_names() == ["mxfp4_fwd_mxfp8_bwd", "mxfp8", "nvfp4"]
    arch = load_arch("mx_array_like")
    workload = one_linear(prec("bf16", "bf16", "bf16"))
    for name in shipped_policy_names():
        policy = load_policy(name)
        step = estimate(policy.apply(workload), arch, training=TrainingConfig())
        run = training_run(workload, arch, TrainingConfig(iterations=10), policy=policy)
        assert math.isclose(run.totals()["energy_pj"], 10 * step.totals()["energy_pj"])
    nv = load_policy("nvfp4")
    applied = nv.apply(workload)
    assert applied.layer_precision(applied.layers[1]).weights == F("bf16")
    # a schedule sets int bits as the default; the recipe's rules (first/last layer) stay on top
    scheduled = training_run(workload, arch, TrainingConfig(
        iterations=4, schedule=Schedule("linear", (4, 8), (8, 8))), policy=nv)
    assert [g.bits for g in scheduled.groups] == [4, 5, 7, 8]
    for g in scheduled.groups:
        fc = next(x for x in g.step.layers if x.name == "fc")
        assert fc.precision["b"] == "bf16"


def test_policy_accepts_block_formats_by_precision_flag(tmp_path):
    from hwsim.spec.policy import parse_precision_flag
    assert parse_precision_flag("w=mxfp4,a=mxfp4,g=mxfp8_e5m2") == {
        "weights": F("mxfp4"), "activations": F("mxfp4"), "gradients": F("mxfp8_e5m2")}
    assert Policy({}).with_default({"weights": F("nvfp4")}).default["weights"].block == 16


BERT = str(WORKLOADS / "bert_base.yaml")


@pytest.mark.parametrize(("args", "message"), [
    (["--precision", "w=mxfp4_b0"], "hwsim: error: --precision: expected a block size that is a "
                                    "positive integer up to 4096 after _b in mx<element>_b<k> or "
                                    "nvfp4_b<k>, got '0' in 'mxfp4_b0'"),
    (["--precision", "w=mxfp5_b32"], "hwsim: error: --precision: expected an element format "
                                     "fp<n>_e<E>m<M>"),
    (["--arch", "lns_madam_like", "--precision", "w=mxfp4,a=mxfp4"],
     "operand A): expected a format the array executes natively (lns8_f3; "
     "compute.native_formats has no block-scaled format), got mxfp4 for the activations on "
     "arch lns_madam_like")])
def test_block_format_bad_input_is_one_line(args, message):
    assert_one_line_error(hwsim("estimate", BERT, *args), message)


def test_policy_file_block_size_error_names_the_field(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("version: 1\ndefault: {weights: mxfp4_bx}\n")
    assert_one_line_error(hwsim("estimate", BERT, "--arch", "mx_array_like", "--policy",
                                str(bad)),
                          "p.yaml:2: default.weights: expected a block size that is a positive "
                          "integer")


def test_sweep_precision_paths_take_block_formats():
    from hwsim.sweep.design import policy_for
    policy = policy_for(Policy({}), {"precision.weights": "mxfp4",
                                     "precision.rules.last.gradients": "nvfp4_sr"})
    assert policy.default["weights"] == F("mxfp4")
    assert policy.rules[0].formats["gradients"] == F("nvfp4_sr")
    backward = policy_for(Policy({}), {"precision.backward_weights": "mxfp8_e4m3",
                                       "precision.rules.last.backward_activations": "bf16"})
    assert backward.default["backward_weights"] == F("mxfp8_e4m3")
    assert backward.rules[0].formats["backward_activations"] == F("bf16")


def backward_prec(**backward: str) -> TensorPrecision:
    """MXFP4 forward, MXFP8 E5M2 gradients, and the given backward formats."""
    return dataclasses.replace(prec("mxfp4", "mxfp4", "mxfp8_e5m2"),
                               **{k: F(v) for k, v in backward.items()})


def test_backward_formats_set_the_backward_gemm_operands():
    """With backward_weights and backward_activations MXFP8 E4M3: dgrad multiplies dY (E5M2)
    by W in E4M3, wgrad dY by X in E4M3; the forward pass keeps MXFP4."""
    t = lower(one_linear(backward_prec(backward_weights="mxfp8_e4m3",
                                       backward_activations="mxfp8_e4m3")),
              training=TrainingConfig())
    formats = dict(zip(t.names, t.formats, strict=True))
    assert [f.name for f in formats["fc"][:2]] == ["mxfp4", "mxfp4"]
    assert [f.name for f in formats["fc.dgrad"][:2]] == ["mxfp8_e5m2", "mxfp8_e4m3"]
    assert [f.name for f in formats["fc.wgrad"][:2]] == ["mxfp8_e5m2", "mxfp8_e4m3"]


def test_backward_copies_are_quantized_from_high_precision():
    """fc (K = N = 512, 64 rows), SGD (fp32 master copy). Weights: the 512 x 512 master copy
    read at 32 bits and quantized (QUANTIZE_OPS, no dequantize) into an 8.25-bit MXFP8 copy in
    DRAM before dgrad. Activations: fc's 64 x 512 input quantized as the forward pass produces
    it (nothing read) into an 8.25-bit copy saved in DRAM; wgrad then re-quantizes only dY.
    Without a master copy (madam) the weights are read as stored (4.25 bits, MXFP4) and
    dequantized first (REQUANTIZE_OPS)."""
    t = lower(one_linear(backward_prec(backward_weights="mxfp8_e4m3",
                                       backward_activations="mxfp8_e4m3")),
              training=TrainingConfig())
    rows = {name: i for i, name in enumerate(t.names)}
    expected = {"fc.quantize_backward": (64 * 512, QUANTIZE_OPS, 0, 8.25, 1),
                "fc.dgrad.requant_b": (512 * 512, QUANTIZE_OPS, 32, 8.25, 1),
                "fc.wgrad.requant_a": (512 * 64, REQUANTIZE_OPS, 8.25, 8.25, 0)}
    for name, values in expected.items():
        i = rows[name]
        assert (t.vector_elements[i], t.vector_ops_per_element[i], t.vector_read_bits[i],
                t.vector_write_bits[i], t.vector_in_dram[i]) == values
    assert t.pass_code[rows["fc.quantize_backward"]] == 0 and "fc.wgrad.requant_b" not in rows
    madam = lower(one_linear(backward_prec(backward_weights="mxfp8_e4m3")),
                  training=TrainingConfig(optimizer="madam"))
    i = madam.names.index("fc.dgrad.requant_b")
    assert (madam.vector_read_bits[i], madam.vector_ops_per_element[i]) == \
        (4.25, REQUANTIZE_OPS)
    assert "fc.wgrad.requant_b" in madam.names      # activations re-quantized as before


def test_backward_activations_are_saved_in_their_format():
    """fc's saved input: 64 x 512 elements at 8.25 bits (MXFP8) instead of 4.25 (MXFP4), a
    copy of its own (not the forward input itself)."""
    from hwsim.footprint.saved import saved_tensors
    layer = Linear("fc", 512, 512, 64)
    (mx8,) = saved_tensors(layer, backward_prec(backward_activations="mxfp8_e4m3"))
    (mx4,) = saved_tensors(layer, backward_prec())
    assert (mx8.elements, mx8.bits, mx8.aliases_input) == (64 * 512, 8.25, False)
    assert (mx4.bits, mx4.aliases_input) == (4.25, True)


def test_mxfp4_fwd_mxfp8_bwd_recipe_takes_backward_operands_in_mxfp8():
    policy = load_policy("mxfp4_fwd_mxfp8_bwd")
    assert {k: policy.default[k].name for k in ("weights", "backward_weights",
                                                "backward_activations", "gradients")} == {
        "weights": "mxfp4", "backward_weights": "mxfp8_e4m3",
        "backward_activations": "mxfp8_e4m3", "gradients": "mxfp8_e5m2"}
    arch = load_arch("mx_array_like")
    step = estimate(policy.apply(one_linear(prec("bf16", "bf16", "bf16"))), arch,
                    training=TrainingConfig())
    dgrad = next(x for x in step.layers if x.name == "fc.dgrad")
    assert dgrad.precision["b"] == "mxfp8_e4m3"


def test_backward_formats_by_precision_flag_and_their_errors(tmp_path):
    from hwsim.spec.policy import parse_precision_flag
    assert parse_precision_flag("bw=mxfp8_e4m3,ba=fp8_e4m3") == {
        "backward_weights": F("mxfp8_e4m3"), "backward_activations": F("fp8_e4m3")}
    bad = tmp_path / "p.yaml"
    bad.write_text("version: 1\ndefault: {weights: mxfp4, backward_weights: mxfp5_b32}\n")
    assert_one_line_error(hwsim("estimate", BERT, "--arch", "mx_array_like", "--policy",
                                str(bad)),
                          "p.yaml:2: default.backward_weights: expected an element format")
    bad.write_text("version: 1\ndefault: {backward_gradients: mxfp8_e4m3}\n")
    assert_one_line_error(hwsim("estimate", BERT, "--policy", str(bad)),
                          "default.backward_gradients")
    assert_one_line_error(hwsim("estimate", BERT, "--arch", "baseline_fp8", "--train",
                                "--precision", "w=fp8_e4m3,a=fp8_e4m3,g=fp8_e5m2,ba=mxfp4"),
                          "got mxfp4 for the backward_activations on arch baseline_fp8")


def test_energy_table_lists_block_format_macs():
    """`hwsim energy-table` has one MAC row per shipped block format, fp32 accumulation, equal
    to block_mac_pj's derivation at 45 nm (mx_array_like's node, scale 1): MXFP4 is an E2M1
    product, an fp32 add and two 8-bit exponent adds per 32-element block (one per operand);
    NVFP4 two E4M3-by-fp32 scale multiplies per 16-element block."""
    import json
    run = hwsim("energy-table", "--arch", "mx_array_like", "--json")
    assert run.returncode == 0, run.stderr
    rows = {e["action"]: e for e in json.loads(run.stdout)["entries"]}
    block = {name: rows[f"mac {name} x {name} + fp32 accumulate (per element of a block dot "
                        f"product)"] for name in ("mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2",
                                                  "mxfp6_e2m3", "mxfp4", "mxint8", "nvfp4")}
    fp4 = F("fp4_e2m1")
    mx4 = ops.mult_pj(fp4, fp4) + ops.add_pj(FP32) + 2 * ops.int_add_pj(8) / 32
    nv4 = ops.mult_pj(fp4, fp4) + ops.add_pj(FP32) + 2 * ops.mult_pj(F("fp8_e4m3"), FP32) / 16
    assert math.isclose(block["mxfp4"]["energy_pj"], mx4)
    assert math.isclose(block["nvfp4"]["energy_pj"], nv4)
    assert block["mxfp4"]["unit"] == "pJ/op" and "block_mac_pj" in block["mxfp4"]["source"]
    assert block["mxfp4"]["energy_pj"] < block["mxfp8_e4m3"]["energy_pj"]


def test_mx_pe_area_adds_the_block_scale_logic():
    """The mx PE is the widest native's PE plus the block-scale logic, derived from the unit
    fits at 45 nm (hwsim/unit_area/data/area_45nm.yaml, Horowitz's adds 8/16/32 bits = 36/67/137
    um^2, mults 8x8/32x32 = 282/3495 um^2):
    - 24-bit add: the power law through 16 and 32 bits, 67 * 1.5^log2(137/67) = 101.81 um^2;
      a 24-bit barrel shifter 0.5 * log2(24) * 101.81 = 233.40 um^2;
    - E8M0 (MX): two 8-bit exponent adds (2 * 36) + the shifter = 305.40 um^2;
    - E4M3 (NVFP4): + a 4x4 multiply 282 * (16/64)^0.908 = 80.10 and a 24x8 multiply
      282 * (192/64)^0.908 = 764.57 (beta = ln(3495/282)/ln(16) = 0.908): 1150.07 um^2.
    mx_array_like's natives include nvfp4, so its PE adds the larger, 1150.07."""
    from hwsim.area.model import pe_um2
    from hwsim.arrays.systolic import bit_parallel_pe_um2
    from hwsim.unit_area.pe import block_scale_um2
    add24 = 67 * 1.5 ** math.log2(137 / 67)
    shifter = 0.5 * math.log2(24) * add24
    beta = math.log(3495 / 282) / math.log(16)
    e8m0 = 2 * 36 + shifter
    e4m3 = e8m0 + 282 * (16 / 64) ** beta + 282 * (192 / 64) ** beta
    assert math.isclose(block_scale_um2(F("mxfp4")), e8m0) and math.isclose(e8m0, 305.40,
                                                                             abs_tol=0.01)
    assert math.isclose(block_scale_um2(F("nvfp4")), e4m3) and math.isclose(e4m3, 1150.07,
                                                                            abs_tol=0.01)
    assert block_scale_um2(F("bf16")) == 0.0
    c = load_arch("mx_array_like").compute
    plain, _ = bit_parallel_pe_um2(c.native_formats)
    assert math.isclose(pe_um2(c.kind, c.native_formats, c.word_bits, c.options)[0],
                        plain + e4m3)
    mx_only = (F("mxfp8_e4m3"), F("mxfp4"), F("bf16"))
    assert math.isclose(pe_um2("mx", mx_only, 16, c.options)[0],
                        bit_parallel_pe_um2(mx_only)[0] + e8m0)
