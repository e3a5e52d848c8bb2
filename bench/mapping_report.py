"""reports/mapping.md: hwsim's searched mapping beside Timeloop's mapper (Eyeriss-like,
AlexNet conv1-5), ZigZag (ResNet-18) and the compulsory traffic of a training step.

    python bench/mapping_report.py [--output reports/mapping.md]

Timeloop's numbers are Timeloop v3.0.3 + Accelergy 0.3 on its Eyeriss-like example
(timeloop-accelergy-exercises 2022: AlexNet conv1-5 of the original network run ungrouped,
batch 1, 16-bit words, 45 nm), copied with their provenance into
tests/data/timeloop_alexnet_eyeriss_like.yaml (per layer: MACs, cycles, energy by level,
global-buffer and DRAM accesses per operand). hwsim estimates the same shapes
(bench/data/alexnet_timeloop.yaml) on that design with its energies
(bench/data/timeloop_eyeriss_like.yaml). ZigZag's numbers are its recorded ResNet-18 run
(tests/data/zigzag_resnet18.yaml). Layers are paired by shape, never by name.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml
from _common import REPO, REPORTS, publish

TIMELOOP_DATA = REPO / "tests" / "data" / "timeloop_alexnet_eyeriss_like.yaml"
TIMELOOP_WORKLOAD = REPO / "bench" / "data" / "alexnet_timeloop.yaml"
WORD_BITS = 16
COMMAND = "python bench/mapping_report.py"
MAC_PJ = 2.2   # Timeloop's energy per MAC in its Eyeriss-like example

TIMELOOP_ARCH = REPO / "bench" / "data" / "timeloop_eyeriss_like.yaml"
OPERAND_OF: dict[str, str] = {"ifmap": "inputs", "filter": "weights", "ofmap": "outputs"}


@dataclass(frozen=True, slots=True)
class LayerCost:
    """One layer on one design: energies per level (pJ), DRAM, buffer and accumulator words,
    cycles and the mapping (`layers[i].mapping` of the estimate's JSON)."""

    name: str
    macs: int
    energy_pj: dict[str, float]
    dram_words: dict[str, float]
    glb_words: dict[str, float]
    acc_words: float
    cycles: float
    mapping: dict

    @property
    def total_pj(self) -> float:
        return sum(self.energy_pj.values())


def eyeriss_arch(accumulator: bool = True):
    """bench/data/timeloop_eyeriss_like.yaml; without `accumulator`, the same design with no
    psum storage near the PEs (partial sums are added in the global buffer)."""
    from hwsim.api import load_arch
    arch = load_arch(TIMELOOP_ARCH)
    if accumulator:
        return arch
    return replace(arch, memory=replace(arch.memory, accumulator=None),
                   energy=replace(arch.energy, buffers=tuple(
                       b for b in arch.energy.buffers if b.name != "accumulator")))


def timeloop_layers() -> dict[str, dict]:
    return yaml.safe_load(TIMELOOP_DATA.read_text())["layers"]


def shape_key(C: int, K: int, P: int, R: int, stride: int) -> tuple[int, ...]:
    """A square convolution's identity: channels in and out, output size, kernel, stride."""
    return (C, K, P, R, stride)


def hwsim_shapes() -> dict[str, tuple[int, ...]]:
    """Shape key of every layer of bench/data/alexnet_timeloop.yaml."""
    import hwsim
    from hwsim.spec.workload import Conv2d
    return {x.name: shape_key(x.in_channels, x.out_channels, x.out_h, x.kernel_h, x.stride_h)
            for x in hwsim.load_workload(TIMELOOP_WORKLOAD).layers if isinstance(x, Conv2d)}


def map_layers(accumulator: bool) -> list[LayerCost]:
    """`hwsim estimate` of bench/data/alexnet_timeloop.yaml on the Eyeriss-like arch (its
    mapping: searched, objective energy), per layer; register-file energy split per operand
    from the layer's register-file accesses and the arch's energies."""
    from hwsim.api import estimate
    arch = eyeriss_arch(accumulator)
    per_operand = arch.energy.register_file_pj_per_bit
    assert per_operand is not None, "the arch gives its scratchpads' energies"
    rf_pj: dict[str, float] = dict(zip(OPERAND_OF, per_operand, strict=True))
    out = []
    for layer in estimate(TIMELOOP_WORKLOAD, arch).to_dict()["layers"]:
        acc = layer["accesses"]
        words = {lv: {o: (v["read_bits"] + v["write_bits"]) / WORD_BITS
                      for o, v in acc[lv].items()} for lv in acc}
        e = layer["energy_pj"]
        energy = {"mac": e["mac"], "accumulator": e.get("accumulator", 0.0),
                  "glb": e["sram_unified"], "dram": e["dram"]}
        for o, key in OPERAND_OF.items():
            rf = acc["register_file"][o]
            energy[f"rf_{key}"] = (rf["read_bits"] + rf["write_bits"]) * rf_pj[o]
        assert abs(sum(energy.values()) - layer["total_energy_pj"]) < 1e-6 * \
            layer["total_energy_pj"], layer["name"]
        out.append(LayerCost(
            layer["name"], layer["macs"], energy,
            {OPERAND_OF[o]: w for o, w in words["dram"].items()},
            {OPERAND_OF[o]: w for o, w in words["sram"].items()},
            sum(words.get("accumulator", {}).values()), float(layer["cycles"]["total"]),
            layer["mapping"]))
    return out


def pair_by_shape(ours: list[LayerCost]) -> list[tuple[LayerCost, str, dict]]:
    """(hwsim layer, Timeloop layer name, Timeloop record) paired by shape."""
    tl = {shape_key(**rec["shape"]): (n, rec) for n, rec in timeloop_layers().items()}
    keys = hwsim_shapes()
    pairs = []
    for layer in ours:
        n, rec = tl[keys[layer.name]]
        if rec["macs"] != layer.macs:
            raise ValueError(f"{layer.name}: {layer.macs} MACs, Timeloop {n} {rec['macs']}")
        pairs.append((layer, n, rec))
    return pairs


def tl_dram_words(rec: dict) -> float:
    return float(sum(rec["dram_words"].values()))


def uj(pj: float) -> str:
    return f"{pj / 1e6:,.1f}"


def layer_table(pairs) -> list[str]:
    lines = ["| layer (hwsim = Timeloop by shape) | MACs | energy_uJ hwsim | energy_uJ Timeloop |"
             " ratio | DRAM words hwsim | DRAM words Timeloop | ratio | cycles hwsim |"
             " cycles Timeloop | ratio | hwsim mapping (t0; buffer tile M, N, K; DRAM, buffer loop "
             "order outermost first) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    tot = np.zeros(6)
    for ours, n, rec in pairs:
        dw = sum(ours.dram_words.values())
        row = np.array([ours.total_pj / 1e6, rec["energy_uj"], dw, tl_dram_words(rec),
                        ours.cycles, rec["cycles"]])
        tot += row
        m = ours.mapping
        levels = m["levels"]
        tile = levels["sram"]["tile"]
        lines.append(f"| {ours.name} = {n} | {ours.macs / 1e6:.1f} M | {row[0]:,.1f} | "
                     f"{row[1]:,.1f} | {row[0] / row[1]:.3f} | {row[2] / 1e6:.3f} M | "
                     f"{row[3] / 1e6:.3f} M | {row[2] / row[3]:.2f} | {row[4]:,.0f} | "
                     f"{row[5]:,.0f} | {row[4] / row[5]:.3f} | "
                     f"{m['t0']}; {tile['M']}, {tile['N']}, {tile['K']}; "
                     f"{levels['dram']['loop_order']}, {levels['sram']['loop_order']} |")
    lines.append(f"| **total** | | {tot[0]:,.1f} | {tot[1]:,.1f} | {tot[0] / tot[1]:.3f} | "
                 f"{tot[2] / 1e6:.3f} M | {tot[3] / 1e6:.3f} M | {tot[2] / tot[3]:.2f} | "
                 f"{tot[4]:,.0f} | {tot[5]:,.0f} | {tot[4] / tot[5]:.3f} | |")
    return lines


# (label, hwsim energy keys, Timeloop level) of the per-level comparison.
TL_LEVELS = (("MAC", ("mac",), "mac"), ("ifmap scratchpad", ("rf_inputs",), "ifmap_spad"),
             ("weights scratchpad", ("rf_weights",), "weights_spad"),
             ("psum scratchpad (hwsim: PE partial sums + accumulator)",
              ("rf_outputs", "accumulator"), "psum_spad"),
             ("global buffer", ("glb",), "shared_glb"), ("DRAM", ("dram",), "dram"))


def level_table(pairs, timeloop_levels: dict[str, float]) -> list[str]:
    """Energy per MAC by level over conv1-5, hwsim beside Timeloop (`timeloop_levels`)."""
    macs = sum(o.macs for o, _, _ in pairs)
    lines = ["| level | hwsim pJ/MAC | Timeloop pJ/MAC | difference pJ/MAC |",
             "|---|---:|---:|---:|"]
    tot_h = tot_t = 0.0
    for label, keys, _ in TL_LEVELS:
        h = sum(o.energy_pj[k] for o, _, _ in pairs for k in keys) / macs
        t = timeloop_levels[label]
        tot_h += h
        tot_t += t
        lines.append(f"| {label} | {h:.3f} | {t:.3f} | {h - t:+.3f} |")
    lines.append(f"| **total** | {tot_h:.3f} | {tot_t:.3f} | {tot_h - tot_t:+.3f} |")
    return lines


def access_table(pairs) -> list[str]:
    """Global-buffer and DRAM words per MAC by operand, hwsim beside Timeloop."""
    macs = sum(o.macs for o, _, _ in pairs)
    rows = [("global buffer, inputs", lambda o: o.glb_words["inputs"],
             lambda r: r["glb_words"]["inputs"]),
            ("global buffer, outputs", lambda o: o.glb_words["outputs"],
             lambda r: r["glb_words"]["outputs"]),
            ("accumulator (Timeloop: none; its psum scratchpads)", lambda o: o.acc_words,
             lambda r: 0.0),
            ("DRAM, inputs", lambda o: o.dram_words["inputs"],
             lambda r: r["dram_words"]["inputs"]),
            ("DRAM, weights", lambda o: o.dram_words["weights"],
             lambda r: r["dram_words"]["weights"]),
            ("DRAM, outputs", lambda o: o.dram_words["outputs"],
             lambda r: r["dram_words"]["outputs"])]
    lines = ["| accesses | hwsim words/MAC | Timeloop words/MAC | hwsim M words | "
             "Timeloop M words |", "|---|---:|---:|---:|---:|"]
    for label, ours, theirs in rows:
        h = sum(ours(o) for o, _, _ in pairs)
        t = sum(theirs(r) for _, _, r in pairs)
        lines.append(f"| {label} | {h / macs:.4f} | {t / macs:.4f} | {h / 1e6:.3f} | "
                     f"{t / 1e6:.3f} |")
    return lines


def timeloop_levels_per_mac() -> dict[str, float]:
    """Timeloop's energy per MAC by level over conv1-5 (pJ/MAC), keyed by `TL_LEVELS` label."""
    recs = timeloop_layers().values()
    macs = sum(r["macs"] for r in recs)
    return {label: sum(r["energy_uj_by_level"][level] for r in recs) * 1e6 / macs
            for label, _, level in TL_LEVELS}


def targets(pairs) -> list[str]:
    """The issue's three targets on conv1-5 totals, and whether each holds."""
    ours_e = sum(o.total_pj for o, _, _ in pairs) / 1e6
    ours_w = sum(sum(o.dram_words.values()) for o, _, _ in pairs)
    ours_c = sum(o.cycles for o, _, _ in pairs)
    tl_e = sum(r["energy_uj"] for _, _, r in pairs)
    tl_w = sum(tl_dram_words(r) for _, _, r in pairs)
    tl_c = sum(r["cycles"] for _, _, r in pairs)
    checks = [("total energy within 15 % of Timeloop's", f"{ours_e / tl_e - 1:+.1%}",
               abs(ours_e / tl_e - 1) <= 0.15),
              ("DRAM words at most 1.25x Timeloop's", f"{ours_w / tl_w:.2f}x",
               ours_w <= 1.25 * tl_w),
              ("cycles within 10 % of Timeloop's", f"{ours_c / tl_c - 1:+.1%}",
               abs(ours_c / tl_c - 1) <= 0.10)]
    return ["| target | hwsim against Timeloop | holds |", "|---|---:|---|",
            *(f"| {name} | {value} | {'yes' if ok else 'no'} |" for name, value, ok in checks)]


def hand_check(pairs) -> list[str]:
    """conv2's DRAM words and energy recomputed from its shape and mapping (checked here)."""
    ours = next(o for o, n, _ in pairs if n == "conv2")
    rec = timeloop_layers()["conv2"]
    m = ours.mapping
    t0, tile_m = m["t0"], m["levels"]["sram"]["tile"]["M"]
    chunks = -(-729 // t0)
    weights = chunks * 256 * 96 * 25
    # Input rows (31 wide, 96 channels) under each buffer tile of whole output rows (27
    # pixels each); 5 x 5 kernel, stride 1, input already padded.
    rows = [(start, min(start + tile_m // 27, 27)) for start in range(0, 27, tile_m // 27)]
    inputs = sum((end - 1 + 5 - start) * 31 * 96 for start, end in rows)
    outputs = 256 * 27 * 27
    assert (weights, inputs, outputs) == tuple(
        round(ours.dram_words[k]) for k in ("weights", "inputs", "outputs")), "conv2 words"
    macs = 729 * 256 * 2400
    return [
        "Checked by hand (conv2, C 96, K 256, 27 x 27 outputs, 5 x 5): M = 729 output "
        f"pixels, N = 256, K = 2400, {macs:,} MACs as Timeloop's. hwsim's mapping streams "
        f"t0 = {t0} pixels per fold, so the weights, which bypass the buffer, come from DRAM "
        f"once per chunk: {chunks} x 614,400 = {weights:,} words; the buffer's tiles of "
        f"{tile_m} pixels ({tile_m // 27} output rows) read input rows "
        + " and ".join(f"{s}..{e + 3}" for s, e in rows) +
        f" of the 31 x 31 x 96 padded input: {inputs:,} words; the outputs leave once: "
        f"{outputs:,} words; {weights + inputs + outputs:,} in all. Timeloop's mapper keeps "
        "an outer loop of 9 over the output columns at DRAM and so reads the weights 9 "
        f"times ({rec['dram_words']['weights']:,} words) and moves "
        f"{tl_dram_words(rec):,.0f} words. Energy: MACs x 2.2 pJ = "
        f"{macs * MAC_PJ / 1e6:,.1f} uJ; scratchpads MACs x (0.237 + 1.586 + 2 x 0.251) pJ = "
        f"{macs * (0.237 + 1.586 + 2 * 0.251) / 1e6:,.1f} uJ; hwsim's total "
        f"{ours.total_pj / 1e6:,.1f} uJ against Timeloop's {rec['energy_uj']:,.1f} uJ.", ""]


def total_uj(pairs) -> float:
    return sum(o.total_pj for o, _, _ in pairs) / 1e6


def findings(pairs, without, levels: dict[str, float]) -> list[str]:
    """Where hwsim's energy per MAC departs from Timeloop's, level by level."""
    macs = sum(o.macs for o, _, _ in pairs)

    def per_mac(rows, keys):
        return sum(o.energy_pj[k] for o, _, _ in rows for k in keys) / macs

    def words(rows, fn):
        return sum(fn(o) for o, _, _ in rows) / macs

    glb = per_mac(pairs, ("glb",)) - levels["global buffer"]
    dram = per_mac(pairs, ("dram",)) - levels["DRAM"]
    tl_in = sum(r["glb_words"]["inputs"] for _, _, r in pairs) / macs
    tl_w = sum(r["dram_words"]["weights"] for _, _, r in pairs) / macs
    return [
        "Why the levels differ (conv1-5, per MAC):", "",
        f"- Global buffer, {glb:+.3f} pJ/MAC: hwsim's array reads the im2col input stream from "
        "the buffer once per column fold, "
        f"{words(pairs, lambda o: o.glb_words['inputs']):.4f} words/MAC, where Timeloop's "
        "row-stationary PEs reuse inputs in their ifmap scratchpads and across the PE "
        f"diagonal, {tl_in:.4f} words/MAC. The array's fold structure is fixed by the "
        "dataflow (weight-stationary here), so no mapping removes this.",
        f"- DRAM, {dram:+.3f} pJ/MAC: hwsim's search moves fewer words than Timeloop's "
        "mapper found: Timeloop reads the weights, which bypass its global buffer, "
        f"{tl_w:.4f} words/MAC (conv2: 9 times over), hwsim "
        f"{words(pairs, lambda o: o.dram_words['weights']):.4f}. Timeloop's mapper ranks "
        "mappings by delay first, then energy, in a random-pruned search stopped after 3000 "
        "candidates without improvement; hwsim's minimises energy, exhaustively over its "
        "(smaller) space.",
        "- Scratchpads: hwsim counts one input and one weight read and a partial-sum read "
        "and write per MAC; Timeloop also counts the scratchpad fills (weights "
        f"{levels['weights scratchpad'] - per_mac(pairs, ('rf_weights',)):+.3f} pJ/MAC more "
        "than hwsim), and hwsim adds the accumulator's accesses at the partial-sum "
        "scratchpad's energy.",
        "- Without the accumulator every fold's partial sums go to the global buffer and back "
        f"({words(without, lambda o: o.glb_words['outputs']):.4f} words/MAC): the energy is "
        f"{total_uj(without) / sum(r['energy_uj'] for _, _, r in without):.2f}x Timeloop's, "
        "and at the buffer's 16 words per cycle the array stalls. Most of the global-buffer "
        "excess of hwsim's SCALE-Sim fold order (no accumulator either) was this.",
        "- Cycles: Timeloop's are MACs / utilised PEs of its spatial mapping (120 of 168 on "
        "conv2, 156 on conv3-5); hwsim's are the systolic fold timing, whose utilisation "
        "differs per layer (per-layer ratios 0.89-1.17) and nearly cancels over conv1-5.", ""]


def before_after() -> list[str]:
    """Totals of conv1-5 under SCALE-Sim's fold order and the searched mapping, beside
    Timeloop: energy by component, global-buffer words per MAC, DRAM words, cycles."""
    from hwsim.api import estimate
    from hwsim.spec.arch import MappingSpec
    arch = eyeriss_arch()
    (glb_energy,) = (b for b in arch.energy.buffers if b.name == "unified")
    assert glb_energy.read_pj_per_bit == glb_energy.write_pj_per_bit
    glb_pj_per_bit = glb_energy.read_pj_per_bit
    recs = timeloop_layers().values()
    macs = sum(r["macs"] for r in recs)
    tl_glb = sum(sum(r["glb_words"].values()) for r in recs)
    rows = [("Timeloop v3.0.3", sum(r["energy_uj"] for r in recs),
             sum(r["energy_uj_by_level"]["shared_glb"] for r in recs),
             sum(r["energy_uj_by_level"]["dram"] for r in recs), tl_glb / macs,
             sum(tl_dram_words(r) for r in recs), sum(r["cycles"] for r in recs), None)]
    for strategy in ("scalesim", "searched"):
        result = estimate(TIMELOOP_WORKLOAD, replace(arch, mapping=MappingSpec(strategy)))
        e = result.energy_breakdown_pj
        glb = e["sram_unified"] / (glb_pj_per_bit * WORD_BITS)
        rows.append((f"hwsim, mapping {strategy}", result.energy_pj / 1e6,
                     e["sram_unified"] / 1e6, e["dram"] / 1e6, glb / macs,
                     sum(sum(x.dram_bytes.values()) for x in result.layers) * 8 / WORD_BITS,
                     result.total_cycles, sum(x.compute_cycles for x in result.layers)))
    lines = ["| model | energy_uJ | global buffer uJ | DRAM uJ | global-buffer words/MAC | "
             "DRAM M words | cycles | compute cycles |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, energy, glb_uj, dram_uj, glb_per_mac, words, cycles, compute in rows:
        lines.append(f"| {name} | {energy:,.0f} | {glb_uj:,.0f} | {dram_uj:,.0f} | "
                     f"{glb_per_mac:.3f} | {words / 1e6:.2f} | {cycles:,.0f} | "
                     f"{'' if compute is None else f'{compute:,.0f}'} |")
    return ["Before and after (`python -m hwsim estimate bench/data/alexnet_timeloop.yaml "
            "--arch bench/data/timeloop_eyeriss_like.yaml --mapping scalesim|searched`; "
            "SCALE-Sim's fold order ignores `holds` and the accumulator, so every operand and "
            "every fold's partial sums pass through the global buffer; global-buffer words are "
            "its energy over 18.632 pJ per word):", "",
            *lines, ""]


def timeloop_section() -> list[str]:
    with_acc = pair_by_shape(map_layers(accumulator=True))
    without = pair_by_shape(map_layers(accumulator=False))
    levels = timeloop_levels_per_mac()
    return [
        "## Timeloop's Eyeriss-like AlexNet conv1-5", "",
        f"Command: `{COMMAND}`, which runs `python -m hwsim estimate "
        "bench/data/alexnet_timeloop.yaml --arch bench/data/timeloop_eyeriss_like.yaml`. "
        "Design: 12 x 14 PEs, weight-stationary timing; a single-buffered 128 KiB global "
        "buffer holding inputs and outputs (weights bypass it), 16 words per cycle; the PEs' "
        "psum scratchpads (168 x 16 words) as the accumulator; unlimited DRAM bandwidth; "
        "16-bit words; Timeloop's energies per access: MAC 2.2 pJ, scratchpads 0.237 "
        "(inputs), 1.586 (weights), 0.251 (partial sums) pJ per word, global buffer "
        "18.632 pJ per word, DRAM 128 pJ per word, no network energy. Mapping searched, "
        "objective `energy`. Layers paired by shape and MACs. The layers are Timeloop's "
        "(bench/data/alexnet_timeloop.yaml: the original network's channel counts, "
        "ungrouped, inputs already padded), not workloads/alexnet.yaml (torchvision's), "
        "of which only features.8 has a Timeloop layer's shape (conv5).", "",
        *targets(with_acc), "",
        *before_after(),
        *layer_table(with_acc), "",
        *hand_check(with_acc),
        "Energy per MAC by level:", "",
        *level_table(with_acc, levels), "",
        "Accesses per MAC:", "",
        *access_table(with_acc), "",
        *findings(with_acc, without, levels),
        "### The same design without the accumulator", "",
        "Partial sums then leave the array every fold and are added in the global buffer "
        "(a write and a read per fold and output), as on an arch with no psum storage near "
        "the PEs:", "",
        *targets(without), "",
        *layer_table(without), "",
        *level_table(without, levels), "",
        *access_table(without), ""]


ZIGZAG_DATA = REPO / "tests" / "data" / "zigzag_resnet18.yaml"
GROUPS = ("MAC", "registers", "on-chip SRAM", "DRAM")


def hwsim_group(component: str) -> str | None:
    """The memory level group of an hwsim energy component (None: not in ZigZag's costs)."""
    if component == "mac":
        return "MAC"
    if component in ("register_file", "forwarding"):
        return "registers"
    if component.startswith("sram") or component.startswith("accumulator"):
        return "on-chip SRAM"
    return "DRAM" if component == "dram" else None


def zigzag_group(level: str) -> str:
    return "registers" if level.startswith("rf") else "DRAM" if level == "dram" else \
        "on-chip SRAM"


def zigzag_section() -> list[str]:
    """ResNet-18's conv and linear layers on ZigZag's bundled archs, energy by level group."""
    from energy_vs_zigzag import resnet18_gemms, zigzag_arch

    from hwsim.api import estimate
    from hwsim.spec.arch import MappingSpec
    zz = yaml.safe_load(ZIGZAG_DATA.read_text())["archs"]
    workload = resnet18_gemms()
    lines = ["## ZigZag 3.9.1 on ResNet-18", "",
             "Command: `python bench/mapping_report.py` (hwsim: bench/data/zigzag_*.yaml, "
             "ZigZag's per-access energies and MAC energy; the 21 conv and linear layers at "
             "8-bit operands and 16-bit partial sums; ZigZag: its recorded run, "
             "`python bench/zigzag_energy.py`). Per-layer tables: reports/energy_vs_zigzag.md "
             "(`python bench/energy_vs_zigzag.py`). Energy in uJ by level group: registers are "
             "ZigZag's rf levels and hwsim's register files and PE-to-PE forwarding; on-chip "
             "SRAM all SRAM levels (and hwsim's accumulator).", ""]
    for name in ("tpu_like", "eyeriss_like"):
        arch = zigzag_arch(name)
        theirs: dict[str, float] = dict.fromkeys(GROUPS, 0.0)
        theirs["MAC"] = zz[name]["mac_energy_pj"]
        for level, pj in zz[name]["memory_energy_by_level_pj"].items():
            theirs[zigzag_group(level)] += pj
        ours: dict[str, dict[str, float]] = {}
        for strategy in ("scalesim", "searched"):
            result = estimate(workload, replace(arch, mapping=MappingSpec(strategy)))
            ours[strategy] = dict.fromkeys(GROUPS, 0.0)
            for component, pj in result.energy_breakdown_pj.items():
                group = hwsim_group(component)
                if group is not None:
                    ours[strategy][group] += pj
        lines += [f"### {name}", "",
                  "| level | ZigZag uJ | hwsim scalesim uJ | ratio | hwsim searched uJ | ratio |",
                  "|---|---:|---:|---:|---:|---:|"]
        for group in (*GROUPS, "total"):
            t_ = sum(theirs.values()) if group == "total" else theirs[group]
            s_ = sum(ours["scalesim"].values()) if group == "total" else ours["scalesim"][group]
            r_ = sum(ours["searched"].values()) if group == "total" else ours["searched"][group]
            lines.append(f"| {group} | {t_ / 1e6:,.1f} | {s_ / 1e6:,.1f} | {s_ / t_:.2f} | "
                         f"{r_ / 1e6:,.1f} | {r_ / t_:.2f} |")
        dram = ours["searched"]["DRAM"] / theirs["DRAM"] - 1
        lines += ["", f"DRAM energy within 15 % of ZigZag's (searched): {dram:+.2%}, "
                  f"{'holds' if abs(dram) <= 0.15 else 'does not hold'}.", ""]
    lines += ["Why the other levels differ (hierarchies hwsim cannot express one to one, "
              "ZigZag's per-access pricing of register files): reports/energy_vs_zigzag.md, "
              "\"Why they differ\".", ""]
    return lines


TRAINING_RUNS = {
    "LNS (lns_madam_like)": ("lns_madam_like", "w=lns8_f3,a=lns8_f3,g=lns8_f3"),
    "FP32 (baseline_fp32)": ("baseline_fp32", "w=fp32,a=fp32,g=fp32"),
}


def training_command(arch: str, precision: str, mapping: str) -> list[str]:
    return ["estimate", "workloads/resnet18.yaml", "--arch", arch, "--train", "--precision",
            precision, "--mapping", mapping]


def run_json(args: list[str]) -> dict:
    """`python -m hwsim ARGS --json` from the repository root, its JSON."""
    done = subprocess.run([sys.executable, "-m", "hwsim", *args, "--json"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def compulsory_bytes(result: dict) -> float:
    """Bytes a training step moves if every tensor crosses DRAM once: per GEMM pass its two
    operand tensors and its output at their formats (forward X, W -> Y; backward-data
    dY, W -> dX; backward-weight X, dY -> dW; a convolution's input feature map, not its
    im2col view), plus the vector work's inputs and outputs as counted (each once)."""
    import hwsim
    from hwsim.precision import parse_format
    from hwsim.spec.workload import Conv2d
    workload = hwsim.load_workload(REPO / "workloads" / "resnet18.yaml")
    batch = result["batch"]
    total = 0.0
    for layer in result["layers"]:
        if layer["kind"] == "vector":
            total += sum(layer["dram_bytes"].values())
            continue
        src = workload.layers[layer["layer_index"]]
        if isinstance(src, Conv2d):
            x = src.in_channels * src.in_h * src.in_w * batch
            w = src.out_channels * src.in_channels // src.groups * src.kernel_h * src.kernel_w
            y = src.out_channels * src.out_h * src.out_w * batch
        else:
            x, w, y = (src.in_features * src.rows * batch, src.in_features * src.out_features,
                       src.out_features * src.rows * batch)
        a, b, out = {"fwd": (x, w, y), "dgrad": (y, w, x), "wgrad": (x, y, w)}[layer["pass"]]
        bits = {k: parse_format(v).bits for k, v in layer["precision"].items()}
        total += (a * bits["a"] + b * bits["b"] + out * bits["output"]) / 8
    return total


def gemm_dram_by_pass(result: dict) -> str:
    """The GEMM layers' DRAM traffic (MB) per pass (forward, backward-data, backward-weight)
    of one estimate's JSON, e.g. ``fwd 44.8, dgrad 52.1, wgrad 66.1``."""
    by_pass: dict[str, float] = {}
    for layer in result["layers"]:
        if layer["kind"] == "gemm":
            by_pass[layer["pass"]] = by_pass.get(layer["pass"], 0.0) + sum(
                layer["dram_bytes"].values())
    return ", ".join(f"{name} {by_pass[name] / 1e6:,.1f}" for name in ("fwd", "dgrad", "wgrad")
                     if name in by_pass)


def training_section() -> list[str]:
    results = {(label, m): run_json(training_command(arch, prec, m))
               for label, (arch, prec) in TRAINING_RUNS.items() for m in ("scalesim", "searched")}
    lines = ["## ResNet-18 training step: LNS against FP32", "",
             "One training step (forward, backward-data, backward-weight, update) at batch 1, "
             "each arch in its own formats. Commands: " + "; ".join(
                 f"`python -m hwsim {' '.join(training_command(a, p, '{scalesim,searched}'))}`"
                 for a, p in TRAINING_RUNS.values()) + ". Every pass's convolution operand "
             "moves its halo (forward and backward-weight: input pixels; backward-data: "
             "output-gradient pixels of the transposed convolution) wherever its buffer tile "
             "spans whole channels and grid rows, its im2col view elsewhere "
             "(docs/mapping.md, \"Convolutions\").", "",
             "| arch | mapping | DRAM MB | compulsory MB | DRAM / compulsory | energy_uJ | "
             "DRAM share of energy | cycles |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (label, m), r in results.items():
        tot = r["totals"]
        dram = tot["dram_bytes_total"]
        comp = compulsory_bytes(r)
        energy = tot["energy_pj"]
        lines.append(f"| {label} | {m} | {dram / 1e6:,.1f} | {comp / 1e6:,.1f} | "
                     f"{dram / comp:.2f}x | {energy / 1e6:,.0f} | "
                     f"{tot['energy_breakdown_pj']['dram'] / energy:.1%} | {tot['cycles']:,} |")
    lines.append("")
    for (label, m), r in results.items():
        psum = sum(x["dram_bytes"].get("psum_read", 0) for x in r["layers"])
        lines.append(f"- {label}, {m}: partial sums read back from DRAM {psum / 1e6:,.1f} MB; "
                     f"DRAM MB of the GEMMs by pass: {gemm_dram_by_pass(r)}.")
    labels = list(TRAINING_RUNS)
    for m in ("scalesim", "searched"):
        lns, fp32 = (results[(label, m)]["totals"]["energy_pj"] for label in labels)
        macs = [results[(label, m)]["totals"]["energy_breakdown_pj"]["mac"] for label in labels]
        lines.append(f"- {m}: LNS step energy {lns / fp32 - 1:+.1%} against FP32 (MAC energy "
                     f"{macs[0] / macs[1] - 1:+.1%}).")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPORTS / "mapping.md")
    args = parser.parse_args()
    lines = ["# Searched mapping: hwsim beside Timeloop, ZigZag and the compulsory traffic", "",
             f"Generated by `{COMMAND}`; every table names the command that made it. "
             "M = 10^6; words are 16-bit.", ""]
    lines += timeloop_section()
    lines += zigzag_section()
    lines += training_section()
    publish(args.output, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
