"""Write reports/energy.md and its plot: the energy model's calibration and breakdowns.

    python bench/energy_report.py      # -> reports/energy.md, reports/energy_breakdown.png

Sections: the 45 nm published points against the fits, the fits' predictions for formats with
no published point, technology scaling factors, the Eyeriss normalized costs, and ResNet-18's
energy by component on every shipped arch (stacked bars). The ZigZag comparison is appended by
reports/energy_vs_zigzag.md (bench/energy_vs_zigzag.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _common import REPORTS, WORKLOADS, publish

from hwsim.api import estimate, load_arch, load_workload, shipped_arch_names
from hwsim.energy.table import energy_table
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy
from hwsim.technology import supported_nodes
from hwsim.unit_energy import memory, ops
from hwsim.unit_energy.data import base_table
from hwsim.unit_energy.scaling import energy_scale

F = parse_format


def calibration() -> list[str]:
    t = base_table()
    rows = [("int add", p.x, p.energy_pj, ops.int_add_pj(p.x)) for p in t.int_add]
    rows += [("int mult", p.x, p.energy_pj, ops.int_mult_pj(p.x, p.x)) for p in t.int_mult]
    rows += [(f"{name} add", p.x, p.energy_pj, ops.add_pj(F(name))) for name, p in t.fp_add.items()]
    rows += [(f"{name} mult", p.x, p.energy_pj, ops.mult_pj(F(name), F(name)))
             for name, p in t.fp_mult.items()]
    rows += [(f"SRAM {p.x:g} KiB read (64 bit)", 64, p.energy_pj,
              memory.sram_pj_per_bit(p.x * 1024) * 64) for p in t.sram_64bit_read]
    out = ["| action | bits | published pJ | hwsim pJ | error |", "|---|---|---|---|---|"]
    out += [f"| {a} | {b:g} | {p:g} | {m:.4g} | {100 * (m / p - 1):+.2g}% |"
            for a, b, p, m in rows]
    return out


def predictions() -> list[str]:
    out = ["| format | multiply pJ | add pJ | MAC with int32/fp32 accumulate pJ |",
           "|---|---|---|---|"]
    for name in ("binary", "int2", "int4", "int8", "int16", "lns8_f3", "fp8_e5m2", "fp8_e4m3",
                 "bf16", "fp16", "fp32"):
        f = F(name)
        acc = F("fp32") if f.kind == "fp" else F("int32")
        out.append(f"| {name} | {ops.mult_pj(f, f):.4g} | {ops.add_pj(f):.4g} | "
                   f"{ops.mac_pj(f, f, acc):.4g} |")
    return out


def breakdown_plot(path: Path) -> list[str]:
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    results = {}
    for name in shipped_arch_names():
        arch = load_arch(name)
        if arch.compute.kind == "lns":  # runs its own LNS format
            native = arch.compute.native_formats[0]
            results[name] = estimate(Policy({"weights": native, "activations": native}).apply(
                workload), arch)
        else:
            results[name] = estimate(workload, arch)
    components = sorted({c for r in results.values() for c in r.energy_breakdown_pj})
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bottoms = [0.0] * len(results)
    for comp in components:
        values = [r.energy_breakdown_pj.get(comp, 0.0) / 1e6 for r in results.values()]
        ax.bar(list(results), values, bottom=bottoms, label=comp)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    ax.set_ylabel("energy (uJ)")
    ax.set_yscale("log")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.set_title("ResNet-18 (batch 1, int8 or the array's LNS format) by component")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    out = ["| arch | node nm | total uJ | " + " | ".join(f"{c} uJ" for c in components) + " |",
           "|---" * (3 + len(components)) + "|"]
    for name, r in results.items():
        cells = " | ".join(f"{r.energy_breakdown_pj.get(c, 0.0) / 1e6:.4g}" for c in components)
        out.append(f"| {name} | {r.arch.energy.node_nm} | {r.energy_pj / 1e6:.4g} | {cells} |")
    return out


def main() -> int:
    eyeriss = energy_table(load_arch("eyeriss_like"))
    word = F("int16")
    mac = eyeriss.mac_pj(word, word, word)
    norm = [("register file", eyeriss.register_file_pj_per_bit, 1),
            ("PE network", eyeriss.forwarding_pj_per_bit, 2),
            ("global buffer", eyeriss.buffer_read_pj_per_bit["unified"], 6),
            ("DRAM", eyeriss.dram_pj_per_bit, 200)]
    lines = ["# Energy model: calibration and breakdowns", "",
             "Produced by `python bench/energy_report.py`.", "",
             "## 45 nm published points (Horowitz, ISSCC 2014; Sze et al. 2017)", "",
             "Each fit is built to pass through the published points it is calibrated on "
             "(hwsim/unit_energy/ops.py, hwsim/unit_energy/memory.py), so the error column is "
             "zero by construction up to rounding: it checks that the fits are implemented as "
             "described, not how well they predict other points.", "",
             *calibration(), "",
             "## Fitted energies at 45 nm by format", "",
             "The fits' values for every format; a multiply or add with a published point "
             "above (int8, fp16 and fp32 multiply and add, int16 add) equals it, the other "
             "entries are predictions, and the MAC column adds the accumulator's add.", "",
             *predictions(), "",
             "## Technology scaling (Stillmaker & Baas 2017, nominal supply)", "",
             "| node nm | energy vs 45 nm |", "|---|---|",
             *[f"| {n} | {energy_scale(45, n):.4g} |" for n in supported_nodes()], "",
             "## Eyeriss normalized costs (per 16-bit access / 16-bit MAC)", "",
             f"16-bit MAC at 65 nm: {mac:.4f} pJ. `eyeriss_like` sets its per-bit register "
             "file, PE network, global buffer and DRAM energies to 1, 2, 6 and 200 times this "
             "MAC's energy per bit (arch_configs/eyeriss_like.yaml, rounded to five "
             "significant figures), so the ratios below equal Sze et al.'s by construction: "
             "they show the arch file states those ratios, not that the energy model predicts "
             "them.", "",
             "| level | hwsim ratio | Sze et al. |", "|---|---|---|",
             *[f"| {name} | {16 * e / mac:.3f} | {ref} |" for name, e, ref in norm], "",
             "## ResNet-18 energy by component on every shipped arch", "",
             "Inference at batch 1 in the workload's int8 weights and activations (int32 "
             "accumulation); lns_madam_like runs its native LNS format instead. Each arch at "
             "its own node (column 2).", "",
             "![breakdown](energy_breakdown.png)", "",
             *breakdown_plot(REPORTS / "energy_breakdown.png"), "",
             "## Against ZigZag", "",
             "ResNet-18 through ZigZag 3.9.1 beside hwsim with the same per-access energies, "
             "per layer and in total, with the reasons for the differences: "
             "[energy_vs_zigzag.md](energy_vs_zigzag.md).", ""]
    publish(REPORTS / "energy.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
