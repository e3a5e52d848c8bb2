"""Field paths a sweep may vary, and how one design's values turn into an arch, a precision
policy and a schedule.

Paths spell the YAML they change:

- arch: every field of the arch field tables (`hwsim.archfile.fields`): ``compute.rows``,
  ``compute.dataflow``, ``compute.clock_mhz``, ``memory.sram.<buffer>.size_kib`` for each
  buffer of the base arch (and ``.holds``), ``memory.dram.bandwidth_bytes_per_cycle``,
  ``memory.dram.technology``, ``memory.accumulator.size_kib`` when the base arch has an
  accumulator, ``energy.node_nm``, ``energy.static_power_mw``, ..., ``mapping.strategy``,
  ``mapping.objective``, and the base array kind's own fields (``compute.serial`` on a
  bit-serial array, `hwsim.arrays`);
- precision (formats such as ``int4`` or ``fp8_e4m3``, or integers meaning ``int<bits>``):
  ``precision.<kind>`` or ``precision.default.<kind>`` sets the policy default;
  ``precision.rules.first.<kind>``, ``precision.rules.last.<kind>`` (first and last MAC layer)
  and ``precision.rules[<glob>].<kind>`` (layers by name) add a per-layer rule, applied after
  the base policy's rules. `<kind>` is weights, activations, gradients or accumulator;
- schedule (training): ``schedule.kind``, ``schedule.bits`` (``8``, ``"3:8"`` or ``[3, 8]``),
  ``schedule.grad_bits``, ``schedule.cycles``; as `hwsim.training_run.training_run`, the
  schedule's bits set the default weights, activations and gradients, rules apply on top;
- ``workload.batch``.

Arch values are checked by their field's reader, the one the arch loader runs (for a kind's
own field, the kind's `parse_options`, on every swept kind), straight from the value, without
writing arch files, so a bad value gets the loader's message; applying a value converts it as the
field declares and replaces dataclass fields (`apply_arch`), which the tests check against the
loader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hwsim.precision import TENSOR_KINDS, NumberFormat, parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.precision.schedule import SCHEDULE_KINDS, Schedule, ScheduleError
from hwsim.arrays import ArrayKind, array_kind, kind_names
from hwsim.spec.arch import Arch, ComputeArray
from hwsim.archfile.fields import (ACCUMULATOR_FIELDS, COMPUTE, DRAM, ENERGY, MAPPING,
                                   SRAM_BUFFER, VECTOR)
from hwsim.spec.errors import SpecError, suggest
from hwsim.spec.fields import Fields, IssueLog
from hwsim.spec.schema import Field
from hwsim.spec.workload import Workload

SCHEDULE_PATHS = tuple(f"schedule.{k}" for k in ("kind", "bits", "grad_bits", "cycles"))
WORKLOAD_PATHS = ("workload.batch",)
_RULE = re.compile(r"precision\.rules(?:\.(first|last)|\[(.+)\])\.(\w+)$")
_DEFAULT = re.compile(r"precision\.(?:default\.)?(\w+)$")


@dataclass(frozen=True, slots=True)
class ArchPath:
    """Where an arch path lands: the section (``compute``, ``options`` for the array kind's
    own fields, ``vector``, ``sram``, ``dram``, ``accumulator``, ``energy`` or ``mapping``),
    the buffer for ``sram``, and the field declaring the key (for a kind's own field, a
    stand-in whose reader is the kind's `parse_options`)."""

    section: str
    buffer: str
    field: Field


def _kind_option_field(kind: ArrayKind, key: str) -> Field:
    default = getattr(kind.options_type(), key)
    integer = isinstance(default, int) and not isinstance(default, bool)
    return Field(key, "integer" if integer else "string", f"{kind.name} option",
                 default=default)


def _kind_option(kind: ArrayKind, key: str, value: Any, log: IssueLog) -> Any:
    """`value` of the kind's own field `key` as the kind parses it (issues in `log`)."""
    return getattr(kind.parse_options(Fields({key: value}, "compute", log)), key)


def arch_fields(base: Arch) -> dict[str, ArchPath]:
    """Every arch path a sweep may set on `base`, from the arch field tables and the base
    array kind's own fields."""
    out: dict[str, ArchPath] = {}
    for section, table, prefix in (("compute", COMPUTE, "compute"),
                                   ("vector", VECTOR, "vector")):
        out.update({f"{prefix}.{f.key}": ArchPath(section, "", f) for f in table.fields})
    kind = array_kind(base.compute.kind)
    out.update({f"compute.{key}": ArchPath("options", "", _kind_option_field(kind, key))
                for key in kind.option_fields})
    for buffer in base.memory.buffers:
        out.update({f"memory.sram.{buffer.name}.{f.key}": ArchPath("sram", buffer.name, f)
                    for f in SRAM_BUFFER.fields})
    out.update({f"memory.dram.{f.key}": ArchPath("dram", "", f) for f in DRAM.fields})
    if base.memory.accumulator is not None:
        out.update({f"memory.accumulator.{f.key}": ArchPath("accumulator", "", f)
                    for f in ACCUMULATOR_FIELDS.fields})
    out.update({f"energy.{f.key}": ArchPath("energy", "", f) for f in ENERGY.fields})
    out.update({f"mapping.{f.key}": ArchPath("mapping", "", f) for f in MAPPING.fields})
    return out


def arch_paths(base: Arch) -> list[str]:
    """Every arch path a sweep may set on `base`."""
    return list(arch_fields(base))


def precision_paths() -> list[str]:
    """The fixed precision paths (rule paths by glob are open-ended)."""
    return [f"precision.{k}" for k in TENSOR_KINDS] + \
        [f"precision.default.{k}" for k in TENSOR_KINDS] + \
        [f"precision.rules.{s}.{k}" for s in ("first", "last") for k in TENSOR_KINDS]


def _apply_compute(base: ComputeArray, common: dict[str, Any],
                   own: dict[str, Any]) -> ComputeArray:
    """`base` with common `compute:` attributes and the kind's own fields set; a new kind
    starts from its default options."""
    kind = array_kind(common.get("kind", base.kind))
    options = base.options if kind.name == base.kind else kind.options_type()
    if own:
        log = IssueLog("")
        options = replace(options, **{k: _kind_option(kind, k, v, log) for k, v in own.items()
                                      if k in kind.option_fields})
    return replace(base, **common, options=options)


def apply_arch(base: Arch, values: Mapping[str, Any],
               table: Mapping[str, ArchPath] | None = None) -> Arch:
    """`base` with the arch paths in `values` set (values already validated). `table` is
    `arch_fields(base)`, which a caller applying many designs to one base builds once."""
    table = arch_fields(base) if table is None else table
    changes: dict[str, dict[str, Any]] = {}
    buffers: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        where = table.get(path)
        if where is None:
            raise KeyError(path)
        attribute = where.field.attribute
        assert isinstance(attribute, str), path
        target = buffers.setdefault(where.buffer, {}) if where.section == "sram" else \
            changes.setdefault(where.section, {})
        target[attribute] = value if where.section == "options" else where.field.coerce(value)
    sections: dict[str, Any] = {}
    if "compute" in changes or "options" in changes:
        sections["compute"] = _apply_compute(base.compute, changes.get("compute", {}),
                                             changes.get("options", {}))
    for name in ("vector", "energy", "mapping"):
        if name in changes:
            sections[name] = replace(getattr(base, name), **changes[name])
    if "dram" in changes or "accumulator" in changes or buffers:
        new_buffers = tuple(replace(b, **buffers[b.name]) if b.name in buffers else b
                            for b in base.memory.buffers)
        accumulator = base.memory.accumulator
        if "accumulator" in changes and accumulator is not None:
            accumulator = replace(accumulator, **changes["accumulator"])
        sections["memory"] = replace(base.memory, buffers=new_buffers, accumulator=accumulator,
                                     **changes.get("dram", {}))
    return replace(base, **sections) if sections else base


def check_arch_values(base: Arch, params: Mapping[str, Sequence[Any]], file: str) -> None:
    """Check every value of every arch path with its field's own reader (the arch loader's
    checks and messages, straight from the value); a rejected one is a SpecError naming the
    sweep file, ``space.<path>`` and the loader's message."""
    table = arch_fields(base)
    kinds = [array_kind(base.compute.kind)]
    if "compute.kind" in params:
        for value in params["compute.kind"]:
            message = table["compute.kind"].field.check(value, "compute.kind")
            if message:
                raise SpecError.single(file, "space.compute.kind", f"value {value!r}: {message}")
        kinds = [array_kind(str(value)) for value in params["compute.kind"]]
    for path, values in params.items():
        where = table[path]
        for value in values:
            if where.section == "options":
                message = _check_kind_option(kinds, where.field.key, value)
            else:
                message = where.field.check(value, path)
            if message:
                raise SpecError.single(file, f"space.{path}", f"value {value!r}: {message}")


def _check_kind_option(kinds: Sequence[ArrayKind], key: str, value: Any) -> str | None:
    """The loader's message for a kind's own field on each swept kind: not a field of that
    kind, or a value the kind rejects."""
    for kind in kinds:
        if key not in kind.option_fields:
            owners = [k for k in kind_names() if key in array_kind(k).option_fields]
            return f"compute.{key}: not a field of a {kind.name} array (a field of " \
                   f"{', '.join(owners)} arrays)"
        log = IssueLog("")
        _kind_option(kind, key, value, log)
        if log.issues:
            return f"{log.issues[0].field_path}: {log.issues[0].message}"
    return None


def path_kind(path: str, known_arch: Sequence[str], workload: Workload, file: str) -> str:
    """``arch``, ``precision``, ``schedule`` or ``workload`` (`known_arch` from `arch_paths`);
    an unknown path is a SpecError suggesting the closest known one."""
    if path in known_arch:
        return "arch"
    if path in SCHEDULE_PATHS:
        return "schedule"
    if path in WORKLOAD_PATHS:
        return "workload"
    rule, default = _RULE.match(path), _DEFAULT.match(path)
    kind = (rule.group(3) if rule else default.group(1) if default else None)
    if kind in TENSOR_KINDS:
        glob = rule.group(2) if rule else None
        if glob is not None and not Policy({}).selected(Rule(glob, {}), workload):
            names = [layer.name for layer in workload.layers]
            raise SpecError.single(file, f"space.{path}", f"rule pattern {glob!r} matches no "
                                   f"layer of {workload.name}" + suggest(glob, names))
        return "precision"
    known = [*known_arch, *precision_paths()]
    known += [*SCHEDULE_PATHS, *WORKLOAD_PATHS]
    raise SpecError.single(file, f"space.{path}", "unknown field path" + suggest(path, known)
                           + "; expected an arch path (compute.rows, memory.sram.<buffer>."
                           "size_kib, ...), precision.<kind>, precision.rules.first|last|"
                           "[<glob>].<kind>, schedule.bits|grad_bits|kind|cycles or "
                           "workload.batch")


def format_of(value: Any) -> NumberFormat:
    """A precision value: a format name, or an integer meaning ``int<bits>`` (also as text:
    a list mixing bit counts and names is sampled as text)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_format(f"int{value}")
    return parse_format(str(value))


def policy_for(base: Policy, values: Mapping[str, Any]) -> Policy:
    """`base` with the precision paths in `values` applied (defaults, then rules in order)."""
    default: dict[str, NumberFormat] = {}
    rules: dict[str, dict[str, NumberFormat]] = {}
    for path, value in values.items():
        rule = _RULE.match(path)
        if rule:
            pattern = rule.group(1) or rule.group(2)
            rules.setdefault(pattern, {})[rule.group(3)] = format_of(value)
        else:
            match = _DEFAULT.match(path)
            assert match is not None
            default[match.group(1)] = format_of(value)
    policy = base.with_default(default) if default else base
    extra = tuple(Rule(pattern, formats) for pattern, formats in rules.items())
    return replace(policy, rules=policy.rules + extra) if extra else policy


def bits_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    try:
        return tuple(int(v) for v in re.split(r"[:,]", str(value)))
    except ValueError:
        raise ScheduleError(f"expected bits as b, min:max or b1,b2,..., got {value!r}") from None


def schedule_for(base: Schedule | None, values: Mapping[str, Any]) -> Schedule:
    """`base` (static 8-bit weights, activations and gradients if None) with the schedule
    paths in `values` set; a single bit count stands for min = max in a cyclic schedule, as
    on the command line. Raises ScheduleError."""
    base = base or Schedule("static", (8,), (8,))
    kind = str(values.get("schedule.kind", base.kind))
    if kind not in SCHEDULE_KINDS:
        raise ScheduleError(f"expected a schedule kind among {', '.join(SCHEDULE_KINDS)}, got "
                            f"{kind!r}" + suggest(kind, SCHEDULE_KINDS))
    bits = bits_of(values["schedule.bits"]) if "schedule.bits" in values else base.bits
    grad = bits_of(values["schedule.grad_bits"]) if "schedule.grad_bits" in values \
        else base.grad_bits
    cycles = int(values.get("schedule.cycles", base.cycles))
    return Schedule(kind, bits, grad, cycles)
