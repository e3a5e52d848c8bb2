"""ZeRO model-state memory and communication (Rajbhandari et al., SC'20)."""

from __future__ import annotations

import pytest

from hwsim.distributed.zero import SCHEMES, device_shares, model_state_bytes, zero_collectives
from hwsim.spec.errors import SpecError


def paper_gb(total_bytes: float) -> float:
    """GB (1e9 bytes) to three significant figures, as Table 1 prints them."""
    return float(f"{total_bytes / 1e9:.3g}")


def test_reproduces_table_1_for_7_5b_parameters_on_64_devices():
    # ZeRO Table 1, Psi = 7.5e9, N_d = 64, K = 12, fp16 weights and gradients:
    # dp    (2 + 2 + 12) Psi          = 16 * 7.5e9                        = 120e9    -> 120 GB
    # zero1 4 Psi + 12 Psi / 64       = 30e9 + 1.40625e9                  = 31.40625e9 -> 31.4
    # zero2 2 Psi + (2 + 12) Psi / 64 = 15e9 + 1.640625e9                 = 16.640625e9 -> 16.6
    # zero3 (2 + 2 + 12) Psi / 64     = 120e9 / 64                        = 1.875e9  -> 1.88
    totals = {s: model_state_bytes(7.5e9, 64, s).total_bytes for s in SCHEMES}
    assert totals == pytest.approx({"dp": 120e9, "zero1": 31.40625e9, "zero2": 16.640625e9,
                                    "zero3": 1.875e9}, rel=1e-12)
    assert {s: paper_gb(b) for s, b in totals.items()} == \
        {"dp": 120.0, "zero1": 31.4, "zero2": 16.6, "zero3": 1.88}


def test_one_device_partitions_nothing():
    # D = 1: every scheme keeps the whole (2 + 2 + 12) Psi = 16 Psi.
    assert {model_state_bytes(1e6, 1, s).total_bytes for s in SCHEMES} == {16e6}


def test_stage_1_and_2_approach_4x_and_8x_reduction():
    # Sec. 5: P_os cuts model state up to 4x (16 / 4), P_os+g up to 8x (16 / 2) as D grows.
    # At D = 1e6: 16 / (4 + 12e-6) and 16 / (2 + 14e-6), both within 1e-5 of the limit.
    dp = model_state_bytes(1e9, 10**6, "dp").total_bytes
    assert dp / model_state_bytes(1e9, 10**6, "zero1").total_bytes == pytest.approx(4, rel=1e-5)
    assert dp / model_state_bytes(1e9, 10**6, "zero2").total_bytes == pytest.approx(8, rel=1e-5)


def test_any_byte_widths_int8_weights_and_sgd_momentum():
    # Psi = 1e6, D = 4, int8 weights (w = 1), fp16 gradients (g = 2), SGD fp32 momentum and
    # no master copy (K = 4):
    # dp    (1 + 2 + 4) Psi           = 7e6
    # zero1 (1 + 2) Psi + 4 Psi / 4   = 3e6 + 1e6   = 4e6
    # zero2 1 Psi + (2 + 4) Psi / 4   = 1e6 + 1.5e6 = 2.5e6  (weights 1e6, grads 0.5e6, opt 1e6)
    # zero3 7 Psi / 4                 = 1.75e6
    widths = {"weight_bytes_per_param": 1, "gradient_bytes_per_param": 2,
              "optimizer_bytes_per_param": 4}
    totals = {s: model_state_bytes(1e6, 4, s, **widths).total_bytes for s in SCHEMES}
    assert totals == {"dp": 7e6, "zero1": 4e6, "zero2": 2.5e6, "zero3": 1.75e6}
    state = model_state_bytes(1e6, 4, "zero2", **widths)
    assert (state.weights_bytes, state.gradients_bytes, state.optimizer_bytes) == \
        (1e6, 0.5e6, 1e6)


def test_device_shares_follow_the_partitioned_tensors():
    # Sec. 5, D = 4: (weights, gradients, optimizer states) a device holds; P_os quarters the
    # optimizer states, P_os+g also the gradients, P_os+g+p everything.
    assert {s: device_shares(s, 4) for s in SCHEMES} == {
        "dp": (1.0, 1.0, 1.0), "zero1": (1.0, 1.0, 0.25), "zero2": (1.0, 0.25, 0.25),
        "zero3": (0.25, 0.25, 0.25)}


def test_communication_is_1x_1x_1x_and_1_5x_of_data_parallel():
    # Sec. 7, Psi = 1e9 fp16 parameters and gradients (2e9 bytes each), D = 64:
    # dp: all-reduce of gradients, 2 * 63/64 * 2e9 = 3.9375e9 bytes sent per device;
    # zero1/2: reduce-scatter of gradients + all-gather of parameters, 63/64 * 2e9 each = same;
    # zero3: parameter all-gather in forward and in backward + gradient reduce-scatter,
    # 3 * 63/64 * 2e9 = 5.90625e9 = 1.5x.
    sent = {s: sum(c.sent_bytes for c in zero_collectives(s, 64, 2e9, 2e9)) for s in SCHEMES}
    assert sent == pytest.approx({"dp": 3.9375e9, "zero1": 3.9375e9, "zero2": 3.9375e9,
                                  "zero3": 5.90625e9}, rel=1e-12)


def test_collectives_named_with_the_phase_that_issues_them():
    def shape(scheme):
        return [(c.name, c.phase) for c in zero_collectives(scheme, 8, 1.0, 1.0)]
    assert shape("dp") == [("all_reduce", "backward")]
    assert shape("zero1") == shape("zero2") == \
        [("reduce_scatter", "backward"), ("all_gather", "update")]
    assert shape("zero3") == [("all_gather", "forward"), ("all_gather", "backward"),
                              ("reduce_scatter", "backward")]


def test_compressed_gradients_change_only_the_gradient_collective():
    # 4-bit gradients of Psi = 1e9 (0.5e9 bytes) with fp16 parameters (2e9 bytes), D = 2:
    # reduce-scatter sends 1/2 * 0.5e9 = 0.25e9, all-gather 1/2 * 2e9 = 1e9.
    rs, ag = zero_collectives("zero2", 2, 2e9, 0.5e9)
    assert (rs.sent_bytes, ag.sent_bytes) == (0.25e9, 1e9)


def test_bad_scheme_and_devices():
    with pytest.raises(SpecError, match="scheme: expected one of dp, zero1, zero2, zero3, "
                                        "got 'zero4'"):
        model_state_bytes(1e6, 4, "zero4")
    with pytest.raises(SpecError, match="devices: expected an integer >= 1, got 0"):
        zero_collectives("dp", 0, 1.0, 1.0)
    with pytest.raises(SpecError, match="optimizer_bytes_per_param: expected a finite number"):
        model_state_bytes(1e6, 4, "dp", optimizer_bytes_per_param=-1)
