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

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from hwsim.precision import NumberFormat
from hwsim.spec.errors import SpecError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
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
        return PASS_CODES[self]

    @staticmethod
    def from_code(code: int) -> Pass:
        return PASSES[code]


PASSES = tuple(Pass)    # in step order: a pass's code is its index
PASS_CODES = {p: i for i, p in enumerate(PASSES)}


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

    `format_set` holds the distinct tuples of formats of operand A, operand B, the output and
    the accumulator, `format_index` each problem's (`formats` per problem); the bit widths
    below are theirs, and they price the problem's energy. `source` names the workload file
    in errors. Vector
    problems move `vector_read_bits` and `vector_write_bits` per element; those with
    `vector_in_dram` keep their tensors in DRAM (optimizer state) and always move them.
    `b_store_bits` is the width operand B is stored and moved in (DRAM traffic, SRAM reads):
    `b_bits` unless the layer's weights are stored wider than used (`stored_weights`, read by
    MSB truncation), when `b_bits` is the used width that sets compute. `pass_code` and
    `problem_kind` hold `Pass.code` and `ProblemKind` values; `is_vector` is 1 for every problem
    on the vector unit (the kernels' view of the kind). Problems with one `distinct_index`
    (layers alike lower to the same problems, `hwsim.lowering.network`) agree in every column
    but `names` and `layer_index`, so their kernel counts and energies agree too (`distinct`).
    """

    names: tuple[str, ...]
    format_set: tuple[Formats, ...]
    format_index: IntArray
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
    vector_read_bits: FloatArray
    vector_write_bits: FloatArray
    vector_in_dram: IntArray
    from_conv: IntArray
    b_store_bits: FloatArray
    a_store_bits: FloatArray
    out_store_bits: FloatArray
    distinct_index: IntArray
    source: str = ""

    def __len__(self) -> int:
        return len(self.names)

    @property
    def formats(self) -> tuple[Formats, ...]:
        """Per problem, the formats of A, B, the output and the accumulator."""
        distinct = self.format_set
        return tuple(distinct[i] for i in self.format_index.tolist())

    def distinct(self) -> tuple[ProblemTable, IntArray]:
        """(the table of each distinct problem's first occurrence, in table order; for every
        problem its row there): what a per-problem computation (kernels, pricing) needs to see
        once, and how to spread its [..., P'] results back over the P problems
        (``values[..., rows]``)."""
        _, first, rows = np.unique(self.distinct_index, return_index=True,
                                   return_inverse=True)
        if first.size == len(self):      # no problem repeats another
            return self, np.arange(len(self))
        order = np.argsort(first, kind="stable")
        keep = first[order]
        renumber = np.empty_like(order)
        renumber[order] = np.arange(order.size)
        return self.take(keep), renumber[rows.reshape(-1)]

    def take(self, rows: IntArray) -> ProblemTable:
        """The table of problems `rows` (indices into this one), its format tuples kept."""
        names = self.names
        return ProblemTable(names=tuple(names[i] for i in rows.tolist()),
                            format_set=self.format_set, source=self.source,
                            **{f: getattr(self, f)[rows] for f in ROW_FIELDS})

    @property
    def macs(self) -> IntArray:
        return self.M * self.N * self.K * self.count * (1 - self.is_vector)

    @property
    def bitops(self) -> IntArray:
        """MACs x bits of operand A x bits of operand B (CPT's cost measure)."""
        return self.macs * self.a_bits * self.b_bits


INT_FIELDS = ("layer_index", "pass_code", "problem_kind", "is_vector", "M", "N", "K", "count",
              "a_unique", "a_bits", "b_bits", "out_bits", "acc_bits", "vector_elements",
              "vector_ops_per_element", "vector_in_dram", "from_conv")
# every per-problem array column of `ProblemTable`
ROW_FIELDS = ("format_index", *INT_FIELDS, "vector_read_bits", "vector_write_bits",
              "b_store_bits", "a_store_bits", "out_store_bits", "distinct_index")


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
    vector_read_bits: float = 0
    vector_write_bits: float = 0
    vector_in_dram: int = 0
    from_conv: int = 0
    b_store_bits: float = 0        # 0: operand B is stored at its own storage width
    kind: ProblemKind = ProblemKind.GEMM

    @property
    def is_vector(self) -> int:
        return int(self.kind.on_vector_unit)


def gemm(name: str, index: int, pass_name: Pass, formats: Formats, m: int, n: int, k: int,
         count: int, a_unique: int | None = None) -> Problem:
    return Problem(name, index, pass_name, formats, m, n, k, count,
                   m * k if a_unique is None else min(a_unique, m * k))


def vector(name: str, index: int, pass_name: Pass, formats: Formats, elements: int, ops: int,
           read_bits: float, write_bits: float, in_dram: bool = False,
           kind: ProblemKind = ProblemKind.VECTOR) -> Problem:
    return Problem(name, index, pass_name, formats, vector_elements=elements,
                   vector_ops_per_element=ops, vector_read_bits=read_bits,
                   vector_write_bits=write_bits, vector_in_dram=int(in_dram), kind=kind)


def _format_codes(problems: list[Problem]) -> tuple[tuple[Formats, ...], list[int]]:
    """The distinct format tuples of `problems` (first appearance first) and each problem's
    index into them. Lowering shares format objects between problems, so most look-ups are by
    object identity; equal tuples built apart still get one code."""
    distinct: list[Formats] = []
    by_value: dict[Formats, int] = {}
    by_ids: dict[tuple[int, ...], int] = {}
    codes: list[int] = []
    for formats in (p.formats for p in problems):
        ids = (id(formats[0]), id(formats[1]), id(formats[2]), id(formats[3]))
        code = by_ids.get(ids)
        if code is None:
            code = by_value.setdefault(formats, len(distinct))
            if code == len(distinct):
                distinct.append(formats)
            by_ids[ids] = code
        codes.append(code)
    return tuple(distinct), codes


def distinct_rows(keys: npt.NDArray[np.generic]) -> tuple[IntArray, IntArray]:
    """(the first row of each distinct row of `keys[n, c]`, for every row its distinct row's
    index into those): what ``np.unique(keys, axis=0, return_index=True,
    return_inverse=True)`` gives up to the order of the distinct rows, without sorting rows
    as raw bytes (much slower for the few rows of a problem table). Rows compare by value
    (keys hold no NaN)."""
    n = keys.shape[0]
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(keys.T[::-1])     # stable: equal rows keep their order
    ordered = keys[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return order[starts].astype(np.int64), inverse


INT64_MAX = 2**63 - 1


def format_count(value: int) -> str:
    """3.9e21 style: a count too large to print in full."""
    return f"{value:.1e}".replace("e+", "e")


def _guard_counts(problem: Callable[[int], Problem], widths: FloatArray,
                  cols: dict[str, npt.NDArray[np.generic]], source: str) -> None:
    """Refuse a problem whose counts exceed int64, the kernels' and totals' integer type:
    MACs, BitOPs (MACs x A bits x B bits), the elements of each operand, vector operations,
    and the bits it moves (at most one access per MAC and operand, at the operand's width; a
    vector problem's elements x the bits it reads and writes). Screened in float64, checked
    exactly with Python ints where close; a SpecError names the first one found (`problem(j)`
    is the table's problem j)."""
    f = {k: np.asarray(cols[k], dtype=np.float64)   # no copy of the float columns
         for k in ("M", "N", "K", "count", "vector_elements", "vector_ops_per_element",
                   "vector_read_bits", "vector_write_bits")}
    a, b, out, acc, b_store = widths
    macs = f["M"] * f["N"] * f["K"] * f["count"]
    elements = f["vector_elements"]
    screened = [macs, macs * a * b, f["M"] * f["K"] * f["count"], f["K"] * f["N"] * f["count"],
                f["M"] * f["N"] * f["count"], macs * (a + b_store + out + acc),
                elements * f["vector_ops_per_element"],
                elements * (f["vector_read_bits"] + f["vector_write_bits"])]
    suspect = np.flatnonzero(np.any(np.stack(screened) >= 2.0**62, axis=0))
    for i in suspect.tolist():
        _refuse_overflow(problem(i), source)


def _refuse_overflow(p: Problem, source: str) -> None:
    """SpecError if one of `_guard_counts`' quantities of `p`, in Python ints, exceeds int64
    (the first in the order listed there)."""
    a, b, out, acc = (f.bits for f in p.formats)
    macs = p.M * p.N * p.K * p.count
    quantities = [
        ("macs", macs), ("bitops", macs * a * b), ("A elements", p.M * p.K * p.count),
        ("B elements", p.K * p.N * p.count), ("output elements", p.M * p.N * p.count),
        ("bits moved", macs * (a + (p.b_store_bits or p.formats[1].storage_bits) + out + acc)),
        ("vector elements", p.vector_elements),
        ("vector operations", p.vector_elements * p.vector_ops_per_element),
        ("bits moved", p.vector_elements * (p.vector_read_bits + p.vector_write_bits))]
    for name, value in quantities:
        if value > INT64_MAX:
            raise SpecError.single(source, f"layers[{p.layer_index}] ({p.name})",
                                   f"{name} = {format_count(value)} exceeds the int64 range "
                                   "of the count model")


PROBLEM_FIELDS = ("layer_index", "M", "N", "K", "count", "a_unique", "vector_elements",
                  "vector_ops_per_element", "vector_in_dram", "from_conv")
PROBLEM_WIDTHS = ("vector_read_bits", "vector_write_bits", "b_store_bits")


def pack(problems: list[Problem], source: str = "") -> ProblemTable:
    """Struct-of-arrays view of a problem list, built column by column. Counts that exceed
    int64 are a SpecError naming `source` (the workload file) and the layer."""
    return pack_repeated(problems, list(range(len(problems))),
                         [p.layer_index for p in problems], [p.name for p in problems], source)


def pack_repeated(distinct: list[Problem], rows: list[int], layer_index: list[int] | IntArray,
                  names: list[str], source: str = "") -> ProblemTable:
    """The table whose problem j is ``distinct[rows[j]]`` with layer index `layer_index[j]` and
    name `names[j]` (layers alike share their problems: `hwsim.lowering.network`; `rows` is the
    table's `distinct_index`), built column by column: each distinct problem is read once.
    Counts that exceed int64 are a SpecError naming `source` (the workload file) and the
    layer."""
    def problem(j: int) -> Problem:
        return replace(distinct[rows[j]], name=names[j], layer_index=int(layer_index[j]))

    take = np.asarray(rows, dtype=np.int64)
    distinct_formats, codes = _format_codes(distinct)
    # the table's format tuples in first-appearance order, as `_format_codes` orders them
    used, first = np.unique(np.asarray(codes, dtype=np.int64)[take], return_index=True)
    order = used[np.argsort(first, kind="stable")]
    renumber = np.zeros(len(distinct_formats), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    format_set = tuple(distinct_formats[c] for c in order.tolist())
    format_index = renumber[np.asarray(codes, dtype=np.int64)][take]
    # bits of A, B, output, accumulator per distinct format tuple, then per problem
    widths = np.asarray([[f.bits for f in fmts] for fmts in format_set],
                        dtype=np.int64).reshape(-1, 4).T[:, format_index]
    # the widths memory stores them in (a block format's scales included)
    stored = np.asarray([[f.storage_bits for f in fmts] for fmts in format_set],
                        dtype=np.float64).reshape(-1, 4).T[:, format_index]
    get = attrgetter(*PROBLEM_FIELDS)
    try:
        values = np.asarray(list(map(get, distinct)),
                            dtype=np.int64).reshape(-1, len(PROBLEM_FIELDS)).T[:, take]
    except OverflowError:  # a size beyond int64 itself: name it
        for j in range(len(rows)):
            _refuse_overflow(problem(j), source)
        raise
    cols: dict[str, IntArray] = dict(zip(PROBLEM_FIELDS, values, strict=True))
    cols["layer_index"] = np.asarray(layer_index, dtype=np.int64)
    moved = np.asarray(list(map(attrgetter(*PROBLEM_WIDTHS), distinct)),
                       dtype=np.float64).reshape(-1, len(PROBLEM_WIDTHS)).T[:, take]
    floats: dict[str, FloatArray] = dict(zip(PROBLEM_WIDTHS, moved, strict=True))
    b_store = np.where(moved[2] > 0, moved[2], stored[1])
    _guard_counts(problem, np.vstack([widths[0], widths[1], stored[2], stored[3], b_store]),
                  {**cols, **floats}, source)
    pass_codes = np.asarray([PASS_CODES[p.pass_name] for p in distinct], dtype=np.int64)[take]
    kinds = np.asarray([p.kind for p in distinct], dtype=np.int64)[take]
    cols.update(pass_code=pass_codes, problem_kind=kinds,
                is_vector=(kinds != ProblemKind.GEMM).astype(np.int64),
                a_bits=widths[0], b_bits=widths[1], out_bits=widths[2], acc_bits=widths[3])
    floats.update(b_store_bits=b_store, a_store_bits=stored[0], out_store_bits=stored[2])
    return ProblemTable(names=tuple(names), format_set=format_set,
                        format_index=format_index, source=source,
                        **{f: np.ascontiguousarray(cols[f]) for f in INT_FIELDS},
                        vector_read_bits=np.ascontiguousarray(floats["vector_read_bits"]),
                        vector_write_bits=np.ascontiguousarray(floats["vector_write_bits"]),
                        b_store_bits=np.ascontiguousarray(floats["b_store_bits"]),
                        a_store_bits=np.ascontiguousarray(floats["a_store_bits"]),
                        out_store_bits=np.ascontiguousarray(floats["out_store_bits"]),
                        distinct_index=take)
