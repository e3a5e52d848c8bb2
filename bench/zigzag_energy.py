"""ZigZag 3.9.1's energy for ResNet-18 on its bundled tpu_like and eyeriss_like hardware, raw.

ZigZag's side of the hwsim-vs-ZigZag energy comparison (issue 3, item 7(c)). Runs ZigZag's
bundled ``resnet18.onnx`` through ``tests/peers/zigzag_runner.py`` on each bundled arch and
writes, per arch, the hardware's per-access energies (``read_hardware``) and ZigZag's per-layer
energies, access counts and latencies (``layer_record``), plus the wall time of each run:

    python bench/zigzag_energy.py [--archs tpu_like,eyeriss_like] [--opt latency]
        -> reports/zigzag_resnet18_raw.json

Needs ``pip install zigzag-dse==3.9.1 six``. Each arch takes one to a few minutes (ZigZag's
LOMA search over temporal mappings of 21 layers, single process). ``--opt latency`` is ZigZag's
API default and the setting of its own regression numbers (tpu_like: 1871436380.656 pJ,
3865041 cycles); ``energy`` picks each layer's lowest-energy mapping instead.
Energies are pJ, latencies cycles, sizes and widths bits; see tests/peers/ZIGZAG.md.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from _common import REPORTS, use_peers

use_peers()
from peers.zigzag_runner import (BUNDLED_ARCHS, bundled_arch, bundled_inputs,  # noqa: E402
                                 read_hardware, run_zigzag)

UNITS = {
    "energy": "pJ",
    "latency": "cycles",
    "size_bits, read_bits, write_bits": "bits (an access moves read_bits/write_bits bits)",
    "read_pj, write_pj": "pJ per access",
    "accesses": "count of accesses of the serving port's bandwidth_max bits, summed over "
                "all instances of the memory",
    "mac_energy_pj (hardware)": "pJ per MAC, the same at every precision",
    "wall_s": "seconds of wall-clock time for the ZigZag call",
}


def _package_relative(path: Path) -> str:
    """``zigzag/inputs/...``: where a bundled file lives inside the installed package."""
    return str(path.relative_to(bundled_inputs().parent.parent))


def _sum_levels(layers: list[dict[str, Any]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for layer in layers:
        for level, pj in layer["memory_energy_by_level_pj"].items():
            total[level] = total.get(level, 0.0) + pj
    return total


def run_arch(arch: str, workload: Path, opt: str) -> dict[str, Any]:
    """ZigZag on one bundled arch: hardware description, totals, per-layer records, wall time."""
    hardware, mapping = bundled_arch(arch)
    result = run_zigzag(workload, hardware, mapping, opt=opt)
    layers = list(result.layers)
    layer_sum = sum(layer["energy_total_pj"] for layer in layers)
    if not math.isclose(layer_sum, result.energy_total_pj, rel_tol=1e-9):
        raise RuntimeError(f"{arch}: layers sum to {layer_sum} pJ, ZigZag's total is "
                           f"{result.energy_total_pj} pJ")
    return {
        "hardware_yaml": _package_relative(hardware),
        "mapping_yaml": _package_relative(mapping),
        "opt": opt,
        "wall_s": round(result.wall_s, 2),
        "hardware": read_hardware(hardware),
        "energy_total_pj": result.energy_total_pj,
        "mac_energy_pj": sum(layer["mac_energy_pj"] for layer in layers),
        "memory_energy_by_level_pj": _sum_levels(layers),
        "latency_total_cycles": result.latency_total_cycles,
        "macs": sum(layer["macs"] for layer in layers),
        "warnings": list(result.warnings),
        "layers": layers,
    }


def summary(arch: str, data: dict[str, Any]) -> list[str]:
    total = data["energy_total_pj"]
    lines = [f"{arch}: {total / 1e6:.3f} uJ, {data['latency_total_cycles']:.0f} cycles, "
             f"{data['macs']} MACs, ZigZag wall time {data['wall_s']:.1f} s",
             f"  MAC        {data['mac_energy_pj'] / 1e6:10.3f} uJ "
             f"({100 * data['mac_energy_pj'] / total:.1f}%)"]
    lines += [f"  {level:<10} {pj / 1e6:10.3f} uJ ({100 * pj / total:.1f}%)"
              for level, pj in data["memory_energy_by_level_pj"].items()]
    lines += [f"  warning: {w}" for w in data["warnings"]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default=",".join(BUNDLED_ARCHS))
    parser.add_argument("--opt", default="latency", choices=("latency", "energy", "EDP"))
    parser.add_argument("--output", type=Path,
                        default=REPORTS / "zigzag_resnet18_raw.json")
    args = parser.parse_args()
    workload = bundled_inputs() / "workload" / "resnet18.onnx"
    report: dict[str, Any] = {
        "command": f"python bench/zigzag_energy.py --archs {args.archs} --opt {args.opt}",
        "zigzag_version": metadata.version("zigzag-dse"),
        "numpy_version": metadata.version("numpy"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "workload": _package_relative(workload),
        "units": UNITS,
        "archs": {},
    }
    for arch in args.archs.split(","):
        report["archs"][arch] = run_arch(arch, workload, args.opt)
        print("\n".join(summary(arch, report["archs"][arch])), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
