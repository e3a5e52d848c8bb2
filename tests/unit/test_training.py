"""Training expansion, optimizer updates, BitOPs, and whole-training totals."""

from __future__ import annotations

import math

import pytest

from hwsim.training_config import TrainingConfig
from hwsim.api import estimate, load_arch
from hwsim.lowering import Pass, lower
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.policy import Policy
from hwsim.precision.schedule import Schedule
from hwsim.spec.workload import Conv2d, Linear, Matmul, VectorOp, Workload
from hwsim.training_run import training_run

F = parse_format
PREC = TensorPrecision(F("int4"), F("int8"), F("int16"), F("int32"))  # w, a, g, acc


# The first layer reads the network input, which needs no gradient (no backward-data work):
# the test layers follow an identity op standing for the input so that they get all passes.
INPUT = VectorOp("input", "identity", 1, 0)


def wl(*layers, batch=2):
    return Workload("t", "test", batch, PREC, (INPUT, *layers))


def rows_of(table, pass_name):
    return [i for i in range(len(table))
            if table.pass_code[i] == Pass(pass_name).code and table.names[i] != INPUT.name]


def test_conv_backward_shapes_follow_design():
    """hwsim.lowering.training: dgrad M = batch*H*W, N = C, K = out*R*S; wgrad M = out, N = C*R*S,
    K = batch*P*Q. 16x16x8 -> 3x3/2 pad 1 -> 8x8x32, batch 2."""
    t = lower(wl(Conv2d("c", 8, 32, 16, 16, 3, 3, 2, 2, 1, 1)), training=TrainingConfig())
    (f,), (d,), (w,) = rows_of(t, "fwd"), rows_of(t, "dgrad"), rows_of(t, "wgrad")
    assert (t.M[f], t.N[f], t.K[f]) == (2 * 8 * 8, 32, 8 * 9)
    assert (t.M[d], t.N[d], t.K[d]) == (2 * 16 * 16, 8, 32 * 9)
    assert (t.M[w], t.N[w], t.K[w]) == (32, 8 * 9, 2 * 8 * 8)
    # Precisions: fwd A x W, dgrad G x W, wgrad G x A (bits 8x4, 16x4, 16x8).
    assert [(t.a_bits[i], t.b_bits[i]) for i in (f, d, w)] == [(8, 4), (16, 4), (16, 8)]


def test_linear_passes_have_equal_macs_and_bitops_follow_precisions():
    t = lower(wl(Linear("fc", 300, 200, rows=5)), training=TrainingConfig())
    (f,), (d,), (w,) = rows_of(t, "fwd"), rows_of(t, "dgrad"), rows_of(t, "wgrad")
    macs = 2 * 5 * 300 * 200
    assert t.macs[f] == t.macs[d] == t.macs[w] == macs
    assert [t.bitops[i] for i in (f, d, w)] == [macs * 8 * 4, macs * 16 * 4, macs * 16 * 8]


def test_matmul_backward_grads_both_operands():
    t = lower(wl(Matmul("qk", 128, 128, 64, count=12)), training=TrainingConfig())
    d, w = rows_of(t, "dgrad")[0], rows_of(t, "wgrad")[0]
    assert (t.M[d], t.N[d], t.K[d], t.count[d]) == (128, 64, 128, 24)   # dA = dC B^T
    assert (t.M[w], t.N[w], t.K[w], t.count[w]) == (64, 128, 128, 24)   # dB = A^T dC


def test_backward_order_and_vector_backward():
    t = lower(wl(Linear("a", 8, 8), VectorOp("r", "relu", 8, 1), Linear("b", 8, 8)),
              training=TrainingConfig())
    backward = [t.names[i] for i in range(len(t)) if t.pass_code[i] in (1, 2)]
    assert backward == ["b.dgrad", "b.wgrad", "r.dgrad", "a.dgrad", "a.wgrad"]


@pytest.mark.parametrize(("optimizer", "ops", "state_bits"), [
    ("sgd", 4, 32 + 32), ("adam", 12, 64 + 32), ("madam", 3, 16)])
def test_optimizer_update_per_parameter(optimizer, ops, state_bits):
    """The update reads w (4 b), g (16 b) and its states, writes w and the states, per
    parameter (300*200 of them), all through DRAM. States: SGD one fp32 momentum, Adam fp32 m
    and v, each plus the fp32 master copy of the int4 weights; Madam one fp16 state and no
    master copy (it updates the stored log weights)."""
    t = lower(wl(Linear("fc", 300, 200)), training=TrainingConfig(optimizer))
    (u,) = rows_of(t, "update")
    assert t.vector_elements[u] == 300 * 200 and t.vector_ops_per_element[u] == ops
    assert t.vector_read_bits[u] == 4 + 16 + state_bits
    assert t.vector_write_bits[u] == 4 + state_bits and t.vector_in_dram[u] == 1
    arch = load_arch("eyeriss_like")  # int16 native: runs the 16-bit gradients
    step = estimate(wl(Linear("fc", 300, 200)), arch, training=TrainingConfig(optimizer))
    update = next(lr for lr in step.layers if lr.pass_name == "update")
    assert update.dram_bytes["ifmap_read"] == 300 * 200 * (4 + 16 + state_bits) // 8
    assert update.dram_bytes["ofmap_write"] == 300 * 200 * (4 + state_bits) // 8


def test_grouped_whole_training_equals_iteration_by_iteration_sum():
    """Grouping iterations by precision gives what summing every iteration's step gives."""
    workload = wl(Conv2d("c", 8, 16, 12, 12, 3, 3, pad_h=1, pad_w=1), Linear("fc", 64, 10))
    arch = load_arch("eyeriss_like")
    schedule = Schedule("cyclic", (3, 8), (6, 8), cycles=4)
    run = training_run(workload, arch, TrainingConfig(iterations=40, schedule=schedule))
    bits, grad = schedule.per_iteration(40)
    total_cycles = total_energy = 0.0
    for b, g in zip(bits.tolist(), grad.tolist(), strict=True):
        policy = Policy({"weights": F(f"int{b}"), "activations": F(f"int{b}"),
                         "gradients": F(f"int{g}")})
        step = estimate(policy.apply(workload), arch, training=TrainingConfig()).totals()
        total_cycles += step["cycles"]
        total_energy += step["energy_pj"]
    assert run.totals()["cycles"] == total_cycles
    assert math.isclose(run.totals()["energy_pj"], total_energy, rel_tol=1e-12)


def test_the_network_input_gets_no_gradient():
    """The first layer reads the network input: no backward-data work for it (autograd skips
    inputs that do not require gradients), its weight gradient all the same."""
    t = lower(Workload("t", "test", 2, PREC, (Conv2d("c", 3, 8, 16, 16, 3, 3),)),
              training=TrainingConfig())
    assert [t.names[i] for i in range(len(t)) if t.pass_code[i] in (1, 2)] == ["c.wgrad"]
