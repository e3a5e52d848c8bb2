"""Model-state memory per device and communication per step for data parallel training and
ZeRO stages 1-3 (Rajbhandari, Rasley, Ruwase & He, "ZeRO: Memory Optimizations Toward Training
Trillion Parameter Models", SC'20).

Model state per parameter is w bytes of weights, g bytes of gradients and K bytes of optimizer
state. Mixed-precision Adam (Sec. 3.1) keeps fp16 weights and gradients (w = g = 2) and an fp32
master copy, momentum and variance (K = 4 + 4 + 4 = 12): (2 + 2 + K) Psi bytes for Psi
parameters. Over D devices (Sec. 5, Fig. 1, Table 1):

====== ============================== ===================================
scheme partitioned over D devices     bytes per device (paper: w=g=2)
====== ============================== ===================================
dp     nothing                        (w + g + K) Psi       = (2+2+K) Psi
zero1  optimizer states (P_os)        (w + g) Psi + K Psi/D = 4 Psi + K Psi/D
zero2  + gradients (P_os+g)           w Psi + (g + K) Psi/D = 2 Psi + (2+K) Psi/D
zero3  + parameters (P_os+g+p)        (w + g + K) Psi/D     = (4+K) Psi/D
====== ============================== ===================================

Any widths work (int8 weights: w = 1; SGD with fp32 momentum and no master copy: K = 4).

Communication per step (Sec. 7): data parallel all-reduces the gradients, 2 Psi elements sent
per device with a ring. Stages 1 and 2 reduce-scatter the gradients (Psi) and all-gather the
updated parameters (Psi): the same 2 Psi. Stage 3 all-gathers the parameters in the forward
pass and again in the backward pass (Psi each) and reduce-scatters the gradients (Psi): 3 Psi,
1.5x data parallel. `zero_collectives` returns these collectives with their byte counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.distributed import _checks
from hwsim.distributed.collectives import Collective, all_gather, reduce_scatter, ring_all_reduce

SCHEMES = ("dp", "zero1", "zero2", "zero3")

# Which of (weights, gradients, optimizer states) each scheme partitions over the D devices.
PARTITIONED = {"dp": (False, False, False), "zero1": (False, False, True),
                "zero2": (False, True, True), "zero3": (True, True, True)}


@dataclass(frozen=True, slots=True)
class ModelState:
    """Model state held by one device, in bytes."""

    weights_bytes: float
    gradients_bytes: float
    optimizer_bytes: float

    @property
    def total_bytes(self) -> float:
        return self.weights_bytes + self.gradients_bytes + self.optimizer_bytes


def _scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise _checks.fail("scheme", f"one of {', '.join(SCHEMES)}", scheme)
    return scheme


def model_state_bytes(parameters: float, devices: int, scheme: str, *,
                      weight_bytes_per_param: float = 2.0,
                      gradient_bytes_per_param: float = 2.0,
                      optimizer_bytes_per_param: float = 12.0) -> ModelState:
    """Per-device model state of `parameters` (Psi) trained on `devices` (D) under `scheme`
    (``dp``, ``zero1``, ``zero2``, ``zero3``). Defaults are the paper's mixed-precision Adam
    (2, 2, K = 12 bytes per parameter); each partitioned tensor holds 1/D of its bytes."""
    psi = _checks.amount(parameters, "parameters")
    d = _checks.count(devices, "devices")
    widths = (_checks.amount(weight_bytes_per_param, "weight_bytes_per_param"),
              _checks.amount(gradient_bytes_per_param, "gradient_bytes_per_param"),
              _checks.amount(optimizer_bytes_per_param, "optimizer_bytes_per_param"))
    shares = [psi * w / d if split else psi * w
              for w, split in zip(widths, PARTITIONED[_scheme(scheme)], strict=True)]
    return ModelState(*shares)


def device_shares(scheme: str, devices: int) -> tuple[float, float, float]:
    """The fraction of (weights, gradients, optimizer states) one of `devices` devices holds
    under `scheme`: 1/D of each tensor the scheme partitions, all of the others."""
    d = _checks.count(devices, "devices")
    weights, gradients, optimizer = (1 / d if split else 1.0
                                     for split in PARTITIONED[_scheme(scheme)])
    return weights, gradients, optimizer


def zero_collectives(scheme: str, devices: int, weights_payload_bytes: float,
                     gradients_payload_bytes: float) -> tuple[Collective, ...]:
    """The collectives of one training step under `scheme`, in issue order.

    `weights_payload_bytes` and `gradients_payload_bytes` are the sizes of all parameters and
    all gradients as communicated (Psi times the bytes per element on the wire, which may be a
    compressed size from `hwsim.distributed.compression`)."""
    d = _checks.count(devices, "devices")
    w = _checks.amount(weights_payload_bytes, "weights_payload_bytes")
    g = _checks.amount(gradients_payload_bytes, "gradients_payload_bytes")
    scheme = _scheme(scheme)
    if scheme == "dp":
        return (ring_all_reduce(g, d, "backward"),)
    if scheme in ("zero1", "zero2"):
        return (reduce_scatter(g, d, "backward"), all_gather(w, d, "update"))
    return (all_gather(w, d, "forward"), all_gather(w, d, "backward"),
            reduce_scatter(g, d, "backward"))
