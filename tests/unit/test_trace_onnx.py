"""hwsim.trace.from_onnx and `hwsim trace`: ONNX graphs built by hand, bad files, symbolic
dimensions, and agreement with from_torch on models exported by torch.onnx."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest

from hwsim.cli import main
from hwsim.lowering import lower
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Embedding, Linear, Matmul
from hwsim.spec.workload_io import load_workload
from tests_paths import assert_one_line_error, need, run_hwsim

onnx = need("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from hwsim.trace import from_onnx  # noqa: E402


def save(path: Path, nodes, inputs, outputs, weights=()) -> Path:
    """An opset-17 model of `nodes`; inputs/outputs as (name, dims), weights as arrays."""
    def info(name, dims, elem=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, elem, dims)
    graph = helper.make_graph(
        nodes, "g", [info(n, d, TensorProto.INT64 if n.startswith("ids") else TensorProto.FLOAT)
                     for n, d in inputs],
        [info(n, d) for n, d in outputs],
        [numpy_helper.from_array(np.zeros(shape, np.float32), name) for name, shape in weights])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_asymmetric_padding_keeps_the_output_size(tmp_path):
    # pads (top, left, bottom, right) = (0, 0, 1, 1) on 8x8, 3x3/2: floor((8 + 1 - 3)/2) + 1 = 4.
    # The symmetric padding 1 gives the same 4x4 output, so the MACs stay 4*4*16 * 4*3*3.
    conv = helper.make_node("Conv", ["x", "w"], ["y"], "/stem/Conv", strides=[2, 2],
                            pads=[0, 0, 1, 1])
    path = save(tmp_path / "pad.onnx", [conv], [("x", [1, 4, 8, 8])], [("y", [1, 16, 4, 4])],
                [("w", (16, 4, 3, 3))])
    w = from_onnx(path)
    assert w.layers == (Conv2d("stem", 4, 16, 8, 8, 3, 3, 2, 2, 1, 1),)
    assert int(lower(w).macs.sum()) == 4 * 4 * 16 * 4 * 3 * 3


def test_gemm_matmul_and_gather(tmp_path):
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"], "/tok/Gather"),
             helper.make_node("MatMul", ["e", "w"], ["h"], "/fc/MatMul"),
             helper.make_node("Add", ["h", "bias"], ["hb"], "/fc/Add"),
             helper.make_node("Transpose", ["hb"], ["ht"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["hb", "ht"], ["s"], "/attn/MatMul"),
             helper.make_node("ReduceMean", ["s"], ["m"], axes=[1], keepdims=0),
             helper.make_node("Gemm", ["m", "g"], ["out"], "/head/Gemm", transB=1)]
    path = save(tmp_path / "mix.onnx", nodes, [("ids", [1, 6])], [("out", [1, 3])],
                [("table", (50, 8)), ("w", (8, 12)), ("bias", (12,)), ("g", (3, 6))])
    w = from_onnx(path)
    assert w.layers[0] == Embedding("tok", 50, 8, 6)
    # The bias Add belongs to the linear layer (as Gemm's C does), so the scope fc holds one
    # costed node and keeps its module name.
    assert w.layers[1] == Linear("fc", 8, 12, 6)
    assert w.layers[2] == Matmul("attn", 6, 6, 12, 1)
    assert (w.layers[3].op, w.layers[3].elements, w.layers[3].ops_per_element) == \
        ("avgpool", 6, 6)
    assert w.layers[4] == Linear("head", 6, 3, 1)  # transB: g is [out=3, in=6]


def test_symbolic_batch_is_one_and_other_symbols_are_errors(tmp_path):
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    w = from_onnx(save(tmp_path / "a.onnx", relu, [("x", ["N", 4])], [("y", ["N", 4])]))
    assert (w.batch, w.layers[0].elements) == (1, 4)
    assert w.source.endswith("input x 1x4")
    with pytest.raises(SpecError, match=r"symbolic x\[1\] \(seq\); export with fixed shapes"):
        from_onnx(save(tmp_path / "b.onnx", relu, [("x", ["N", "seq"])], [("y", ["N", "seq"])]))


def test_fixed_batch_is_divided_out(tmp_path):
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    w = from_onnx(save(tmp_path / "a.onnx", relu, [("x", [4, 10])], [("y", [4, 10])]))
    assert (w.batch, w.layers[0].elements) == (4, 10)


def unsupported_model(tmp_path: Path) -> Path:
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], "/fc/MatMul"),
             helper.make_node("Cos", ["h"], ["c1"]), helper.make_node("Cos", ["c1"], ["c2"]),
             helper.make_node("Sin", ["c2"], ["y"])]
    return save(tmp_path / "odd.onnx", nodes, [("x", [1, 4])], [("y", [1, 4])], [("w", (4, 4))])


def test_cli_unsupported_operators_warn_or_fail_when_strict(tmp_path, capsys, caplog):
    model, out = unsupported_model(tmp_path), tmp_path / "odd.yaml"
    with caplog.at_level(logging.WARNING):
        assert main(["trace", str(model), "-o", str(out)]) == 0
    assert f"{model}: skipped unsupported operators: Cos x2, Sin x1" in caplog.text
    assert [x.name for x in load_workload(out).layers] == ["fc"]
    assert main(["trace", str(model), "-o", str(tmp_path / "s.yaml"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err == f"hwsim: error: {model}: unsupported operators (--strict): Cos x2, Sin x1\n"
    assert not (tmp_path / "s.yaml").exists()


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_onnx_file_is_one_line_exit_2(tmp_path, damage):
    good = unsupported_model(tmp_path).read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(good[: len(good) // 2] if damage == "truncated" else b"\x08\x07garbage")
    run = run_hwsim("trace", str(bad), "-o", str(tmp_path / "x.yaml"))
    assert run.stderr.startswith(f"hwsim: error: {bad}: not a valid ONNX model")
    assert_one_line_error(run, "not a valid ONNX model")


def test_missing_file_and_bad_batch(tmp_path, capsys):
    assert main(["trace", str(tmp_path / "none.onnx"), "-o", str(tmp_path / "x.yaml")]) == 2
    assert capsys.readouterr().err == \
        f"hwsim: error: {tmp_path / 'none.onnx'}: cannot read file: No such file or directory\n"
    model = unsupported_model(tmp_path)
    assert main(["trace", str(model), "-o", str(tmp_path / "x.yaml"), "--batch", "0"]) == 2


# -- agreement with from_torch on the same model, exported by torch.onnx ---------------------

torch = need("torch")
nn, F = torch.nn, torch.nn.functional
from hwsim.trace import from_torch  # noqa: E402
from hwsim.zoo.cnn import resnet18  # noqa: E402


class Mixed(nn.Module):
    """Every covered kind: dilated/strided/grouped convs, batchnorm, pooling, embeddings,
    layernorm, linear, attention matmuls with 2 heads, scaling, softmax, GELU, adds, mean."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=2, dilation=2)
        self.bn, self.relu = nn.BatchNorm2d(8), nn.ReLU()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.mp, self.gap = nn.MaxPool2d(3, 2, 1), nn.AdaptiveAvgPool2d(1)
        self.tok, self.pos = nn.Embedding(100, 16), nn.Embedding(8, 16)
        self.register_buffer("positions", torch.arange(8)[None])
        self.ln, self.qkv, self.ff = nn.LayerNorm(16), nn.Linear(16, 48), nn.Linear(16, 16)
        self.act, self.head = nn.GELU(), nn.Linear(24, 5)

    def forward(self, image, ids):
        x = self.dw(self.mp(self.relu(self.bn(self.conv(image)))))
        x = torch.flatten(self.gap(x), 1)
        t = self.ln(self.tok(ids) + self.pos(self.positions))
        q, k, v = self.qkv(t).split(16, dim=2)
        q, k, v = (q.view(1, 8, 2, 8).transpose(1, 2), k.view(1, 8, 2, 8).transpose(1, 2),
                   v.view(1, 8, 2, 8).transpose(1, 2))
        a = (torch.matmul(q, k.transpose(-2, -1)) * 0.25).softmax(-1)
        t = t + torch.matmul(a, v).transpose(1, 2).reshape(1, 8, 16)
        t = t + self.ff(self.act(t))
        return self.head(torch.cat([x, t.mean(1)], 1))


@pytest.mark.parametrize(("model", "inputs"), [
    (Mixed, lambda: (torch.zeros(1, 3, 16, 16), torch.zeros(1, 8, dtype=torch.long))),
    (resnet18, lambda: (torch.zeros(1, 3, 224, 224),))], ids=["mixed", "resnet18"])
def test_onnx_and_torch_traces_agree(tmp_path, model, inputs):
    """torch.onnx's TorchScript exporter (dynamo=False needs no onnxscript) scopes node names
    by module; constant folding is off so batchnorm is not folded into the conv."""
    torch.manual_seed(0)
    module = model().eval()
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notice
        torch.onnx.export(module, inputs(), str(path), dynamo=False, do_constant_folding=False)
    traced, read = from_torch(module, inputs()), from_onnx(path)
    assert [x.name for x in read.layers] == [x.name for x in traced.layers]
    assert read.layers == traced.layers


def test_dynamic_batch_export_folds_its_shape_arithmetic(tmp_path):
    """With a symbolic batch axis the exporter computes slice bounds and reshape targets from
    Shape nodes at run time; they fold to constants once the batch is 1, and the trace equals
    from_torch's (GPT-2 layout, 2 small layers: embeddings narrowed by length, causal mask)."""
    from hwsim.zoo.transformers import GPT2
    torch.manual_seed(0)
    module = GPT2(layers=2, d_model=64, heads=4, vocab=100, positions=32).eval()
    path = tmp_path / "gpt.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(2, 16, dtype=torch.long),), str(path),
                          dynamo=False, input_names=["ids"], dynamic_axes={"ids": {0: "batch"}})
    read = from_onnx(path, strict=True)
    assert read.batch == 1
    assert read.layers == from_torch(module, torch.zeros(1, 16, dtype=torch.long)).layers


def test_cli_trace_writes_a_workload_estimate_reads(tmp_path, capsys):
    path = tmp_path / "mixed.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Mixed().eval(), (torch.zeros(1, 3, 16, 16),
                                           torch.zeros(1, 8, dtype=torch.long)), str(path),
                          dynamo=False)
    out = tmp_path / "w" / "mixed.yaml"
    assert main(["trace", str(path), "-o", str(out), "--batch", "3"]) == 0
    workload = load_workload(out)
    assert (workload.name, workload.batch) == ("mixed", 3)
    per_sample = int(lower(workload, batch=1).macs.sum())
    assert capsys.readouterr().out == \
        f"wrote {out}: {len(workload.layers)} layers, {per_sample / 1e9:.3f} GMACs per sample\n"
    assert main(["estimate", str(out), "--arch", "scalesim_default", "--json"]) == 0
