"""Read an ONNX model into a workload (imports onnx; use `hwsim.trace.from_onnx`).

The file is parsed and checked (``onnx.checker``), a symbolic leading input dimension is fixed
to 1, and ``onnx.shape_inference`` gives every intermediate shape (with the shape arithmetic of
dynamic-batch exports folded first, `onnx_fold`). Each node then maps to a layer by its
``op_type``; integer-valued nodes are index or shape arithmetic and cost nothing.

A weight is an initializer, a ``Constant``, or what shape-only nodes (Identity, Transpose,
Reshape, ...) make of one: ``MatMul``/``Gemm`` with a weight operand is a `linear` layer, with two
activations a `matmul`; ``Gather`` from a 2-D weight table by activation indices is an
`embedding`. ``Erf`` (the core of GELU before opset 20 has a Gelu node) is costed as a gelu,
``Sub`` as an add, ``Div`` as a multiply, ``Clip`` as a relu6 (two compares): the table of
`hwsim.spec.vector_ops`.

Names: exporters that scope node names by module (PyTorch: ``/layer1/layer1.0/conv1/Conv``)
give ``layer1.0.conv1``, the module's qualified name, when the module holds one costed node,
else ``<module>.<op>`` (``layer1.0.add``); other names are used as they are, sanitised.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper

from hwsim.spec.errors import SpecError
from hwsim.spec.vector_ops import ONNX_OPS, ONNX_POOLS, VECTOR_OP_SPECS
from hwsim.spec.workload import Workload
from hwsim.trace.builder import LayerBuilder, Shape, numel, same_pads, sanitise
from hwsim.trace.onnx_fold import fold_and_infer

FREE = frozenset({
    "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice",
    "Shape", "Size", "Constant", "ConstantOfShape", "Identity", "Dropout", "Cast", "Expand",
    "Range", "Gather",
})
# Nodes whose output is a weight when all their inputs are weights.
_WEIGHT_PASS = frozenset({"Identity", "Transpose", "Reshape", "Cast", "Squeeze", "Unsqueeze",
                          "Flatten"})
log = logging.getLogger(__name__)
_SUFFIX = re.compile(r"_\d+$")
_LABELS = {"reducemean": "mean"}  # the PyTorch name of the function an op came from


def _load(path: Path) -> onnx.ModelProto:
    """Parse and check the file; every failure is a one-line SpecError naming it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError.single(str(path), "", f"cannot read file: {exc.strerror}") from None
    try:
        model = onnx.load_model_from_string(data)
        onnx.checker.check_model(model)
    except Exception as exc:  # protobuf DecodeError, onnx ValidationError, ...
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise SpecError.single(str(path), "", "not a valid ONNX model (corrupt or truncated?): "
                               f"{detail}") from None
    if not model.graph.node:
        raise SpecError.single(str(path), "", "not a valid ONNX model: the graph has no nodes")
    return model


def _fix_inputs(model: onnx.ModelProto, file: str) -> tuple[int, str]:
    """Set a symbolic leading dimension of each graph input to 1; return the batch traced
    and a description of the inputs. Any other symbolic dimension is a SpecError."""
    weights = {i.name for i in model.graph.initializer}
    problems, described, batch = [], [], 0
    for inp in model.graph.input:
        if inp.name in weights or not inp.type.HasField("tensor_type"):
            continue
        dims = inp.type.tensor_type.shape.dim
        for index, dim in enumerate(dims):
            if dim.dim_value <= 0 and index == 0:
                dim.Clear()
                dim.dim_value = 1
            elif dim.dim_value <= 0:
                problems.append(f"{inp.name}[{index}] ({dim.dim_param or '?'})")
        batch = batch or (dims[0].dim_value if dims else 1)
        described.append(f"{inp.name} " + "x".join(str(d.dim_value) for d in dims))
    if problems:
        raise SpecError.single(file, "", "expected fixed input dimensions after the batch, got "
                               f"symbolic {', '.join(problems)}; export with fixed shapes")
    # Shapes an exporter recorded carry the symbolic batch: drop them, inference redoes them.
    del model.graph.value_info[:]
    for out in model.graph.output:
        for dim in out.type.tensor_type.shape.dim:
            if dim.HasField("dim_param"):
                dim.Clear()
    return batch or 1, ", ".join(described)


def _shapes(graph: onnx.GraphProto) -> dict[str, Shape | None]:
    out: dict[str, Shape | None] = {i.name: tuple(i.dims) for i in graph.initializer}
    for info in (*graph.input, *graph.value_info, *graph.output):
        if info.name in out or not info.type.HasField("tensor_type"):
            continue
        tensor = info.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
        known = tensor.HasField("shape") and all(d >= 0 for d in dims)
        out[info.name] = tuple(dims) if known else None
    return out


def _weights(graph: onnx.GraphProto) -> set[str]:
    found = {i.name for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" or (node.op_type in _WEIGHT_PASS and node.input and
                                          all(i in found for i in node.input if i)):
            found.update(node.output)
    return found


def _roles(graph: onnx.GraphProto, weights: set[str],
           shapes: dict[str, Shape | None]) -> list[str]:
    """Each node's role: ``embedding`` (Gather from a 2-D weight table), ``bias`` (Add of a 1-D
    weight to the output of a linear MatMul: part of that linear layer, as Gemm's C is),
    ``free`` (shape-only ops), else ``costed``."""
    linear_out: set[str] = set()
    roles = []
    for node in graph.node:
        op, ins = node.op_type, list(node.input)
        table = shapes.get(ins[0]) if ins else None
        if op == "Gather" and ins[0] in weights and table is not None and len(table) == 2:
            roles.append("embedding")
        elif op in FREE:
            roles.append("free")
        elif op == "Add" and len(ins) == 2 and any(i in linear_out for i in ins) and \
                any(i in weights and len(shapes.get(i) or ()) == 1 for i in ins):
            roles.append("bias")
        else:
            roles.append("costed")
            if op in ("MatMul", "Gemm") and len(ins) > 1 and ins[1] in weights:
                linear_out.update(node.output)
    return roles


def _names(nodes: list[onnx.NodeProto], roles: list[str]) -> list[str]:
    """Layer names from module-scoped node names (see the module docstring)."""
    scopes: list[str | None] = []
    labels: list[str] = []
    for node in nodes:
        parts = node.name.strip("/").split("/") if node.name.startswith("/") else []
        if len(parts) < 1:
            scopes.append(None)
            labels.append(node.name or node.op_type.lower())
            continue
        path: list[str] = []  # "layer1", "layer1.0": a child of a Sequential repeats its name
        for part in parts[:-1]:
            if path and part.startswith(path[-1] + "."):
                path[-1] = part
            else:
                path.append(part)
        scopes.append(".".join(path))
        label = _SUFFIX.sub("", parts[-1]).lower()
        labels.append(_LABELS.get(label, label))
    costed = [s for s, role in zip(scopes, roles, strict=True) if role in ("costed", "embedding")]
    inner = {p for s in scopes if s for p in _prefixes(s)}
    names = []
    for scope, label in zip(scopes, labels, strict=True):
        if not scope:
            names.append(label)
        elif scope not in inner and costed.count(scope) == 1:
            names.append(scope)
        else:
            names.append(f"{scope}.{label}")
    return names


def _prefixes(scope: str) -> list[str]:
    parts = scope.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _attr(node: onnx.NodeProto, name: str, default: Any) -> Any:
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class _Mapper:
    """Maps each node to builder calls."""

    def __init__(self, graph: onnx.GraphProto, builder: LayerBuilder) -> None:
        self.shapes, self.weights, self.b = _shapes(graph), _weights(graph), builder
        integer = (TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL)
        self.integer = {i.name for i in (*graph.value_info, *graph.output)
                        if i.type.tensor_type.elem_type in integer}

    def shape(self, name: str) -> Shape | None:
        return self.shapes.get(name) if name else None

    def node(self, node: onnx.NodeProto, name: str, role: str) -> None:
        op = node.op_type
        if role == "embedding":
            return self.embedding(node, name)
        if role in ("free", "bias") or (op in ONNX_OPS and node.output[0] in self.integer):
            return None  # integer results are index or shape arithmetic, not activations
        ins = [self.shape(i) for i in node.input]
        out = self.shape(node.output[0]) if node.output else None
        if op not in ONNX_OPS and op not in ONNX_POOLS and op not in ("Conv", "Gemm", "MatMul"):
            self.b.unsupported[op] += 1
        elif out is None or not ins or ins[0] is None:
            self.b.unsupported[f"{op} (shape unknown)"] += 1
        elif op in ONNX_OPS:
            operands = sum(1 for s in ins if s is not None and numel(s) > 1)
            binary = VECTOR_OP_SPECS[ONNX_OPS[op]].inputs > 1
            self.b.vector(name, ONNX_OPS[op], out, inputs=max(1, operands) if binary else 1)
        elif op in ONNX_POOLS:
            kernel = _attr(node, "kernel_shape", None)
            window = math.prod(kernel) if kernel else numel(ins[0]) // max(1, numel(out))
            self.b.vector(name, ONNX_POOLS[op], out, window=window)
        elif op == "Conv":
            self.conv(node, name, ins[0], ins[1], out)
        else:
            self.product(node, name, ins[0], ins[1], out)
        return None

    def conv(self, node: onnx.NodeProto, name: str, x: Shape, w: Shape | None,
             out: Shape) -> None:
        if w is None or len(x) != 4:
            self.b.unsupported["Conv (not 2-D or weight shape unknown)"] += 1
            return
        stride = tuple(_attr(node, "strides", [1, 1]))
        dil = tuple(_attr(node, "dilations", [1, 1]))
        pads = tuple(_attr(node, "pads", [0, 0, 0, 0]))
        auto = _attr(node, "auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        if auto.startswith("SAME"):
            pads = same_pads(x[2:], stride, dil, w[2:])
        elif auto == "VALID":
            pads = (0, 0, 0, 0)
        self.b.conv2d(name, x, w, out, stride=stride, pads=pads, dilation=dil,
                      groups=int(_attr(node, "group", 1)))

    def product(self, node: onnx.NodeProto, name: str, a: Shape, b: Shape | None,
                out: Shape) -> None:
        """Gemm (with transA/transB) or MatMul: linear when B is a weight, else matmul."""
        if b is None:
            self.b.unsupported[f"{node.op_type} (shape unknown)"] += 1
            return
        if node.op_type == "Gemm":
            a = a[::-1] if _attr(node, "transA", 0) else a
            b = b[::-1] if _attr(node, "transB", 0) else b
        if node.input[1] in self.weights and len(b) == 2:
            self.b.linear(name, a, b[0], b[1])
        else:
            self.b.matmul(name, a, b, out)

    def embedding(self, node: onnx.NodeProto, name: str) -> None:
        table, idx = self.shape(node.input[0]), self.shape(node.input[1])
        if table is None or idx is None or int(_attr(node, "axis", 0)) != 0:
            self.b.unsupported["Gather (embedding shape unknown)"] += 1
        else:
            self.b.embedding(name, idx, table)


def trace_onnx_file(path: Path, *, name: str, batch: int | None, strict: bool,
                    arch: str | None) -> Workload:
    """See `hwsim.trace.from_onnx`."""
    model = _load(path)
    trace_batch, inputs = _fix_inputs(model, str(path))
    log.info("%s: %d nodes, inferring shapes", path, len(model.graph.node))
    try:
        inferred = fold_and_infer(model)
    except Exception as exc:  # onnx raises InferenceError and others
        raise SpecError.single(str(path), "", f"ONNX shape inference failed: "
                               f"{(str(exc).strip().splitlines() or ['?'])[0][:200]}") from None
    graph = inferred.graph
    builder = LayerBuilder(str(path), trace_batch)
    mapper = _Mapper(graph, builder)
    nodes = list(graph.node)
    roles = _roles(graph, mapper.weights, mapper.shapes)
    for node, node_name, role in zip(nodes, _names(nodes, roles), roles, strict=True):
        mapper.node(node, sanitise(node_name), role)
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                default=0)
    producer = f"{model.producer_name} {model.producer_version}".strip() or "unknown producer"
    source = f"{path.name} (ONNX opset {opset}, from {producer}) traced by hwsim, input {inputs}"
    return builder.finish(name=name, source=source, batch=batch, strict=strict, arch=arch)
