"""Sizes whose counts exceed int64 (the kernels' and totals' integer type) are refused with a
SpecError naming the layer and the quantity, per problem and in the totals."""

from __future__ import annotations

import pytest

from hwsim.api import estimate
from hwsim.spec.errors import SpecError

INT8 = "precision: {weights: int8, activations: int8, accumulator: int32}\n"


def workload(tmp_path, layers: list[str], batch: int = 1):
    path = tmp_path / "w.yaml"
    path.write_text(f"version: 1\nname: w\nsource: test\nbatch: {batch}\n{INT8}layers:\n" +
                    "".join(f"- {layer}\n" for layer in layers))
    return path


def refused(path) -> str:
    with pytest.raises(SpecError) as info:
        estimate(path, "tpu_like")
    (issue,) = info.value.issues
    return str(issue)


def test_macs_beyond_int64(tmp_path):
    # M N K = 2^40 * 2^20 * 2^20 = 2^80 = 1.2e24 MACs; int64 holds up to 2^63 - 1 = 9.2e18
    path = workload(tmp_path, ["{name: big, op: matmul, M: 1099511627776, N: 1048576, "
                               "K: 1048576, count: 1}"])
    assert refused(path) == f"{path}: layers[0] (big): macs = 1.2e24 exceeds the int64 range " \
                            "of the count model"


def test_bitops_beyond_int64(tmp_path):
    # MACs = 2048^3 * 96000 * batch 4096 = 2^45 * 96000 = 3.4e18 (fits); BitOPs = MACs x 8 x 8
    # = 2.2e20 (does not)
    path = workload(tmp_path, ["{name: attn, op: matmul, M: 2048, N: 2048, K: 2048, "
                               "count: 96000}"], batch=4096)
    assert refused(path) == f"{path}: layers[0] (attn): bitops = 2.2e20 exceeds the int64 " \
                            "range of the count model"


def test_total_beyond_int64(tmp_path):
    # each layer: MACs = 4096^3 * 786432 = 3 * 2^54, BitOPs = 64 MACs = 3 * 2^60 = 3.5e18
    # (fits); three layers total 9 * 2^60 = 1.0e19 BitOPs (does not), two 6.9e18 (fit)
    layer = "{{name: l{i}, op: matmul, M: 4096, N: 4096, K: 4096, count: 786432}}"
    two = workload(tmp_path, [layer.format(i=i) for i in range(2)])
    assert estimate(two, "tpu_like").totals()["bitops"] == 6 * 2**60
    path = workload(tmp_path, [layer.format(i=i) for i in range(3)])
    assert refused(path) == f"{path}: totals: bitops = 1.0e19 exceeds the int64 range of the " \
                            "count model"
