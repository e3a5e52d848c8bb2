"""cocotb side of the RTL tests: stream vectors through a pipelined unit, one per cycle.

The pytest side (``conftest.run``) computes the stimulus and the golden model's outputs and
saves them to ``vectors.npz``; the simulator process only loads them, so it imports numpy and
cocotb and nothing else. Each group ``<g>`` of the file holds ``<g>/in/<port>`` arrays, an
optional ``<g>/valid`` pattern and the expected ``<g>/out/<port>`` arrays for the valid inputs.
A port wider than 63 bits is a 2-D array, one row of ``WORD_BITS``-bit words per vector, least
significant word first (:func:`to_words` on the pytest side, :func:`join_words` here).

The units share a handshake: ``clk``, ``rst_n`` (active low), ``in_valid`` with the inputs, and
``out_valid`` with the outputs LATENCY cycles later. :func:`stream` drives a new input vector at
every falling clock edge (sampled at the next rising edge) and, in the same loop, samples the
outputs that the previous rising edge registered: one ``await`` per cycle keeps the Python cost
per vector low enough for exhaustive runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

ENV_SETUP = "HWSIM_RTL_SETUP"  # JSON: {"params": {...}, "latency": int, "vectors": path}
WORD_BITS = 32


def to_words(lanes: np.ndarray, lane_bits: int) -> np.ndarray:
    """Rows of ``lane_bits``-bit lanes (lane 0 least significant) as rows of WORD_BITS-bit words:
    the layout of a wide port in ``vectors.npz``."""
    lanes = np.asarray(lanes, dtype=np.int64)
    n, k = lanes.shape
    total = k * lane_bits
    bits = (lanes[:, :, None] >> np.arange(lane_bits)) & 1  # (n, k, lane_bits), LSB first
    bits = np.concatenate([bits.reshape(n, total),
                           np.zeros((n, -total % WORD_BITS), dtype=np.int64)], axis=1)
    return (bits.reshape(n, -1, WORD_BITS) << np.arange(WORD_BITS)).sum(axis=2)


def join_words(rows: np.ndarray) -> list[int]:
    """One Python int per vector: a 1-D array as is, a 2-D array of words joined."""
    if rows.ndim == 1:
        return [int(v) for v in rows]
    return [sum(int(w) << (WORD_BITS * i) for i, w in enumerate(row)) for row in rows]


async def stream(
    dut: Any, inputs: Mapping[str, np.ndarray], outputs: Sequence[str],
    valid: np.ndarray | Sequence[int],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Drive ``inputs`` (port -> one value per cycle) with ``valid`` as in_valid; collect outputs.

    Inputs are driven on idle cycles too, and must be ignored there. Returns the outputs seen
    while out_valid was 1, in order, and the cycle index at which each appeared.
    """
    Clock(dut.clk, 10, unit="ns").start()
    fall = FallingEdge(dut.clk)
    out_valid = dut.out_valid
    # in_valid is driven like any input; a port is written only when its value changes
    columns = {**{port: join_words(np.asarray(vals)) for port, vals in inputs.items()},
               "in_valid": [int(v) for v in valid]}
    handles = [getattr(dut, port) for port in columns]
    rows = list(zip(*columns.values(), strict=True))
    sample = [getattr(dut, port) for port in outputs]
    dut.rst_n.value = 0
    last = [0] * len(handles)
    for h in handles:
        h.value = 0
    for _ in range(3):
        await fall
    assert int(out_valid.value) == 0, "out_valid set during reset"
    dut.rst_n.value = 1
    got: list[list[int]] = [[] for _ in outputs]
    out_cycles: list[int] = []
    rows += [(*rows[-1][:-1], 0)] * 8  # idle cycles after the last input (LATENCY <= 8)
    for cycle, row in enumerate(rows):
        if int(out_valid.value):
            out_cycles.append(cycle)
            for store, h in zip(got, sample, strict=True):
                store.append(int(h.value))
        for k, v in enumerate(row):
            if v != last[k]:
                handles[k].value = v
                last[k] = v
        await fall
    result = {port: np.array(vals, dtype=object) for port, vals in zip(outputs, got, strict=True)}
    return result, np.array(out_cycles, dtype=np.int64)


def load_group(group: str) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """(inputs, valid pattern, expected outputs) of one group of the vectors file."""
    setup = json.loads(os.environ[ENV_SETUP])
    with np.load(setup["vectors"]) as data:
        inputs = {k.split("/")[2]: data[k] for k in data.files if k.startswith(f"{group}/in/")}
        want = {k.split("/")[2]: data[k] for k in data.files if k.startswith(f"{group}/out/")}
        n = len(next(iter(inputs.values())))
        valid = data[f"{group}/valid"] if f"{group}/valid" in data.files else np.ones(n, np.int64)
    return inputs, valid, want


async def check_stream(dut: Any, group: str) -> None:
    """Stream one group; every result equals the model and arrives exactly LATENCY cycles late.

    Also checks that the DUT was elaborated with the parameters (and LATENCY) the pytest side
    computed the expectations for.
    """
    setup = json.loads(os.environ[ENV_SETUP])
    latency = int(setup["latency"])
    for name, value in {**setup["params"], "LATENCY": latency}.items():
        got_param = int(getattr(dut, name).value)
        assert got_param == value, f"DUT parameter {name} = {got_param}, test expects {value}"
    inputs, valid, want = load_group(group)
    got, out_cycles = await stream(dut, inputs, list(want), valid)
    in_cycles = np.flatnonzero(valid)
    assert len(out_cycles) == len(in_cycles), (
        f"{len(out_cycles)} results for {len(in_cycles)} valid inputs")
    lat = out_cycles - in_cycles
    assert np.all(lat == latency), f"latencies {sorted(set(lat.tolist()))}, expected {latency}"
    for port, want_rows in want.items():
        expect = np.array(join_words(want_rows), dtype=object)
        bad = np.flatnonzero(got[port] != expect)
        if bad.size:
            rows = [
                {**{k: hex(join_words(v[in_cycles[i]:in_cycles[i] + 1])[0])
                    for k, v in inputs.items()},
                 port: hex(got[port][i]), "model": hex(expect[i])}
                for i in bad[:10]
            ]
            raise AssertionError(f"{bad.size} of {expect.size} mismatches on {port}: {rows}")
    dut._log.info("%s: %d vectors equal the model", group, len(in_cycles))
