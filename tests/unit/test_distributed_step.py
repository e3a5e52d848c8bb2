"""Step-time breakdown: compute, communication, exposed communication, bubble."""

from __future__ import annotations

import pytest

from hwsim.distributed.collectives import ring_all_reduce
from hwsim.distributed.link import Link
from hwsim.distributed.pipeline import Boundary
from hwsim.distributed.step import data_parallel_step, pipeline_step
from hwsim.distributed.zero import zero_collectives
from hwsim.spec.errors import SpecError


def test_data_parallel_without_overlap_exposes_all_communication():
    # D = 8 all-reduce of 1e9 gradient bytes: 2 * 7/8 * 1e9 = 1.75e9 bytes sent; at 100 Gbit/s
    # 1.75e9 * 8 / 1e11 = 0.14 s. Compute 1 + 2 + 0.5 = 3.5 s; step 3.64 s.
    # Energy 1.75e9 * 8 bits * 1.9 pJ/bit = 2.66e10 pJ.
    s = data_parallel_step(1.0, 2.0, 0.5, zero_collectives("dp", 8, 2e9, 1e9), Link(100.0))
    assert (s.compute_s, s.bubble_s, s.comm_bytes) == (3.5, 0.0, 1.75e9)
    assert (s.comm_s, s.exposed_comm_s, s.step_s) == pytest.approx((0.14, 0.14, 3.64))
    assert s.comm_energy_pj == pytest.approx(2.66e10)


def test_overlap_hides_the_all_reduce_behind_the_backward_pass():
    # Same all-reduce: 0.14 s fits in the 2 s backward pass, nothing exposed. On 1 Gbit/s it
    # takes 14 s: exposed = 14 - 2 = 12 s, step = 3.5 + 12 = 15.5 s.
    collectives = zero_collectives("dp", 8, 2e9, 1e9)
    fast = data_parallel_step(1.0, 2.0, 0.5, collectives, Link(100.0), overlap=True)
    assert (fast.exposed_comm_s, fast.step_s) == (0.0, 3.5)
    slow = data_parallel_step(1.0, 2.0, 0.5, collectives, Link(1.0), overlap=True)
    assert (slow.comm_s, slow.exposed_comm_s, slow.step_s) == pytest.approx((14, 12, 15.5))


def test_zero_parameter_gathers_overlap_only_their_own_phase():
    # D = 8, 1e9 bytes of parameters and of gradients on 1 Gbit/s: each reduce-scatter or
    # all-gather sends 7/8 * 1e9 bytes = 7 s. Forward 1 s, backward 2 s, update 0.5 s.
    # zero2: reduce-scatter (backward) hides 2 s, the update's all-gather stays: 14 - 2 = 12.
    # zero3: forward gather hides 1 s, backward gather + reduce-scatter (14 s) hide 2 s:
    # 21 - 3 = 18.
    link = Link(1.0)
    zero2 = data_parallel_step(1.0, 2.0, 0.5, zero_collectives("zero2", 8, 1e9, 1e9), link,
                               overlap=True)
    zero3 = data_parallel_step(1.0, 2.0, 0.5, zero_collectives("zero3", 8, 1e9, 1e9), link,
                               overlap=True)
    assert (zero2.comm_s, zero2.exposed_comm_s) == pytest.approx((14, 12))
    assert (zero3.comm_s, zero3.exposed_comm_s) == pytest.approx((21, 18))


def test_pipeline_step_breakdown():
    # p = 4 stages of 1.0, 0.8, 1.0, 0.9 s per micro-batch, m = 8, update 0.5 s. Each boundary
    # sends 1e6 bytes forward and 2e6 backward per micro-batch on 100 Mbit/s with 1 ms per
    # message: 2 * 1e-3 + 3e6 * 8 / 1e8 = 0.242 s. Slot = 1.0 + 0.242 = 1.242 s.
    # compute = 8 * 1.0 + 0.5 = 8.5; exposed = 8 * 0.242 = 1.936; bubble = 3 * 1.242 = 3.726;
    # step = (8 + 4 - 1) * 1.242 + 0.5 = 14.162 = 8.5 + 1.936 + 3.726.
    # Busiest device (a middle stage) sends 8 * (1e6 + 2e6) = 24e6 bytes.
    link = Link(0.1, latency_s=1e-3)
    bounds = [Boundary(1e6, 2e6)] * 3
    s = pipeline_step([1.0, 0.8, 1.0, 0.9], bounds, link, 8, update_s=0.5)
    assert (s.compute_s, s.comm_s, s.exposed_comm_s, s.bubble_s, s.step_s) == \
        pytest.approx((8.5, 1.936, 1.936, 3.726, 14.162))
    assert s.comm_bytes == 24e6
    # Overlapped sends: the slot is max(1.0, 0.242) = 1.0, nothing exposed, step 11 + 0.5.
    hidden = pipeline_step([1.0, 0.8, 1.0, 0.9], bounds, link, 8, 0.5, overlap=True)
    assert (hidden.exposed_comm_s, hidden.bubble_s, hidden.step_s) == \
        pytest.approx((0.0, 3.0, 11.5))
    # On 10 Mbit/s a boundary takes 2e-3 + 2.4 = 2.402 s: the link is the slowest stage;
    # exposed 8 * (2.402 - 1.0) = 11.216 s, bubble 3 * 2.402 = 7.206 s.
    slow = pipeline_step([1.0, 0.8, 1.0, 0.9], bounds, Link(0.01, latency_s=1e-3), 8, 0.5,
                         overlap=True)
    assert (slow.exposed_comm_s, slow.bubble_s) == pytest.approx((11.216, 7.206))


def test_pipeline_with_data_parallel_gradients_after_the_flush():
    # One stage (no boundaries), m = 4 micro-batches of 0.25 s; a 2-replica all-reduce of 1e8
    # bytes on 100 Mbit/s with 1 ms per message: 2 * 1e-3 + 1e8 * 8 / 1e8 = 8.002 s exposed.
    link = Link(0.1, latency_s=1e-3)
    s = pipeline_step([0.25], [], link, 4, gradient_collectives=[ring_all_reduce(1e8, 2)])
    assert (s.compute_s, s.bubble_s, s.comm_bytes) == (1.0, 0.0, 1e8)
    assert (s.exposed_comm_s, s.step_s) == pytest.approx((8.002, 9.002))


def test_pipeline_needs_one_boundary_fewer_than_stages():
    with pytest.raises(SpecError, match="boundaries: expected 2 boundaries for 3 stages, got 1"):
        pipeline_step([1.0, 1.0, 1.0], [Boundary(1.0, 1.0)], Link(1.0), 4)
    with pytest.raises(SpecError, match="backward_s: expected a finite number >= 0, got -1"):
        data_parallel_step(1.0, -1, 0.0, (), Link(1.0))
