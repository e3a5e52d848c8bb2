"""Workload load time on a GPT-3-shaped file: milliseconds per layer of `hwsim.load_workload`.

    python bench/load_speed.py [--layers 5760] [--repeats 3]

The file is workloads/gpt2_seq1024.yaml's layers repeated, each copy's names prefixed with
``copy<i>.``, until it has about `--layers` layers (GPT-3 175B has 96 blocks of ~60 traced
layers: 5,760), written to a temporary file. Reported: the best of `--repeats` wall-clock
times of `hwsim.load_workload` (YAML parsing plus validation), its milliseconds per layer, and,
for reference, the YAML parsing alone with PyYAML's pure-Python `SafeLoader` and with libyaml's
`CSafeLoader` (when PyYAML was built with it). Run it on two revisions to compare them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from _common import WORKLOADS

import hwsim


def build_text(target_layers: int) -> tuple[str, int]:
    """The YAML of the repeated workload and its layer count."""
    base = yaml.safe_load((WORKLOADS / "gpt2_seq1024.yaml").read_text())
    per_copy = base["layers"]
    copies = max(1, round(target_layers / len(per_copy)))
    base["layers"] = [{**layer, "name": f"copy{i}.{layer['name']}"}
                      for i in range(copies) for layer in per_copy]
    base["name"] = f"gpt2_seq1024_x{copies}"
    return yaml.safe_dump(base, sort_keys=False, default_flow_style=None, width=100), \
        len(base["layers"])


def best_seconds(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=5760)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    text, n_layers = build_text(args.layers)
    with tempfile.TemporaryDirectory(prefix="hwsim_load_speed_") as tmp:
        path = Path(tmp) / "gpt3_shaped.yaml"
        path.write_text(text)
        load_s = best_seconds(lambda: hwsim.load_workload(path), args.repeats)
        pure_s = best_seconds(lambda: yaml.load(text, Loader=yaml.SafeLoader), 1)
        c_loader = getattr(yaml, "CSafeLoader", None)
        c_s = best_seconds(lambda: yaml.load(text, Loader=c_loader), args.repeats) \
            if c_loader is not None else None
    print(f"layers: {n_layers}, file bytes: {len(text.encode())}")
    print(f"hwsim.load_workload: {load_s:.3f} s, {1000 * load_s / n_layers:.4f} ms per layer")
    print(f"yaml SafeLoader parse only: {pure_s:.3f} s, "
          f"{1000 * pure_s / n_layers:.4f} ms per layer")
    if c_s is not None:
        print(f"yaml CSafeLoader parse only: {c_s:.3f} s, "
              f"{1000 * c_s / n_layers:.4f} ms per layer")


if __name__ == "__main__":
    main()
