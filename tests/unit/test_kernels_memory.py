"""The memory model's DRAM traffic and stalls on cases whose answer is derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwsim.dataflow.systolic import DATAFLOW_CODES, ROLE_DIMS, ROW_COEF
from hwsim.kernels.memory import gemm_memory, vector_memory

BITS8 = np.array([8, 8, 8, 32], dtype=np.int64)


def run(m, n, k, rows, cols, dataflow, cap_bytes, bw_bytes, *, unique=None, unified=False,
        per_operand=False, bits=BITS8):
    caps = np.full(3, cap_bytes * 8.0)
    return gemm_memory(m, n, k, unique or m * k, bits, rows, cols, DATAFLOW_CODES[dataflow],
                       ROLE_DIMS, ROW_COEF, caps, unified, bw_bytes * 8.0, per_operand)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("unified", [False, True])
def test_everything_fits_moves_each_tensor_once(dataflow, unified):
    """With buffers far larger than all three tensors nothing is fetched twice: A, B read once
    (M*K and K*N bytes at 8 bits), the output written once (M*N), no partial sums."""
    m, n, k = 100, 70, 90
    a, b, o, psum, _ = run(m, n, k, 16, 16, dataflow, 1 << 30, 64, unified=unified)
    assert (a, b, o, psum) == (m * k * 8, k * n * 8, m * n * 8, 0)


def test_os_tiny_buffers_refetch_per_fold():
    """OS, 32x32 array, M = N = K = 64, 1-byte buffers (nothing reusable): A (rows x T tiles,
    reused across column folds only if whole) is read once per column fold: 2 x 64*64 bytes;
    B (T x cols tiles, reused across row folds only if two tiles fit) once per row fold:
    2 x 64*64; outputs stay in the PEs (OS) and are written once."""
    a, b, o, psum, _ = run(64, 64, 64, 32, 32, "os", 1, 64)
    assert (a / 8, b / 8, o / 8, psum) == (2 * 4096, 2 * 4096, 4096, 0)


def test_ws_partial_sums_spill_when_tile_does_not_fit():
    """WS, 32x32 array, M = 64, N = 32, K = 96: 3 row folds over K. The output tile is
    M x cols = 64*32 partial sums of 4 bytes (8 KiB); with 1 KiB buffers it cannot stay, so
    the first two row folds write partial sums and the last two read them back:
    2 * 64*32*4 bytes read, the same written, plus the final 64*32 one-byte outputs."""
    _, _, o, psum, _ = run(64, 32, 96, 32, 32, "ws", 1024, 64)
    assert psum / 8 == 2 * 64 * 32 * 4
    assert o / 8 == 64 * 32 + 2 * 64 * 32 * 4


def test_unique_input_fraction_scales_ifmap_traffic():
    """A convolution's im2col rows repeat input pixels: DRAM moves only `a_unique` elements."""
    a_full, *_ = run(64, 64, 64, 32, 32, "is", 1 << 30, 64)
    a_conv, *_ = run(64, 64, 64, 32, 32, "is", 1 << 30, 64, unique=1024)
    assert (a_full / 8, a_conv / 8) == (4096, 1024)


def test_stalls_fall_with_bandwidth_and_vanish_but_for_fill_and_drain():
    """OS 32x32, M = N = K = 128 (16 folds of 128 + 62 = 190 cycles). With 1 GB/cycle only the
    first fill (A and B tiles, 2 x 32*128 bytes) and the last drain (32*32 bytes) remain,
    each a fraction of a cycle."""
    stalls = [run(128, 128, 128, 32, 32, "os", 1 << 20, bw)[4] for bw in (1, 4, 16, 1 << 30)]
    assert stalls == sorted(stalls, reverse=True)
    assert math.isclose(stalls[-1], (2 * 32 * 128 + 32 * 32) / (1 << 30))


def test_per_operand_ports_are_never_slower_than_one_shared_port():
    shared = run(200, 150, 300, 32, 16, "ws", 4096, 8)[4]
    ported = run(200, 150, 300, 32, 16, "ws", 4096, 8, per_operand=True)[4]
    assert ported <= shared


def test_vector_op_cycles_and_spill():
    """1000 elements x 5 ops on 64 lanes: ceil(5000/64) = 79 cycles. Input + output at 8 bits
    (16000 bits) fit a 2 KiB buffer; with 1 KiB they move over DRAM: 2000 bytes at
    10 bytes/cycle = 200 cycles, a stall of 200 - 79. Tensors that live in DRAM (optimizer
    state) always move."""
    assert vector_memory(1000, 5, 16, False, 64, 2048 * 8.0, 80.0) == (79.0, 0.0, 0.0)
    assert vector_memory(1000, 5, 16, False, 64, 1024 * 8.0, 80.0) == (79.0, 16000.0, 121.0)
    assert vector_memory(1000, 5, 16, True, 64, 2048 * 8.0, 80.0) == (79.0, 16000.0, 121.0)


@pytest.mark.parametrize("per_operand", [False, True])
def test_zero_dram_bandwidth_is_unlimited(per_operand):
    """A DRAM bandwidth of 0 (arch field omitted) never stalls, not even for the first fill and
    the last drain, and moves the same bits as any finite bandwidth (traffic does not depend
    on bandwidth)."""
    unlimited = run(200, 150, 300, 32, 16, "ws", 4096, 0, per_operand=per_operand)
    finite = run(200, 150, 300, 32, 16, "ws", 4096, 8, per_operand=per_operand)
    assert unlimited[4] == 0.0 and finite[4] > 0.0
    assert unlimited[:4] == finite[:4]
    # the vector case of test_vector_op_cycles_and_spill, spilling, at bandwidth 0: no stall
    assert vector_memory(1000, 5, 16, False, 64, 1024 * 8.0, 0.0) == (79.0, 16000.0, 0.0)
