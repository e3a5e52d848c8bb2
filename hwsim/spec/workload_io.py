"""Load workload YAML into a validated `Workload`, and write one back, both as the field
tables of `hwsim.spec.workload_fields` declare the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hwsim.precision import TENSOR_KINDS, NumberFormat, TensorPrecision, parse_format
from hwsim.spec.fields import Fields
from hwsim.spec.vector_ops import POOL_OPS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp, Workload
from hwsim.spec.workload_fields import (LAYER, POOL, SECTIONS, VECTOR_OP, WORKLOAD,
                                        vector_defaults)
from hwsim.spec.yaml_io import SPEC_VERSION, open_document

LAYER_CLASSES: dict[str, type[Conv2d | Linear | Matmul | Embedding]] = {
    "conv2d": Conv2d, "linear": Linear, "matmul": Matmul, "embedding": Embedding}
LAYER_OP_NAMES = {cls: op for op, cls in LAYER_CLASSES.items()}
# The most work one layer may hold for the whole batch (`layer_work` x batch): 2**48, about
# 2.8e14, 200 GPT-3 175B MLP layers at sequence 2048. The model counts bit operations (a MAC of
# two 64-bit operands is 2**12 of them) and moved bits in int64 (up to 2**63 - 1), so at this
# bound a layer's bit counts stay below 2**60 and the totals of the largest layers still fit.
MAX_LAYER_WORK = 2**48


def default_source(path: str | Path) -> str:
    """The `source` of a workload file that names none: the file itself."""
    return f"file: {path}"


def layer_work(layer: Layer) -> int:
    """What one sample of `layer` counts: MACs (or, where larger, input elements or
    weights), vector operations over all inputs, or looked-up embedding elements."""
    if isinstance(layer, Conv2d):
        per_group_in = layer.in_channels // layer.groups
        macs = layer.out_h * layer.out_w * layer.out_channels * per_group_in * \
            layer.kernel_h * layer.kernel_w
        return max(macs, layer.in_channels * layer.in_h * layer.in_w,
                   layer.out_channels * per_group_in * layer.kernel_h * layer.kernel_w)
    if isinstance(layer, Linear):
        return layer.rows * layer.in_features * layer.out_features
    if isinstance(layer, Matmul):
        return layer.M * layer.N * layer.K * layer.count
    if isinstance(layer, Embedding):
        return max(layer.tokens, layer.num_embeddings) * layer.embedding_dim
    return layer.elements * max(layer.inputs, 1) * max(layer.ops_per_element, 1)


def tensor_formats(block: Fields, skip: tuple[str, ...] = ()) -> dict[str, NumberFormat]:
    """The formats a mapping sets by tensor kind (``weights: int4, ...``); any key other than a
    tensor kind or one of `skip` is an unknown field."""
    out: dict[str, NumberFormat] = {}
    for kind in TENSOR_KINDS:
        if block.has(kind):
            try:
                out[kind] = parse_format(str(block.raw(kind)))
            except ValueError as exc:
                block.error(kind, str(exc))
    block.finish(allowed_extra=(*skip, *TENSOR_KINDS))
    return out


def _precision(fields: Fields, base: TensorPrecision) -> TensorPrecision | None:
    block = fields.mapping("precision", required=False)
    return base.with_overrides(tensor_formats(block)) if block is not None else None


def _check_conv(f: Fields, layer: Conv2d) -> None:
    """The checks across a convolution's fields: channels divide into groups, and the dilated
    kernel fits the padded input."""
    for ch_key, channels in (("in_channels", layer.in_channels),
                             ("out_channels", layer.out_channels)):
        if channels % layer.groups:
            f.error(ch_key, f"expected a multiple of groups ({layer.groups}), got {channels}")
    if layer.out_h < 1 or layer.out_w < 1:
        f.error("kernel", f"expected a kernel no larger than the padded input "
                          f"({layer.in_h + 2 * layer.pad_h}x{layer.in_w + 2 * layer.pad_w}), "
                          f"got {layer.dilation_h * (layer.kernel_h - 1) + 1}x"
                          f"{layer.dilation_w * (layer.kernel_w - 1) + 1} (dilated)")


def _layer(f: Fields, base: TensorPrecision) -> Layer:
    head = LAYER.read(f)
    op = head["op"]
    layer: Layer
    if op in SECTIONS:
        layer = LAYER_CLASSES[op](head["name"], **SECTIONS[op].read(f),
                                  precision=_precision(f, base))
        if isinstance(layer, Conv2d):
            _check_conv(f, layer)
    else:
        window = POOL.read(f)["window"] if op in POOL_OPS else 1
        values = VECTOR_OP.read(f, vector_defaults(op, window))
        layer = VectorOp(head["name"], op, **values, precision=_precision(f, base))
    f.finish()
    return layer


def load_workload(path: str | Path, *, batch: int | None = None) -> Workload:
    """Read and validate a workload YAML file; raise SpecError listing every problem."""
    path = Path(path)
    top, log, digest = open_document(path)
    # a hand-written file may leave its provenance out: the file itself is then the source
    head = WORKLOAD.read(top, {"name": path.stem, "source": default_source(path)})
    file_batch = head["batch"]
    base = TensorPrecision.default()
    default = _precision(top, base) or base
    layers: list[Layer] = []
    names: set[str] = set()
    for index, item in top.items("layers"):
        fields = Fields(item, f"layers[{index}]", log)
        if not fields.valid:
            continue
        layer = _layer(fields, default)
        work = layer_work(layer) * (batch or file_batch)
        if work > MAX_LAYER_WORK:
            log.add(f"layers[{index}]", f"expected at most {MAX_LAYER_WORK} (2**48) MACs, "
                    f"operations or elements per batch, got {work}", fields.line)
        if layer.name in names:
            fields.error("name", f"expected a unique layer name, got duplicate {layer.name!r}")
        names.add(layer.name)
        layers.append(layer)
    top.finish()
    log.raise_if_any()
    return Workload(head["name"], head["source"], batch or file_batch, default, tuple(layers),
                    head["arch"], str(path), digest)


def layer_to_dict(layer: Layer, default: TensorPrecision) -> dict[str, Any]:
    """The YAML mapping of one layer (per-layer precision only where it differs)."""
    op = layer.op if isinstance(layer, VectorOp) else LAYER_OP_NAMES[type(layer)]
    out: dict[str, Any] = {"name": layer.name, "op": op}
    SECTIONS.get(op, VECTOR_OP).write(layer, out)
    if layer.precision is not None:
        defaults = default.to_dict()
        diff = {k: v for k, v in layer.precision.to_dict().items() if v != defaults.get(k)}
        if diff:
            out["precision"] = diff
    return out


def workload_to_yaml(workload: Workload) -> str:
    """Serialise a workload to YAML that `load_workload` reads back to an equal workload."""
    doc: dict[str, Any] = {"version": SPEC_VERSION}
    WORKLOAD.write(workload, doc)
    doc["precision"] = workload.precision.to_dict()
    doc["layers"] = [layer_to_dict(layer, workload.precision) for layer in workload.layers]
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)
