"""Problems, the unit of work the kernels cost: a GEMM (M, N, K, count) on the array, or vector
work on the vector unit, packed into a struct-of-arrays `ProblemTable`.

Operand A (SCALE-Sim's ifmap) is M x K, operand B (filter) is K x N, the output (ofmap) M x N.
`a_unique` is the number of distinct A elements per GEMM: for a convolution the input feature map
(C/groups x H x W x batch, without padding) that the im2col rows are drawn from; the memory model
fetches unique data from DRAM while the array reads the im2col stream from SRAM. How each layer
becomes problems is in `hwsim.lowering.forward` (forward pass), `hwsim.lowering.training`
(backward passes, optimizer update) and `hwsim.lowering.compression` (saved activations).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np
import numpy.typing as npt

from hwsim.precision import NumberFormat

IntArray = npt.NDArray[np.int64]
Formats = tuple[NumberFormat, NumberFormat, NumberFormat, NumberFormat]


class Pass(StrEnum):
    """The part of a step a problem belongs to: the forward pass, backward-data (gradients of
    the inputs), backward-weight (gradients of the weights) or the optimizer update. The value
    is the name results report; `code` is the problem table's integer for it."""

    FWD = "fwd"
    DGRAD = "dgrad"
    WGRAD = "wgrad"
    UPDATE = "update"

    @property
    def code(self) -> int:
        return PASSES.index(self)

    @staticmethod
    def from_code(code: int) -> Pass:
        return PASSES[code]


PASSES = tuple(Pass)    # in step order: a pass's code is its index


class ProblemKind(IntEnum):
    """What a problem computes: a GEMM on the array, vector work on the vector unit, or the
    vector work of compressing or decompressing saved activations
    (`hwsim.lowering.compression`), which results total separately."""

    GEMM = 0
    VECTOR = 1
    COMPRESSION = 2

    @property
    def on_vector_unit(self) -> bool:
        return self is not ProblemKind.GEMM

    @property
    def unit(self) -> str:
        """Where the problem runs, as results name it: ``gemm`` (the array) or ``vector``."""
        return "vector" if self.on_vector_unit else "gemm"


@dataclass(frozen=True, slots=True)
class ProblemTable:
    """One row per problem; every array has the same length. Counts are int64.

    `formats` holds, per problem, the formats of operand A, operand B, the output and the
    accumulator (the bit widths below are theirs); they price the problem's energy. Vector
    problems move `vector_read_bits` and `vector_write_bits` per element; those with
    `vector_in_dram` keep their tensors in DRAM (optimizer state) and always move them.
    `b_store_bits` is the width operand B is stored and moved in (DRAM traffic, SRAM reads):
    `b_bits` unless the layer's weights are stored wider than used (`stored_weights`, read by
    MSB truncation), when `b_bits` is the used width that sets compute. `pass_code` and
    `problem_kind` hold `Pass.code` and `ProblemKind` values; `is_vector` is 1 for every problem
    on the vector unit (the kernels' view of the kind).
    """

    names: tuple[str, ...]
    formats: tuple[Formats, ...]
    layer_index: IntArray
    pass_code: IntArray
    problem_kind: IntArray
    is_vector: IntArray
    M: IntArray
    N: IntArray
    K: IntArray
    count: IntArray
    a_unique: IntArray
    a_bits: IntArray
    b_bits: IntArray
    out_bits: IntArray
    acc_bits: IntArray
    vector_elements: IntArray
    vector_ops_per_element: IntArray
    vector_read_bits: IntArray
    vector_write_bits: IntArray
    vector_in_dram: IntArray
    from_conv: IntArray
    b_store_bits: IntArray

    def __len__(self) -> int:
        return len(self.names)

    @property
    def macs(self) -> IntArray:
        return self.M * self.N * self.K * self.count * (1 - self.is_vector)

    @property
    def bitops(self) -> IntArray:
        """MACs x bits of operand A x bits of operand B (CPT's cost measure)."""
        return self.macs * self.a_bits * self.b_bits


INT_FIELDS = ("layer_index", "pass_code", "problem_kind", "is_vector", "M", "N", "K", "count",
              "a_unique", "a_bits", "b_bits", "out_bits", "acc_bits", "vector_elements",
              "vector_ops_per_element", "vector_read_bits", "vector_write_bits",
              "vector_in_dram", "from_conv", "b_store_bits")


@dataclass(slots=True)
class Problem:
    """One problem before packing (see `ProblemTable` for the fields)."""

    name: str
    layer_index: int
    pass_name: Pass
    formats: Formats
    M: int = 0
    N: int = 0
    K: int = 0
    count: int = 1
    a_unique: int = 0
    vector_elements: int = 0
    vector_ops_per_element: int = 0
    vector_read_bits: int = 0
    vector_write_bits: int = 0
    vector_in_dram: int = 0
    from_conv: int = 0
    b_store_bits: int = 0          # 0: operand B is stored at its own width
    kind: ProblemKind = ProblemKind.GEMM

    @property
    def is_vector(self) -> int:
        return int(self.kind.on_vector_unit)


def gemm(name: str, index: int, pass_name: Pass, formats: Formats, m: int, n: int, k: int,
         count: int, a_unique: int | None = None) -> Problem:
    return Problem(name, index, pass_name, formats, m, n, k, count,
                   m * k if a_unique is None else min(a_unique, m * k))


def vector(name: str, index: int, pass_name: Pass, formats: Formats, elements: int, ops: int,
           read_bits: int, write_bits: int, in_dram: bool = False,
           kind: ProblemKind = ProblemKind.VECTOR) -> Problem:
    return Problem(name, index, pass_name, formats, vector_elements=elements,
                   vector_ops_per_element=ops, vector_read_bits=read_bits,
                   vector_write_bits=write_bits, vector_in_dram=int(in_dram), kind=kind)


def pack(problems: list[Problem]) -> ProblemTable:
    """Struct-of-arrays view of a problem list."""
    cols: dict[str, list[int]] = {f: [] for f in INT_FIELDS}
    for p in problems:
        a, b, out, acc = p.formats
        values = {"layer_index": p.layer_index, "pass_code": p.pass_name.code,
                  "problem_kind": p.kind, "is_vector": p.is_vector, "M": p.M, "N": p.N,
                  "K": p.K, "count": p.count,
                  "a_unique": p.a_unique, "a_bits": a.bits, "b_bits": b.bits,
                  "out_bits": out.bits, "acc_bits": acc.bits,
                  "vector_elements": p.vector_elements,
                  "vector_ops_per_element": p.vector_ops_per_element,
                  "vector_read_bits": p.vector_read_bits,
                  "vector_write_bits": p.vector_write_bits, "vector_in_dram": p.vector_in_dram,
                  "from_conv": p.from_conv, "b_store_bits": p.b_store_bits or b.bits}
        for name in INT_FIELDS:
            cols[name].append(values[name])
    arrays = {f: np.asarray(v, dtype=np.int64) for f, v in cols.items()}
    return ProblemTable(names=tuple(p.name for p in problems),
                        formats=tuple(p.formats for p in problems), **arrays)


