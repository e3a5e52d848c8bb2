"""rtl/quantizer.v == hwsim.numerics.quantize.quantize on every vector, on Icarus and Verilator.

Parameter sets: the default (IN_W=16, OUT_W=8, F=3) with every 16-bit x in each of modes 0, 1
and 2 at shifts 0, 5 and 17 (no discarded bits; a mid-range shift where outputs saturate at
both ends; a shift beyond IN_W where the LNS mode underflows and stochastic rounding keeps only
IN_W bits of the fraction), with uniformly random rnd per vector in mode 1; then IN_W=24,
OUT_W=4, F=1 and IN_W=12, OUT_W=12, F=5 with 10^5 random vectors each over all four modes,
all shifts and random rnd (fixed seeds). Each run also streams 3000 random vectors with random
idle cycles. The model's own accuracy is tested in tests/unit/test_numerics_quantize.py.
"""

from __future__ import annotations

from collections.abc import Callable

import cocotb
import numpy as np
import pytest
from stream import check_stream

# hwsim is imported inside the pytest-side functions only: the simulator process imports this
# module for its cocotb tests, and importing hwsim there would load numba (seconds per run).

LATENCY = 2  # rtl/quantizer.v header: two register stages
EXHAUSTIVE_MODES = (0, 1, 2)
EXHAUSTIVE_SHIFTS = (0, 5, 17)

PARAM_SETS = [
    pytest.param({"IN_W": 16, "OUT_W": 8, "F": 3}, {"kind": "exhaustive", "seed": 16},
                 id="IN16_OUT8_F3-exhaustive"),
    pytest.param({"IN_W": 24, "OUT_W": 4, "F": 1}, {"kind": "random", "n": 100_000, "seed": 24},
                 id="IN24_OUT4_F1-random"),
    pytest.param({"IN_W": 12, "OUT_W": 12, "F": 5}, {"kind": "random", "n": 100_000, "seed": 12},
                 id="IN12_OUT12_F5-random"),
]


def random_inputs(in_w: int, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n random vectors, |x| with a uniformly random bit length (so x / 2^shift spans in-range,
    tie, saturating and underflowing cases alike), plus every shift and mode for the extreme
    x values min, min+1, -1, 0, 1, max."""
    length = rng.integers(0, in_w, size=n)
    x = rng.integers(0, 1 << (in_w - 1), size=n) >> (in_w - 1 - length)
    x = np.where(rng.random(n) < 0.5, -x, x)
    lo, hi = -(1 << (in_w - 1)), (1 << (in_w - 1)) - 1
    edge = np.array([lo, lo + 1, -1, 0, 1, hi])
    grid = np.array(np.meshgrid(edge, np.arange(32), np.arange(4))).reshape(3, -1)
    return {
        "x": np.concatenate([x, grid[0]]),
        "shift": np.concatenate([rng.integers(0, 32, size=n), grid[1]]),
        "mode": np.concatenate([rng.integers(0, 4, size=n), grid[2]]),
        "rnd": rng.integers(0, 1 << in_w, size=n + grid.shape[1]),
    }


def vectors(in_w: int, plan: dict[str, object]) -> dict[str, np.ndarray]:
    """Signed inputs: every x per (mode, shift) block, or random vectors."""
    rng = np.random.default_rng(int(plan["seed"]))  # type: ignore[call-overload]
    if plan["kind"] == "random":
        return random_inputs(in_w, int(plan["n"]), rng)  # type: ignore[call-overload]
    xs = np.arange(-(1 << (in_w - 1)), 1 << (in_w - 1), dtype=np.int64)
    blocks = [(m, s) for m in EXHAUSTIVE_MODES for s in EXHAUSTIVE_SHIFTS]
    # rnd: uniform per vector in mode 1; one random constant per block in the other modes
    # (fewer port writes; that rnd is ignored there is shown by the random sets)
    rnd = [rng.integers(0, 1 << in_w, size=xs.size) if m == 1
           else np.full(xs.size, rng.integers(0, 1 << in_w)) for m, _ in blocks]
    return {
        "x": np.tile(xs, len(blocks)),
        "shift": np.repeat([s for _, s in blocks], xs.size),
        "mode": np.repeat([m for m, _ in blocks], xs.size),
        "rnd": np.concatenate(rnd),
    }


def group(inputs: dict[str, np.ndarray], params: dict[str, int],
          valid: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A vector group for the cocotb side: raw port values in, model outputs out."""
    from hwsim.numerics import quantize_np

    in_w = params["IN_W"]
    sel = slice(None) if valid is None else valid == 1
    y, sat = quantize_np(*(inputs[k][sel] for k in ("x", "shift", "mode", "rnd")),
                         in_w, params["OUT_W"], params["F"])
    out = {f"in/{k}": v for k, v in inputs.items()}
    out["in/x"] = inputs["x"] & ((1 << in_w) - 1)  # the port carries the two's-complement bits
    out.update({"out/y": y, "out/sat": sat})
    if valid is not None:
        out["valid"] = valid
    return out


@cocotb.test()
async def quantizer_vectors(dut) -> None:  # type: ignore[no-untyped-def]
    """The planned vectors, back to back, equal the model."""
    await check_stream(dut, "vectors")


@cocotb.test()
async def quantizer_bubbles(dut) -> None:  # type: ignore[no-untyped-def]
    """Random idle cycles (in_valid = 0, inputs still toggling) do not disturb the stream."""
    await check_stream(dut, "bubbles")


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
@pytest.mark.parametrize(("params", "plan"), PARAM_SETS)
def test_quantizer(sim: str, params: dict[str, int], plan: dict[str, object],
                   run_cocotb: Callable[..., None]) -> None:
    rng = np.random.default_rng(7)
    bubbles = random_inputs(params["IN_W"], 3000, rng)
    valid = (rng.random(bubbles["x"].size) < 0.6).astype(np.int64)
    groups = {
        "vectors": group(vectors(params["IN_W"], plan), params),
        "bubbles": group(bubbles, params, valid),
    }
    run_cocotb(sim, "quantizer", params, LATENCY, "test_quantizer", groups)
