"""Regenerate the frozen SCALE-Sim v3.0.0 fixtures in this folder.

Command (from the repo root, in an environment with scalesim==3.0.0 and numpy<2.3)::

    python tests/golden/scalesim/make_fixtures.py

It writes two CSVs next to this script, one row per (case, layer):

* ``resnet18_compute.csv``: SCALE-Sim's ResNet-18 topology (unpadded, 21 layers) on 32x32 and
  128x128 arrays for os/ws/is, from SCALE-Sim's compute model alone
  (``peers.scalesim_runner.run_compute_only``). ``total_cycles`` is ``demand_rows - 1``, which
  equals the full run's ``Total Cycles`` in CALC mode (checked for every case of the second
  file); columns only the memory model produces (DRAM counts, incl.-prefetch cycles, start/stop
  cycles) are left empty.
* ``random_calc.csv``: 30 small random layers (15 conv incl. strides 2-3 and non-square
  filters, 15 GEMM; ``random.Random(SEED)``) on several array shapes for all three dataflows,
  from full CALC-mode runs (``run_full``), with every report field. For each of these the
  script also runs the compute-only path and aborts if ``demand_rows - 1`` or any compute or
  SRAM field differs from the full run, so the shortcut used for ResNet-18 stays proven.

Both files share one column set (``COLUMNS``); numbers are SCALE-Sim's, written with ``repr``
so floats round-trip exactly. Progress goes to stderr. Takes about 5.5 minutes on one core
(3.5 of them in SCALE-Sim's is-dataflow compute model for ResNet-18 on 32x32).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1]
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

from peers.scalesim_runner import (  # noqa: E402
    DATAFLOWS, ConvLayer, GemmLayer, compute_only_report, run_compute_only, run_full,
    write_cfg, write_conv_topology, write_gemm_topology)

SEED = 20240607
RESNET18 = REPO / "workloads" / "scalesim" / "resnet18.csv"  # SCALE-Sim's topologies/resnet18.csv
RESNET_ARRAYS = ((32, 32), (128, 128))
RANDOM_ARRAYS = ((8, 8), (4, 16), (16, 4), (3, 5), (32, 32), (64, 64))
SRAM_KIB = 64

LAYER_COLUMNS = ("kind", "layer_name", "ifmap_h", "ifmap_w", "filter_h", "filter_w",
                 "channels", "num_filters", "stride", "gemm_m", "gemm_n", "gemm_k")
REPORT_COLUMNS = (
    "total_cycles_incl_prefetch", "total_cycles", "stall_cycles", "overall_util_pct",
    "mapping_efficiency_pct", "compute_util_pct",
    "sram_ifmap_start_cycle", "sram_ifmap_stop_cycle", "sram_ifmap_reads",
    "sram_filter_start_cycle", "sram_filter_stop_cycle", "sram_filter_reads",
    "sram_ofmap_start_cycle", "sram_ofmap_stop_cycle", "sram_ofmap_writes",
    "dram_ifmap_start_cycle", "dram_ifmap_stop_cycle", "dram_ifmap_reads",
    "dram_filter_start_cycle", "dram_filter_stop_cycle", "dram_filter_reads",
    "dram_ofmap_start_cycle", "dram_ofmap_stop_cycle", "dram_ofmap_writes")
COLUMNS = ("case", "source", "layer_index", *LAYER_COLUMNS, "array_rows", "array_cols",
           "dataflow", "bandwidth_mode", "ifmap_kib", "filter_kib", "ofmap_kib",
           "demand_rows", *REPORT_COLUMNS)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def layer_fields(layer: ConvLayer | GemmLayer) -> dict[str, Any]:
    if isinstance(layer, GemmLayer):
        return {"kind": "gemm", "layer_name": layer.name, "gemm_m": layer.m,
                "gemm_n": layer.n, "gemm_k": layer.k}
    return {"kind": "conv", "layer_name": layer.name, "ifmap_h": layer.ifmap_h,
            "ifmap_w": layer.ifmap_w, "filter_h": layer.filter_h, "filter_w": layer.filter_w,
            "channels": layer.channels, "num_filters": layer.num_filters,
            "stride": layer.stride}


def read_resnet18() -> list[ConvLayer]:
    """The topology rows as ConvLayers (no DP layers in this file, so rows = layers)."""
    lines = [ln.strip() for ln in RESNET18.read_text().splitlines()[1:] if ln.strip()]
    out = []
    for line in lines:
        name, *dims = [x.strip() for x in line.split(",")[:8]]
        out.append(ConvLayer(name, *(int(x) for x in dims)))
    return out


def random_layers(rng: random.Random) -> list[ConvLayer | GemmLayer]:
    """15 conv and 15 GEMM layers, small enough that a full run takes well under a second."""
    layers: list[ConvLayer | GemmLayer] = []
    for i in range(15):
        r, s, stride = rng.randint(1, 5), rng.randint(1, 5), rng.choice((1, 1, 2, 3))
        layers.append(ConvLayer(f"conv{i}", rng.randint(r, 14), rng.randint(s, 14), r, s,
                                rng.randint(1, 8), rng.randint(1, 40), stride))
    for i in range(15):
        layers.append(GemmLayer(f"gemm{i}", rng.randint(1, 80), rng.randint(1, 80),
                                rng.randint(1, 80)))
    return layers


def resnet_rows() -> Iterable[dict[str, Any]]:
    layers = read_resnet18()
    for rows, cols in RESNET_ARRAYS:
        for df in DATAFLOWS:
            case = f"resnet18_{rows}x{cols}_{df}"
            start = time.monotonic()
            for idx, layer in enumerate(layers):
                result = run_compute_only(rows, cols, df, layer, gemm=False)
                yield {"case": case, "source": "compute_only", "layer_index": idx,
                       **layer_fields(layer), "array_rows": rows, "array_cols": cols,
                       "dataflow": df, "bandwidth_mode": "CALC", "ifmap_kib": "",
                       "filter_kib": "", "ofmap_kib": "", "demand_rows": result["demand_rows"],
                       **compute_only_report(result, rows, cols)}
            log(f"  {case}: {len(layers)} layers, {time.monotonic() - start:.1f} s")


def check_compute_only(full: Mapping[str, Any], layer: ConvLayer | GemmLayer, rows: int,
                       cols: int, df: str) -> int:
    """Run the compute-only path for a layer and fail loudly if it disagrees with the full run."""
    result = run_compute_only(rows, cols, df, layer, gemm=isinstance(layer, GemmLayer))
    short = compute_only_report(result, rows, cols)  # the fields the compute model reproduces
    diff = {k: (full[k], short[k]) for k in short if full[k] != short[k]}
    if diff:
        raise SystemExit(f"compute-only differs from full run for {layer} on {rows}x{cols} "
                         f"{df}: {diff} (full vs compute-only)")
    return int(result["demand_rows"])


def random_rows(work: Path) -> Iterable[dict[str, Any]]:
    rng = random.Random(SEED)
    layers = random_layers(rng)
    convs = [x for x in layers if isinstance(x, ConvLayer)]
    gemms = [x for x in layers if isinstance(x, GemmLayer)]
    for rows, cols in RANDOM_ARRAYS:
        for df in DATAFLOWS:
            for kind, group in (("conv", convs), ("gemm", gemms)):
                case = f"random_{kind}_{rows}x{cols}_{df}"
                start = time.monotonic()
                case_dir = work / case
                case_dir.mkdir()
                cfg = write_cfg(case_dir / "run.cfg", rows=rows, cols=cols, dataflow=df,
                                ifmap_kib=SRAM_KIB, filter_kib=SRAM_KIB, ofmap_kib=SRAM_KIB,
                                bandwidth_mode="CALC", run_name=case)
                gemm = kind == "gemm"
                writer = write_gemm_topology if gemm else write_conv_topology
                topo = writer(case_dir / "topology.csv", group)
                fulls = run_full(cfg, topo, gemm=gemm, out_dir=case_dir / "out")
                for idx, (layer, full) in enumerate(zip(group, fulls, strict=True)):
                    demand_rows = check_compute_only(full, layer, rows, cols, df)
                    yield {"case": case, "source": "full_calc", "layer_index": idx,
                           **layer_fields(layer), "array_rows": rows, "array_cols": cols,
                           "dataflow": df, "bandwidth_mode": "CALC", "ifmap_kib": SRAM_KIB,
                           "filter_kib": SRAM_KIB, "ofmap_kib": SRAM_KIB,
                           "demand_rows": demand_rows,
                           **{k: full[k] for k in REPORT_COLUMNS}}
                log(f"  {case}: {len(group)} layers, full + compute-only checked, "
                    f"{time.monotonic() - start:.1f} s")


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, restval="", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
            count += 1
    return count


def main() -> int:
    start = time.monotonic()
    log("random layers, full CALC runs + compute-only cross-check:")
    with tempfile.TemporaryDirectory(prefix="scalesim_fixtures_") as tmp:
        n_random = write_csv(HERE / "random_calc.csv", random_rows(Path(tmp)))
    log(f"random_calc.csv: {n_random} rows")
    log("ResNet-18, compute-only:")
    n_resnet = write_csv(HERE / "resnet18_compute.csv", resnet_rows())
    log(f"resnet18_compute.csv: {n_resnet} rows; total {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
