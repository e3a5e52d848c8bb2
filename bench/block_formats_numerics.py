"""Write reports/block_formats.md and its plot: quantization error of block-scaled formats.

    python bench/block_formats_numerics.py   # -> reports/block_formats.md, block_formats_sqnr.png

SQNR (signal-to-quantization-noise ratio, dB: ``10 log10(sum x^2 / sum (x - Q(x))^2)``) of the
OCP MX formats and NVFP4 (hwsim.numerics.mx, round to nearest even) for block sizes 8..256
along the reduction axis, beside per-tensor scaled int8, fp8 e4m3 and fp4 e2m1 (no blocks:
one scale ``max|x| / max_level`` for the whole tensor). Data: a 256 x 4096 matrix (blocks
along the 4096 axis) of standard Gaussian samples and of Student-t samples with 3 degrees of
freedom (heavy tails: kurtosis is infinite), fixed seeds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from _common import REPORTS, publish

from hwsim.numerics.block_formats import parse_block_format, parse_element
from hwsim.numerics.formats import fake_quantize
from hwsim.numerics.mx import (
    dequantize_blocks,
    e8m0_value,
        quantize_blocks,
)

SHAPE = (256, 4096)
SEEDS = {"gaussian": 0, "student_t3": 1}
BLOCKS = (8, 16, 32, 64, 128, 256)
#: block format -> its spelling with block size k
BLOCK_FORMATS = {
    "MXFP8 E4M3": "mxfp8_e4m3_b{k}",
    "MXFP8 E5M2": "mxfp8_e5m2_b{k}",
    "MXFP6 E3M2": "mxfp6_e3m2_b{k}",
    "MXFP6 E2M3": "mxfp6_e2m3_b{k}",
    "MXFP4 E2M1": "mxfp4_e2m1_b{k}",
    "MXINT8": "mxint8_b{k}",
    "NVFP4": "nvfp4_b{k}",
}
STANDARD_BLOCK = {"NVFP4": 16}  # every MX format is defined with k = 32
PER_TENSOR = ("int8", "fp8_e4m3", "fp4_e2m1")
CLIP_BLOCKS = (8, 32, 256)


def data(dist: str) -> np.ndarray:
    rng = np.random.default_rng(SEEDS[dist])
    if dist == "gaussian":
        return rng.standard_normal(SHAPE)
    return rng.standard_t(3, SHAPE)


def sqnr_db(x: np.ndarray, y: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(x * x) / np.sum((x - y) ** 2)))


def per_tensor(x: np.ndarray, name: str) -> np.ndarray:
    """x through a format with one scale per tensor, ``max|x| / max_level`` (nothing clips).
    fp4 is the MX E2M1 element (largest value 6, no inf/NaN), the others hwsim's formats."""
    if name == "fp4_e2m1":
        el = parse_element(name)
        s = np.max(np.abs(x)) / el.max_value
        return el.decode(el.encode(x / s, None)) * s
    return fake_quantize(x, name, scale="max")


def clipped_percent(x: np.ndarray, fmt: str) -> float:
    """Share of elements above the element's largest value times their MX block scale X: the
    spec's ``X = 2^(floor(log2 amax) - emax_elem)`` leaves ``amax / X`` up to
    ``2^(emax_elem + 1)``, beyond the largest value (E2M1: 6 < 8), so block maxima saturate."""
    f = parse_block_format(fmt)
    q = quantize_blocks(x, fmt)
    scale = np.repeat(e8m0_value(q.scales), f.block, axis=1)[:, :x.shape[1]]
    return float(100 * np.mean(np.abs(x) > f.element.max_value * scale))


Measured = tuple[dict[tuple[str, str, int], float], dict[tuple[str, str], float],
                 dict[tuple[str, str, int], float]]


def measure() -> Measured:
    blocks, tensor, clipped = {}, {}, {}
    for dist in SEEDS:
        x = data(dist)
        for label, spelling in BLOCK_FORMATS.items():
            for k in BLOCKS:
                fmt = spelling.format(k=k)
                q = quantize_blocks(x, fmt)
                blocks[dist, label, k] = sqnr_db(x, dequantize_blocks(q, fmt))
                if label != "NVFP4" and k in CLIP_BLOCKS:
                    clipped[dist, label, k] = clipped_percent(x, fmt)
        for name in PER_TENSOR:
            tensor[dist, name] = sqnr_db(x, per_tensor(x, name))
    return blocks, tensor, clipped


def plot(blocks: dict[tuple[str, str, int], float],
         tensor: dict[tuple[str, str], float]) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, dist in zip(axes, SEEDS, strict=True):
        for label in BLOCK_FORMATS:
            style = {"ls": "--", "marker": "x"} if label == "MXFP8 E5M2" else {"marker": "o"}
            ax.plot(BLOCKS, [blocks[dist, label, k] for k in BLOCKS], label=label, **style)
        for i, name in enumerate(PER_TENSOR):
            ax.axhline(tensor[dist, name], color="0.4", ls=("--", ":", "-.")[i], lw=1,
                       label=f"{name} per tensor")
        ax.set_xscale("log", base=2)
        ax.set_xticks(BLOCKS, [str(k) for k in BLOCKS])
        ax.set_xlabel("block size k (elements)")
        ax.set_title(f"{dist} {SHAPE[0]}x{SHAPE[1]}", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("SQNR (dB)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(REPORTS / "block_formats_sqnr.png", dpi=120)


def render(blocks: dict[tuple[str, str, int], float], tensor: dict[tuple[str, str], float],
           clipped: dict[tuple[str, str, int], float]) -> str:
    lines = [
        "# Block-scaled formats", "",
        "Produced by `python bench/block_formats_numerics.py` (formats: "
        "`hwsim.numerics.mx`, rules in docs/numerics.md).", "",
        "## Quantization error", "",
        f"SQNR in dB (`10 log10(sum x^2 / sum (x - Q(x))^2)`) on a {SHAPE[0]} x {SHAPE[1]} "
        f"matrix, blocks of k elements along the {SHAPE[1]} axis, round to nearest even. "
        "Gaussian: standard normal samples (seed 0); Student-t: 3 degrees of freedom (seed 1), "
        "heavy tailed. Per-tensor rows use one scale `max|x| / max_level` for the whole "
        "matrix and no blocks. Storage counts the amortised block scale (8 bits per block; "
        "NVFP4's single FP32 tensor scale is not counted).", "",
    ]
    head = " | ".join(f"k={k}" for k in BLOCKS)
    for dist in SEEDS:
        lines += [f"### {dist}", "",
                  f"| format | bits/element at standard k | {head} |",
                  "|---|---:|" + "---:|" * len(BLOCKS)]
        for label, spelling in BLOCK_FORMATS.items():
            k0 = STANDARD_BLOCK.get(label, 32)
            bits = parse_block_format(spelling.format(k=k0)).bits_per_element
            vals = " | ".join(f"{blocks[dist, label, k]:.2f}" for k in BLOCKS)
            lines.append(f"| {label} | {bits:g} (k={k0}) | {vals} |")
        for name in PER_TENSOR:
            bits = {"int8": 8, "fp8_e4m3": 8, "fp4_e2m1": 4}[name]
            vals = " | ".join(f"{tensor[dist, name]:.2f}" for _ in BLOCKS)
            lines.append(f"| {name}, per tensor | {bits} | {vals} |")
        lines.append("")
    lines += ["![SQNR against block size](block_formats_sqnr.png)", "",
              "### Saturated elements", "",
              "Share of elements (%) above the element's largest value times the block's MX "
              "scale `X = 2^(floor(log2 max|x|) - emax_elem)`: they saturate. `max|x| / X` "
              "lies in `[2^emax_elem, 2^(emax_elem+1))`, above the largest value of every MX "
              "element format (E2M1: 6 < 8; E4M3: 448 < 512), so block maxima can saturate; "
              "smaller blocks hold more maxima.", "",
              "| format | " + " | ".join(f"{d} k={k}" for d in SEEDS for k in CLIP_BLOCKS) + " |",
              "|---|" + "---:|" * (len(SEEDS) * len(CLIP_BLOCKS))]
    for label in BLOCK_FORMATS:
        if label == "NVFP4":
            continue
        lines.append(f"| {label} | " + " | ".join(
            f"{clipped[d, label, k]:.3f}" for d in SEEDS for k in CLIP_BLOCKS) + " |")
    lines += ["", "### Reading the figures", "", *observations(blocks, tensor)]
    return "\n".join(lines) + "\n"


def observations(blocks: dict[tuple[str, str, int], float],
                 tensor: dict[tuple[str, str], float]) -> list[str]:
    """Statements computed from the figures, so they stay true when the figures change."""
    out = []
    same = max(abs(blocks[d, "MXFP8 E5M2", k] - blocks[d, "MXFP6 E3M2", k])
               for d in SEEDS for k in BLOCKS)
    out.append(f"- MXFP8 E5M2 and MXFP6 E3M2 differ by at most {same:.2f} dB: both keep 2 "
               "mantissa bits and saturate at 1.75 * 2^emax, and E3M2's 8 binades below the "
               "block maximum already cover nearly all the signal energy; E5M2's extra range "
               "buys almost nothing here.")
    for dist in SEEDS:
        fp4 = blocks[dist, "MXFP4 E2M1", 32]
        nv = blocks[dist, "NVFP4", 16]
        flat = tensor[dist, "fp4_e2m1"]
        out.append(
            f"- {dist}: MXFP4 (k=32) {fp4:.1f} dB and NVFP4 (k=16) {nv:.1f} dB against "
            f"{flat:.1f} dB for fp4 with one scale per tensor; MXINT8 (k=32) "
            f"{blocks[dist, 'MXINT8', 32]:.1f} dB against int8 per tensor "
            f"{tensor[dist, 'int8']:.1f} dB.")
        gain = {label: blocks[dist, label, BLOCKS[-1]] - blocks[dist, label, BLOCKS[0]]
                for label in BLOCK_FORMATS}
        falls = [f"{lab} {g:+.1f}" for lab, g in gain.items() if g < 0]
        rises = [f"{lab} {g:+.1f}" for lab, g in gain.items() if g >= 0]
        out.append(f"- {dist}, SQNR change from k={BLOCKS[0]} to k={BLOCKS[-1]} (dB): falls "
                   f"where the element's dynamic range limits ({', '.join(falls) or 'none'}); "
                   f"rises where saturated block maxima dominate the error "
                   f"({', '.join(rises) or 'none'}).")
    return out


def main() -> int:
    blocks, tensor, clipped = measure()
    plot(blocks, tensor)
    publish(REPORTS / "block_formats.md", render(blocks, tensor, clipped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
