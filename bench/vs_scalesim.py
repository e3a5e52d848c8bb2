"""Speed and agreement of hwsim against SCALE-Sim v3.0.0 on the same ResNet-18 topology.

Runs SCALE-Sim's ResNet-18 topology (workloads/scalesim/resnet18.csv, unpadded) on a 128x128
array in CALC bandwidth mode through both tools in one process, checks that every layer's
`Total Cycles` and SRAM counts agree, and prints the wall-time ratio:

    python bench/vs_scalesim.py [--dataflows ws] [--rows 128 --cols 128]
        -> reports/bench_vs_scalesim.md

hwsim is timed warm (kernels compiled and cached, as in any second call; best of 20 runs, so
that other load on the machine does not count), and on its first call for each dataflow. Only
the first dataflow's first call is cold (it imports hwsim and loads Numba's cached kernels);
the later dataflows' first calls run in a process that has both already, and the report labels
each. SCALE-Sim's full run (compute and memory model) is what a user waits for; its compute
model alone is timed too.
Expect several minutes per dataflow for SCALE-Sim.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

from _common import REPORTS, WORKLOADS, publish, use_peers

TOPOLOGY = WORKLOADS / "scalesim" / "resnet18.csv"


def time_hwsim(cfg: Path) -> tuple[float, float, list]:
    """(first call s, best of 20 later calls s, the first call's layers)."""
    t0 = time.perf_counter()
    from hwsim.api import estimate, load_arch, load_workload
    arch, workload = load_arch(cfg), load_workload(TOPOLOGY)
    layers = estimate(workload, arch).layers
    first = time.perf_counter() - t0
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        estimate(load_workload(TOPOLOGY), load_arch(cfg))
        times.append(time.perf_counter() - t0)
    return first, min(times), list(layers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataflows", default="ws")
    parser.add_argument("--rows", type=int, default=128)
    parser.add_argument("--cols", type=int, default=128)
    parser.add_argument("--output", type=Path, default=REPORTS / "bench_vs_scalesim.md")
    args = parser.parse_args()
    use_peers()
    from peers.scalesim_runner import ConvLayer, run_compute_only, run_full, write_cfg

    lines = [f"# hwsim vs SCALE-Sim v3.0.0: ResNet-18 topology, {args.rows}x{args.cols}, CALC",
             "", f"Command: `python bench/vs_scalesim.py --dataflows {args.dataflows} "
             f"--rows {args.rows} --cols {args.cols}`; machine: {platform.machine()}, "
             f"Python {platform.python_version()}, one process.", "",
             "| dataflow | layers | layers with equal cycles and SRAM counts | SCALE-Sim full s "
             "| SCALE-Sim compute-only s | hwsim first call s | hwsim warm s (best of 20) "
             "| full / warm | compute-only / warm |", "|---|---|---|---|---|---|---|---|---|"]
    for run, df in enumerate(args.dataflows.split(",")):
        process = "cold process: import and kernel load" if run == 0 else "warm process"
        with tempfile.TemporaryDirectory() as tmp:
            cfg = write_cfg(Path(tmp) / "run.cfg", rows=args.rows, cols=args.cols, dataflow=df,
                            ifmap_kib=6144, filter_kib=6144, ofmap_kib=2048)
            first, warm, ours = time_hwsim(cfg)
            print(f"[{df}] hwsim first call {first:.3f} s ({process}), warm {warm * 1e3:.2f} ms; "
                  "running SCALE-Sim's compute model...", file=sys.stderr)
            t0 = time.perf_counter()
            from scalesim.topology_utils import topologies
            topo = topologies()
            topo.load_arrays(topofile=str(TOPOLOGY))
            for entry in topo.topo_arrays:
                run_compute_only(args.rows, args.cols, df, ConvLayer(*entry[:8]), gemm=False)
            compute_only = time.perf_counter() - t0
            print(f"[{df}] compute-only {compute_only:.1f} s; running SCALE-Sim in full "
                  "(minutes)...", file=sys.stderr)
            t0 = time.perf_counter()
            peer = run_full(cfg, TOPOLOGY, gemm=False, out_dir=Path(tmp) / "out")
            full = time.perf_counter() - t0
        equal = sum(o.compute_cycles == p["total_cycles"]
                    and (o.sram_reads["ifmap"], o.sram_reads["filter"], o.sram_writes["ofmap"])
                    == (p["sram_ifmap_reads"], p["sram_filter_reads"], p["sram_ofmap_writes"])
                    for o, p in zip(ours, peer, strict=True))
        lines.append(f"| {df} | {len(peer)} | {equal} | {full:.1f} | {compute_only:.1f} | "
                     f"{first:.3f} ({process}) | {warm:.4f} | {full / warm:.3g} | "
                     f"{compute_only / warm:.3g} |")
        print(lines[-1], file=sys.stderr)
    publish(args.output, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
