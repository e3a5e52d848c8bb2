"""hwsim.trace.from_torch: layer kinds, per-sample shapes, names, unsupported operators."""

from __future__ import annotations

import logging

import pytest

from hwsim.lowering import lower
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Embedding, Linear, Matmul, VectorOp
from tests_paths import need

torch = need("torch")
nn = torch.nn
F = torch.nn.functional

from hwsim.trace import from_torch  # noqa: E402


def macs(workload) -> int:
    """MACs per sample."""
    return int(lower(workload, batch=1).macs.sum())


class Convs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.dilated = nn.Conv2d(3, 8, 3, stride=2, padding=2, dilation=2)
        self.depthwise = nn.Conv2d(8, 8, 3, padding="same", groups=8, bias=False)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.depthwise(self.dilated(x))))
        return self.fc(torch.flatten(self.gap(x), 1))


def test_conv_groups_dilation_padding_and_pooling():
    w = from_torch(Convs(), torch.zeros(1, 3, 16, 16))
    dilated, depthwise = w.layers[0], w.layers[1]
    # 16x16, pad 2, dilated 3x3 spans 5: floor((16 + 4 - 5) / 2) + 1 = 8.
    assert dilated == Conv2d("dilated", 3, 8, 16, 16, 3, 3, 2, 2, 2, 2, 2, 2)
    assert (dilated.out_h, dilated.out_w) == (8, 8)
    # padding="same" with a 3x3 kernel is 1 on each side; groups=8 is depthwise.
    assert depthwise == Conv2d("depthwise", 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8)
    pool, gap = w.layers[3], w.layers[4]
    # maxpool 3x3/2 pad 1 on 8x8 gives 4x4x8 outputs, 9 compares each; the global pool reads
    # all 16 inputs per output channel.
    assert (pool.op, pool.elements, pool.ops_per_element) == ("maxpool", 128, 9)
    assert (gap.op, gap.elements, gap.ops_per_element) == ("avgpool", 8, 16)
    # MACs: 8x8x8 outputs x 3x3x3 + 8x8x8 outputs x 3x3 (depthwise) + 8x10.
    assert macs(w) == 512 * 27 + 512 * 9 + 80


def test_shapes_are_per_sample_and_batch_is_the_traced_batch():
    one = from_torch(Convs(), torch.zeros(1, 3, 16, 16))
    four = from_torch(Convs(), torch.zeros(4, 3, 16, 16))
    assert one.layers == four.layers
    assert (one.batch, four.batch) == (1, 4)
    assert from_torch(Convs(), torch.zeros(4, 3, 16, 16), batch=2).batch == 2


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tok = nn.Embedding(100, 32)
        self.mha = nn.MultiheadAttention(32, 4, batch_first=True)
        self.norm = nn.LayerNorm(32)
        self.proj = nn.Linear(32, 32)

    def forward(self, ids):
        x = self.tok(ids)
        y, _ = self.mha(x, x, x, need_weights=False)
        x = self.norm(x + y)
        q = self.proj(x).view(x.size(0), x.size(1), 4, 8).transpose(1, 2)
        return F.scaled_dot_product_attention(q, q, q)


def test_attention_embedding_and_multihead_expansion():
    w = from_torch(Attention(), torch.zeros(2, 10, dtype=torch.long))
    kinds = {layer.name: layer for layer in w.layers}
    assert kinds["tok"] == Embedding("tok", 100, 32, 10)
    assert kinds["mha.q_proj"] == Linear("mha.q_proj", 32, 32, 10)
    # 4 heads of 8: scores [10 x 10] = q [10 x 8] k^T, context [10 x 8] = p [10 x 10] v.
    assert kinds["mha.scores"] == Matmul("mha.scores", 10, 10, 8, 4)
    assert kinds["mha.context"] == Matmul("mha.context", 10, 8, 10, 4)
    assert kinds["mha.softmax"].elements == 4 * 10 * 10
    sdpa = "scaled_dot_product_attention"
    assert kinds[f"{sdpa}.scores"] == Matmul(f"{sdpa}.scores", 10, 10, 8, 4)
    assert kinds["add"] == VectorOp("add", "add", 320, 1, 2)
    # q, k, v, out projections 4 x 10 x 32 x 32, two attentions 2 x 2 x 4 x 10 x 10 x 8,
    # proj 10 x 32 x 32.
    assert macs(w) == 4 * 10 * 32 * 32 + 2 * 2 * 4 * 10 * 10 * 8 + 10 * 32 * 32


def test_meta_model_traces_without_weights():
    with torch.device("meta"):
        model = Convs()
    assert from_torch(model, torch.zeros(1, 3, 16, 16)).layers == \
        from_torch(Convs(), torch.zeros(1, 3, 16, 16)).layers


class Odd(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.rnn = nn.GRU(4, 4)

    def forward(self, x):
        return self.rnn(torch.cos(torch.cos(self.fc(x))))[0]


def test_unsupported_operators_warn_with_counts_or_fail_when_strict(caplog):
    with caplog.at_level(logging.WARNING):
        w = from_torch(Odd(), torch.zeros(1, 3, 4))
    assert [x.name for x in w.layers] == ["fc"]
    assert "skipped unsupported operators: GRU x1, cos x2" in caplog.text
    with pytest.raises(SpecError, match=r"unsupported operators \(--strict\): GRU x1, cos x2"):
        from_torch(Odd(), torch.zeros(1, 3, 4), strict=True)


class DataDependent(nn.Module):
    def forward(self, x):
        return x * 2 if x.sum() > 0 else x


def test_untraceable_model_is_a_one_line_spec_error():
    with pytest.raises(SpecError) as err:
        from_torch(DataDependent(), torch.zeros(1, 4))
    assert len(err.value.issues) == 1
    assert "torch.fx cannot trace it symbolically" in str(err.value)
    assert "\n" not in str(err.value)


def test_default_name_and_source_record_model_and_input():
    w = from_torch(Convs(), (torch.zeros(1, 3, 16, 16),))
    assert w.name == "convs"
    assert w.source == "Convs traced by hwsim.trace.from_torch, input 1x3x16x16"
