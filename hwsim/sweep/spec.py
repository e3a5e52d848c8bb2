"""The sweep file read by ``hwsim sweep SWEEP.yaml``: the arguments of `hwsim.sweep`.

    version: 1
    workload: ../workloads/resnet50.yaml   # paths are relative to this file
    arch: tpu_like                          # base arch: a shipped name or a path
    batch: 32                               # optional: override the workload's batch
    training: true                          # optional (default false): training steps
    optimizer: sgd                          # optional, with training
    iterations: 1                           # optional, with training: steps to total
    schedule: {kind: cyclic, bits: "3:8", grad_bits: 8, cycles: 32}   # optional, training
    policy: policy.yaml                     # optional base precision policy
    space:                                  # paths -> values or ranges (hwsim.sweep.space)
      compute.rows: [32, 64, 128]
      memory.sram.unified.size_kib: {low: 512, high: 16384, log: true}
    sampler: lhs                            # grid (default), random or lhs
    n: 2000                                 # designs, for random and lhs
    seed: 0
    objectives: [energy_pj, latency_s]      # Pareto objectives (min: / max: prefixes)
    constraints: ["sram_bytes <= 2e6"]      # <metric> <op> <number>
    chunk_size: 512                         # designs per chunk (resume granularity)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwsim.api import shipped_arch_names
from hwsim.spec.policy import load_policy
from hwsim.precision.schedule import SCHEDULE_KINDS, Schedule, ScheduleError
from hwsim.spec.fields import Fields
from hwsim.spec.yaml_io import open_document
from hwsim.sweep import design
from hwsim.sweep.space import SAMPLERS
from hwsim.optimizers import OPTIMIZERS
from hwsim.spec.errors import SpecError
from hwsim.training_config import TrainingConfig


KEYS = ("workload", "arch", "batch", "training", "optimizer", "iterations", "schedule",
        "policy", "space", "sampler", "n", "seed", "objectives", "constraints", "chunk_size")


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A read sweep file; `arguments()` are the keyword arguments of `hwsim.sweep` (the
    training keys as one `TrainingConfig`, ``training``)."""

    file: str
    workload: Path
    arch: str | None
    space: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    def arguments(self) -> dict[str, Any]:
        return {"workload": self.workload, "base_arch": self.arch, "space": self.space,
                "file": self.file, **self.options}


def _path(f: Fields, key: str, folder: Path) -> Path:
    return folder / f.string(key)


def _schedule(f: Fields) -> Schedule | None:
    kind = f.choice("kind", SCHEDULE_KINDS, "static")
    values = {f"schedule.{k}": f.raw(k) for k in ("bits", "grad_bits", "cycles") if f.has(k)}
    f.finish()
    try:
        return design.schedule_for(None, {"schedule.kind": kind, **values})
    except (ScheduleError, ValueError) as exc:
        f.error("", str(exc))
        return None


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file's structure (values are checked by `build_plan`)."""
    path = Path(path)
    top, log, _ = open_document(path)
    folder = path.parent
    workload = _path(top, "workload", folder)
    arch = top.string("arch", "")
    if arch and arch not in shipped_arch_names():
        arch = str(folder / arch)
    options: dict[str, Any] = {}
    for key in ("batch", "iterations", "n", "chunk_size"):
        if top.has(key):
            options[key] = top.integer(key)
    if top.has("seed"):
        options["seed"] = top.integer("seed", minimum=0)
    if top.has("training"):
        options["training"] = top.boolean("training")
    if top.has("optimizer"):
        options["optimizer"] = top.choice("optimizer", tuple(OPTIMIZERS))
    if top.has("sampler"):
        options["sampler"] = top.choice("sampler", SAMPLERS)
    for key in ("objectives", "constraints"):
        value = top.raw(key, None)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            top.error(key, f"expected a list of strings, got {value!r}")
        else:
            options[key] = tuple(value)
    sched = top.mapping("schedule", required=False)
    if sched is not None and sched.valid:
        options["schedule"] = _schedule(sched)
    if top.has("policy"):
        options["policy"] = load_policy(_path(top, "policy", folder))
    space = top.raw("space")
    if space is not None and (not isinstance(space, dict) or not space):
        top.error("space", f"expected a non-empty mapping of field paths, got {space!r}")
    top.finish(allowed_extra=KEYS)  # known keys, for suggestions
    log.raise_if_any()
    assert isinstance(space, dict)  # a missing or malformed space was raised just above
    return SweepSpec(str(path), workload, arch or None, dict(space),
                     _with_training(options, str(path)))


def _with_training(options: dict[str, Any], file: str) -> dict[str, Any]:
    """`options` with the file's ``training``, ``optimizer``, ``iterations`` and ``schedule``
    as one `TrainingConfig` (``training: true``) or none (inference: a schedule, or more than
    one iteration, is then an error)."""
    options = dict(options)
    training = options.pop("training", False)
    step = {key: options.pop(key) for key in ("optimizer", "iterations", "schedule")
            if key in options}
    if training:
        options["training"] = TrainingConfig(**step)
    elif step.get("schedule") is not None:
        raise SpecError.single(file, "training", "a schedule needs training: true")
    elif step.get("iterations", 1) != 1:
        raise SpecError.single(file, "iterations", "expected training: true with iterations, "
                               f"got {step['iterations']} iterations of an inference")
    return options
