"""rtl/lns_add.v == hwsim.numerics.lns.lns_add on every vector, on Icarus and Verilator.

Parameter sets: the default (W=8, F=3) with all 2^16 input pairs; W=6, F=0 with all 2^12
pairs (integer exponents, the smallest table); W=12, F=5 with 10^5 random pairs (fixed seed)
plus every special operand against every other. Each run also streams 3000 random pairs with
random idle cycles. The model's own accuracy is tested in tests/unit/test_numerics_lns.py.
"""

from __future__ import annotations

from collections.abc import Callable

import cocotb
import numpy as np
import pytest
from stream import check_stream

# hwsim is imported inside the pytest-side functions only: the simulator process imports this
# module for its cocotb tests, and importing hwsim there would load numba (seconds per run).

LATENCY = 2  # rtl/lns_add.v header: two register stages

PARAM_SETS = [
    pytest.param({"W": 8, "F": 3}, {"kind": "exhaustive"}, id="W8_F3-exhaustive"),
    pytest.param({"W": 6, "F": 0}, {"kind": "exhaustive"}, id="W6_F0-exhaustive"),
    pytest.param({"W": 12, "F": 5}, {"kind": "random", "n": 100_000, "seed": 12},
                 id="W12_F5-random"),
]


def vectors(W: int, plan: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) raw words: all pairs, or random pairs plus all pairs of special operands."""
    from hwsim.numerics import lns

    if plan["kind"] == "exhaustive":
        words = np.arange(1 << W, dtype=np.int64)
        return np.repeat(words, 1 << W), np.tile(words, 1 << W)
    rng = np.random.default_rng(int(plan["seed"]))  # type: ignore[call-overload]
    a, b = rng.integers(0, 1 << W, size=(2, int(plan["n"])))  # type: ignore[call-overload]
    # +/-zero, +/-smallest, +/-one, +/-largest and neighbours: edges of every special case
    lo, hi = lns.emin(W), lns.emax(W)
    special = np.array([lns.pack(s, e, W) for s in (0, 1)
                        for e in (lo, lo + 1, lo + 2, -1, 0, 1, hi - 1, hi)], dtype=np.int64)
    return (np.concatenate([a, np.repeat(special, special.size)]),
            np.concatenate([b, np.tile(special, special.size)]))


@cocotb.test()
async def lns_add_vectors(dut) -> None:  # type: ignore[no-untyped-def]
    """The planned vectors, back to back, equal the model."""
    await check_stream(dut, "vectors")


@cocotb.test()
async def lns_add_bubbles(dut) -> None:  # type: ignore[no-untyped-def]
    """Random idle cycles (in_valid = 0, inputs still toggling) do not disturb the stream."""
    await check_stream(dut, "bubbles")


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
@pytest.mark.parametrize(("params", "plan"), PARAM_SETS)
def test_lns_add(sim: str, params: dict[str, int], plan: dict[str, object],
                 run_cocotb: Callable[..., None]) -> None:
    from hwsim.numerics import lns

    W, F = params["W"], params["F"]
    a, b = vectors(W, plan)
    rng = np.random.default_rng(7)
    ba, bb = rng.integers(0, 1 << W, size=(2, 3000))
    valid = (rng.random(3000) < 0.6).astype(np.int64)
    sel = valid == 1
    groups = {
        "vectors": {"in/a": a, "in/b": b, "out/y": lns.lns_add_np(a, b, W, F)},
        "bubbles": {"in/a": ba, "in/b": bb, "valid": valid,
                    "out/y": lns.lns_add_np(ba[sel], bb[sel], W, F)},
    }
    run_cocotb(sim, "lns_add", params, LATENCY, "test_lns_add", groups)
