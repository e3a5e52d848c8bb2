"""Add the cost half to reports/block_formats.md: training steps under block-scaled recipes.

    python bench/block_formats_cost.py   # rewrites the "Cost" section of reports/block_formats.md

BERT-base (sequence 128) and GPT-2 (sequence 1024), batch 1, one Adam training step, on
``mx_array_like`` (block dot-product PEs) against ``baseline_bf16`` and ``baseline_fp8``
(bit-parallel, same 16x32 PEs, buffers, DRAM, clock and node). Recipes are the shipped policies
(``hwsim/policies``); the baselines also run their own formats (bf16; FP8 E4M3 weights and
activations with E5M2 gradients, per-tensor scaled). On ``baseline_bf16`` a recipe's block
formats are promoted to bf16 MACs (stored and moved at their own width).

Block-scaling overhead: each recipe is run again on ``mx_array_like`` with every block format
replaced by its element format (same element width, so the same throughput; no scales stored,
moved or applied, and no quantization work but the one-operation casts into a recipe's
backward formats), the array also executing those element formats natively.
The difference is what block scaling costs; the report splits it into the quantization and
re-quantization problems' own cost and the rest (scale bytes in storage and traffic, the scales'
application in the MACs, and mapping choices the wider widths change).
"""

from __future__ import annotations

import dataclasses
import math

from _common import REPORTS, WORKLOADS, publish

from hwsim.api import estimate, load_arch, load_workload
from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.arch import Arch, MappingSpec
from hwsim.spec.policy import Policy, Rule, load_policy
from hwsim.training_config import TrainingConfig

REPORT = REPORTS / "block_formats.md"
SECTION = "## Cost of a training step"
WORKLOAD_FILES = {"BERT-base (seq 128)": "bert_base.yaml", "GPT-2 (seq 1024)": "gpt2_seq1024.yaml"}
RECIPES = ("mxfp8", "mxfp4_fwd_mxfp8_bwd", "nvfp4")
BASELINES = {"bf16": {"weights": "bf16", "activations": "bf16", "gradients": "bf16",
                      "accumulator": "fp32"},
             "fp8 (per tensor)": {"weights": "fp8_e4m3", "activations": "fp8_e4m3",
                                  "gradients": "fp8_e5m2", "accumulator": "fp32"}}
RUNS = ([("baseline_bf16", "bf16"), ("baseline_fp8", "fp8 (per tensor)")]
        + [("baseline_bf16", r) for r in RECIPES] + [("mx_array_like", r) for r in RECIPES])
COMPONENTS = ("mac", "vector", "forwarding", "sram_ifmap", "sram_filter", "sram_ofmap", "dram")


def policy_of(name: str) -> Policy:
    if name in BASELINES:
        return Policy({k: parse_format(v) for k, v in BASELINES[name].items()})
    return load_policy(name)


def without_scales(policy: Policy) -> Policy:
    """The policy with every block format replaced by its element format."""
    def plain(formats: dict[str, NumberFormat]) -> dict[str, NumberFormat]:
        return {k: f.element for k, f in formats.items()}
    return Policy(plain(policy.default), tuple(Rule(r.pattern, plain(r.formats))
                                               for r in policy.rules))


def executing_elements(arch: Arch) -> Arch:
    """The arch also executing its block formats' element formats natively."""
    natives = arch.compute.native_formats
    extra = tuple(dict.fromkeys(f.element for f in natives if f.is_block))
    return dataclasses.replace(arch, compute=dataclasses.replace(
        arch.compute, native_formats=natives + extra))


QUANTIZATION_SUFFIXES = (".quantize", ".requant_a", ".requant_b", ".quantize_backward")
#: The problems that make a recipe's backward copies (`backward_weights`: the dgrad weights
#: quantized from the master copy; `backward_activations`: the saved inputs quantized in the
#: forward pass).
BACKWARD_COPY_SUFFIXES = (".dgrad.requant_b", ".quantize_backward")


def step(workload_file: str, arch: Arch, policy: Policy) -> dict:
    """The step's totals, plus `quantization`: the cycles, DRAM bytes and energy of its
    quantization and re-quantization problems (`hwsim.lowering.block_scaling`)."""
    workload = policy.apply(load_workload(WORKLOADS / workload_file))
    result = estimate(workload, arch, training=TrainingConfig()).to_dict()
    totals = result["totals"]
    for key, suffixes in (("quantization", QUANTIZATION_SUFFIXES),
                          ("backward_copies", BACKWARD_COPY_SUFFIXES)):
        work = [x for x in result["layers"] if x["name"].endswith(suffixes)]
        totals[key] = {"cycles": sum(x["cycles"]["total"] for x in work),
                       "dram_bytes": sum(sum(x["dram_bytes"].values()) for x in work),
                       "energy_pj": sum(x["total_energy_pj"] for x in work)}
    return totals


def without_backward_formats(policy: Policy) -> Policy:
    """The policy with its backward GEMMs taking weights and activations in their forward
    formats (re-quantized from the forward pass's copies)."""
    def forward(formats: dict[str, NumberFormat]) -> dict[str, NumberFormat]:
        return {k: f for k, f in formats.items() if not k.startswith("backward_")}
    return Policy(forward(policy.default), tuple(Rule(r.pattern, forward(r.formats))
                                                 for r in policy.rules))


def backward_copies(file: str, arch: Arch, t: dict) -> str:
    """What the MXFP8 backward copies of mxfp4_fwd_mxfp8_bwd cost (`t`: its step on `arch`),
    against the same recipe with MXFP4 backward operands."""
    c = t["backward_copies"]
    r = step(file, arch, without_backward_formats(policy_of("mxfp4_fwd_mxfp8_bwd")))
    return (f"- mxfp4_fwd_mxfp8_bwd on mx_array_like: its MXFP8 E4M3 backward copies "
            f"(`<layer>.quantize_backward`: inputs quantized as the forward pass produces "
            f"them and saved; `<layer>.dgrad.requant_b`: weights from the fp32 master copy) "
            f"take {c['cycles']:,} cycles, {mb(c['dram_bytes'])} MB of DRAM traffic and "
            f"{uj(c['energy_pj'])} uJ. Against the same recipe with MXFP4 backward operands "
            f"(re-quantized from the forward copies; the policy without `backward_*`): "
            f"cycles x{t['cycles'] / r['cycles']:.3f}, energy x"
            f"{t['energy_pj'] / r['energy_pj']:.3f}, DRAM bytes x"
            f"{t['dram_bytes_total'] / r['dram_bytes_total']:.3f}, peak memory x"
            f"{t['peak_memory_bytes'] / r['peak_memory_bytes']:.3f}.")


def mb(x: float) -> str:
    return f"{x / 1e6:,.1f}"


def uj(x: float) -> str:
    return f"{x / 1e6:,.0f}"


def findings(rows: list[tuple[str, str, dict]]) -> list[str]:
    """Ratios of each recipe on mx_array_like to bf16 on baseline_bf16, and where time and
    energy go."""
    ref = next(t for arch, recipe, t in rows if recipe == "bf16")
    out = []
    for arch, recipe, t in rows:
        if arch != "mx_array_like":
            continue
        out.append(f"- {recipe} on mx_array_like against bf16 on baseline_bf16: cycles x"
                   f"{t['cycles'] / ref['cycles']:.3f}, energy x"
                   f"{t['energy_pj'] / ref['energy_pj']:.3f}, DRAM bytes x"
                   f"{t['dram_bytes_total'] / ref['dram_bytes_total']:.3f}, peak memory x"
                   f"{t['peak_memory_bytes'] / ref['peak_memory_bytes']:.3f}.")
    stall = min(t["stall_cycles"] / t["cycles"] for _, _, t in rows)
    dram = min(t["energy_breakdown_pj"]["dram"] / t["energy_pj"] for _, _, t in rows)
    state = min(t["model_state_bytes"] / t["peak_memory_bytes"] for _, _, t in rows)
    stall_pct, dram_pct = math.floor(100 * stall), math.floor(100 * dram)
    state_pct = math.floor(1000 * state) / 10
    saved = [(ref["energy_breakdown_pj"]["dram"] - t["energy_breakdown_pj"]["dram"]) /
             (ref["energy_pj"] - t["energy_pj"]) for arch, _, t in rows
             if arch == "mx_array_like" and t["energy_pj"] < ref["energy_pj"]]
    out.append(f"- At batch 1 and 16 bytes/cycle of DRAM, stalls are at least {stall_pct}% of "
               f"every row's cycles and DRAM at least {dram_pct}% of its energy; the model "
               f"state (weights, gradients, Adam's fp32 master copy and states) is at least "
               f"{state_pct}% of peak memory. Of the energy each recipe on mx_array_like saves "
               f"against bf16, DRAM energy is at least {math.floor(100 * min(saved))}%.")
    return out


def section() -> str:
    lines = [SECTION, "",
             "Produced by `python bench/block_formats_cost.py` (this section only; the "
             "quantization-error section above by `python bench/block_formats_numerics.py`). "
             "One training step (forward, backward, Adam update; batch 1) per row; recipes are "
             "the shipped policies `hwsim/policies/*.yaml` (`--policy NAME`), the baselines' "
             "rows their own formats. `baseline_bf16` promotes a recipe's block formats to bf16 "
             "MACs. Archs: `hwsim/arch_configs/{mx_array_like,baseline_bf16,baseline_fp8}.yaml`"
             " (16x32 PEs, ws, 500 MHz, 45 nm, 16 bytes/cycle DRAM), each with its default "
             "searched memory mapping (`docs/mapping.md`). What each cost counts: "
             "`docs/block_formats.md`.", ""]
    archs = {name: load_arch(name) for name in ("baseline_bf16", "baseline_fp8",
                                                   "mx_array_like")}
    for label, file in WORKLOAD_FILES.items():
        rows = [(arch, recipe, step(file, archs[arch], policy_of(recipe)))
                for arch, recipe in RUNS]
        lines += [f"### {label}", "",
                  "| arch | recipe | cycles | compute_cycles | energy_uJ | dram_MB | "
                  "peak_memory_MB | model_state_MB | activation_MB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for arch, recipe, t in rows:
            lines.append(f"| {arch} | {recipe} | {t['cycles']:,} | {t['compute_cycles']:,} | "
                         f"{uj(t['energy_pj'])} | {mb(t['dram_bytes_total'])} | "
                         f"{mb(t['peak_memory_bytes'])} | {mb(t['model_state_bytes'])} | "
                         f"{mb(t['activation_bytes'])} |")
        lines += ["", "Energy by component, uJ:", "",
                  "| arch | recipe | " + " | ".join(COMPONENTS) + " |",
                  "|---|---|" + "---:|" * len(COMPONENTS)]
        for arch, recipe, t in rows:
            parts = t["energy_breakdown_pj"]
            lines.append(f"| {arch} | {recipe} | " + " | ".join(
                uj(parts.get(c, 0.0)) for c in COMPONENTS) + " |")
        recipe_step = next(t for arch, recipe, t in rows
                           if (arch, recipe) == ("mx_array_like", "mxfp4_fwd_mxfp8_bwd"))
        lines += ["", *findings(rows),
                  backward_copies(file, archs["mx_array_like"], recipe_step)]
        lines += ["", "Block-scaling overhead on `mx_array_like`: the recipe minus the same "
                  "recipe with element formats and no scales (module docstring of the "
                  "script), split into the quantization and re-quantization problems "
                  "(`quant_*`: their own cycles, DRAM bytes and energy in the recipe's run, "
                  "less those of the run without scales, where a recipe's backward copies "
                  "are plain FP8 casts) "
                  "and the rest (`scales_*`: the scale bits in storage and traffic, their "
                  "application in the MACs, and any mapping the wider widths change). The "
                  "`scalesim` rows keep SCALE-Sim's fold order for both runs, so their "
                  "`scales_*` is the scale bits' own traffic and MAC work; under the searched "
                  "mapping the 0.125 to 0.5 extra bits per value also change which tiles fit "
                  "the buffers and so the mappings chosen, which the `searched` rows include "
                  "(negative cycles: the search found a faster mapping for the wider widths).",
                  "",
                  "| mapping | recipe | total dram_MB | total dram_% | total energy_% | "
                  "total cycles_% | scales_dram_MB | scales_energy_uJ | scales_mac_uJ | "
                  "scales_cycles | quant_dram_MB | quant_energy_uJ | quant_cycles | "
                  "peak_memory_MB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for strategy, recipe in [(s, r) for s in ("searched", "scalesim") for r in RECIPES]:
            mx = dataclasses.replace(archs["mx_array_like"], mapping=MappingSpec(strategy))
            t = step(file, mx, policy_of(recipe))
            p = step(file, executing_elements(mx), without_scales(policy_of(recipe)))
            q = {k: t["quantization"][k] - p["quantization"][k] for k in t["quantization"]}
            dram = t["dram_bytes_total"] - p["dram_bytes_total"]
            energy = t["energy_pj"] - p["energy_pj"]
            cycles = t["cycles"] - p["cycles"]
            mac = t["energy_breakdown_pj"]["mac"] - p["energy_breakdown_pj"]["mac"]
            lines.append(
                f"| {strategy} | {recipe} | {mb(dram)} | "
                f"{100 * dram / p['dram_bytes_total']:.2f} | "
                f"{100 * energy / p['energy_pj']:.2f} | {100 * cycles / p['cycles']:.2f} | "
                f"{mb(dram - q['dram_bytes'])} | {uj(energy - q['energy_pj'])} | {uj(mac)} | "
                f"{cycles - q['cycles']:,} | {mb(q['dram_bytes'])} | {uj(q['energy_pj'])} | "
                f"{q['cycles']:,} | {mb(t['peak_memory_bytes'] - p['peak_memory_bytes'])} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    text = REPORT.read_text(encoding="utf-8")
    head = text.split(SECTION)[0].rstrip("\n")
    publish(REPORT, f"{head}\n\n{section()}")


if __name__ == "__main__":
    main()
