"""A communication link between two devices, costed with the alpha-beta model.

Moving `b` bytes as `k` messages takes ``k * latency_s + 8 b / (bandwidth_gbps * 1e9)`` seconds:
each message pays a fixed start-up time (alpha) and every bit the inverse bandwidth (beta)
(Hockney, "The communication challenge for MPP: Intel Paragon and Meiko CS-2", Parallel
Computing 20(3), 1994; the cost model Thakur, Rabenseifner & Gropp use for every collective
in "Optimization of Collective Communication Operations in MPICH", IJHPCA 19(1), 2005). The
bandwidth is per direction: a device can send and receive at this rate at the same time, as the
ring collectives assume.

Energy is ``8 b * energy_pj_per_bit`` for the bytes a device sends; a link's per-bit figure
covers its transmitter and receiver, so received bytes are not priced again.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.distributed import _checks

# A board-level electrical chip-to-chip link: 1.9 pJ/bit measured over 20" of Megtron-6 PCB
# traces at 12 Gb/s per lane ("A 1.4-pJ/b, power-scalable 16x12-Gb/s source-synchronous I/O
# with DFE receiver in 32nm SOI CMOS technology", IBM Research; 1.4 pJ/bit over 0.75").
# This is the physical layer only: a path through network cards and switches costs more, and
# a link model of such a network should pass its own figure.
BOARD_LINK_PJ_PER_BIT = 1.9


@dataclass(frozen=True, slots=True)
class Link:
    """One device's link: `bandwidth_gbps` (Gbit/s per direction), `latency_s` per message,
    `energy_pj_per_bit` for each bit sent (default `BOARD_LINK_PJ_PER_BIT`, a cited PHY figure)."""

    bandwidth_gbps: float
    latency_s: float = 0.0
    energy_pj_per_bit: float = BOARD_LINK_PJ_PER_BIT

    def __post_init__(self) -> None:
        _checks.positive(self.bandwidth_gbps, "bandwidth_gbps")
        _checks.amount(self.latency_s, "latency_s")
        _checks.amount(self.energy_pj_per_bit, "energy_pj_per_bit")


def transfer_s(link: Link, sent_bytes: float, messages: int) -> float:
    """Seconds to send `sent_bytes` as `messages` sequential messages (alpha-beta model)."""
    _checks.amount(sent_bytes, "sent_bytes")
    _checks.count(messages, "messages", minimum=0)
    return messages * link.latency_s + sent_bytes * 8 / (link.bandwidth_gbps * 1e9)


def transfer_energy_pj(link: Link, sent_bytes: float) -> float:
    """Energy of sending `sent_bytes` over the link, in pJ."""
    return _checks.amount(sent_bytes, "sent_bytes") * 8 * link.energy_pj_per_bit
