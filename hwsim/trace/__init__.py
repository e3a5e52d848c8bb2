"""Workloads from models: trace a PyTorch module or read an ONNX file into a `Workload`.

    >>> from hwsim.trace import from_torch, from_onnx
    >>> workload = from_torch(model, (torch.zeros(1, 3, 224, 224),), name="mynet")
    >>> workload = from_onnx("mynet.onnx")            # or: hwsim trace mynet.onnx -o w.yaml

Both produce per-sample layer shapes (every count divided by the traced batch, the leading
dimension of the first input) and set `batch` to the traced batch unless `batch` is given.
Covered: 2-D convolutions (groups, dilation, padding), linear layers (Gemm, MatMul with a
weight), products of two activations (attention scores and context: `matmul` with `count` =
heads), embedding lookups (memory traffic only), and vector work (activations, norms, softmax,
pooling, element-wise add/mul) with element counts. Reshapes, transposes, dropout and constants
cost nothing. Other operators are listed by kind and count in one warning and skipped, or raise
`SpecError` with ``strict=True``.

torch and onnx are optional (``pip install 'hwsim[torch]'`` / ``'hwsim[onnx]'``) and imported
only when these functions run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Workload

if TYPE_CHECKING:
    import torch

__all__ = ["from_onnx", "from_torch"]


def _require(module: str, extra: str, origin: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise SpecError.single(origin, "", f"tracing needs the `{module}` package: "
                               f"pip install 'hwsim[{extra}]'") from None


def from_torch(model: Any, example_inputs: torch.Tensor | Sequence[torch.Tensor], *,
               name: str | None = None, source: str | None = None, batch: int | None = None,
               strict: bool = False, arch: str | None = None) -> Workload:
    """Trace `model` (a ``torch.nn.Module``) on `example_inputs` with torch.fx.

    `name` defaults to the model's class name in lower case, `source` to a line naming the
    class and the input shapes. Build the model under ``with torch.device("meta"):`` to trace
    without allocating weights or computing anything.
    """
    _require("torch", "torch", f"torch module {type(model).__name__}")
    from hwsim.trace.torch_trace import trace_module
    inputs = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else \
        (cast("torch.Tensor", example_inputs),)   # anything but a tuple or list is one tensor
    return trace_module(model, inputs, name=name or type(model).__name__.lower(),
                        source=source, batch=batch, strict=strict, arch=arch)


def from_onnx(path: str | Path, *, name: str | None = None, batch: int | None = None,
              strict: bool = False, arch: str | None = None) -> Workload:
    """Read the ONNX model at `path` and infer its shapes with onnx's shape inference.

    A symbolic leading (batch) input dimension is traced as 1; other symbolic dimensions are an
    error, since the layer shapes depend on them. `name` defaults to the file's stem.
    """
    path = Path(path)
    _require("onnx", "onnx", str(path))
    from hwsim.trace.onnx_trace import trace_onnx_file
    return trace_onnx_file(path, name=name or path.stem, batch=batch, strict=strict, arch=arch)
