"""Precision schedules over training: the weight/activation bits and gradient bits of every
iteration, and the groups of iterations that share them.

- ``static``: the same bits every iteration.
- ``cyclic``: Cyclic Precision Training (Fu et al., ICLR 2021), exactly as its code
  (``cyclic_adjust_precision`` in GATECH-EIC/CPT, cpt_cifar/train.py) computes it for
  iteration t = 0 .. T-1 with P = int(T / N) and N cycles:
  ``b_t = rint(b_min + 0.5 (b_max - b_min) (1 + cos(pi (t mod P) / P + pi)))``,
  i.e. ``rint(b_min + 0.5 (b_max - b_min) (1 - cos(pi (t mod P) / P)))``; gradients likewise
  between their own bounds (CPT's 3-8/8 keeps them at 8).
- ``linear``: ``rint`` of a straight line from the first to the second bound over training.
- ``list``: explicit bits per epoch; training splits into as many equal epochs.

Everything is numpy over the iteration index (no Python loop over iterations); whole-training
cost then needs one evaluation per distinct (bits, gradient bits) pair (`iteration_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SCHEDULE_KINDS = ("static", "cyclic", "linear", "list")
I64 = npt.NDArray[np.int64]


class ScheduleError(ValueError):
    """A schedule's parameters are inconsistent."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule: `bits` and `grad_bits` are (low, high) bounds, or per-epoch lists for
    ``list``; `cycles` is CPT's N. A cyclic schedule given one bound keeps it constant
    (stored as (b, b))."""

    kind: str
    bits: tuple[int, ...]
    grad_bits: tuple[int, ...]
    cycles: int = 32

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ScheduleError(f"expected a schedule among {', '.join(SCHEDULE_KINDS)}, "
                                f"got {self.kind!r}")
        if self.kind == "cyclic":
            for name in ("bits", "grad_bits"):
                if len(getattr(self, name)) == 1:
                    object.__setattr__(self, name, getattr(self, name) * 2)
        for label, values in (("bits", self.bits), ("grad bits", self.grad_bits)):
            if not values or any(b < 1 or b > 64 for b in values):
                raise ScheduleError(f"expected {label} between 1 and 64, got {values}")
            if self.kind == "cyclic" and (len(values) != 2 or values[0] > values[1]):
                raise ScheduleError(f"expected {label} as min:max with min <= max, "
                                    f"got {':'.join(map(str, values))}")
        if self.cycles < 1:
            raise ScheduleError(f"expected a positive number of cycles, got {self.cycles}")

    def per_iteration(self, iterations: int) -> tuple[I64, I64]:
        """(bits, gradient bits) of iterations 0 .. iterations-1."""
        if iterations < 1:
            raise ScheduleError(f"expected a positive number of iterations, got {iterations}")
        t = np.arange(iterations, dtype=np.int64)
        return self._curve(self.bits, t, iterations), self._curve(self.grad_bits, t, iterations)

    def _curve(self, bounds: tuple[int, ...], t: I64, iterations: int) -> I64:
        lo, hi = bounds[0], bounds[-1]
        if self.kind == "static" or (lo == hi and self.kind != "list"):
            return np.full(t.shape, bounds[0], dtype=np.int64)
        if self.kind == "cyclic":
            period = int(iterations / self.cycles)
            if period < 1:
                raise ScheduleError(f"expected at least as many iterations as cycles "
                                    f"({self.cycles}), got {iterations}")
            phase = np.pi * ((t % period) / period) + np.pi
            return np.rint(lo + 0.5 * (hi - lo) * (1 + np.cos(phase))).astype(np.int64)
        if self.kind == "linear":
            frac = t / max(iterations - 1, 1)
            return np.rint(lo + (hi - lo) * frac).astype(np.int64)
        epochs = np.asarray(bounds, dtype=np.int64)
        return epochs[(t * len(epochs)) // iterations]


def iteration_groups(schedule: Schedule, iterations: int) -> list[tuple[int, int, int]]:
    """Distinct (bits, gradient bits) pairs with how many iterations use each."""
    bits, grad = schedule.per_iteration(iterations)
    pairs, counts = np.unique(np.stack([bits, grad], axis=1), axis=0, return_counts=True)
    return [(int(b), int(g), int(c)) for (b, g), c in zip(pairs, counts, strict=True)]


def parse_bits(text: str, kind: str) -> tuple[int, ...]:
    """``8`` -> (8,); ``3:8`` -> (3, 8); ``8,6,4`` (per epoch) -> (8, 6, 4)."""
    sep = "," if kind == "list" else ":"
    try:
        values = tuple(int(v) for v in str(text).split(sep))
    except ValueError:
        raise ScheduleError(f"expected bits as {'b1,b2,...' if kind == 'list' else 'b or min:max'}"
                            f", got {text!r}") from None
    return values
