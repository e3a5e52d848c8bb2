"""Trace a PyTorch module into a workload with torch.fx (imports torch; use `hwsim.trace`).

`torch.fx` symbolic tracing records the module's forward as a graph of leaf-module calls
(``nn.Conv2d``, ``nn.Linear``, ... and any other ``torch.nn`` module, which fx keeps whole),
functions (``torch.matmul``, ``F.softmax``, ``+``) and tensor methods (``x.softmax``,
``x.view``). An fx `Interpreter` then runs the graph once on the example inputs and records every
intermediate shape; a module built under ``with torch.device("meta"):`` runs on meta tensors,
which have shapes but no data, so tracing computes nothing.

Layer names: a leaf module's qualified name (``layer1.0.conv1``); a function or method inside
module ``m`` is ``m.<function>`` (``layer1.0.add``); repeats get ``_1``, ``_2``.
Forward functions with data-dependent Python control flow cannot be traced symbolically: export
such a model to ONNX and use ``hwsim trace`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import fx, nn

from hwsim.spec.errors import SpecError
from hwsim.spec.vector_ops import TORCH_FUNCTIONS, TORCH_MODULES, VECTOR_OP_SPECS
from hwsim.spec.workload import Workload
from hwsim.trace.builder import LayerBuilder, Shape, numel, same_pads, window_of

# Function/method names (after dropping a trailing ``_`` of in-place variants) and module
# classes that are vector ops: `hwsim.spec.vector_ops` (TORCH_FUNCTIONS, TORCH_MODULES).
# Operations that only create, relabel or move tensors, or that vanish at inference.
FREE = frozenset({
    "getattr", "getitem", "size", "dim", "view", "reshape", "permute", "transpose", "t",
    "contiguous", "flatten", "unflatten", "squeeze", "unsqueeze", "expand", "expand_as", "cat",
    "stack", "split", "chunk", "narrow", "dropout", "type_as", "to", "float", "half", "clone",
    "detach", "arange", "zeros", "ones", "full", "zeros_like", "ones_like", "Dropout",
    "Identity", "Flatten", "Unflatten",
})
MATMULS = frozenset({"matmul", "bmm", "mm"})


def _fn_name(node: fx.Node) -> str:
    raw = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
    return str(raw).rstrip("_") or "function"


def _scope(node: fx.Node) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1]
    return str(path[0] if isinstance(path, tuple) else path)


class _Shapes(fx.Interpreter):
    """Runs the graph once and keeps each node's output shape (None if not a tensor)."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.shapes: dict[fx.Node, Shape | None] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.shapes[n] = tuple(result.shape) if isinstance(result, torch.Tensor) else None
        return result


class _Walker:
    """Maps each fx node to builder calls."""

    def __init__(self, gm: fx.GraphModule, shapes: dict[fx.Node, Shape | None],
                 builder: LayerBuilder) -> None:
        self.gm, self.shapes, self.b = gm, shapes, builder

    def shape(self, arg: object) -> Shape | None:
        return self.shapes.get(arg) if isinstance(arg, fx.Node) else None

    def is_param(self, arg: object) -> bool:
        """A parameter or buffer, possibly seen through transposes and reshapes."""
        while isinstance(arg, fx.Node) and arg.op == "call_method" and \
                _fn_name(arg) in ("t", "transpose", "permute", "view", "reshape", "to"):
            arg = arg.args[0]
        return isinstance(arg, fx.Node) and arg.op == "get_attr"

    def tensors(self, node: fx.Node) -> list[Shape]:
        """Shapes of the tensor operands with more than one element (a scalar operand is an
        immediate, not a stream the vector unit reads)."""
        found = [self.shape(a) for a in (*node.args, *node.kwargs.values())]
        return [s for s in found if s is not None and numel(s) > 1]

    def walk(self) -> None:
        for node in self.gm.graph.nodes:
            if node.op in ("call_function", "call_method"):
                self.function(node, _fn_name(node))
            elif node.op == "call_module":
                self.module(node, self.gm.get_submodule(str(node.target)))

    def function(self, node: fx.Node, fn: str) -> None:
        scope = _scope(node)
        name = f"{scope}.{fn}" if scope else fn
        out, args = self.shapes.get(node), node.args
        if fn in FREE or out is None:  # no tensor result: arithmetic on sizes
            return
        if fn in TORCH_FUNCTIONS:
            op = TORCH_FUNCTIONS[fn]
            binary = VECTOR_OP_SPECS[op].inputs > 1
            self.b.vector(name, op, out, inputs=max(1, len(self.tensors(node))) if binary else 1)
        elif fn in MATMULS or fn == "addmm":
            a, w = (args[1], args[2]) if fn == "addmm" else (args[0], args[1])
            a_shape, w_shape = self.shape(a), self.shape(w)
            if a_shape is None or w_shape is None:
                self.b.unsupported[f"{fn} (unknown operand shape)"] += 1
            elif self.is_param(w) and len(w_shape) == 2:
                self.b.linear(name, a_shape, w_shape[0], w_shape[1])
            else:
                self.b.matmul(name, a_shape, w_shape, out)
        elif fn == "linear":
            x = self.shape(args[0])
            weight = self.shape(args[1] if len(args) > 1 else node.kwargs["weight"])
            if weight is None or x is None:
                self.b.unsupported["linear (unknown operand shape)"] += 1
            else:
                self.b.linear(name, x, weight[1], weight[0])
        elif fn == "conv2d":
            self.conv(name, node, args[1], *self._conv_args(args))
        elif fn == "embedding":
            self.embedding(name, args[0], args[1])
        elif fn == "scaled_dot_product_attention":
            self.attention(name, *(self.shape(a) for a in args[:3]))
        elif fn in ("mean", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
                    "adaptive_max_pool2d"):
            x = self.shape(args[0])
            if x is None:
                self.b.unsupported[f"{fn} (unknown input shape)"] += 1
            else:
                op = "maxpool" if "max" in fn else "avgpool"
                self.b.vector(name, op, out, window=max(1, numel(x) // max(1, numel(out))))
        else:
            self.b.unsupported[fn] += 1

    @staticmethod
    def _conv_args(args: Sequence[Any]) -> tuple[Any, Any, Any, int]:
        def pick(i: int, default: Any) -> Any:
            return args[i] if len(args) > i else default
        return pick(3, 1), pick(4, 0), pick(5, 1), int(pick(6, 1))

    def conv(self, name: str, node: fx.Node, weight: Any, stride: Any, padding: Any,
             dilation: Any, groups: int) -> None:
        x, w, out = self.shape(node.args[0]), self.shape(weight), self.shapes.get(node)
        if x is None or out is None:
            self.b.unsupported["conv2d (unknown shape)"] += 1
            return
        w_shape = w if w is not None else tuple(weight.shape)
        pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
        dil, strides = pair(dilation), pair(stride)
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            pads = same_pads(x[2:], strides, dil, w_shape[2:])
        else:
            ph, pw = pair(padding)
            pads = (ph, pw, ph, pw)
        self.b.conv2d(name, x, w_shape, out, stride=strides, pads=pads, dilation=dil,
                      groups=groups)

    def embedding(self, name: str, indices: Any, table: Any) -> None:
        idx = self.shape(indices)
        tab = self.shape(table) if isinstance(table, fx.Node) else tuple(table.shape)
        if idx is None or tab is None:
            self.b.unsupported["embedding (unknown shape)"] += 1
        else:
            self.b.embedding(name, idx, tab)

    def attention(self, name: str, q: Shape | None, k: Shape | None, v: Shape | None) -> None:
        """softmax(q k^T) v: scores [.., L, S] = q [.., L, E] x k^T, then context [.., L, Ev]."""
        if q is None or k is None or v is None:
            self.b.unsupported["scaled_dot_product_attention (unknown shape)"] += 1
            return
        lead = q[:-2]
        scores = (*lead, q[-2], k[-2])
        self.b.matmul(f"{name}.scores", q, (*k[:-2], k[-1], k[-2]), scores)
        self.b.vector(f"{name}.softmax", "softmax", scores)
        self.b.matmul(f"{name}.context", scores, v, (*lead, q[-2], v[-1]))

    def module(self, node: fx.Node, mod: nn.Module) -> None:
        name, kind = str(node.target), type(mod).__name__
        out = self.shapes.get(node)
        x = self.shape(node.args[0]) if node.args else None
        handled = (nn.Conv2d, nn.Linear, nn.Embedding, nn.MaxPool2d, nn.AvgPool2d,
                   nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
        if kind in FREE:
            return
        if isinstance(mod, nn.MultiheadAttention):
            self.multihead(name, mod, node)
        elif not isinstance(mod, handled) and kind not in TORCH_MODULES:
            self.b.unsupported[kind] += 1
        elif x is None or out is None:
            self.b.unsupported[f"{kind} (unknown shape)"] += 1
        elif isinstance(mod, nn.Conv2d):
            self.conv(name, node, mod.weight, mod.stride, mod.padding, mod.dilation, mod.groups)
        elif isinstance(mod, nn.Linear):
            self.b.linear(name, x, mod.in_features, mod.out_features)
        elif isinstance(mod, nn.Embedding):
            self.b.embedding(name, x, (mod.num_embeddings, mod.embedding_dim))
        elif kind in TORCH_MODULES:
            self.b.vector(name, TORCH_MODULES[kind], out)
        elif isinstance(mod, (nn.MaxPool2d, nn.AvgPool2d)):
            k = mod.kernel_size
            window = k * k if isinstance(k, int) else numel(k)
            self.b.vector(name, "maxpool" if isinstance(mod, nn.MaxPool2d) else "avgpool", out,
                          window=window)
        elif isinstance(mod, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            op = "maxpool" if isinstance(mod, nn.AdaptiveMaxPool2d) else "avgpool"
            self.b.vector(name, op, out, window=window_of(x[-2:], out[-2:]))

    def multihead(self, name: str, mod: nn.MultiheadAttention, node: fx.Node) -> None:
        """nn.MultiheadAttention: q, k, v projections, per-head scores and context, output
        projection (inputs (L, N, E), or (N, L, E) with ``batch_first``)."""
        shapes = [self.shape(a) for a in node.args[:3]]
        shapes += [self.shape(node.kwargs.get(k)) for k in ("query", "key", "value")]
        q, k, v = ([s for s in shapes if s is not None] + [None, None, None])[:3]
        if q is None or k is None or v is None or len(q) != 3:
            self.b.unsupported["MultiheadAttention (unknown shape)"] += 1
            return
        seq = 1 if mod.batch_first else 0
        batch, heads = q[1 - seq], mod.num_heads
        e, d = mod.embed_dim, mod.embed_dim // mod.num_heads
        length, source = q[seq], k[seq]
        self.b.linear(f"{name}.q_proj", q, e, e)
        self.b.linear(f"{name}.k_proj", k, mod.kdim, e)
        self.b.linear(f"{name}.v_proj", v, mod.vdim, e)
        self.attention(name, (batch, heads, length, d), (batch, heads, source, d),
                       (batch, heads, source, d))
        self.b.linear(f"{name}.out_proj", q, e, e)


def trace_module(model: nn.Module, example_inputs: Sequence[torch.Tensor], *, name: str,
                 source: str | None, batch: int | None, strict: bool,
                 arch: str | None) -> Workload:
    """See `hwsim.trace.from_torch`."""
    origin = f"torch module {type(model).__name__}"
    if not example_inputs or not isinstance(example_inputs[0], torch.Tensor) or \
            example_inputs[0].dim() == 0:
        raise SpecError.single(origin, "example_inputs",
                               "expected a tensor (or tuple of tensors) with a batch dimension")
    try:
        gm = fx.symbolic_trace(model)
    except Exception as exc:  # fx raises many kinds (TraceError, TypeError, NotImplementedError)
        raise SpecError.single(origin, "", "torch.fx cannot trace it symbolically "
                               f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                               "export it to ONNX and run `hwsim trace`") from None
    on_meta = any(p.device.type == "meta" for p in model.parameters())
    inputs = [torch.empty_like(t, device="meta") if on_meta else t for t in example_inputs]
    interpreter = _Shapes(gm)
    try:
        with torch.no_grad():
            interpreter.run(*inputs)
    except Exception as exc:  # a shape mismatch in the user's model, reported in one line
        raise SpecError.single(origin, "", f"running the traced graph on the example inputs "
                               f"failed: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:200]}") from None
    builder = LayerBuilder(origin, int(example_inputs[0].shape[0]))
    _Walker(gm, interpreter.shapes, builder).walk()
    shapes = ", ".join("x".join(map(str, t.shape)) for t in example_inputs)
    text = source or f"{type(model).__name__} traced by hwsim.trace.from_torch, input {shapes}"
    return builder.finish(name=name, source=text, batch=batch, strict=strict, arch=arch)
