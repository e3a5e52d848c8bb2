"""What an array kind is (`ArrayKind`), the registry of kinds, and arithmetic they share.

An array kind (``compute.kind`` in an arch file) is everything about a MAC array that depends
on its PE design rather than on its size, dataflow or memory: the `compute:` fields only it has,
its default native formats, how operand widths turn into time, the energy of one MAC and the
area of one PE. `hwsim.arrays` registers one object per kind; the rest of hwsim asks the
registry (`array_kind`) and never compares kind names.

Units: bits for widths, cycles for time, pJ at 45 nm for energy (the caller scales to the
arch's node), um^2 at 45 nm for area.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hwsim.dataflow.systolic import DATAFLOW_CODES
from hwsim.precision import NumberFormat
from hwsim.spec.arch import ComputeArray, KindOptions
from hwsim.spec.errors import suggest
from hwsim.spec.fields import Fields

I64 = npt.NDArray[np.int64]
OptionColumns = tuple[int, int, int]
Formats = tuple[NumberFormat, NumberFormat, NumberFormat]


@dataclass(frozen=True, slots=True)
class MacProblem:
    """What the energy of one MAC of a GEMM problem may depend on: the operand and accumulator
    widths (bits), the reduction length K (MACs per output), whether the GEMM is a convolution
    (im2col) rather than a fully connected layer, and the problem's throughput factors on this
    design (`ArrayKind.throughput`: products per PE cycle, cycles per MAC)."""

    a_bits: int
    b_bits: int
    acc_bits: int
    reduction: int
    from_conv: bool
    k_pack: int
    t_steps: int


class ArrayKind(Protocol):
    """One array kind. Members, with units:

    - `name`: the ``compute.kind`` value.
    - `option_fields`: the `compute:` keys only this kind has (flat in the arch file, next to
      ``rows`` and ``cols``); a key of another kind's `option_fields` is an error on this one.
    - `options_type`: the frozen `KindOptions` subclass `parse_options` returns; built with no
      arguments it holds the defaults (a sweep that changes ``compute.kind`` starts from them).
    - `parse_options(f)`: read and check `option_fields` from the arch's `compute:` mapping
      with the `Fields` API (errors recorded in `f`'s log, as every other field).
    - `options_yaml(options)`: the same fields as arch-file YAML (`arch_to_yaml`), so that
      `parse_options` reads them back equal.
    - `default_native_formats(word_bits)`: the formats the PE executes when the arch gives no
      ``native_formats``.
    - `option_columns(options)`: the options as three integers, the kernels' per-design
      columns (`hwsim.evaluate.DesignArrays`: ``serial``, ``bits_per_cycle``,
      ``window_lanes``), which `throughput` reads back.
    - `throughput(columns, word_bits, dataflow, a_bits, b_bits, from_conv)`: for d designs of
      this kind (columns [3, d], word_bits and `DATAFLOW_CODES` [d]) and P problems (operand
      widths in bits, 1 for convolutions [P]), the factors (k_pack, t_steps, m_pack, preload)
      stacked [4, d, P] (`hwsim.arrays.throughput`): products of the reduction a PE completes
      per cycle, cycles a PE spends on one MAC, output rows a PE serves at once, cycles to
      load one row of the stationary operand. None: all four are 1 (a bit-parallel PE).
    - `mac_pj(options, mac, formats)`: pJ at 45 nm of one MAC of problem `mac` with operands
      and accumulator in `formats` (a, b, acc); None: the bit-parallel MAC of the energy
      table in those formats (`hwsim.unit_energy.ops.mac_pj`).
    - `pe_um2(options, native_formats, word_bits)`: (um^2 per PE, um^2 per array column) at
      45 nm; raises `hwsim.unit_area.pe.AreaDataError` when no area data covers the formats.
    """

    @property
    def name(self) -> str: ...

    @property
    def option_fields(self) -> tuple[str, ...]: ...

    @property
    def options_type(self) -> type[KindOptions]: ...

    def parse_options(self, f: Fields) -> KindOptions: ...

    def options_yaml(self, options: KindOptions) -> dict[str, Any]: ...

    def default_native_formats(self, word_bits: int) -> tuple[NumberFormat, ...]: ...

    def option_columns(self, options: KindOptions) -> OptionColumns: ...

    def throughput(self, columns: I64, word_bits: I64, dataflow: I64, a_bits: I64,
                   b_bits: I64, from_conv: I64) -> I64 | None: ...

    def mac_pj(self, options: KindOptions, mac: MacProblem, formats: Formats) -> float | None: ...

    def pe_um2(self, options: KindOptions, native_formats: tuple[NumberFormat, ...],
               word_bits: int) -> tuple[float, float]: ...


class UnknownArrayKindError(ValueError):
    """No registered array kind has this name."""


_REGISTRY: dict[str, ArrayKind] = {}


def register(kind: ArrayKind) -> None:
    """Add `kind` to the registry (`hwsim.arrays` registers the shipped kinds)."""
    _REGISTRY[kind.name] = kind


def kind_names() -> tuple[str, ...]:
    """Names of the registered kinds, in registration order (the order of their codes in the
    kernels' per-design arrays, `hwsim.arrays.throughput.KIND_CODES`)."""
    return tuple(_REGISTRY)


def array_kind(name: str) -> ArrayKind:
    """The registered kind `name`; an unknown name is an UnknownArrayKindError suggesting the
    closest registered one."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownArrayKindError(f"unknown array kind {name!r}; expected one of "
                                    f"{', '.join(_REGISTRY)}" + suggest(name, _REGISTRY)) from None


def mac_datapath_key(compute: ComputeArray) -> Hashable:
    """What the energy of one MAC depends on besides the problem and the node: designs with
    equal keys share a MAC datapath (kind, its options, native formats, promotion)."""
    return (compute.kind, compute.options, compute.native_formats, compute.promote)


def ceil_div(a: I64, b: I64 | int) -> I64:
    return -(-a // b)


def preload_cycles(k_pack: I64, m_pack: I64, a_bits: I64, b_bits: I64, word_bits: I64,
                   dataflow: I64) -> I64:
    """Cycles to load one row of a fold's stationary operand into precision-scalable PEs
    ([d, P] from [d, 1] design and [1, P] problem columns). SCALE-Sim loads one row per cycle
    over a `word_bits`-wide link per PE; a PE that holds k_pack (ws: weights, b bits each) or
    k_pack * m_pack (is: inputs, a bits each) elements needs ceil(elements * bits / word_bits)
    such cycles, at least 1. Output-stationary folds preload nothing to hold: 1."""
    stationary_bits = np.where(dataflow == DATAFLOW_CODES["ws"], k_pack * b_bits,
                               np.where(dataflow == DATAFLOW_CODES["is"],
                                        k_pack * m_pack * a_bits, 0))
    return np.maximum(ceil_div(stationary_bits, word_bits), 1)
