"""Ring collectives: bytes sent per device and steps (Patarasuk & Yuan 2009; Thakur et al.
2005), and their time on a link."""

from __future__ import annotations

import pytest

from hwsim.distributed.collectives import all_gather, reduce_scatter, ring_all_reduce, send
from hwsim.distributed.link import Link
from hwsim.spec.errors import SpecError


def test_ring_all_reduce_sends_2_d_minus_1_over_d_in_2_d_minus_1_steps():
    # D = 4, N = 1000 bytes: 2 * 3/4 * 1000 = 1500 bytes in 2 * 3 = 6 steps.
    c = ring_all_reduce(1000, 4)
    assert (c.sent_bytes, c.messages, c.devices, c.payload_bytes) == (1500, 6, 4, 1000)


@pytest.mark.parametrize("collective", [reduce_scatter, all_gather])
def test_reduce_scatter_and_all_gather_send_d_minus_1_over_d(collective):
    # D = 4, N = 1000 bytes: 3/4 * 1000 = 750 bytes in 3 steps.
    c = collective(1000, 4)
    assert (c.sent_bytes, c.messages) == (750, 3)


@pytest.mark.parametrize("devices", [2, 3, 8, 64])
def test_all_reduce_is_reduce_scatter_then_all_gather(devices):
    # Thakur et al.: the long-message all-reduce is a reduce-scatter followed by an all-gather.
    whole = ring_all_reduce(3e6, devices)
    rs, ag = reduce_scatter(3e6, devices), all_gather(3e6, devices)
    assert whole.sent_bytes == pytest.approx(rs.sent_bytes + ag.sent_bytes)
    assert whole.messages == rs.messages + ag.messages


def test_ring_all_reduce_approaches_twice_the_payload():
    # 2 (D-1)/D N -> 2N: at D = 1e6, 2 * (1 - 1e-6) N.
    assert ring_all_reduce(1.0, 10**6).sent_bytes == pytest.approx(2 * (1 - 1e-6), rel=1e-12)


@pytest.mark.parametrize("collective", [ring_all_reduce, reduce_scatter, all_gather])
def test_one_device_communicates_nothing(collective):
    c = collective(1e9, 1)
    assert (c.sent_bytes, c.messages, c.time_s(Link(1.0, latency_s=1.0))) == (0, 0, 0)


def test_all_reduce_time_on_a_link():
    # D = 8, N = 1e9 bytes, 100 Gbit/s, 1 us per message: 14 steps * 1e-6 s
    # + 2 * 7/8 * 1e9 * 8 bits / 1e11 bit/s = 1.4e-5 + 0.14 = 0.140014 s.
    c = ring_all_reduce(1e9, 8)
    assert c.time_s(Link(100.0, latency_s=1e-6)) == pytest.approx(0.140014, rel=1e-12)
    # Energy of the 1.75e9 bytes sent at 2 pJ/bit: 1.75e9 * 8 * 2 = 2.8e10 pJ.
    assert c.energy_pj(Link(100.0, energy_pj_per_bit=2.0)) == pytest.approx(2.8e10)


def test_send_is_one_message_of_the_payload():
    c = send(4096)
    assert (c.sent_bytes, c.messages, c.phase) == (4096, 1, "boundary")
    assert send(0).messages == 0


def test_bad_collective_arguments():
    with pytest.raises(SpecError, match="distributed: devices: expected an integer >= 1, got 0"):
        ring_all_reduce(100, 0)
    with pytest.raises(SpecError, match="payload_bytes: expected a finite number >= 0"):
        all_gather(-5, 2)
    with pytest.raises(SpecError, match="phase: expected one of forward, backward"):
        reduce_scatter(5, 2, phase="later")
