"""Time `hwsim.estimate` per problem on already-loaded specs: microseconds of Python and kernels
per lowered problem of a training step.

Two workloads, both on tpu_like, training step (forward, backward, optimizer update):

1. ResNet-50 (workloads/resnet50.yaml), about 450 problems;
2. a GPT-3-shaped workload: workloads/gpt2_seq1024.yaml's layers repeated (renamed
   ``r<i>.<name>``) until there are at least `--layers` of them (default 5,760), about 21,000
   problems.

Each is estimated once to warm up (Numba compilation, caches) and then `--repeats` times; the
best time is reported, divided by the number of problems (`len(result.layers)`): wall-clock
time, and the process's CPU time, which a machine shared with other jobs inflates less (a
parallel kernel launch waits for every Numba thread to be scheduled; `--threads 1` runs the
kernels on one).

    python bench/estimate_speed.py [--repeats 5] [--layers 5760] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from _common import WORKLOADS

import hwsim
from hwsim.training_config import TrainingConfig
from hwsim.api import load_arch, load_workload
from hwsim.spec.workload import Workload


def repeated(workload: Workload, layers: int) -> Workload:
    """`workload`'s layers repeated, each copy's names prefixed, until there are `layers`."""
    copies = -(-layers // len(workload.layers))
    out = tuple(replace(layer, name=f"r{i}.{layer.name}")
                for i in range(copies) for layer in workload.layers)
    return replace(workload, name=f"{workload.name}_x{copies}", layers=out)


def us_per_problem(workload: Workload, arch: object,
                   repeats: int) -> tuple[float, float, int]:
    """(best wall-clock and best CPU microseconds per problem, problems) of a training-step
    estimate."""
    problems = len(hwsim.estimate(workload, arch, training=TrainingConfig()).layers)
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        hwsim.estimate(workload, arch, training=TrainingConfig())
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall / problems * 1e6, cpu / problems * 1e6, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--layers", type=int, default=5760)
    parser.add_argument("--threads", type=int, default=None,
                        help="Numba threads for the kernels (default: Numba's)")
    args = parser.parse_args()
    if args.threads:
        import numba
        numba.set_num_threads(args.threads)
    arch = load_arch("tpu_like")
    cases = [("ResNet-50 training step", load_workload(WORKLOADS / "resnet50.yaml")),
             (f"GPT-2 layers x >= {args.layers} training step",
              repeated(load_workload(WORKLOADS / "gpt2_seq1024.yaml"), args.layers))]
    print(f"{'workload':<40} {'problems':>9} {'wall_us_per_problem':>20} "
          f"{'cpu_us_per_problem':>19} {'wall_total_ms':>14}")
    for label, workload in cases:
        wall, cpu, problems = us_per_problem(workload, arch, args.repeats)
        print(f"{label:<40} {problems:>9} {wall:>20.2f} {cpu:>19.2f} "
              f"{wall * problems / 1e3:>14.1f}")


if __name__ == "__main__":
    main()
