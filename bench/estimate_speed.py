"""Time `hwsim.estimate` per problem on already-loaded specs: microseconds of Python and kernels
per lowered problem of a training step.

    python bench/estimate_speed.py [--repeats 5] [--min-seconds 2] [--layers 5760] [--threads N]
        -> reports/estimate_speed.md

Two workloads, both on tpu_like, training step (forward, backward, optimizer update):

1. ResNet-50 (workloads/resnet50.yaml), about 450 problems;
2. a GPT-3-shaped workload: workloads/gpt2_seq1024.yaml's layers repeated (renamed
   ``r<i>.<name>``) until there are at least `--layers` of them (default 5,760), about 17,000
   problems.

Each is estimated once to warm up (Numba compilation or kernel-cache loading) and then at least
`--repeats` times and for at least `--min-seconds` (a ResNet-50 estimate takes milliseconds, so
one repeat is at the mercy of the scheduler); the best time is reported, divided by the number
of problems (`len(result.layers)`): wall-clock time, and the process's CPU time, which a machine
shared with other jobs inflates less (a parallel kernel launch waits for every Numba thread to be
scheduled; `--threads 1` runs the kernels on one). The machine's load average is recorded before
and after.

Distinct problems are the problems the kernels count and pricing prices: layers alike lower to
the same problems (`hwsim.lowering.ProblemTable.distinct`), counted once and spread over the
table. The split: the CPU time spent inside the Numba kernels an estimate calls (the fold-order
kernels `systolic_compute` and `memory_model`, and the mapping search `search_mappings`),
timed around each call, per problem of the fastest repeat; the rest of the estimate is Python
(lowering, packing, pricing, totals, memory footprint).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from _common import REPORTS, WORKLOADS, publish

import hwsim
from hwsim.api import load_arch, load_workload
from hwsim.lowering import lower
from hwsim.spec.arch import Arch
from hwsim.spec.workload import Workload
from hwsim.training_config import TrainingConfig


def repeated(workload: Workload, layers: int) -> Workload:
    """`workload`'s layers repeated, each copy's names prefixed, until there are `layers`."""
    copies = -(-layers // len(workload.layers))
    out = tuple(replace(layer, name=f"r{i}.{layer.name}")
                for i in range(copies) for layer in workload.layers)
    return replace(workload, name=f"{workload.name}_x{copies}", layers=out)


# The kernels an estimate calls, by module: each is looked up on its module at call time.
KERNELS = (("hwsim.kernels.systolic", "systolic_compute"), ("hwsim.kernels.memory", "memory_model"),
           ("hwsim.kernels.mapping", "search_mappings"))


@contextmanager
def kernel_clock() -> Iterator[list[float]]:
    """A list that collects the CPU seconds of every kernel call (`KERNELS`) made inside."""
    spent: list[float] = []
    saved = []
    for module_name, name in KERNELS:
        module = importlib.import_module(module_name)
        kernel = getattr(module, name)
        saved.append((module, name, kernel))

        def timed(*args: Any, _kernel: Any = kernel, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return _kernel(*args, **kwargs)
            finally:
                spent.append(time.process_time() - start)
        setattr(module, name, timed)
    try:
        yield spent
    finally:
        for module, name, kernel in saved:
            setattr(module, name, kernel)


def us_per_problem(workload: Workload, arch: Arch, repeats: int,
                   min_seconds: float) -> tuple[float, float, float, int, int]:
    """(best wall-clock and best CPU microseconds per problem, the kernels' CPU microseconds
    per problem in the fastest repeat (CPU), problems, repeats run) of a training-step
    estimate."""
    problems = len(hwsim.estimate(workload, arch, training=TrainingConfig()).layers)
    wall = cpu = float("inf")
    kernels = 0.0
    runs, deadline = 0, time.perf_counter() + min_seconds
    with kernel_clock() as spent:
        while runs < repeats or time.perf_counter() < deadline:
            spent.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            hwsim.estimate(workload, arch, training=TrainingConfig())
            wall = min(wall, time.perf_counter() - start)
            this_cpu = time.process_time() - start_cpu
            if this_cpu < cpu:
                cpu, kernels = this_cpu, sum(spent)
            runs += 1
    return (wall / problems * 1e6, cpu / problems * 1e6, kernels / problems * 1e6, problems,
            runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Microseconds per problem of hwsim.estimate.")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--layers", type=int, default=5760)
    parser.add_argument("--threads", type=int, default=None,
                        help="Numba threads for the kernels (default: Numba's)")
    parser.add_argument("--output", type=Path, default=REPORTS / "estimate_speed.md")
    args = parser.parse_args()
    if args.threads:
        import numba
        numba.set_num_threads(args.threads)
    arch = load_arch("tpu_like")
    cases = [("ResNet-50 training step", load_workload(WORKLOADS / "resnet50.yaml")),
             (f"GPT-2 layers x >= {args.layers} training step",
              repeated(load_workload(WORKLOADS / "gpt2_seq1024.yaml"), args.layers))]
    load_start = os.getloadavg()
    rows = []
    for label, workload in cases:
        wall, cpu, kernels, problems, runs = us_per_problem(workload, arch, args.repeats,
                                                            args.min_seconds)
        distinct = len(lower(workload, training=TrainingConfig()).distinct()[0])
        rows.append(f"| {label} | {problems} | {distinct} | {runs} | {wall:.2f} | {cpu:.2f} | "
                    f"{kernels:.2f} | {cpu - kernels:.2f} | {wall * problems / 1e3:.1f} |")
        print(rows[-1], file=sys.stderr)
    load_end = os.getloadavg()
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in
                     (("repeats", args.repeats), ("min_seconds", args.min_seconds),
                      ("layers", args.layers), ("threads", args.threads)) if v is not None)
    lines = [
        "# Time per problem of `hwsim.estimate`",
        "",
        f"Command: `python bench/estimate_speed.py {flags}`; machine: {os.cpu_count()} cores "
        f"(nproc) ({platform.machine()}), Python {platform.python_version()}; load average "
        f"(1 min) {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end.",
        "",
        "A training step (forward, backward, optimizer update) on tpu_like, specs already "
        "loaded, kernels compiled; the best of the repeats (at least "
        f"{args.repeats}, and at least {args.min_seconds:g} s of them) per problem. CPU "
        "microseconds are the process's user + system time; wall microseconds stretch with "
        "the machine's other load. Of the fastest repeat's CPU time, the kernels' share "
        "(Numba: fold-order counts, memory model, mapping search; timed around each call) "
        "and the rest (Python: lowering, packing, pricing, totals, memory footprint). "
        "Distinct problems: those the kernels count and pricing prices (layers alike lower "
        "to the same problems, `ProblemTable.distinct`); every problem takes its distinct "
        "problem's counts and energies.",
        "",
        "| workload | problems | distinct problems | repeats | wall us per problem | "
        "CPU us per problem | kernels CPU us per problem | Python CPU us per problem | "
        "wall ms per estimate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    publish(args.output, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
