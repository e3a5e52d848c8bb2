"""Sweep throughput: designs per second and GEMM x design evaluations per second, and the ratio
to SCALE-Sim's compute model evaluating the same GEMMs for one design.

    python bench/sweep_speed.py [--designs 20000] [--threads 1,2] [--no-scalesim]
        -> reports/sweep_speed.md

Measured, each warm (kernels compiled or loaded from Numba's cache by a first small sweep) and
best of `--repeats`, with the workload already loaded:

1. `hwsim.sweep` end to end (plan, sampling, evaluation, pricing, totals, Pareto front) over an
   LHS sample of `--designs` systolic arrays (rows, cols, dataflow, unified buffer, DRAM
   bandwidth) for one ResNet-50 training step at batch 32 (per design: the GEMMs of the
   forward, backward-data and backward-weight passes, plus vector problems: elementwise,
   pooling and normalisation work and the SGD updates);
2. the shipped example, examples/sweep_resnet50.yaml (2,700 designs, 3 weight formats, so 3
   problem tables);
3. the kernels alone (`run_kernels` on the packed designs of sweep 1);
4. the same as 1 for ResNet-50 inference at batch 1 (its 54 forward GEMMs plus vector work),
   and SCALE-Sim v3.0.0's compute model (`tests/peers/scalesim_runner.run_compute_only`) on
   those 54 GEMMs for one design (128x128, ws). SCALE-Sim's compute model gives cycles and SRAM
   counts; a hwsim evaluation also runs the DRAM model and prices energy. hwsim's compute
   cycles of that design are checked equal to SCALE-Sim's layer by layer.

Both sides count GEMMs: a GEMM is one matrix multiply of the lowered workload (a convolution or
fully connected layer in one pass); SCALE-Sim models nothing else. hwsim's time also covers the
vector problems of every design, which the GEMM rate does not count.

Numba's thread count is set per run (`--threads`); the machine's other load is recorded.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from _common import REPO, REPORTS, WORKLOADS, publish, use_peers

T = TypeVar("T")
SPACE = {"compute.rows": {"low": 8, "high": 256, "log": True},
         "compute.cols": {"low": 8, "high": 256, "log": True},
         "compute.dataflow": ["os", "ws", "is"],
         "memory.sram.unified.size_kib": {"low": 256, "high": 65536, "log": True},
         "memory.dram.bandwidth_bytes_per_cycle": {"low": 32, "high": 1024, "log": True}}


def best_of(repeats: int, func: Callable[[], T]) -> tuple[float, T]:
    """(shortest of `repeats` timed calls of `func` in s, the last call's value)."""
    best = float("inf")
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    value = func()
    return min(best, time.perf_counter() - t0), value


def problem_counts(table) -> tuple[int, int]:
    """(GEMMs, vector problems) per design in a lowered problem table, each repeat counted."""
    gemms = int(table.count[table.is_vector == 0].sum())
    return gemms, int(table.count[table.is_vector == 1].sum())


def sweep_rate(workload, designs: int, repeats: int, **kwargs) -> tuple[float, tuple[int, int]]:
    """(seconds, (GEMMs, vector problems) per design) of an LHS sweep of `designs` archs."""
    import hwsim
    from hwsim.lowering import lower
    problems = problem_counts(lower(workload, batch=kwargs.get("batch"),
                                    training=kwargs.get("training")))
    hwsim.sweep(workload, "tpu_like", SPACE, sampler="lhs", n=64, chunk_size=64, **kwargs)
    seconds, _ = best_of(repeats, lambda: hwsim.sweep(
        workload, "tpu_like", SPACE, sampler="lhs", n=designs, chunk_size=4096, **kwargs))
    return seconds, problems


def kernel_rate(workload, designs: int, repeats: int) -> float:
    """Seconds of `run_kernels` alone on sweep 1's designs."""
    import hwsim
    from hwsim.evaluate import pack_designs, run_kernels
    from hwsim.lowering import lower
    from hwsim.sweep.design import apply_arch
    from hwsim.sweep.plan import build_plan
    from hwsim.training_config import TrainingConfig
    base = hwsim.load_arch("tpu_like")
    plan = build_plan(workload, base, SPACE, sampler="lhs", n=designs, batch=32,
                      training=TrainingConfig())
    archs = [apply_arch(base, {p: plan.samples[p][i].item() for p in plan.paths("arch")})
             for i in range(designs)]
    table = lower(workload, batch=32, training=TrainingConfig())
    packed = pack_designs(archs)
    run_kernels(table, pack_designs(archs[:4]))
    seconds, _ = best_of(repeats, lambda: run_kernels(table, packed))
    return seconds


def scalesim(workload, rows: int, cols: int, dataflow: str, repeats: int
             ) -> tuple[float, int, int]:
    """(seconds, best of `repeats`; GEMMs; GEMMs with equal compute cycles) of SCALE-Sim's
    compute model."""
    from dataclasses import replace

    use_peers()
    from peers.scalesim_runner import GemmLayer, expected_total_cycles, run_compute_only

    import hwsim
    from hwsim.lowering import lower
    table = lower(workload, batch=1)
    gemms = [(table.names[p], int(table.M[p]), int(table.N[p]), int(table.K[p]))
             for p in range(len(table)) if not table.is_vector[p]]
    if problem_counts(table)[0] != len(gemms):
        raise ValueError("a GEMM of the workload repeats (count > 1): SCALE-Sim would run it once")
    base = hwsim.load_arch("tpu_like")
    arch = replace(base, compute=replace(base.compute, rows=rows, cols=cols,
                                         dataflow=dataflow))
    ours = {layer.name: layer.compute_cycles for layer in hwsim.estimate(workload, arch).layers}

    def run() -> int:
        equal = 0
        for name, m, n, k in gemms:
            peer = run_compute_only(rows, cols, dataflow,
                                    GemmLayer(name.replace(".", "_"), m, n, k), gemm=True)
            equal += expected_total_cycles(peer["demand_rows"]) == ours[name]
        return equal

    seconds, equal = best_of(repeats, run)
    return seconds, len(gemms), equal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=20000)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-scalesim", action="store_true")
    parser.add_argument("--output", type=Path, default=REPORTS / "sweep_speed.md")
    args = parser.parse_args()
    import numba

    import hwsim
    from hwsim.sweep.spec import load_sweep
    load_start = os.getloadavg()
    resnet50 = hwsim.load_workload(WORKLOADS / "resnet50.yaml")
    example = load_sweep(REPO / "examples" / "sweep_resnet50.yaml").arguments()
    example["workload"] = resnet50
    rows = []
    for threads in (int(t) for t in args.threads.split(",")):
        numba.set_num_threads(threads)
        sec, problems = sweep_rate(resnet50, args.designs, args.repeats, batch=32,
                                   training=hwsim.TrainingConfig())
        rows.append((f"sweep, ResNet-50 training step (LHS, {args.designs} designs)", threads,
                     args.designs, problems, sec))
        hwsim.sweep(**{**example, "space": {**example["space"], "compute.rows": [16]}})
        sec_ex, _ = best_of(args.repeats, lambda: hwsim.sweep(**example))
        rows.append(("sweep, examples/sweep_resnet50.yaml (grid)", threads, 2700, problems,
                     sec_ex))
        sec_k = kernel_rate(resnet50, args.designs, args.repeats)
        rows.append(("run_kernels only, ResNet-50 training step", threads, args.designs,
                     problems, sec_k))
        sec_i, problems_i = sweep_rate(resnet50, args.designs, args.repeats, batch=1)
        rows.append((f"sweep, ResNet-50 inference batch 1 (LHS, {args.designs} designs)",
                     threads, args.designs, problems_i, sec_i))
        print(rows[-4:], file=sys.stderr)
    load_end = os.getloadavg()
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    lines = ["# Sweep throughput", "",
             f"Command: `python bench/sweep_speed.py --designs {args.designs} --threads "
             f"{args.threads} --repeats {args.repeats}`; machine: {os.cpu_count()} cores "
             f"({platform.machine()}), Python {platform.python_version()}, numba "
             f"{numba.__version__}; 1-minute load average {load_start[0]:.2f} at the start and "
             f"{load_end[0]:.2f} after the hwsim runs (other work shares the cores). Times "
             "are the best of the repeats (hwsim and SCALE-Sim alike), warm, workload loaded.",
             "",
             "A GEMM is one matrix multiply of the lowered workload: a convolution or fully "
             "connected layer in one pass (forward, backward-data or backward-weight). A vector "
             "problem is work on the vector unit: an elementwise, pooling or normalisation "
             "layer in one pass, or a layer's SGD update. Every design evaluates both kinds, "
             "each with its DRAM traffic and energy; the last column counts the GEMMs only.", "",
             "| what | Numba threads | designs | GEMMs per design | vector problems per design "
             "| s | designs/s | GEMM x design evaluations/s |", "|---|---|---|---|---|---|---|---|"]
    for what, threads, designs, (gemms, vectors), sec in rows:
        lines.append(f"| {what} | {threads} | {designs} | {gemms} | {vectors} | {sec:.3f} | "
                     f"{designs / sec:,.0f} | {designs * gemms / sec:,.0f} |")
    if not args.no_scalesim:
        sec_s, layers, equal = scalesim(resnet50, 128, 128, "ws", args.repeats)
        inference = [r for r in rows if "inference" in r[0]]
        best = max(inference, key=lambda r: r[2] / r[4])
        gemms, vectors = best[3]
        hwsim_rate = best[2] * gemms / best[4]
        lines += ["", "## Against SCALE-Sim v3.0.0's compute model", "",
                  f"One design (128x128, ws), the {layers} GEMMs of ResNet-50's forward pass at "
                  f"batch 1 through `run_compute_only`: {sec_s:.1f} s, {layers / sec_s:.2f} "
                  f"GEMMs/s; hwsim's compute cycles equal SCALE-Sim's on {equal} of {layers} "
                  f"GEMMs. hwsim's sweep of the same workload ({best[1]} thread(s)) evaluates "
                  f"{hwsim_rate:,.0f} GEMM x design per second (the same {gemms} GEMMs per "
                  f"design, with DRAM traffic and energy, while it also evaluates the design's "
                  f"{vectors} vector problems, which this rate does not count): "
                  f"**{hwsim_rate / (layers / sec_s):,.0f}x** SCALE-Sim's rate."]
    lines.append("")
    publish(args.output, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
