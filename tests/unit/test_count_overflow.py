"""Sizes whose counts exceed int64 (the kernels' and totals' integer type) are refused with a
SpecError naming the layer and the quantity, per problem and in the totals. Workload files are
bounded when loaded (`hwsim.spec.workload_io.MAX_LAYER_WORK`); workloads built in Python are
not, so the per-problem cases build theirs directly."""

from __future__ import annotations

import pytest

from hwsim.api import estimate
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Matmul, Workload

INT8 = TensorPrecision.default().with_overrides(
    {"weights": parse_format("int8"), "activations": parse_format("int8"),
     "accumulator": parse_format("int32")})


def refused(workload) -> str:
    with pytest.raises(SpecError) as info:
        estimate(workload, "tpu_like")
    (issue,) = info.value.issues
    return str(issue)


def matmuls(*layers, batch=1):
    return Workload("w", "test", batch, INT8, tuple(layers), path="w.yaml")


def test_macs_beyond_int64():
    # M N K = 2^40 * 2^20 * 2^20 = 2^80 = 1.2e24 MACs; int64 holds up to 2^63 - 1 = 9.2e18
    big = matmuls(Matmul("big", 2**40, 2**20, 2**20, 1))
    assert refused(big) == "w.yaml: layers[0] (big): macs = 1.2e24 exceeds the int64 range " \
                           "of the count model"


def test_bitops_beyond_int64():
    # MACs = 2048^3 * 96000 * batch 4096 = 2^45 * 96000 = 3.4e18 (fits); BitOPs = MACs x 8 x 8
    # = 2.2e20 (does not)
    attn = matmuls(Matmul("attn", 2048, 2048, 2048, 96000), batch=4096)
    assert refused(attn) == "w.yaml: layers[0] (attn): bitops = 2.2e20 exceeds the int64 " \
                            "range of the count model"


def test_total_beyond_int64():
    # each layer: MACs = 4096^3 * 786432 = 3 * 2^54, BitOPs = 64 MACs = 3 * 2^60 = 3.5e18
    # (fits); three layers total 9 * 2^60 = 1.0e19 BitOPs (does not), two 6.9e18 (fit)
    layers = [Matmul(f"l{i}", 4096, 4096, 4096, 786432) for i in range(3)]
    assert estimate(matmuls(*layers[:2]), "tpu_like").totals()["bitops"] == 6 * 2**60
    assert refused(matmuls(*layers)) == "w.yaml: totals: bitops = 1.0e19 exceeds the int64 " \
                                        "range of the count model"
