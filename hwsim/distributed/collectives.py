"""Collective operations among D devices: bytes each device sends, sequential messages (steps),
and their time and energy on a `Link`.

`payload_bytes` is N, the size of the whole tensor (the gradients being reduced, the parameters
being gathered). Ring algorithms split it into D chunks of N/D and pass one chunk per step:

- ring all-reduce: a reduce-scatter then an all-gather, 2(D-1) steps, each device sends (and
  receives) 2(D-1)/D x N bytes, the lower bound for all-reduce (Patarasuk & Yuan, "Bandwidth
  optimal all-reduce algorithms for clusters of workstations", JPDC 69(2), 2009; Thakur,
  Rabenseifner & Gropp, "Optimization of Collective Communication Operations in MPICH",
  IJHPCA 19(1), 2005: all-reduce as reduce-scatter + all-gather for long messages);
- reduce-scatter and all-gather: D-1 steps, (D-1)/D x N bytes each (Thakur et al.: the ring
  all-gather, (p-1) alpha + (p-1)/p n beta, and the pairwise-exchange reduce-scatter with the
  same communication cost);
- point-to-point send: one message of N bytes.

With D = 1 nothing is sent. Time is the alpha-beta model of `hwsim.distributed.link`; chunk
bytes are kept fractional (N/D), as the papers write them, rather than padded to whole bytes.
The reduction arithmetic (one add per received element) is not timed here: it runs on the
vector unit, and `hwsim.distributed.compression.ring_all_reduce_codec_work` counts it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.distributed import _checks
from hwsim.distributed.link import Link, transfer_energy_pj, transfer_s

PHASES = ("forward", "backward", "update", "boundary")


@dataclass(frozen=True, slots=True)
class Collective:
    """One collective as one device sees it.

    `phase` is the part of the step that issues it (``forward``, ``backward``, ``update``, or
    ``boundary`` for pipeline sends): gradient collectives issued in ``backward`` may overlap
    the backward pass (`hwsim.distributed.step`).
    """

    name: str
    devices: int
    payload_bytes: float
    sent_bytes: float
    messages: int
    phase: str = "backward"

    def time_s(self, link: Link) -> float:
        """Seconds this collective takes on `link`."""
        return transfer_s(link, self.sent_bytes, self.messages)

    def energy_pj(self, link: Link) -> float:
        """Energy of the bytes this device sends, in pJ."""
        return transfer_energy_pj(link, self.sent_bytes)


def _ring(name: str, payload_bytes: float, devices: int, passes: int, phase: str) -> Collective:
    """`passes` ring sweeps of D-1 steps, each step sending one N/D chunk."""
    n = _checks.amount(payload_bytes, "payload_bytes")
    d = _checks.count(devices, "devices")
    if phase not in PHASES:
        raise _checks.fail("phase", f"one of {', '.join(PHASES)}", phase)
    steps = passes * (d - 1)
    return Collective(name, d, n, steps * n / d, steps, phase)


def ring_all_reduce(payload_bytes: float, devices: int, phase: str = "backward") -> Collective:
    """Ring all-reduce of N bytes: 2(D-1) steps, 2(D-1)/D x N bytes sent per device."""
    return _ring("all_reduce", payload_bytes, devices, 2, phase)


def reduce_scatter(payload_bytes: float, devices: int, phase: str = "backward") -> Collective:
    """Ring reduce-scatter of N bytes: D-1 steps, (D-1)/D x N bytes sent per device; each
    device ends with its reduced N/D shard."""
    return _ring("reduce_scatter", payload_bytes, devices, 1, phase)


def all_gather(payload_bytes: float, devices: int, phase: str = "update") -> Collective:
    """Ring all-gather of N bytes (N/D per device): D-1 steps, (D-1)/D x N bytes sent each."""
    return _ring("all_gather", payload_bytes, devices, 1, phase)


def send(payload_bytes: float, phase: str = "boundary") -> Collective:
    """Point-to-point send of N bytes to one peer: one message."""
    n = _checks.amount(payload_bytes, "payload_bytes")
    if phase not in PHASES:
        raise _checks.fail("phase", f"one of {', '.join(PHASES)}", phase)
    return Collective("send", 2, n, n, 1 if n > 0 else 0, phase)
