"""The workload file's keys, each declared once (`hwsim.spec.schema`): what the workload loader
validates and `workload_to_yaml` writes.

- the top level -> `Workload`: `WORKLOAD` (``precision`` and ``layers`` are read by the loader);
- every layer: ``name`` and ``op`` (`LAYER`), then the op's fields -> its dataclass
  (`hwsim.spec.workload`): `CONV2D`, `LINEAR`, `MATMUL`, `EMBEDDING`, or `VECTOR_OP` for the
  vector ops (plus `POOL` for maxpool and avgpool). A layer's ``precision`` is read by the
  loader (`hwsim.spec.workload_io.tensor_formats`).
"""

from __future__ import annotations

from hwsim.spec.schema import WRITE_NEVER, WRITE_UNLESS_DEFAULT, Field, Section
from hwsim.spec.vector_ops import VECTOR_OP_SPECS, VECTOR_OPS

LAYER_OPS = ("conv2d", "linear", "matmul", "embedding", *VECTOR_OPS)

WORKLOAD = Section((
    Field("name", "string", "workload name (default: the file's stem)"),
    Field("source", "string", "provenance (default: 'file: <path>')"),
    Field("batch", "integer", "samples per step; shapes are per sample", "samples", default=1),
    Field("arch", "string", "arch `hwsim estimate` uses without --arch", default=None,
          write=WRITE_UNLESS_DEFAULT),
))

LAYER = Section((
    Field("name", "string", "unique layer name"),
    Field("op", "choice", "operation", options=LAYER_OPS),
))

CONV2D = Section((
    Field("in_channels", "integer", "input channels", "channels"),
    Field("out_channels", "integer", "output channels", "channels"),
    Field("input", "pair", "input height and width", "elements", attr=("in_h", "in_w")),
    Field("kernel", "pair", "kernel height and width", "elements",
          attr=("kernel_h", "kernel_w")),
    Field("stride", "pair", "stride", "elements", default=1, attr=("stride_h", "stride_w")),
    Field("padding", "pair", "zero padding per side", "elements", default=0, minimum=0,
          attr=("pad_h", "pad_w")),
    Field("dilation", "pair", "kernel dilation", "elements", default=1,
          attr=("dilation_h", "dilation_w"), write=WRITE_UNLESS_DEFAULT),
    Field("groups", "integer", "channel groups (in and out channels divide by it)",
          default=1, write=WRITE_UNLESS_DEFAULT),
    Field("ceil_mode", "boolean", "round the output size up", default=False,
          write=WRITE_UNLESS_DEFAULT),
))

LINEAR = Section((
    Field("in_features", "integer", "input features", "features"),
    Field("out_features", "integer", "output features", "features"),
    Field("rows", "integer", "tokens per sample (1 for a CNN classifier)", "rows", default=1,
          write=WRITE_UNLESS_DEFAULT),
))

MATMUL = Section((
    Field("M", "integer", "rows of A and C", "elements"),
    Field("N", "integer", "columns of B and C", "elements"),
    Field("K", "integer", "columns of A, rows of B", "elements"),
    Field("count", "integer", "independent products per sample (attention heads)",
          "products", default=1),
))

EMBEDDING = Section((
    Field("num_embeddings", "integer", "rows of the table", "rows"),
    Field("embedding_dim", "integer", "weights per row", "weights"),
    Field("tokens", "integer", "rows looked up per sample", "rows"),
))

# ops_per_element and inputs default by op (`vector_defaults`)
VECTOR_OP = Section((
    Field("elements", "integer", "outputs per sample", "elements"),
    Field("ops_per_element", "integer", "operations per output (default: the op's, "
          "hwsim.spec.vector_ops, times the pooling window)", "ops", minimum=0),
    Field("inputs", "integer", "operands read per output (default: the op's, "
          "hwsim.spec.vector_ops)", "operands"),
    Field("channels", "integer", "norms: the dimension statistics are kept for (0: unknown)",
          "channels", default=0, minimum=0, write=WRITE_UNLESS_DEFAULT),
))

POOL = Section((
    Field("window", "integer", "pooling window (elements per output); sets the default "
          "ops_per_element", "elements", default=1, write=WRITE_NEVER),
))

SECTIONS = {"conv2d": CONV2D, "linear": LINEAR, "matmul": MATMUL, "embedding": EMBEDDING}


def vector_defaults(op: str, window: int) -> dict[str, int]:
    """The defaults of a vector op's ``ops_per_element`` and ``inputs``."""
    return {"ops_per_element": VECTOR_OPS[op] * window, "inputs": VECTOR_OP_SPECS[op].inputs}
