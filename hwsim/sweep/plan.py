"""A validated sweep: the design points and everything needed to evaluate any chunk of them.

`build_plan` does all the checking before any evaluation starts: unknown paths (with the
closest known one), empty ranges, values the arch loader rejects, formats the array cannot
execute, arrays and nodes without area data, schedules that do not parse. The plan is plain
picklable data, so a Dask worker evaluates a chunk from it alone.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsim.version import __version__
from hwsim.api import executed_formats
from hwsim.area import arch_area
from hwsim.lowering import lower
from hwsim.precision.execution import UnsupportedFormatError, execution_format
from hwsim.spec.policy import Policy
from hwsim.precision.schedule import Schedule, ScheduleError, iteration_groups
from hwsim.spec.arch import Arch
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Workload
from hwsim.sweep import design
from hwsim.sweep.metrics import METRICS
from hwsim.sweep.space import Column, Param, parse_space, sample
from hwsim.training_config import TrainingConfig

MAC_KINDS = ("weights", "activations", "gradients")  # operands the array multiplies
AREA_PATHS = ("compute.kind", "compute.native_formats", "energy.node_nm")  # area data needed


@dataclass(frozen=True, slots=True)
class Plan:
    """Design points (`samples`: one column per path) and the fixed inputs of every design."""

    workload: Workload
    base_arch: Arch
    params: tuple[Param, ...]
    kinds: tuple[str, ...]            # per param: arch, precision, schedule or workload
    samples: dict[str, Column]
    training: TrainingConfig | None   # None: every design is costed as one inference
    batch: int
    policy: Policy
    chunk_size: int
    fingerprint: str

    @property
    def iterations(self) -> int:
        """Steps each design's totals add up (1 for an inference)."""
        return 1 if self.training is None else self.training.iterations

    @property
    def schedule(self) -> Schedule | None:
        """The base precision schedule the swept ``schedule.*`` values change, if any."""
        return None if self.training is None else self.training.schedule

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.samples.values())))

    @property
    def n_chunks(self) -> int:
        return -(-self.n_rows // self.chunk_size)

    def chunk_rows(self, index: int) -> tuple[int, int]:
        start = index * self.chunk_size
        return start, min(start + self.chunk_size, self.n_rows)

    def paths(self, kind: str) -> tuple[str, ...]:
        return tuple(p.path for p, k in zip(self.params, self.kinds, strict=True) if k == kind)

    def numeric_columns(self) -> tuple[str, ...]:
        """Metrics and numeric parameters: what constraints and objectives may name."""
        numeric = [p for p, c in self.samples.items() if c.dtype.kind in "if"]
        return (*METRICS, *numeric)


def _integer_paths(base: Arch) -> frozenset[str]:
    """Paths whose values are integers: the arch's integer fields, bits, batch, cycles."""
    ints = {"workload.batch", "schedule.cycles", "schedule.bits", "schedule.grad_bits"}
    ints |= {path for path, where in design.arch_fields(base).items() if where.field.integer}
    return frozenset(ints)


def _combinations(params: Sequence[Param]) -> Iterator[dict[str, Any]]:
    """Every combination of the params' representative values, as ``{path: value}``."""
    for combo in itertools.product(*(p.representatives() for p in params)):
        yield dict(zip((p.path for p in params), combo, strict=True))


def _check_schedules(plan_params: list[Param], kinds: list[str], base: Schedule | None,
                     iterations: int, file: str) -> None:
    sched = [p for p, k in zip(plan_params, kinds, strict=True) if k == "schedule"]
    for values in itertools.islice(_combinations(sched), 10000):
        try:
            iteration_groups(design.schedule_for(base, values), iterations)
        except (ScheduleError, ValueError) as exc:
            raise SpecError.single(file, "space." + (", space.".join(values) or "schedule"),
                                   f"{exc} (values {values})") from None


def _check_formats(plan: Plan, file: str) -> None:
    """Every swept format on every swept set of native formats: executable or promotable."""
    arch_params = [p for p, k in zip(plan.params, plan.kinds, strict=True) if k == "arch"
                   and p.path in ("compute.native_formats", "compute.unsupported_formats")]
    formats = set()
    for p, k in zip(plan.params, plan.kinds, strict=True):
        if k == "precision" and p.path.rsplit(".", 1)[-1] in MAC_KINDS:
            formats |= {design.format_of(v) for v in p.representatives()}
        if p.path in ("schedule.bits", "schedule.grad_bits"):
            formats |= {design.format_of(b) for v in p.representatives()
                        for b in design.bits_of(v)}
    table = lower(plan.policy.apply(plan.workload), batch=plan.batch,
                  training=plan.training)
    for values in _combinations(arch_params):
        arch = design.apply_arch(plan.base_arch, values)
        for fmt in sorted(formats, key=str):
            try:
                execution_format(fmt, arch.compute.native_formats, arch.compute.promote)
            except UnsupportedFormatError as exc:
                raise SpecError.single(file, "space", f"{exc} (arch {arch.name} with "
                                       f"{values})") from None
        executed_formats(table, plan.workload, arch)


def _check_area(plan: Plan, file: str) -> None:
    """Every swept array kind, set of native formats and node has area data (`hwsim.area`)."""
    params = [p for p, k in zip(plan.params, plan.kinds, strict=True)
              if k == "arch" and p.path in AREA_PATHS]
    for values in _combinations(params):
        try:
            arch_area(design.apply_arch(plan.base_arch, values))
        except SpecError as exc:
            raise SpecError.single(file, "space", f"{exc} (values {values})") from None


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A hash of everything that decides the rows of a chunk."""
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def build_plan(workload: Workload, base_arch: Arch, space: Mapping[str, Any], *,
               sampler: str = "grid", n: int | None = None, seed: int = 0,
               training: TrainingConfig | None = None, policy: Policy | None = None,
               batch: int | None = None, chunk_size: int = 256, file: str = "sweep") -> Plan:
    """Check the whole sweep and draw its design points; raise SpecError before any work.
    `training` (None: inference) is checked when built (`TrainingConfig`)."""
    for name, value, least in (("chunk_size", chunk_size, 1),
                               ("batch", 1 if batch is None else batch, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            what = "a positive integer" if least else "an integer >= 0"
            raise SpecError.single(file, name, f"expected {what}, got {value!r}")
    schedule = None if training is None else training.schedule
    iterations = 1 if training is None else training.iterations
    arch_paths = design.arch_paths(base_arch)
    if not isinstance(space, Mapping) or not space:
        raise SpecError.single(file, "space", "expected a non-empty mapping of field paths to "
                               f"values or ranges, got {space!r}")
    kinds = [design.path_kind(str(path), arch_paths, workload, file) for path in space]
    integer = _integer_paths(base_arch) | {
        str(p) for p, k in zip(space, kinds, strict=True) if k == "precision"}
    params = parse_space(space, file, integer)
    defaults = [p.path.replace("precision.default.", "precision.") for p, k in
                zip(params, kinds, strict=True) if k == "precision" and "rules" not in p.path]
    if len(defaults) != len(set(defaults)):
        raise SpecError.single(file, "space", "precision.<kind> and precision.default.<kind> "
                               "set the same default; expected one of them")
    if "schedule" in kinds and training is None:
        raise SpecError.single(file, "training", "a schedule needs training: true")
    design.check_arch_values(base_arch, {p.path: p.representatives() for p, k in
                                         zip(params, kinds, strict=True) if k == "arch"}, file)
    for p, kind in zip(params, kinds, strict=True):
        if kind == "precision":
            for value in p.representatives():
                try:
                    design.format_of(value)
                except ValueError as exc:
                    raise SpecError.single(file, f"space.{p.path}", str(exc)) from None
        elif kind == "workload" and any(not isinstance(v, int) or v < 1
                                        for v in p.representatives()):
            raise SpecError.single(file, f"space.{p.path}", "expected positive integers, got "
                                   f"{p.representatives()}")
    _check_schedules(params, kinds, schedule, iterations, file)
    samples = sample(params, sampler, n, seed, file)
    policy = policy or Policy({})
    batch = batch or workload.batch
    payload = {"version": __version__, "workload": workload.sha256 or repr(workload),
               "arch": base_arch.sha256 or repr(base_arch), "params": repr(params),
               "sampler": sampler, "n": n, "seed": seed, "training": training is not None,
               "iterations": iterations, "schedule": repr(schedule), "policy": repr(policy),
               "optimizer": "sgd" if training is None else training.optimizer, "batch": batch,
               "chunk_size": chunk_size, "metrics": METRICS}
    if training is not None and training.split is not None:
        payload["split"] = repr(training.split)
    plan = Plan(workload, base_arch, tuple(params), tuple(kinds), samples, training, batch,
                policy, chunk_size, fingerprint(payload))
    _check_formats(plan, file)
    _check_area(plan, file)
    return plan
