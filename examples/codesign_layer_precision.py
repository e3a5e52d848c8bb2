"""Co-design (b): per-layer precision that minimises energy, first and last layer at >= 8 bits,
mean bits >= 4, on a precision-scalable array (Bit Fusion), then the array shape for it.

    python examples/codesign_layer_precision.py -> reports/sweep_layer_precision/

Each MAC layer i of ResNet-50 (inference, batch 1) runs its weights and activations at b_i
bits, b_i in 2..8. hwsim costs every problem on its own formats, so the energy is a sum of
per-layer terms E_i(b_i): seven evaluations (every layer at b bits, one per b) give the whole
table E, and the allocation problem

    minimise sum_i E_i(b_i)  subject to  b_first = b_last = 8,  (1/L) sum_i b_i >= 4

is a multiple-choice knapsack, solved exactly by dynamic programming over the bits spent.
The chosen allocation is then evaluated by hwsim as a policy (one rule per layer) to confirm
the table's prediction, compared with uniform baselines and with random feasible
allocations, and swept with `hwsim.sweep` over array shapes against uniform 8-bit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import hwsim  # noqa: E402
from hwsim.precision import parse_format  # noqa: E402
from hwsim.spec.policy import Policy, Rule  # noqa: E402
from hwsim.spec.workload import Conv2d, Linear, Matmul  # noqa: E402

BITS = tuple(range(2, 9))
ARCH = "bitfusion_like"
OUT = REPO / "reports" / "sweep_layer_precision"


def policy(names: list[str], bits: list[int]) -> Policy:
    """Every MAC layer `names[i]` at `bits[i]` for weights and activations (others: int8)."""
    return Policy({}, tuple(Rule(n, {"weights": parse_format(f"int{b}"),
                                     "activations": parse_format(f"int{b}")})
                            for n, b in zip(names, bits, strict=True)))


def layer_costs(workload, arch, names: list[str], bits: int) -> tuple[np.ndarray, np.ndarray,
                                                                       float, float]:
    """Energy (pJ) and cycles of each MAC layer at `bits`, and of everything else."""
    result = hwsim.estimate(policy(names, [bits] * len(names)).apply(workload), arch)
    energy = dict.fromkeys(names, 0.0)
    cycles = dict.fromkeys(names, 0.0)
    rest_e = rest_c = 0.0
    for layer in result.layers:
        if layer.name in energy:
            energy[layer.name] += layer.total_energy_pj
            cycles[layer.name] += layer.total_cycles
        else:
            rest_e += layer.total_energy_pj
            rest_c += layer.total_cycles
    return np.array([energy[n] for n in names]), np.array([cycles[n] for n in names]), \
        rest_e, rest_c


def allocate(table: np.ndarray, min_mean: float) -> list[int]:
    """Exact minimum of sum_i table[i, b_i] with b_first = b_last = 8 and mean >= min_mean:
    dynamic programming over (layer, bits spent so far), bits capped at the requirement."""
    layers = table.shape[0]
    need = int(np.ceil(min_mean * layers))
    best = {0: (0.0, [])}
    for i in range(layers):
        choices = (8,) if i in (0, layers - 1) else BITS
        nxt: dict[int, tuple[float, list[int]]] = {}
        for spent, (energy, picks) in best.items():
            for b in choices:
                key = min(need, spent + b)
                cand = energy + table[i, BITS.index(b)]
                if key not in nxt or cand < nxt[key][0]:
                    nxt[key] = (cand, [*picks, b])
        best = nxt
    return best[need][1]


def main() -> int:
    workload = hwsim.load_workload(REPO / "workloads" / "resnet50.yaml")
    arch = hwsim.load_arch(ARCH)
    names = [layer.name for layer in workload.layers
             if isinstance(layer, (Conv2d, Linear, Matmul))]
    costs = [layer_costs(workload, arch, names, b) for b in BITS]
    energy = np.stack([c[0] for c in costs], axis=1)     # [layer, bits]
    cycles = np.stack([c[1] for c in costs], axis=1)
    rest_e, rest_c = costs[0][2], costs[0][3]

    def predicted(bits: list[int]) -> tuple[float, float]:
        idx = [BITS.index(b) for b in bits]
        rows = np.arange(len(bits))
        return rest_e + energy[rows, idx].sum(), rest_c + cycles[rows, idx].sum()

    chosen = allocate(energy, 4.0)
    check = hwsim.estimate(policy(names, chosen).apply(workload), arch)
    pred_e, pred_c = predicted(chosen)
    assert abs(check.energy_pj - pred_e) <= 1e-9 * pred_e and check.total_cycles == pred_c

    baselines = {"uniform int8": [8] * len(names),
                 "first/last int8, others int4": [8] + [4] * (len(names) - 2) + [8],
                 "energy-optimal allocation": chosen}
    rng = np.random.default_rng(0)
    random_e = []
    while len(random_e) < 5000:
        bits = [8, *rng.choice(BITS, size=len(names) - 2).tolist(), 8]
        if np.mean(bits) >= 4:
            random_e.append(predicted(bits)[0])
    clock = arch.compute.clock_mhz * 1e6

    lines = ["# Per-layer precision allocation on a Bit Fusion array (ResNet-50, batch 1)", "",
             "Command: `python examples/codesign_layer_precision.py`. Minimise energy over "
             f"per-layer bits in {BITS[0]}..{BITS[-1]} (weights and activations of a MAC "
             "layer together) with the first and last layer at 8 bits and mean bits >= 4; "
             f"arch `{ARCH}`. The optimum is exact (dynamic programming over a per-layer cost "
             "table of 7 hwsim evaluations); hwsim's evaluation of the chosen policy equals "
             "the table's prediction.", "",
             "| allocation | mean bits | energy (uJ) | latency (ms) |", "|---|---|---|---|"]
    for label, bits in baselines.items():
        e, c = predicted(bits)
        lines.append(f"| {label} | {np.mean(bits):.2f} | {e / 1e6:.1f} | {c / clock * 1e3:.3f} |")
    lines += ["", f"5,000 random feasible allocations: energy from {min(random_e) / 1e6:.1f} to "
              f"{max(random_e) / 1e6:.1f} uJ (median {np.median(random_e) / 1e6:.1f}); none "
              f"below the optimum ({predicted(chosen)[0] / 1e6:.1f} uJ).", "",
              "Bits chosen per layer: " + ", ".join(f"{n}={b}" for n, b in
                                                      zip(names, chosen, strict=True)), ""]
    assert min(random_e) >= predicted(chosen)[0]

    space = {"compute.rows": [8, 16, 32, 64], "compute.cols": [16, 32, 64]}
    lines += ["## Array shape for the allocation (`hwsim.sweep`)", "",
              "| rows x cols | energy, uniform int8 (uJ) | energy, optimal (uJ) | latency, "
              "uniform int8 (ms) | latency, optimal (ms) |", "|---|---|---|---|---|"]
    tables = {label: hwsim.sweep(workload, arch, space, policy=policy(names, bits))
              for label, bits in (("int8", baselines["uniform int8"]), ("opt", chosen))}
    for i in range(len(tables["opt"])):
        r8, ro = tables["int8"].row(i), tables["opt"].row(i)
        lines.append(f"| {ro['compute.rows']}x{ro['compute.cols']} | "
                     f"{r8['energy_pj'] / 1e6:.1f} | {ro['energy_pj'] / 1e6:.1f} | "
                     f"{r8['latency_s'] * 1e3:.3f} | {ro['latency_s'] * 1e3:.3f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    plot(names, chosen, random_e, {k: predicted(v)[0] for k, v in baselines.items()})
    lines += ["", "![allocation](allocation.png)", ""]
    (OUT / "summary.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


def plot(names: list[str], chosen: list[int], random_e: list[float],
         marks: dict[str, float]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(11, 4), dpi=110)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    left.bar(range(len(names)), chosen, color="tab:blue")
    left.set_xlabel("MAC layer (network order)")
    left.set_ylabel("bits (weights and activations)")
    left.set_title("energy-optimal allocation")
    right.hist(np.asarray(random_e) / 1e6, bins=40, color="0.7", label="random feasible")
    for (label, value), color in zip(marks.items(), ("tab:red", "tab:orange", "tab:green"),
                                     strict=True):
        right.axvline(value / 1e6, color=color, label=label)
    right.set_xlabel("energy (uJ)")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(OUT / "allocation.png")


if __name__ == "__main__":
    sys.exit(main())
