"""DRAM traffic of hwsim's mapping search beside Timeloop's mapper on AlexNet conv1-5.

    python bench/mapping_vs_timeloop.py [--output reports/mapping_vs_timeloop.md]

Design, Eyeriss-like as in Timeloop's example: a 12 x 14 PE array, a 108 KiB global buffer
holding inputs and outputs only (weights bypass it), DRAM; 16-bit words everywhere (partial
sums too), batch 1; objective `dram`. hwsim has no PE scratchpads and maps onto a systolic
dataflow (os, ws, is; all three are reported), so this is a sanity comparison, not a
reproduction. A column gives SCALE-Sim's fold order (`scalesim_mapping`, ws) in the same
model, where it fits the buffer. The buffer is taken single-buffered, as Timeloop's
capacity check is.

Timeloop's numbers: Timeloop v3.0.3 timeloop-mapper on its Eyeriss-like example, its DRAM
words per layer and operand as recorded in tests/data/timeloop_alexnet_eyeriss_like.yaml (with
their provenance). Timeloop's example layers are its own AlexNet shapes (the original two-tower
network's channel counts, run ungrouped, inputs given pre-padded), listed there too: their
compulsory traffic (every tensor once) is 4.87 M words, and Timeloop's 12.70 M is
2.61x that. hwsim maps those shapes too, and the shapes of workloads/alexnet.yaml
(torchvision's AlexNet); a workloads/alexnet.yaml layer is paired with a Timeloop layer only
when their shapes (C, K, P, Q, R, S, stride) agree, never by name.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml
from _common import REPO, REPORTS, WORKLOADS, publish

# Timeloop v3.0.3 timeloop-mapper on its Eyeriss-like example: per layer its shape and DRAM
# words per operand.
TIMELOOP = yaml.safe_load((REPO / "tests" / "data" / "timeloop_alexnet_eyeriss_like.yaml")
                          .read_text())["layers"]
# C, K (output channels), P = Q, R = S, stride; the input is (P-1)*stride + R pixels square.
TIMELOOP_SHAPES = {n: tuple(r["shape"].values()) for n, r in TIMELOOP.items()}
WORD_BITS = 16
WIDTHS = (WORD_BITS, WORD_BITS, WORD_BITS, WORD_BITS)   # A, B, output, partial sums
BUFFER_BITS = 108 * 1024 * 8


def timeloop_problems():
    from hwsim.mapping import ConvGeometry, GemmProblem
    out = {}
    for name, (c, k, p, r, stride) in TIMELOOP_SHAPES.items():
        h = (p - 1) * stride + r
        geo = ConvGeometry(1, p, p, r, r, stride, stride, channels=c, H=h, W=h)
        m, kk = geo.gemm
        out[name] = GemmProblem(m, k, kk, WIDTHS, conv=geo)
    return out


def workload_problems():
    import hwsim
    from hwsim.mapping.problems import workload_problems as lowered
    names, problems = lowered(hwsim.load_workload(WORKLOADS / "alexnet.yaml"),
                              bits=WIDTHS)
    return {n: p for n, p in zip(names, problems, strict=True) if p.conv is not None}


def shape(problem) -> tuple[int, ...]:
    g = problem.conv
    return (g.channels, problem.N, g.P, g.Q, g.R, g.S, g.stride_h, g.stride_w)


def compulsory_words(problem) -> int:
    """Input feature map + weights + outputs, each once."""
    g = problem.conv
    return g.batch * g.channels * g.H * g.W + problem.K * problem.N + problem.M * problem.N


def eyeriss(dataflow: str):
    from hwsim.mapping import MappingDesign
    return MappingDesign(12, 14, dataflow, buffer_holds=(True, False, True), unified=True,
                         buffer_bits=(float(BUFFER_BITS), 0.0, 0.0), double_buffer=False)


def dram_words(problems: dict, dataflows: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """DRAM words per layer and dataflow, objective `dram` (inf: no mapping fits)."""
    from hwsim.mapping import search
    names = list(problems)
    found = search([problems[n] for n in names], [eyeriss(df) for df in dataflows], "dram")
    return {df: {n: (found.dram_bytes[i, j] * 8 / WORD_BITS if found.mappings[i][j] else math.inf)
                 for j, n in enumerate(names)}
            for i, df in enumerate(dataflows)}


def scalesim_order_words(problem) -> float:
    """DRAM words of SCALE-Sim's fold order (ws) in the same model; inf when it overflows."""
    from hwsim.mapping import evaluate, scalesim_mapping
    design = eyeriss("ws")
    cost = evaluate(problem, design, scalesim_mapping(problem, design), "dram")
    return cost.dram_bytes * 8 / WORD_BITS if cost.status == 0 else math.inf


def table(title: str, problems: dict, words: dict, partner: dict) -> list[str]:
    dfs = list(words)
    lines = [f"### {title}", "",
             "| layer | MACs | compulsory words | hwsim ws, SCALE-Sim order words | " +
             " | ".join(f"hwsim {df} words" for df in dfs) + " | hwsim best / compulsory | "
             "Timeloop layer | Timeloop words | Timeloop / compulsory |",
             "|---|---:|---:|---:|" + "---:|" * len(dfs) + "---:|---|---:|---:|"]
    tot = {"c": 0, "best": 0.0, **{df: 0.0 for df in dfs}}
    for n, p in problems.items():
        comp = compulsory_words(p)
        best = min(words[df][n] for df in dfs)
        tot["c"] += comp
        tot["best"] += best
        for df in dfs:
            tot[df] += words[df][n]
        tl = partner.get(n)
        tl_cols = (f"{tl} | {timeloop_words(tl) / 1e6:.3f} M | "
                   f"{timeloop_words(tl) / comp:.2f}x") if tl else "none of this shape | | "
        lines.append(f"| {n} | {p.M * p.N * p.K / 1e6:.1f} M | {comp / 1e6:.3f} M | "
                     f"{millions(scalesim_order_words(p))} | " +
                     " | ".join(millions(words[df][n]) for df in dfs) +
                     f" | {best / comp:.2f}x | {tl_cols} |")
    lines.append(f"| total | | {tot['c'] / 1e6:.3f} M | | " +
                 " | ".join(millions(tot[df]) for df in dfs) +
                 f" | {tot['best'] / tot['c']:.2f}x | | | |")
    return [*lines, ""]


def millions(words: float) -> str:
    return f"{words / 1e6:.3f} M" if math.isfinite(words) else "does not fit"


def timeloop_words(name: str) -> float:
    return float(sum(TIMELOOP[name]["dram_words"].values()))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPORTS / "mapping_vs_timeloop.md")
    args = parser.parse_args()
    dataflows = ("os", "ws", "is")
    tl = timeloop_problems()
    ours = workload_problems()
    tl_shapes = {shape(p): n for n, p in tl.items()}
    tl_total = sum(timeloop_words(n) for n in tl)
    tl_comp = sum(compulsory_words(p) for p in tl.values())
    lines = ["# DRAM traffic: hwsim's mapping search beside Timeloop's mapper", "",
             "Generated by `python bench/mapping_vs_timeloop.py` (see its docstring for the "
             "design and the sources). Words are 16-bit; M = 10^6.", "",
             f"Timeloop, conv1-5 of its example: {tl_total / 1e6:.2f} M DRAM words, "
             f"{tl_total / tl_comp:.2f}x the compulsory {tl_comp / 1e6:.2f} M.", ""]
    lines += table("Timeloop's example shapes", tl, dram_words(tl, dataflows),
                   {n: n for n in tl})
    lines += table("workloads/alexnet.yaml shapes", ours, dram_words(ours, dataflows),
                   {n: tl_shapes[shape(p)] for n, p in ours.items() if shape(p) in tl_shapes})
    publish(args.output, "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
