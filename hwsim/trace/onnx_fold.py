"""Fold the shape arithmetic of an ONNX graph into constants, so shape inference can finish.

Exporters with a dynamic batch axis compute reshape targets and slice bounds at run time
(``Shape -> Gather -> Add -> Unsqueeze -> Slice``); onnx's shape inference (even with data
propagation) leaves the shapes downstream of such chains unknown. Once the batch is fixed, those
chains depend only on static shapes: this pass evaluates them with numpy, replaces each folded
node by an initializer holding its value, re-runs shape inference, and repeats until nothing
more folds. Only small tensors (at most `MAX_ELEMENTS`) are folded, so no real data is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

MAX_ELEMENTS = 4096
Array = np.ndarray[Any, Any]


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _axes(node: onnx.NodeProto, ins: list[Array | None]) -> list[int]:
    """Axes from the second input (opset >= 13) or the ``axes`` attribute."""
    if len(ins) > 1 and ins[1] is not None:
        return [int(a) for a in ins[1].reshape(-1)]
    return [int(a) for a in _attrs(node).get("axes", [])]


def _slice(node: onnx.NodeProto, ins: list[Array | None]) -> Array:
    data, starts, ends = ins[0], ins[1], ins[2]
    assert data is not None and starts is not None and ends is not None
    axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
    steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), np.int64)
    index = [slice(None)] * data.ndim
    for s, e, a, st in zip(starts, ends, axes, steps, strict=True):
        index[int(a)] = slice(int(s), int(e), int(st))
    return data[tuple(index)]


def _unsqueeze(node: onnx.NodeProto, ins: list[Array | None]) -> Array:
    out = ins[0]
    assert out is not None
    for axis in sorted(a % (out.ndim + len(_axes(node, ins))) for a in _axes(node, ins)):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(node: onnx.NodeProto, ins: list[Array | None]) -> Array:
    assert ins[0] is not None
    axes = _axes(node, ins)
    return np.squeeze(ins[0], axis=tuple(axes)) if axes else np.squeeze(ins[0])


def _div(a: Array, b: Array) -> Array:
    return np.trunc(a / b).astype(a.dtype) if a.dtype.kind in "iu" else a / b


_OPS: dict[str, Callable[[onnx.NodeProto, list[Any]], Array]] = {
    "Gather": lambda n, i: np.take(i[0], i[1], axis=_attrs(n).get("axis", 0)),
    "Add": lambda n, i: i[0] + i[1], "Sub": lambda n, i: i[0] - i[1],
    "Mul": lambda n, i: i[0] * i[1], "Div": lambda n, i: _div(i[0], i[1]),
    "Unsqueeze": _unsqueeze, "Squeeze": _squeeze, "Slice": _slice,
    "Concat": lambda n, i: np.concatenate(i, axis=_attrs(n)["axis"]),
    "Cast": lambda n, i: i[0].astype(helper.tensor_dtype_to_np_dtype(_attrs(n)["to"])),
    "Range": lambda n, i: np.arange(i[0], i[1], i[2]).astype(i[0].dtype),
    "Reshape": lambda n, i: i[0].reshape([d if d != 0 else i[0].shape[k]
                                          for k, d in enumerate(i[1])]),
    "Identity": lambda n, i: i[0], "Equal": lambda n, i: i[0] == i[1],
    "Where": lambda n, i: np.where(i[0], i[1], i[2]),
    "ConstantOfShape": lambda n, i: np.full(
        tuple(i[0]), numpy_helper.to_array(_attrs(n)["value"]).reshape(-1)[0]
        if "value" in _attrs(n) else np.float32(0)),
}


def _shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    known: dict[str, tuple[int, ...]] = {}
    for info in (*model.graph.input, *model.graph.value_info, *model.graph.output):
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(d.HasField("dim_value")
                                                           for d in dims):
            known[info.name] = tuple(d.dim_value for d in dims)
    return known


def _evaluate(node: onnx.NodeProto, values: dict[str, Array],
              shapes: dict[str, tuple[int, ...]]) -> Array | None:
    """The node's first output, if its inputs are known and the result is small."""
    if node.op_type == "Shape":
        shape = shapes.get(node.input[0])
        if shape is None:
            return None
        a = _attrs(node)
        return np.array(shape[a.get("start", 0):a.get("end", len(shape))], dtype=np.int64)
    if node.op_type == "Constant":
        return numpy_helper.to_array(_attrs(node)["value"]) if "value" in _attrs(node) else None
    if node.op_type not in _OPS or len(node.output) != 1:
        return None
    ins = [values.get(i) if i else None for i in node.input]
    if any(v is None for v, name in zip(ins, node.input, strict=True) if name):
        return None
    try:
        out = np.asarray(_OPS[node.op_type](node, ins))
    except (ValueError, IndexError, TypeError, KeyError, ZeroDivisionError):
        return None
    return out if out.size <= MAX_ELEMENTS else None


def fold_and_infer(model: onnx.ModelProto, *, max_rounds: int = 8) -> onnx.ModelProto:
    """Shape-infer `model`, folding shape arithmetic until the shapes stop changing."""
    small = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer
             if np.prod(i.dims, dtype=np.int64) <= MAX_ELEMENTS and
             i.data_type in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)}
    inferred = shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    for _ in range(max_rounds):
        shapes, values, keep = _shapes(inferred), dict(small), []
        folded: list[onnx.TensorProto] = []
        for node in inferred.graph.node:
            out = _evaluate(node, values, shapes)
            if out is None:
                keep.append(node)
                continue
            values[node.output[0]] = out
            if node.op_type != "Constant":
                folded.append(numpy_helper.from_array(out, node.output[0]))
            else:
                keep.append(node)
        if not folded:
            return inferred
        graph = inferred.graph
        del graph.node[:]
        graph.node.extend(keep)
        graph.initializer.extend(folded)
        del graph.value_info[:]
        small.update({t.name: numpy_helper.to_array(t) for t in folded})
        inferred = shape_inference.infer_shapes(inferred, strict_mode=False, data_prop=True)
    return inferred
