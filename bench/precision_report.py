"""Write reports/precision.md and its plot: whole-training cost of CPT against static precision.

    python bench/precision_report.py     # -> reports/precision.md, reports/precision_cpt.png

ResNet-18 on ImageNet as CPT trains it (batch 256, 90 epochs x 5005 iterations, N = 32
cycles): static 8/8 against cyclic 4-8/8 and 3-8/8, on every shipped arch, in cycles, energy and
BitOPs. Also the schedule-alone savings against the CPT paper's tables.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _common import REPORTS, WORKLOADS, publish

from hwsim.api import load_arch, load_workload, shipped_arch_names
from hwsim.precision.schedule import Schedule, iteration_groups
from hwsim.spec.errors import SpecError
from hwsim.training_run import training_run

ITERATIONS, BATCH = 90 * 5005, 256
SCHEDULES = {"static 8/8": Schedule("static", (8,), (8,)),
             "CPT 4-8/8": Schedule("cyclic", (4, 8), (8, 8)),
             "CPT 3-8/8": Schedule("cyclic", (3, 8), (8, 8))}
METRICS = ("cycles", "energy_pj", "bitops")


def schedule_alone(bits: tuple[int, int], grad: tuple[int, int], iterations: int) -> float:
    """CPT's own counter: mean over iterations of (b*b + 2*b*g)/3 against the static maximum."""
    def cost(b: int, g: int) -> float:
        return (b * b + 2 * b * g) / 3
    groups = iteration_groups(Schedule("cyclic", bits, grad), iterations)
    mean = sum(c * cost(b, g) for b, g, c in groups) / iterations
    return 100 * (mean / cost(bits[1], grad[1]) - 1)


def main() -> int:
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    table = {}
    skipped = {}
    for arch_name in shipped_arch_names():
        arch = load_arch(arch_name)
        try:
            for label, schedule in SCHEDULES.items():
                run = training_run(workload, arch, iterations=ITERATIONS, schedule=schedule,
                                   batch=BATCH)
                table[arch_name, label] = run.totals()
                print(f"{arch_name} {label}: {table[arch_name, label]}", file=sys.stderr)
        except SpecError as exc:  # an array that cannot run CPT's integer formats
            skipped[arch_name] = str(exc.issues[0])
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True)
    archs = [a for a in shipped_arch_names() if a not in skipped]
    width = 0.8 / len(SCHEDULES)
    for ax, metric in zip(axes, METRICS, strict=True):
        for i, label in enumerate(SCHEDULES):
            values = [table[a, label][metric] / table[a, "static 8/8"][metric] for a in archs]
            ax.bar([x + i * width for x in range(len(archs))], values, width, label=label)
        ax.set_xticks([x + width for x in range(len(archs))], archs, fontsize=8)
        ax.set_title(metric + " (relative to static 8/8)", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(SCHEDULES), fontsize=8)
    fig.suptitle("ResNet-18 ImageNet training (batch 256, 450,450 iterations)", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(REPORTS / "precision_cpt.png", dpi=120)

    lines = ["# Precision schedules: CPT against static precision", "",
             "Produced by `python bench/precision_report.py`.", "",
             "## The schedule alone (CPT's cost counter)", "",
             "CPT counts a training step as (fw + eb + gc) / 3 with fw = b*b, eb = gc = b*g "
             "(its train.py), i.e. equal MACs in the three passes. hwsim's BitOPs reproduce "
             "that exactly on layers whose passes have equal MACs (linear layers; "
             "tests/unit/test_schedule.py).", "",
             "| schedule | setting | hwsim | CPT paper |", "|---|---|---|---|",
             f"| 3-8/8 | CIFAR, 64,000 it. | {schedule_alone((3, 8), (8, 8), 64000):.2f}% "
             "| -36.67% |",
             f"| 3-6/6 | CIFAR, 64,000 it. | {schedule_alone((3, 6), (6, 6), 64000):.2f}% "
             "| -30.04% |",
             f"| 4-8/8 | ImageNet, 450,450 it. | "
             f"{schedule_alone((4, 8), (8, 8), ITERATIONS):.2f}% | -30.2 to -30.4% |",
             f"| 4-6/6 | ImageNet, 450,450 it. | "
             f"{schedule_alone((4, 6), (6, 6), ITERATIONS):.2f}% | -20.7 to -21.1% |", "",
             "The CIFAR figures agree to 0.01 point. For ImageNet the same counter gives "
             "-30.10% and -20.68% for any iteration count of that size (64,000 to 600,000 "
             "iterations change it by < 0.02 point), so the paper's 0.1-0.4 point larger and "
             "model-dependent savings do not come from the schedule: a counter that depends "
             "on the model (e.g. layers kept at full precision, or per-layer FLOPs weighting "
             "passes differently) would explain a model-dependent figure; the published code's "
             "counter does not have one.", "",
             "## Whole-training cost of ResNet-18 on each arch", "",
             "![cpt](precision_cpt.png)", "",
             "| arch | schedule | cycles | latency_s | energy_J | bitops | vs static: cycles "
             "| energy | bitops |", "|---|---|---|---|---|---|---|---|---|"]
    for arch_name in archs:
        base = table[arch_name, "static 8/8"]
        for label in SCHEDULES:
            t = table[arch_name, label]
            rel = [100 * (t[m] / base[m] - 1) for m in METRICS]
            lines.append(f"| {arch_name} | {label} | {t['cycles']:.4g} | {t['latency_s']:.4g} "
                         f"| {t['energy_pj'] / 1e12:.4g} | {t['bitops']:.4g} | "
                         + " | ".join(f"{r:+.1f}%" for r in rel) + " |")
    lines += ["", "On the fixed-width arrays (tpu_like, eyeriss_like, scalesim_default and the "
              "baseline_* arrays) a narrower format runs promoted to the native width: cycles "
              "do not change and MAC energy stays that of the native multiplier; only data "
              "movement shrinks (energy saved is memory energy). BitOPs, CPT's measure, fall by "
              "the schedule's full saving. The precision-scalable arrays (stripes_like and "
              "loom_like bit-serial, bitfusion_like) turn the schedule into time and MAC "
              "energy: Stripes only through the activations, Loom and Bit Fusion through both "
              "operands.", ""]
    lines += [f"Not run: {name}: {reason}." for name, reason in skipped.items()]
    lines += [""] if skipped else []
    publish(REPORTS / "precision.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
