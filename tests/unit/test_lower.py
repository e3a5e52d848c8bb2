"""Lowering layers to GEMM problems (the im2col view of hwsim.lowering.forward) and vector work."""

from __future__ import annotations

from hwsim.training_config import TrainingConfig
from hwsim.lowering import lower
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.workload import Conv2d, Linear, Matmul, VectorOp, Workload


def wl(*layers, batch=1):
    return Workload("t", "test", batch, TensorPrecision.default(), tuple(layers))


def test_conv_im2col_dims_with_padding_stride_dilation():
    """56x56x64 -> 3x3/2, pad 1, dilation 2: P = floor((56 + 2 - 2*2 - 1)/2) + 1 = 27;
    M = batch*P*Q = 2*27*27, N = 128, K = 64*3*3; unique input = 2*64*56*56."""
    conv = Conv2d("c", 64, 128, 56, 56, 3, 3, 2, 2, 1, 1, 2, 2)
    t = lower(wl(conv, batch=2))
    assert (conv.out_h, conv.out_w) == (27, 27)
    assert (t.M[0], t.N[0], t.K[0], t.count[0]) == (2 * 27 * 27, 128, 576, 1)
    assert t.a_unique[0] == 2 * 64 * 56 * 56
    assert t.macs[0] == 2 * 27 * 27 * 128 * 576


def test_grouped_and_depthwise_conv():
    """groups=G gives G GEMMs of N = out/G, K = (C/G)*R*S; depthwise is G = C."""
    t = lower(wl(Conv2d("g", 32, 64, 8, 8, 3, 3, pad_h=1, pad_w=1, groups=4),
                 Conv2d("dw", 32, 32, 8, 8, 3, 3, pad_h=1, pad_w=1, groups=32)))
    assert (t.N[0], t.K[0], t.count[0]) == (16, 72, 4)
    assert (t.N[1], t.K[1], t.count[1]) == (1, 9, 32)
    assert t.macs[1] == 8 * 8 * 32 * 9


def test_ceil_mode_is_scalesims_output_rule():
    """SCALE-Sim: ceil((224 - 11 + 4)/4) = 55 outputs where floor division gives 54."""
    assert Conv2d("c", 3, 96, 224, 224, 11, 11, 4, 4, ceil_mode=True).out_h == 55
    assert Conv2d("c", 3, 96, 224, 224, 11, 11, 4, 4).out_h == 54


def test_linear_matmul_vector_and_batch():
    t = lower(wl(Linear("fc", 768, 3072, rows=128), Matmul("qk", 128, 128, 64, count=12),
                 VectorOp("sm", "softmax", 12 * 128 * 128, 5)), batch=4)
    assert (t.M[0], t.N[0], t.K[0]) == (4 * 128, 3072, 768)
    assert (t.M[1], t.N[1], t.K[1], t.count[1]) == (128, 128, 64, 48)
    assert (t.is_vector[2], t.vector_elements[2], t.macs[2]) == (1, 4 * 12 * 128 * 128, 0)


def test_precision_bits_follow_layer_overrides():
    low = TensorPrecision.default().with_overrides({"weights": parse_format("int4")})
    t = lower(wl(Linear("a", 8, 8), Linear("b", 8, 8, precision=low),
                 Matmul("m", 4, 4, 4, precision=low)))
    assert list(t.b_bits) == [8, 4, 8]  # a matmul's B operand is an activation
    assert list(t.acc_bits) == [32, 32, 32]


def test_problem_kinds_and_passes():
    """A trained conv whose saved activations are stored at int4 lowers to its forward GEMM, the
    compressor (forward pass) and decompressor (backward) as compression work on the vector
    unit, its wgrad GEMM (the first layer has no dgrad) and its update (vector work); a layer
    named like compression work is still the network's own vector work."""
    from hwsim.lowering import Pass, ProblemKind
    int8, int4 = parse_format("int8"), parse_format("int4")
    prec = TensorPrecision(int8, int8, int8, parse_format("int32"), saved=int4)
    t = lower(Workload("t", "test", 1, prec, (Conv2d("c", 3, 4, 8, 8, 3, 3),
                                              VectorOp("x.compress", "relu", 64, 1))),
              training=TrainingConfig())
    kinds = {t.names[i]: (ProblemKind(int(t.problem_kind[i])), Pass.from_code(int(t.pass_code[i])),
                          int(t.is_vector[i])) for i in range(len(t))}
    assert kinds["c"] == (ProblemKind.GEMM, Pass.FWD, 0)
    assert kinds["c.compress"] == (ProblemKind.COMPRESSION, Pass.FWD, 1)
    assert kinds["c.decompress"] == (ProblemKind.COMPRESSION, Pass.DGRAD, 1)
    assert kinds["c.wgrad"] == (ProblemKind.GEMM, Pass.WGRAD, 0)
    assert kinds["c.update"] == (ProblemKind.VECTOR, Pass.UPDATE, 1)
    assert kinds["x.compress"] == (ProblemKind.VECTOR, Pass.FWD, 1)


def test_distinct_rows_are_numpys_unique_rows_with_first_occurrences():
    """`distinct_rows` finds the rows np.unique(axis=0) finds (the same set of first rows, the
    same grouping), each distinct row's first occurrence, on small random key tables with many
    repeats (values drawn from 3, so rows collide)."""
    import numpy as np

    from hwsim.lowering.problem import distinct_rows
    rng = np.random.default_rng(7)
    for _ in range(100):
        keys = rng.integers(0, 3, size=(int(rng.integers(1, 40)), int(rng.integers(1, 6))))
        for table in (keys, keys.astype(np.float64)):
            first, inverse = distinct_rows(table)
            _, expected_first, expected_inverse = np.unique(
                table, axis=0, return_index=True, return_inverse=True)
            assert sorted(first.tolist()) == sorted(expected_first.tolist())
            np.testing.assert_array_equal(table[first][inverse], table)
            # the same grouping as numpy's: rows together there are together here
            expected = expected_inverse.reshape(-1).tolist()
            relabel = dict(zip(inverse.tolist(), expected, strict=True))
            assert [relabel[i] for i in inverse.tolist()] == expected
            assert [int(np.flatnonzero(inverse == g)[0]) for g in range(len(first))] == \
                first.tolist()
    empty_first, empty_inverse = distinct_rows(np.zeros((0, 3)))
    assert empty_first.size == 0 and empty_inverse.size == 0
