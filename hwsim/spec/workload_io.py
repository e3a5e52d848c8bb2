"""Load workload YAML into a validated `Workload`, and write one back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hwsim.precision import TENSOR_KINDS, NumberFormat, TensorPrecision, parse_format
from hwsim.spec.fields import Fields
from hwsim.spec.vector_ops import POOL_OPS, VECTOR_OP_SPECS, VECTOR_OPS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp, Workload
from hwsim.spec.yaml_io import SPEC_VERSION, open_document

LAYER_OPS = ("conv2d", "linear", "matmul", "embedding", *VECTOR_OPS)


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


def _conv(f: Fields, name: str, base: TensorPrecision) -> Conv2d:
    in_h, in_w = f.pair("input")
    kernel_h, kernel_w = f.pair("kernel")
    stride_h, stride_w = f.pair("stride", 1)
    pad_h, pad_w = f.pair("padding", 0, minimum=0)
    dil_h, dil_w = f.pair("dilation", 1)
    groups = f.integer("groups", 1)
    in_ch, out_ch = f.integer("in_channels"), f.integer("out_channels")
    layer = Conv2d(name, in_ch, out_ch, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w,
                   pad_h, pad_w, dil_h, dil_w, groups, f.boolean("ceil_mode", False),
                   _precision(f, base))
    for ch_key, channels in (("in_channels", in_ch), ("out_channels", out_ch)):
        if channels % groups:
            f.error(ch_key, f"expected a multiple of groups ({groups}), got {channels}")
    if layer.out_h < 1 or layer.out_w < 1:
        f.error("kernel", f"expected a kernel no larger than the padded input "
                          f"({in_h + 2 * pad_h}x{in_w + 2 * pad_w}), got "
                          f"{dil_h * (kernel_h - 1) + 1}x{dil_w * (kernel_w - 1) + 1} (dilated)")
    return layer


def _layer(f: Fields, base: TensorPrecision) -> Layer:
    name = f.string("name")
    op = f.choice("op", LAYER_OPS)
    layer: Layer
    if op == "conv2d":
        layer = _conv(f, name, base)
    elif op == "linear":
        layer = Linear(name, f.integer("in_features"), f.integer("out_features"),
                       f.integer("rows", 1), _precision(f, base))
    elif op == "matmul":
        layer = Matmul(name, f.integer("M"), f.integer("N"), f.integer("K"),
                       f.integer("count", 1), _precision(f, base))
    elif op == "embedding":
        layer = Embedding(name, f.integer("num_embeddings"), f.integer("embedding_dim"),
                          f.integer("tokens"), _precision(f, base))
    else:
        per_element = VECTOR_OPS[op] * (f.integer("window", 1) if op in POOL_OPS else 1)
        layer = VectorOp(name, op, f.integer("elements"),
                         f.integer("ops_per_element", per_element, minimum=0),
                         f.integer("inputs", VECTOR_OP_SPECS[op].inputs),
                         _precision(f, base), f.integer("channels", 0, minimum=0))
    f.finish()
    return layer


def load_workload(path: str | Path, *, batch: int | None = None) -> Workload:
    """Read and validate a workload YAML file; raise SpecError listing every problem."""
    path = Path(path)
    top, log, digest = open_document(path)
    name = top.string("name", path.stem)
    source = top.string("source")
    file_batch = top.integer("batch", 1)
    arch = top.string("arch", None)
    base = TensorPrecision.default()
    default = _precision(top, base) or base
    layers: list[Layer] = []
    names: set[str] = set()
    for index, item in top.items("layers"):
        fields = Fields(item, f"layers[{index}]", log)
        if not fields.valid:
            continue
        layer = _layer(fields, default)
        if layer.name in names:
            fields.error("name", f"expected a unique layer name, got duplicate {layer.name!r}")
        names.add(layer.name)
        layers.append(layer)
    top.finish()
    log.raise_if_any()
    return Workload(name, source, batch or file_batch, default, tuple(layers), arch,
                    str(path), digest)


def _pair(h: int, w: int) -> int | list[int]:
    return h if h == w else [h, w]


def layer_to_dict(layer: Layer, default: TensorPrecision) -> dict[str, Any]:
    """The YAML mapping of one layer (per-layer precision only where it differs)."""
    out: dict[str, Any] = {"name": layer.name}
    if isinstance(layer, Conv2d):
        out.update(op="conv2d", in_channels=layer.in_channels, out_channels=layer.out_channels,
                   input=_pair(layer.in_h, layer.in_w),
                   kernel=_pair(layer.kernel_h, layer.kernel_w),
                   stride=_pair(layer.stride_h, layer.stride_w),
                   padding=_pair(layer.pad_h, layer.pad_w))
        if (layer.dilation_h, layer.dilation_w) != (1, 1):
            out["dilation"] = _pair(layer.dilation_h, layer.dilation_w)
        if layer.groups != 1:
            out["groups"] = layer.groups
        if layer.ceil_mode:
            out["ceil_mode"] = True
    elif isinstance(layer, Linear):
        out.update(op="linear", in_features=layer.in_features, out_features=layer.out_features)
        if layer.rows != 1:
            out["rows"] = layer.rows
    elif isinstance(layer, Matmul):
        out.update(op="matmul", M=layer.M, N=layer.N, K=layer.K, count=layer.count)
    elif isinstance(layer, Embedding):
        out.update(op="embedding", num_embeddings=layer.num_embeddings,
                   embedding_dim=layer.embedding_dim, tokens=layer.tokens)
    else:
        out.update(op=layer.op, elements=layer.elements, ops_per_element=layer.ops_per_element,
                   inputs=layer.inputs)
        if layer.channels:
            out["channels"] = layer.channels
    if layer.precision is not None:
        defaults = default.to_dict()
        diff = {k: v for k, v in layer.precision.to_dict().items() if v != defaults.get(k)}
        if diff:
            out["precision"] = diff
    return out


def workload_to_yaml(workload: Workload) -> str:
    """Serialise a workload to YAML that `load_workload` reads back to an equal workload."""
    doc: dict[str, Any] = {"version": SPEC_VERSION, "name": workload.name,
                           "source": workload.source, "batch": workload.batch}
    if workload.arch:
        doc["arch"] = workload.arch
    doc["precision"] = workload.precision.to_dict()
    doc["layers"] = [layer_to_dict(layer, workload.precision) for layer in workload.layers]
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)
