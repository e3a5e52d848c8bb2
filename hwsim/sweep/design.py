"""Field paths a sweep may vary, and how one design's values turn into an arch, a precision
policy and a schedule.

Paths spell the YAML they change:

- arch: every leaf of the arch YAML (``compute.rows``, ``compute.dataflow``,
  ``memory.sram.unified.size_kib``, ``memory.dram.bandwidth_bytes_per_cycle``,
  ``compute.clock_mhz``, ``energy.node_nm``, ...), as `arch_to_yaml` writes the base arch, plus
  the optional ones (a buffer's ``bandwidth_bytes_per_cycle``, ``energy.static_power_mw``, ...);
- precision (formats such as ``int4`` or ``fp8_e4m3``, or integers meaning ``int<bits>``):
  ``precision.<kind>`` or ``precision.default.<kind>`` sets the policy default;
  ``precision.rules.first.<kind>``, ``precision.rules.last.<kind>`` (first and last MAC layer)
  and ``precision.rules[<glob>].<kind>`` (layers by name) add a per-layer rule, applied after
  the base policy's rules. `<kind>` is weights, activations, gradients or accumulator;
- schedule (training): ``schedule.kind``, ``schedule.bits`` (``8``, ``"3:8"`` or ``[3, 8]``),
  ``schedule.grad_bits``, ``schedule.cycles``; as `hwsim.training_run.training_run`, the
  schedule's bits set the default weights, activations and gradients, rules apply on top;
- ``workload.batch``.

Arch values are checked by the arch loader itself (the base arch's YAML with the value
substituted), so a bad value gets the loader's message; applying a value then only replaces
dataclass fields (`apply_arch`), which the tests check against the loader.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from hwsim.arrays import array_kind, kind_names
from hwsim.precision import TENSOR_KINDS, NumberFormat, parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.precision.schedule import SCHEDULE_KINDS, Schedule, ScheduleError
from hwsim.spec.arch import Arch, ComputeArray
from hwsim.spec.arch_io import arch_to_yaml, load_arch
from hwsim.spec.errors import SpecError, suggest
from hwsim.spec.workload import Workload

KIB = 1024
SCHEDULE_PATHS = tuple(f"schedule.{k}" for k in ("kind", "bits", "grad_bits", "cycles"))
WORKLOAD_PATHS = ("workload.batch",)
# Arch YAML keys whose dataclass field has another name or type (the rest map one to one).
_COMPUTE_SPECIAL = {"native_formats", "unsupported_formats"}
_ENERGY_OPTIONAL = ("vdd_v", "static_power_mw", "dram_pj_per_bit", "register_file_pj_per_bit",
                    "forwarding_pj_per_bit", "pe_register_file")
_RULE = re.compile(r"precision\.rules(?:\.(first|last)|\[(.+)\])\.(\w+)$")
_DEFAULT = re.compile(r"precision\.(?:default\.)?(\w+)$")


def _leaves(doc: Any, prefix: str) -> list[str]:
    if isinstance(doc, dict):
        return [leaf for key, value in doc.items() for leaf in _leaves(value, f"{prefix}.{key}")]
    return [prefix]


def arch_paths(base: Arch) -> list[str]:
    """Every arch path a sweep may set on `base`."""
    doc = yaml.safe_load(arch_to_yaml(base))
    compute_fields = {f.name for f in fields(ComputeArray)} | _COMPUTE_SPECIAL | \
        set(array_kind(base.compute.kind).option_fields)
    out = [p for p in _leaves(doc["compute"], "compute") if p.split(".")[1] in compute_fields]
    out += _leaves(doc["vector"], "vector")
    out += [f"memory.sram.{b.name}.{k}" for b in base.memory.buffers
            for k in ("size_kib", "bandwidth_bytes_per_cycle")]
    out += ["memory.dram.bandwidth_bytes_per_cycle", "memory.dram.ports", "energy.node_nm"]
    out += [f"energy.{k}" for k in _ENERGY_OPTIONAL]
    return out


def precision_paths() -> list[str]:
    """The fixed precision paths (rule paths by glob are open-ended)."""
    return [f"precision.{k}" for k in TENSOR_KINDS] + \
        [f"precision.default.{k}" for k in TENSOR_KINDS] + \
        [f"precision.rules.{s}.{k}" for s in ("first", "last") for k in TENSOR_KINDS]


def _like(reference: Any, value: Any) -> Any:
    """`value` converted to the type of the base arch's field."""
    if isinstance(reference, bool):
        return bool(value)
    if isinstance(reference, int):
        return int(value)
    if isinstance(reference, float) or reference is None:
        return float(value)
    return str(value)


def _apply_compute(base: ComputeArray, values: dict[str, Any]) -> ComputeArray:
    """`base` with `compute:` keys set: the kind's own fields into its options (the new kind's
    defaults when the kind changes), the rest as the base's fields."""
    kind = array_kind(str(values.get("kind", base.kind)))
    options = base.options if kind.name == base.kind else kind.options_type()
    own = {k: _like(getattr(options, k), v) for k, v in values.items()
           if k in kind.option_fields}
    rest = {k: v if k in ("native_formats", "promote") else _like(getattr(base, k), v)
            for k, v in values.items() if k not in kind.option_fields}
    return replace(base, **rest, options=replace(options, **own) if own else options)


def apply_arch(base: Arch, values: Mapping[str, Any]) -> Arch:
    """`base` with the arch paths in `values` set (values already validated)."""
    compute: dict[str, Any] = {}
    vector: dict[str, Any] = {}
    energy: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    buffers = {b.name: {} for b in base.memory.buffers}
    for path, value in values.items():
        section, _, key = path.partition(".")
        if path == "compute.native_formats":
            compute[key] = tuple(parse_format(s) for s in str(value).split(","))
        elif path == "compute.unsupported_formats":
            compute["promote"] = value == "promote"
        elif section == "compute":
            compute[key] = value
        elif section == "vector":
            vector[key] = int(value)
        elif section == "energy":
            energy[key] = _like(getattr(base.energy, key), value)
        elif path.startswith("memory.sram."):
            name, attr = path.split(".")[2:]
            if attr == "size_kib":
                buffers[name]["size_bytes"] = round(float(value) * KIB)
            else:
                buffers[name][attr] = float(value)
        elif path == "memory.dram.bandwidth_bytes_per_cycle":
            memory["dram_bandwidth_bytes_per_cycle"] = float(value)
        elif path == "memory.dram.ports":
            memory["dram_ports"] = str(value)
        else:
            raise KeyError(path)
    sections: dict[str, Any] = {}
    if compute:
        sections["compute"] = _apply_compute(base.compute, compute)
    if vector:
        sections["vector"] = replace(base.vector, **vector)
    if energy:
        sections["energy"] = replace(base.energy, **energy)
    if memory or any(buffers.values()):
        new_buffers = tuple(replace(b, **buffers[b.name]) if buffers[b.name] else b
                            for b in base.memory.buffers)
        sections["memory"] = replace(base.memory, buffers=new_buffers, **memory)
    return replace(base, **sections) if sections else base


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        doc = doc.setdefault(key, {})
    if keys[-1] == "native_formats" and isinstance(value, str):
        value = value.split(",")
    doc[keys[-1]] = value


def _drop_base_kind_fields(doc: dict[str, Any], values: Mapping[str, Any]) -> None:
    """A swept ``compute.kind`` leaves the base kind's own fields behind (as `apply_arch`
    starts from the new kind's default options), unless the sweep sets them too."""
    compute, new = doc["compute"], values["compute.kind"]
    if new not in kind_names():
        return  # the loader names the unknown kind
    for key in array_kind(compute["kind"]).option_fields:
        if key not in array_kind(new).option_fields and f"compute.{key}" not in values:
            compute.pop(key, None)


def _load_with(base_doc: dict[str, Any], values: Mapping[str, Any], target: Path) -> None:
    doc = yaml.safe_load(yaml.safe_dump(base_doc))
    if "compute.kind" in values:
        _drop_base_kind_fields(doc, values)
    for path, value in values.items():
        _set(doc, path, value)
    target.write_text(yaml.safe_dump(doc))
    load_arch(target)


def check_arch_values(base: Arch, params: Mapping[str, Sequence[Any]], file: str) -> None:
    """Run every value of every arch path through the arch loader; a rejected one is a
    SpecError naming the sweep file, ``space.<path>`` and the loader's message. The loader
    checks fields independently, so one file tries the i-th value of every path at once; only
    when it fails are the values tried one by one to say which one."""
    base_doc = yaml.safe_load(arch_to_yaml(base))
    longest = max((len(v) for v in params.values()), default=0)
    with tempfile.TemporaryDirectory(prefix="hwsim_sweep_") as tmp:
        target = Path(tmp) / "arch.yaml"
        for i in range(longest):
            combined = {path: values[i % len(values)] for path, values in params.items()}
            try:
                _load_with(base_doc, combined, target)
                continue
            except SpecError as exc:
                first = exc
            for path, value in combined.items():
                try:
                    _load_with(base_doc, {path: value}, target)
                except SpecError as exc:
                    issue = exc.issues[0]
                    raise SpecError.single(file, f"space.{path}", f"value {value!r}: "
                                           f"{issue.field_path}: {issue.message}") from None
            raise SpecError.single(file, "space", f"values {combined}: {first}")


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
