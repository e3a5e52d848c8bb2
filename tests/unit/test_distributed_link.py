"""Alpha-beta link model: time = latency x messages + bits / bandwidth; energy per bit sent."""

from __future__ import annotations

import math

import pytest

from hwsim.distributed.link import BOARD_LINK_PJ_PER_BIT, Link, transfer_energy_pj, transfer_s
from hwsim.spec.errors import SpecError


def test_transfer_time_is_latency_per_message_plus_bits_over_bandwidth():
    # 25 Gbit/s, 5 us per message; 1e6 bytes as 2 messages:
    # 2 * 5e-6 + 8e6 bits / 25e9 bit/s = 1e-5 + 3.2e-4 = 3.3e-4 s.
    link = Link(25.0, latency_s=5e-6)
    assert transfer_s(link, 1e6, 2) == pytest.approx(3.3e-4, rel=1e-12)


def test_nothing_sent_costs_nothing():
    link = Link(10.0, latency_s=1e-3)
    assert transfer_s(link, 0.0, 0) == 0.0
    assert transfer_energy_pj(link, 0.0) == 0.0


def test_energy_is_bits_sent_times_pj_per_bit():
    # 1e6 bytes = 8e6 bits at the default 1.9 pJ/bit = 1.52e7 pJ; at 10 pJ/bit 8e7 pJ.
    assert transfer_energy_pj(Link(25.0), 1e6) == pytest.approx(8e6 * 1.9)
    assert BOARD_LINK_PJ_PER_BIT == 1.9
    assert transfer_energy_pj(Link(25.0, energy_pj_per_bit=10.0), 1e6) == pytest.approx(8e7)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"bandwidth_gbps": 0}, "distributed: bandwidth_gbps: expected a finite number > 0, got 0"),
    ({"bandwidth_gbps": math.nan}, "bandwidth_gbps: expected a finite number > 0, got nan"),
    ({"bandwidth_gbps": 1, "latency_s": -1e-6}, "latency_s: expected a finite number >= 0"),
    ({"bandwidth_gbps": 1, "energy_pj_per_bit": -1}, "energy_pj_per_bit: expected a finite"),
])
def test_bad_link_is_a_spec_error(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Link(**kwargs)


def test_negative_bytes_is_a_spec_error():
    with pytest.raises(SpecError, match="sent_bytes: expected a finite number >= 0, got -1"):
        transfer_s(Link(1.0), -1, 1)
