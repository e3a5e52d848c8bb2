"""Speed of the mapping search (hwsim.mapping.search) and of estimates and sweeps that search,
warm (the first call compiles or loads the kernels), against the targets of the searched
mapping: a sweep with search at least 1e5 GEMM x design evaluations per second, AlexNet
conv1-5 searched and estimated in at most 0.34 s (Timeloop v3.0.3's mapper took 339 s on the
same layers on this machine's 2 cores), ResNet-50 inference with search under 1 s.

    python bench/mapping_speed.py [--designs 200] [--sweep-designs 2000] [--threads 1,2]
        [--repeats 3] -> reports/mapping_speed.md

Measured, best of `--repeats`:

1. the search alone (`hwsim.mapping.search`, problems and designs already built):
   AlexNet conv1-5 (workloads/alexnet.yaml, batch 1) on one design; ResNet-50 inference
   (workloads/resnet50.yaml, batch 1: its 54 GEMMs) on one design; ResNet-50's 54 GEMMs on
   `--designs` random designs (rows and cols 8-256, dataflow, unified buffer 64 KiB-32 MiB,
   with or without accumulator), as layer x design searches per second (identical GEMMs
   are searched once and count once per layer);
2. whole estimates with search (`hwsim.estimate`, workload and arch loaded): AlexNet conv1-5
   (its five convolutions) on eyeriss_like, ResNet-50 inference on tpu_like;
3. a sweep end to end (`hwsim.sweep`, as bench/sweep_speed.py's inference sweep: an LHS
   sample of `--sweep-designs` variants of tpu_like over rows, cols, dataflow, buffer size and
   DRAM bandwidth, ResNet-50 at batch 1), with the searched mapping and again with
   ``mapping.strategy: scalesim``, in GEMM x design evaluations per second.

The one design of 1 and 2: 128 x 128, weight-stationary, 16 MiB unified buffer, a 4 MiB
accumulator, 857 bytes per cycle of DRAM (the tpu_like arch's numbers); objective energy with
per-bit energies DRAM 20, buffer 1, accumulator 0.3 pJ. Numba's thread count is set per run;
the machine's load average is recorded beside the times.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
from _common import REPORTS, WORKLOADS, publish

TIMELOOP_MAPPER_S = 339.0   # Timeloop v3.0.3's mapper, AlexNet conv1-5, this machine's 2 cores
ENERGY = np.zeros((3, 3, 2))
ENERGY[0], ENERGY[1], ENERGY[2] = 20.0, 1.0, 0.3


def one_design():
    from hwsim.mapping import MappingDesign
    return MappingDesign(128, 128, "ws", buffer_bits=(8.0 * 16 * 2**20, 0.0, 0.0),
                         accumulator_bits=8.0 * 4 * 2**20,
                         bandwidth_bits_per_cycle=(857 * 8.0, 0.0, 0.0),
                         energy_pj_per_bit=ENERGY)


def random_designs(n: int, seed: int = 0):
    from hwsim.mapping import MappingDesign
    rng = np.random.default_rng(seed)
    return [MappingDesign(int(2 ** rng.uniform(3, 8)), int(2 ** rng.uniform(3, 8)),
                          str(rng.choice(["os", "ws", "is"])),
                          buffer_bits=(8.0 * 2 ** rng.uniform(16, 25), 0.0, 0.0),
                          accumulator_bits=float(rng.choice([0.0, 8.0 * 2**20])),
                          bandwidth_bits_per_cycle=(8.0 * 2 ** rng.uniform(5, 10), 0.0, 0.0),
                          energy_pj_per_bit=ENERGY) for _ in range(n)]


def conv_problems(name: str, count: int | None = None):
    import hwsim
    from hwsim.mapping.problems import workload_problems
    _, problems = workload_problems(hwsim.load_workload(WORKLOADS / name))
    return problems[:count] if count else problems


def warm_seconds(repeats: int, problems, designs) -> float:
    from hwsim.mapping import search
    search(problems, designs, "energy")
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        search(problems, designs, "energy")
        best = min(best, time.perf_counter() - t0)
    return best


def best_seconds(repeats: int, func) -> float:
    """Shortest of `repeats` timed calls of `func` after one untimed call."""
    func()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def estimate_rows(repeats: int) -> tuple[list[str], float]:
    """(table rows of the whole estimates with search (case 2), AlexNet conv1-5's seconds)."""
    from dataclasses import replace

    import hwsim
    from hwsim.spec.workload import Conv2d
    alexnet = hwsim.load_workload(WORKLOADS / "alexnet.yaml")
    convs = replace(alexnet, layers=tuple(x for x in alexnet.layers if isinstance(x, Conv2d)))
    resnet = hwsim.load_workload(WORKLOADS / "resnet50.yaml")
    rows, seconds = [], []
    for label, workload, arch, target in (
            ("AlexNet conv1-5, eyeriss_like", convs, hwsim.load_arch("eyeriss_like"), 0.34),
            ("ResNet-50 inference, tpu_like", resnet, hwsim.load_arch("tpu_like"), 1.0)):
        sec = best_seconds(repeats, lambda w=workload, a=arch: hwsim.estimate(w, a))
        seconds.append(sec)
        rows.append(f"| {label} | {len(workload.layers)} | {sec:.4f} | {target} | "
                    f"{target / sec:,.1f}x under |")
    return rows, seconds[0]


def sweep_rate(designs: int, repeats: int, strategy: str) -> tuple[float, int]:
    """(seconds, GEMMs per design) of case 3's sweep with mapping strategy `strategy`."""
    import hwsim
    from hwsim.lowering import lower
    from sweep_speed import SPACE, problem_counts
    resnet = hwsim.load_workload(WORKLOADS / "resnet50.yaml")
    space = {**SPACE, "mapping.strategy": [strategy]}
    gemms = problem_counts(lower(resnet, batch=1))[0]
    sec = best_seconds(repeats, lambda: hwsim.sweep(resnet, "tpu_like", space, sampler="lhs",
                                                    n=designs, chunk_size=4096, batch=1))
    return sec, gemms


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--designs", type=int, default=200)
    parser.add_argument("--sweep-designs", type=int, default=2000)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=REPORTS / "mapping_speed.md")
    args = parser.parse_args()
    import numba
    all_threads = numba.get_num_threads()
    alexnet = [p for p in conv_problems("alexnet.yaml") if p.conv is not None][:5]
    resnet = conv_problems("resnet50.yaml")
    sweep = random_designs(args.designs)
    lines = ["# Mapping search speed", "",
             "Generated by `python bench/mapping_speed.py --designs "
             f"{args.designs} --sweep-designs {args.sweep_designs} --threads {args.threads} "
             f"--repeats {args.repeats}` (see its docstring). Warm: best of "
             f"{args.repeats} calls after a first one. {platform.processor() or 'cpu'}, "
             f"{os.cpu_count()} cores shared with other jobs; load average (1, 5, 15 min) at "
             f"start {', '.join(f'{x:.1f}' for x in os.getloadavg())}.", "",
             "## The search alone", "",
             "| case | threads | layers | designs | seconds | layer x design searches per "
             "second |", "|---|---:|---:|---:|---:|---:|"]
    for threads in (int(t) for t in args.threads.split(",")):
        numba.set_num_threads(threads)
        for label, problems, designs in (
                ("AlexNet conv1-5, one design", alexnet, [one_design()]),
                ("ResNet-50 inference GEMMs, one design", resnet, [one_design()]),
                (f"ResNet-50 GEMMs x {args.designs} random designs", resnet, sweep)):
            sec = warm_seconds(args.repeats, problems, designs)
            n = len(problems) * len(designs)
            lines.append(f"| {label} | {threads} | {len(problems)} | {len(designs)} | "
                         f"{sec:.4f} | {n / sec:,.0f} |")
    numba.set_num_threads(all_threads)
    rows, alex_sec = estimate_rows(args.repeats)
    lines += ["", f"## Estimates with search ({all_threads} threads)", "",
              "| case | layers | warm s | target s | margin |", "|---|---:|---:|---:|---:|",
              *rows, "",
              f"Timeloop v3.0.3's mapper took {TIMELOOP_MAPPER_S:.0f} s on AlexNet conv1-5 "
              "(Eyeriss-like) on this machine's 2 cores; hwsim searches and estimates the same "
              f"five layers in {alex_sec:.4f} s: **{TIMELOOP_MAPPER_S / alex_sec:,.0f}x** "
              "faster (a whole estimate against the mapper alone)."]
    lines += ["", f"## Sweep with search ({all_threads} threads)", "",
              "| mapping | designs | GEMMs per design | seconds | GEMM x design evaluations "
              "per second | against 1e5/s |", "|---|---:|---:|---:|---:|---:|"]
    for strategy in ("searched", "scalesim"):
        sec, gemms = sweep_rate(args.sweep_designs, args.repeats, strategy)
        rate = args.sweep_designs * gemms / sec
        lines.append(f"| {strategy} | {args.sweep_designs} | {gemms} | {sec:.3f} | "
                     f"{rate:,.0f} | {rate / 1e5:.2f}x |")
    lines.append("")
    lines.append(f"Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.")
    publish(args.output, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
