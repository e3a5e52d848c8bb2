"""rtl/mx_quantizer.v == hwsim.numerics.mx.quantize_blocks on every vector, on Icarus and Verilator.

Parameter sets: MXFP4 (K=32, E2M1) and MXFP8 (K=32, E4M3), the OCP MX v1.0 block; E5M2 (IEEE-like
element with inf/NaN codes, largest emax) in blocks of 8; E2M3 in blocks of 4. Each runs:

* **every bf16 code once**: all 2^16 codes sorted by magnitude and cut into blocks of K, so each
  value is quantized in a block of its neighbours (ties, carries into the next binade and
  saturation at the top of the element range; zeros, subnormal blocks, inf and NaN blocks);
* **every bf16 code again, deeper in the block**: the sorted codes in blocks of K-1 beside an
  anchor whose exponent is 0..D above theirs (D random per block, up to the distance at which
  an element drops below half the smallest subnormal), so each value also lands on element
  subnormals and underflows to +-0; with K = 1 the anchor is dropped;
* edge blocks: all +0, all -0, the largest and smallest bf16 magnitudes, a NaN, +inf or -inf
  among normal values;
* 3000 random blocks with random idle cycles.

The model's own accuracy (against ml_dtypes casts and torchao) is tested in
tests/unit/test_numerics_mx.py.
"""

from __future__ import annotations

from collections.abc import Callable

import cocotb
import numpy as np
import pytest
from stream import check_stream, to_words

# hwsim is imported inside the pytest-side functions only: the simulator process imports this
# module for its cocotb tests, and importing hwsim there would load numba (seconds per run).

LATENCY = 2  # rtl/mx_quantizer.v header: two register stages

PARAM_SETS = [
    pytest.param({"K": 32, "EB": 2, "MB": 1}, id="K32_EB2_MB1-mxfp4"),
    pytest.param({"K": 32, "EB": 4, "MB": 3}, id="K32_EB4_MB3-mxfp8_e4m3"),
    pytest.param({"K": 8, "EB": 5, "MB": 2}, id="K8_EB5_MB2-e5m2"),
    pytest.param({"K": 4, "EB": 2, "MB": 3}, id="K4_EB2_MB3-e2m3"),
]


def fmt_name(params: dict[str, int]) -> str:
    """The block format the RTL parameters implement, in hwsim.numerics.block_formats' names."""
    eb, mb = params["EB"], params["MB"]
    return f"mxfp{1 + eb + mb}_e{eb}m{mb}_b{params['K']}"


def bf16_values(codes: np.ndarray) -> np.ndarray:
    """float64 values of bf16 bit patterns (the upper half of a float32)."""
    with np.errstate(invalid="ignore"):  # signalling NaN codes are quieted
        return (codes.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def sorted_codes() -> np.ndarray:
    """Every bf16 code, by magnitude (NaNs last), ties by code."""
    codes = np.arange(1 << 16, dtype=np.int64)
    mag = np.abs(bf16_values(codes))
    return codes[np.lexsort((codes, np.where(np.isnan(mag), np.inf, mag), np.isnan(mag)))]


def anchored_blocks(k: int, depth: int, rng: np.random.Generator) -> np.ndarray:
    """Every code in blocks of k-1 beside an anchor 0..depth binades above the block."""
    codes = sorted_codes()
    finite = codes[(codes >> 7 & 0xFF) != 0xFF]
    body = np.resize(finite, (-(-finite.size // (k - 1)), k - 1))  # wraps to fill the last row
    field = body >> 7 & 0xFF
    d = rng.integers(0, depth + 1, size=body.shape[0])
    top = np.minimum(field.max(axis=1) + d, 0xFE)
    anchor = (rng.integers(0, 2, size=top.size) << 15) | (top << 7) | rng.integers(0, 128, top.size)
    return np.concatenate([anchor[:, None], body], axis=1)


def edge_blocks(k: int) -> np.ndarray:
    normal = np.full(k, 0x3F80)  # 1.0
    rows = [np.zeros(k), np.full(k, 0x8000), np.full(k, 0x7F7F), np.full(k, 0x0001)]
    for special in (0x7FC0, 0x7F80, 0xFF80):  # NaN, +inf, -inf
        row = normal.copy()
        row[k // 2] = special
        rows.append(row)
    return np.array(rows, dtype=np.int64)


def random_blocks(k: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Blocks of random signs and mantissas with exponents spread below a random block top."""
    top = rng.integers(1, 0xFF, size=(n, 1))
    field = np.clip(top - rng.geometric(0.15, size=(n, k)) + 1, 0, 0xFE)
    return (rng.integers(0, 2, size=(n, k)) << 15) | (field << 7) | rng.integers(0, 128, (n, k))


def block_plan(params: dict[str, int], seed: int) -> np.ndarray:
    """All planned blocks (rows of K bf16 codes), in streaming order."""
    from hwsim.numerics.block_formats import parse_block_format

    k = params["K"]
    el = parse_block_format(fmt_name(params)).element
    rng = np.random.default_rng(seed)
    # below 2^(emin - M - 1), half the smallest subnormal, every element rounds to zero
    depth = el.emax - el.layout.emin + el.m + 2
    parts = [sorted_codes().reshape(-1, k), edge_blocks(k)]
    if k > 1:
        parts.insert(1, anchored_blocks(k, depth, rng))
    return np.concatenate(parts)


def group(blocks: np.ndarray, params: dict[str, int],
          valid: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A vector group for the cocotb side: raw port values in, model outputs out."""
    from hwsim.numerics.mx import quantize_blocks

    sel = slice(None) if valid is None else valid == 1
    q = quantize_blocks(bf16_values(blocks[sel]), fmt_name(params), axis=1)
    ew = 1 + params["EB"] + params["MB"]
    out = {"in/x": to_words(blocks, 16), "out/scale": q.scales[:, 0],
           "out/q": to_words(q.codes, ew)}
    if valid is not None:
        out["valid"] = valid
    return out


@cocotb.test()
async def mx_quantizer_vectors(dut) -> None:  # type: ignore[no-untyped-def]
    """The planned blocks, back to back, equal the model."""
    await check_stream(dut, "vectors")


@cocotb.test()
async def mx_quantizer_bubbles(dut) -> None:  # type: ignore[no-untyped-def]
    """Random idle cycles (in_valid = 0, inputs still toggling) do not disturb the stream."""
    await check_stream(dut, "bubbles")


@pytest.mark.rtl
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
@pytest.mark.parametrize("params", PARAM_SETS)
def test_mx_quantizer(sim: str, params: dict[str, int], run_cocotb: Callable[..., None]) -> None:
    rng = np.random.default_rng(7)
    bubbles = random_blocks(params["K"], 3000, rng)
    valid = (rng.random(bubbles.shape[0]) < 0.6).astype(np.int64)
    groups = {
        "vectors": group(block_plan(params, seed=params["K"]), params),
        "bubbles": group(bubbles, params, valid),
    }
    run_cocotb(sim, "mx_quantizer", params, LATENCY, "test_mx_quantizer", groups)
