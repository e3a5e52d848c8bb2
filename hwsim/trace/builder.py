"""Turning traced operators into workload layers: shared by the PyTorch and ONNX tracers.

A tracer walks its graph and, for each operator with known tensor shapes, calls one method of
`LayerBuilder` (`conv2d`, `linear`, `matmul`, `vector`, `embedding`), skips operators that only
move or relabel data (reshape, transpose, dropout in inference, ...), and counts the rest in
`unsupported`.
The builder divides every count by the traced batch (`trace_batch`, the leading dimension of the
example input) so that the workload's shapes are per sample, as the workload spec requires,
gives each layer a unique, sanitised name, and counts unsupported operators by kind.

`finish` returns the `Workload`; unsupported operators are a `SpecError` under `strict`,
otherwise one warning (``logging``) that lists each kind with its count.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from hwsim.precision import TensorPrecision
from hwsim.spec.errors import SpecError
from hwsim.spec.vector_ops import POOL_OPS, VECTOR_OP_SPECS, VECTOR_OPS
from hwsim.spec.workload import Conv2d, Embedding, Layer, Linear, Matmul, VectorOp, Workload

log = logging.getLogger(__name__)

Shape = tuple[int, ...]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def sanitise(name: str) -> str:
    """A layer name safe in YAML, CSV and file names: runs of characters other than letters,
    digits, ``_ . -`` become ``_``; leading and trailing separators are dropped."""
    return _UNSAFE.sub("_", name).strip("_.-") or "layer"


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


class LayerBuilder:
    """Collects the layers of one trace (see the module docstring)."""

    def __init__(self, origin: str, trace_batch: int) -> None:
        self.origin = origin  # the model file or module, named in errors and warnings
        self.trace_batch = trace_batch
        self.layers: list[Layer] = []
        self.unsupported: Counter[str] = Counter()
        self._names: Counter[str] = Counter()

    # -- naming and batch ------------------------------------------------------------------
    def unique(self, name: str) -> str:
        """`name` sanitised; the second use of a name gets ``_1``, the third ``_2``, ..."""
        base = sanitise(name)
        seen = self._names[base]
        self._names[base] += 1
        candidate = base if seen == 0 else f"{base}_{seen}"
        while candidate != base and self._names[candidate]:
            seen += 1
            candidate = f"{base}_{seen}"
        if candidate != base:
            self._names[candidate] += 1
        return candidate

    def per_sample(self, count: int, what: str) -> int | None:
        """`count` / trace batch; None (and an unsupported entry) if the count does not scale
        with the batch, which a per-sample workload cannot express."""
        if count % self.trace_batch:
            self.unsupported[f"{what} (not proportional to the batch)"] += 1
            return None
        return count // self.trace_batch

    # -- layers ----------------------------------------------------------------------------
    def conv2d(self, name: str, x: Shape, weight: Shape, out: Shape, *, stride: Sequence[int],
               pads: Sequence[int], dilation: Sequence[int], groups: int) -> None:
        """A 2-D convolution from NCHW input/output shapes and the OIHW weight shape.

        `pads` is ``(top, left, bottom, right)``. The workload spec holds symmetric padding;
        for an asymmetric one (TensorFlow's SAME) the symmetric padding and rounding that give
        the traced output size are used, which keeps P, Q and so the MAC count exact.
        """
        if len(x) != 4 or len(weight) != 4 or len(out) != 4 or x[0] != self.trace_batch:
            self.unsupported[f"conv ({len(x) - 2}-D or batched unlike the input)"] += 1
            return
        _, c, h, w = x
        o, _, kh, kw = weight
        sh, sw = stride
        dh, dw = dilation
        candidates = [(ph, pw, ceil) for ceil in (False, True)
                      for ph in sorted({pads[0], (pads[0] + pads[2]) // 2,
                                        (pads[0] + pads[2] + 1) // 2})
                      for pw in sorted({pads[1], (pads[1] + pads[3]) // 2,
                                        (pads[1] + pads[3] + 1) // 2})]
        for ph, pw, ceil in candidates:
            layer = Conv2d(name, c, o, h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups, ceil)
            if (layer.out_h, layer.out_w) == tuple(out[2:]):
                self.layers.append(replace(layer, name=self.unique(name)))
                return
        self.unsupported["conv (padding with no symmetric equivalent)"] += 1

    def linear(self, name: str, x: Shape, in_features: int, out_features: int) -> None:
        """x[..., in_features] times a weight matrix: rows = all leading dims, per sample."""
        rows = self.per_sample(numel(x) // in_features, "linear")
        if rows is not None:
            self.layers.append(Linear(self.unique(name), in_features, out_features, rows))

    def matmul(self, name: str, a: Shape, b: Shape, out: Shape) -> None:
        """A product of two activations: [..., M, K] x [..., K, N], the broadcast leading dims
        of the output (divided by the batch) become `count` (attention: batch x heads)."""
        if len(a) < 2 or len(b) < 2 or len(out) < 2:
            self.unsupported["matmul (vector operand)"] += 1
            return
        count = self.per_sample(numel(out[:-2]), "matmul")
        if count is not None:
            self.layers.append(Matmul(self.unique(name), a[-2], b[-1], a[-1], count))

    def vector(self, name: str, op: str, out: Shape, *, inputs: int = 1,
               window: int = 1) -> None:
        """Vector-unit work over the `out` elements; pooling ops cost `window` per element."""
        elements = self.per_sample(numel(out), op)
        if elements is None or elements == 0:
            return
        ops = VECTOR_OPS[op] * (window if op in POOL_OPS else 1)
        channels = VECTOR_OP_SPECS[op].channel_dim
        self.layers.append(VectorOp(self.unique(name), op, elements, ops, inputs,
                                    channels=0 if channels is None else out[channels]))

    def embedding(self, name: str, indices: Shape, table: Shape) -> None:
        """Rows of a [num_embeddings, embedding_dim] table looked up by `indices`."""
        if len(table) != 2:
            self.unsupported["embedding (table not 2-D)"] += 1
            return
        count = numel(indices)
        tokens = count if indices and indices[0] == 1 else self.per_sample(count, "embedding")
        if tokens is not None:
            self.layers.append(Embedding(self.unique(name), table[0], table[1], tokens))

    # -- result ----------------------------------------------------------------------------
    def finish(self, *, name: str, source: str, batch: int | None, strict: bool,
               arch: str | None = None) -> Workload:
        """The traced workload; unsupported operators warn, or raise under `strict`."""
        if self.unsupported:
            listing = ", ".join(f"{op} x{n}" for op, n in sorted(self.unsupported.items()))
            if strict:
                raise SpecError.single(self.origin, "",
                                       f"unsupported operators (--strict): {listing}")
            log.warning("%s: skipped unsupported operators: %s", self.origin, listing)
        if not self.layers:
            raise SpecError.single(self.origin, "", "no supported layers found")
        log.info("%s: %d layers traced", self.origin, len(self.layers))
        used_batch = batch if batch is not None else self.trace_batch
        if used_batch < 1:
            raise SpecError.single("trace", "batch", f"expected a positive integer, got {batch}")
        return Workload(name, source, used_batch, TensorPrecision.default(), tuple(self.layers),
                        arch)


def same_pads(in_hw: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
              kernel_hw: Sequence[int]) -> tuple[int, int, int, int]:
    """``(top, left, bottom, right)`` padding of a "same" convolution (ONNX ``SAME_*``,
    TensorFlow's SAME, torch's ``padding="same"``): the output has ceil(in / stride) positions,
    so the total padding is ``(ceil(in / s) - 1) * s + d * (k - 1) + 1 - in`` (``d * (k - 1)``
    at stride 1, torch's only case), the odd pixel going to the end."""
    total = [max(0, (-(-size // s) - 1) * s + d * (k - 1) + 1 - size)
             for size, s, d, k in zip(in_hw, stride, dilation, kernel_hw, strict=True)]
    return (total[0] // 2, total[1] // 2, total[0] - total[0] // 2, total[1] - total[1] // 2)


def window_of(in_hw: Sequence[int], out_hw: Sequence[int]) -> int:
    """Elements one output of an adaptive pool reads, at most: ceil(in/out) per spatial dim
    (the exact window when in is a multiple of out, as in global pooling)."""
    return math.prod(-(-i // o) for i, o in zip(in_hw, out_hw, strict=True))
