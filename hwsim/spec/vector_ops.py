"""Vector ops (the ``op:`` of a workload's element-wise and reduction layers): one table of what
each costs forward and backward, what it keeps for its backward pass, and which framework ops
the tracers map to it.

Per op (`VectorOpSpec`):

- ``ops_per_element``: arithmetic operations per output element on the vector unit, forward.
  Pooling ops count per element of their window (the layer's `window`, given per layer).
- ``inputs``: operands read per output element by default (element-wise add and mul: 2).
- ``backward_ops``: operations per element of the backward pass (`hwsim.lowering.training`), which
  reads the incoming gradient and the tensor the forward saved.
- ``saves``: what the op keeps for its backward (`hwsim.footprint.saved`), following what
  reverse-mode autodiff needs (PyTorch's autograd formulas, ``tools/autograd/derivatives.yaml``)
  stored the way a memory-efficient trainer stores it: ``input``, ``inputs`` (both operands),
  ``output``, ``mask`` (1 bit per element: the derivative is 0 or 1; Mesa and GACT store it
  so), ``argmax`` (ceil(log2 window) bits per output) or ``nothing``.
- ``statistics``: norms also keep a mean and a reciprocal standard deviation (fp32) per
  ``row`` (layernorm: per normalised row, per sample) or per ``channel`` (batchnorm: the batch's,
  shared by every sample); ``channel_dim`` is the output dimension whose size is the layer's
  `channels` when traced (batchnorm: 1, the channels of an NC... layout; layernorm: -1, the
  normalised last dimension).
- ``torch_functions``, ``torch_modules``, ``onnx_ops``: the PyTorch function and method names
  (in-place variants lose their trailing ``_`` first), ``torch.nn`` module classes and ONNX
  ``op_type``s the tracers (`hwsim.trace`) turn into this op. Subtraction costs what addition
  does, division a multiply (by a reciprocal); ONNX ``Erf`` (the core of GELU before opset 20
  has a Gelu node) is a gelu, ``Clip`` a relu6 (two compares). Pooling functions and modules
  have their own tracer code (their window comes from the call), so only their ONNX ops are
  listed.
"""

from __future__ import annotations

from dataclasses import dataclass

SAVES = ("nothing", "input", "inputs", "output", "mask", "argmax")


@dataclass(frozen=True, slots=True)
class VectorOpSpec:
    """One vector op's costs and provenance (module doc; operations per element)."""

    name: str
    ops_per_element: int
    backward_ops: int
    saves: str
    inputs: int = 1
    pool: bool = False
    statistics: str = ""
    channel_dim: int | None = None
    torch_functions: tuple[str, ...] = ()
    torch_modules: tuple[str, ...] = ()
    onnx_ops: tuple[str, ...] = ()


# Forward: relu 1 compare, relu6 2; gelu/silu/sigmoid/tanh/hardswish a few ops for the
# piecewise or polynomial approximation; add/mul 1; softmax exp + sum + divide; norms mean,
# variance, normalise, scale, shift (batchnorm at inference: a folded scale and shift);
# pooling 1 per window element; identity nothing.
# Backward: relu/relu6 mask the gradient (1); smooth activations evaluate their derivative and
# multiply (about twice the forward); softmax dx = y (dy - sum(dy y)) (3); norms recompute the
# normalised input and reduce two sums (twice the forward); pooling routes or spreads the
# gradient (1); add passes it on (1 copy); mul multiplies by the other operand for each input
# (2).
TABLE: tuple[VectorOpSpec, ...] = (
    VectorOpSpec("relu", 1, 1, "mask", torch_functions=("relu",), torch_modules=("ReLU",),
                 onnx_ops=("Relu",)),
    VectorOpSpec("relu6", 2, 1, "mask", torch_functions=("relu6", "hardtanh"),
                 torch_modules=("ReLU6",), onnx_ops=("Clip",)),
    VectorOpSpec("gelu", 8, 16, "input", torch_functions=("gelu",), torch_modules=("GELU",),
                 onnx_ops=("Gelu", "Erf")),
    VectorOpSpec("silu", 4, 8, "input", torch_functions=("silu",), torch_modules=("SiLU",)),
    VectorOpSpec("sigmoid", 4, 3, "output", torch_functions=("sigmoid",),
                 torch_modules=("Sigmoid",), onnx_ops=("Sigmoid",)),
    VectorOpSpec("tanh", 4, 3, "output", torch_functions=("tanh",), torch_modules=("Tanh",),
                 onnx_ops=("Tanh",)),
    VectorOpSpec("hardswish", 4, 4, "input", torch_functions=("hardswish",),
                 torch_modules=("Hardswish",), onnx_ops=("HardSwish",)),
    VectorOpSpec("add", 1, 1, "nothing", inputs=2,
                 torch_functions=("add", "iadd", "sub", "isub", "rsub"),
                 onnx_ops=("Add", "Sub")),
    VectorOpSpec("mul", 1, 2, "inputs", inputs=2,
                 torch_functions=("mul", "imul", "truediv", "div", "itruediv"),
                 onnx_ops=("Mul", "Div")),
    VectorOpSpec("softmax", 5, 3, "output", torch_functions=("softmax", "log_softmax"),
                 torch_modules=("Softmax", "LogSoftmax"), onnx_ops=("Softmax", "LogSoftmax")),
    VectorOpSpec("layernorm", 5, 10, "input", statistics="row", channel_dim=-1,
                 torch_functions=("layer_norm",), torch_modules=("LayerNorm",),
                 onnx_ops=("LayerNormalization",)),
    VectorOpSpec("batchnorm", 2, 4, "input", statistics="channel", channel_dim=1,
                 torch_functions=("batch_norm",), torch_modules=("BatchNorm1d", "BatchNorm2d"),
                 onnx_ops=("BatchNormalization",)),
    VectorOpSpec("maxpool", 1, 1, "argmax", pool=True,
                 onnx_ops=("MaxPool", "GlobalMaxPool", "ReduceMax")),
    VectorOpSpec("avgpool", 1, 1, "nothing", pool=True,
                 onnx_ops=("AveragePool", "GlobalAveragePool", "ReduceMean")),
    VectorOpSpec("identity", 0, 0, "nothing"),
)

VECTOR_OP_SPECS: dict[str, VectorOpSpec] = {spec.name: spec for spec in TABLE}
VECTOR_OPS: dict[str, int] = {spec.name: spec.ops_per_element for spec in TABLE}
POOL_OPS = tuple(spec.name for spec in TABLE if spec.pool)
assert all(spec.saves in SAVES for spec in TABLE)


def _traced(attr: str, pools: bool) -> dict[str, str]:
    """Framework op name -> vector op, over the pooling ops or the others."""
    return {name: spec.name for spec in TABLE if spec.pool == pools
            for name in getattr(spec, attr)}


TORCH_FUNCTIONS = _traced("torch_functions", pools=False)
TORCH_MODULES = _traced("torch_modules", pools=False)
ONNX_OPS = _traced("onnx_ops", pools=False)
ONNX_POOLS = _traced("onnx_ops", pools=True)
