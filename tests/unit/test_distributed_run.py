"""A distributed training step assembled from one device's step (hwsim.distributed_run)."""

from __future__ import annotations

import math

import pytest

from hwsim.training_config import TrainingConfig
from hwsim.api import load_arch
from hwsim.distributed import Link
from hwsim.distributed_run import Parallelism, distributed_estimate, parse_parallel
from hwsim.footprint.saved import output_elements
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Linear, VectorOp, Workload

F = parse_format
FP16 = TensorPrecision(F("fp16"), F("fp16"), F("fp16"), F("fp32"))
ARCH = load_arch("baseline_fp8")     # runs fp16 natively (native_formats include fp16)
LINK = Link(10.0)                     # 10 Gbit/s, no latency


def mlp(prec: TensorPrecision = FP16) -> Workload:
    return Workload("mlp", "test", 4, prec,
                    (Linear("a", 256, 512), VectorOp("r", "relu", 512, 1),
                     Linear("b", 512, 512), VectorOp("r2", "relu", 512, 1),
                     Linear("c", 512, 10)))


PARAMS = 256 * 512 + 512 * 512 + 512 * 10    # 398,336 weights


def test_data_parallel_sends_a_ring_all_reduce_of_the_gradients():
    """D = 8: 2 (D-1)/D x 2 bytes x PARAMS sent per device, at 10 Gbit/s; nothing hidden
    without overlap, so step = compute + comm."""
    out = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=LINK)).totals()
    sent = 2 * 7 / 8 * 2 * PARAMS
    assert out["comm_bytes"] == pytest.approx(sent)
    assert out["comm_s"] == pytest.approx(sent * 8 / 10e9)
    assert out["step_s"] == pytest.approx(out["compute_s"] + out["comm_s"])
    assert out["comm_energy_pj"] == pytest.approx(sent * 8 * LINK.energy_pj_per_bit)


@pytest.mark.parametrize(("scheme", "per_param"), [
    # mixed-precision Adam: 2 + 2 + 12 bytes per parameter (ZeRO Sec. 3.1), D = 4:
    ("dp", 2 + 2 + 12), ("zero1", 2 + 2 + 12 / 4), ("zero2", 2 + (2 + 12) / 4),
    ("zero3", (2 + 2 + 12) / 4)])
def test_zero_stages_leave_their_share_of_model_state(scheme, per_param):
    out = distributed_estimate(mlp(), ARCH, Parallelism(4, scheme, link=LINK),
                               training=TrainingConfig("adam")).totals()
    assert out["model_state_bytes"] == pytest.approx(per_param * PARAMS)


def test_zero3_communicates_one_and_a_half_times_data_parallel():
    """ZeRO Sec. 7: stage 3 sends 3 Psi (two parameter gathers, one gradient reduce-scatter)
    against data parallel's 2 Psi, with fp16 weights and gradients alike."""
    dp = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=LINK)).totals()
    z3 = distributed_estimate(mlp(), ARCH, Parallelism(8, "zero3", link=LINK)).totals()
    assert z3["comm_bytes"] == pytest.approx(1.5 * dp["comm_bytes"])


def test_compressed_gradients_send_fewer_bytes_and_cost_vector_work():
    """4-bit CGX buckets of 1024 with fp16 min/max: ceil(PARAMS*4/8) + 2*ceil(PARAMS/1024)*2
    bytes per all-reduce payload, against 2*PARAMS uncompressed."""
    cgx = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=LINK, grad_bits=4))
    payload = math.ceil(PARAMS * 4 / 8) + 2 * math.ceil(PARAMS / 1024) * 2
    assert cgx.breakdown.comm_bytes == pytest.approx(2 * 7 / 8 * payload)
    assert cgx.codec_s > 0 and cgx.codec_energy_pj > 0


def test_natural_compression_sends_sign_and_exponent_of_the_gradients():
    """fp16 gradients (5 exponent bits): 1 + 5 bits per value, ceil(PARAMS * 6 / 8) bytes per
    all-reduce payload; int8 gradients have no exponent to send."""
    nat = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=LINK, grad_codec="natural"))
    assert nat.breakdown.comm_bytes == pytest.approx(2 * 7 / 8 * math.ceil(PARAMS * 6 / 8))
    int8 = TensorPrecision(F("fp16"), F("fp16"), F("int8"), F("fp32"))
    with pytest.raises(SpecError, match="expected floating-point gradients for natural"):
        distributed_estimate(mlp(int8), ARCH, Parallelism(8, "dp", grad_codec="natural"))


def test_overlap_hides_gradient_reduction_behind_the_backward_pass():
    """With overlap only max(0, comm - backward_s) stays exposed (bucketed reduction during the
    backward pass); a 10 Mbit/s link makes the all-reduce longer than the backward pass. The
    backward pass includes the reduction's adds on the vector unit: (D - 1)/D x PARAMS adds,
    one per lane per cycle."""
    slow = Link(0.01)
    plain = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=slow))
    hidden = distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", link=slow, overlap=True))
    hz = ARCH.compute.clock_mhz * 1e6
    reduce_s = 7 / 8 * PARAMS / ARCH.vector.lanes / hz
    assert plain.codec_s == pytest.approx(reduce_s)
    backward_s = sum(lr.total_cycles for lr in plain.step.layers
                     if lr.pass_name in ("dgrad", "wgrad")) / hz + reduce_s
    comm = plain.breakdown.comm_s
    assert comm > backward_s and plain.breakdown.exposed_comm_s == comm
    assert hidden.breakdown.exposed_comm_s == pytest.approx(comm - backward_s)
    assert hidden.breakdown.step_s == pytest.approx(plain.breakdown.step_s - backward_s)


def test_pipeline_boundaries_and_bubble():
    """pp:2 on 2 devices, m = 4 micro-batches of 4 samples: the boundary after stage 0 carries
    its last layer's output (4 x output elements, fp16) forward and as much back, so the
    busiest device sends 4 messages per step; each of the m + p - 1 = 5 GPipe slots lasts the
    slowest stage's compute plus that boundary transfer (no overlap), the bubble is p - 1 = 1 of
    them, and the m others are the compute and exposed communication."""
    wl = mlp()
    run = distributed_estimate(wl, ARCH, Parallelism(2, "pp", stages=2, micro_batches=4,
                                                     link=LINK))
    b = run.breakdown
    message = 4 * output_elements(wl.layers[run.stage_starts[1] - 1]) * 2
    assert b.comm_bytes == pytest.approx(4 * message)
    slot_comm = 2 * message * 8 / 10e9
    assert b.exposed_comm_s == pytest.approx(4 * slot_comm)
    hz = ARCH.compute.clock_mhz * 1e6

    def stage_s(stage: int, update: bool) -> float:
        return sum(lr.total_cycles for lr in run.step.layers
                   if (lr.pass_name == "update") == update
                   and (lr.layer_index >= run.stage_starts[1]) == bool(stage)) / hz

    slot_compute = max(stage_s(0, False), stage_s(1, False))
    update_s = max(stage_s(0, True), stage_s(1, True))     # stages update in parallel
    assert b.bubble_s == pytest.approx(slot_compute + slot_comm)
    assert b.step_s == pytest.approx(5 * (slot_compute + slot_comm) + update_s)


def test_parse_parallel_and_bad_input():
    assert parse_parallel("zero2", 8) == ("zero2", 1)
    assert parse_parallel("pp:4", 8) == ("pp", 4)
    with pytest.raises(SpecError, match="expected a divisor of the 8 devices, got 3"):
        parse_parallel("pp:3", 8)
    with pytest.raises(SpecError, match="expected dp, zero1, zero2, zero3 or pp:STAGES"):
        parse_parallel("zero4", 8)
    with pytest.raises(SpecError, match="expected at most the workload's 5 layers, got 8"):
        distributed_estimate(mlp(), ARCH, Parallelism(8, "pp", stages=8))
    with pytest.raises(SpecError, match=r"parallelism: grad_bits: expected bits in 1\.\.32, got 0"):
        distributed_estimate(mlp(), ARCH, Parallelism(8, "dp", grad_bits=0))
    with pytest.raises(SpecError, match="parallelism: devices: expected a positive integer, got 0"):
        distributed_estimate(mlp(), ARCH, Parallelism(0, "dp"))


def test_pipeline_stages_end_at_residual_adds():
    """Cut points: after each add of two inputs that does not feed a softmax (the mask add
    before a softmax sits inside attention), or after the layers --stage-cut names."""
    from hwsim.distributed_run import segment_ends
    wl = Workload("blocks", "t", 1, FP16, (
        Linear("a", 64, 64), VectorOp("res", "add", 64, 1, inputs=2), Linear("b", 64, 64),
        VectorOp("mask", "add", 64, 1, inputs=2), VectorOp("sm", "softmax", 64, 5),
        Linear("c", 64, 64)))
    assert segment_ends(wl, None) == [2, 6]
    assert segment_ends(wl, "[ab]") == [1, 3, 6]
    with pytest.raises(SpecError, match="expected at most 2 stages: the workload has 1 cut"):
        distributed_estimate(wl, ARCH, Parallelism(3, "pp", stages=3))
    run = distributed_estimate(wl, ARCH, Parallelism(2, "pp", stages=2, micro_batches=2))
    assert run.stage_starts == (0, 2)


def test_acsgd_buffer_per_example_on_the_busiest_stage():
    """pp:3 over `mlp` cuts after two layers; a middle stage keeps AC-SGD's last message of
    both its boundaries per training example (fp16: 2 bytes per value, one sample's boundary
    output each); without compressed activations the key is absent."""
    wl = mlp()
    run = distributed_estimate(wl, ARCH, Parallelism(3, "pp", stages=3, micro_batches=3,
                                                     act_bits=4))
    cuts = run.stage_starts[1:]
    expected = sum(2 * output_elements(wl.layers[c - 1]) for c in cuts)
    assert run.totals()["acsgd_buffer_bytes_per_example"] == expected
    plain = distributed_estimate(wl, ARCH, Parallelism(3, "pp", stages=3, micro_batches=3))
    assert "acsgd_buffer_bytes_per_example" not in plain.totals()


@pytest.mark.parametrize(("kwargs", "line"), [
    ({"devices": 0}, "parallelism: devices: expected a positive integer, got 0"),
    ({"scheme": "zero4"},
     "parallelism: scheme: expected one of dp, zero1, zero2, zero3, pp, got 'zero4'"),
    ({"scheme": "pp", "stages": 3}, "parallelism: stages: expected a divisor of the 8 devices, "
                                    "got 3"),
    ({"micro_batches": -1}, "parallelism: micro_batches: expected an integer >= 0, got -1"),
    ({"schedule": "zigzag"},
     "parallelism: schedule: expected one of gpipe, 1f1b, got 'zigzag'"),
    ({"act_grad_bits": 33}, "parallelism: act_grad_bits: expected bits in 1..32, got 33"),
    ({"grad_codec": "topk"},
     "parallelism: grad_codec: expected one of maxmin, natural, got 'topk'"),
])
def test_parallelism_checks_itself_when_built(kwargs, line):
    with pytest.raises(SpecError) as err:
        Parallelism(**{"devices": 8, **kwargs})
    assert str(err.value) == line
