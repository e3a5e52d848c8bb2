"""Run SCALE-Sim v3.0.0 live and read its reports back as plain dicts.

hwsim must match SCALE-Sim cycle-exactly, so its validation tests and benchmark drive the real
tool rather than re-deriving its numbers. This module is the one place that knows how:

* ``write_cfg`` / ``write_conv_topology`` / ``write_gemm_topology`` write SCALE-Sim's input
  files, so no test edits a shipped config in place.
* ``run_full`` runs the whole simulator (compute + memory model) through its Python API with
  traces off, then ``parse_reports`` reads COMPUTE, DETAILED_ACCESS and BANDWIDTH reports by
  header name into one dict per layer.
* ``run_compute_only`` runs only SCALE-Sim's compute model (operand matrices and the
  ``systolic_compute_{os,ws,is}`` class), which is orders of magnitude faster than the memory
  model. CALC mode is stall-free, and there full ``Total Cycles`` equals ``demand_rows - 1``.

SCALE-Sim prints, calls ``exit()`` on missing files and asserts on bad layers; every call here
silences its stdout and turns a failure into a ``ScaleSimError`` carrying the captured output.
It writes only under the ``top_path`` it is given (no cwd writes with traces and Ramulator
off), so all paths are resolved to absolute ones and the cwd is never changed.
"""

from __future__ import annotations

import configparser
import contextlib
import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

SCALESIM_VERSION = "3.0.0"
"""The pinned release; its numbers are what hwsim is validated against."""

DATAFLOWS = ("os", "ws", "is")


class ScaleSimError(RuntimeError):
    """SCALE-Sim failed or is not the pinned version; the message holds its captured output."""


@dataclass(frozen=True, slots=True)
class ConvLayer:
    """One row of a SCALE-Sim conv topology (no padding, no batch, square stride)."""

    name: str
    ifmap_h: int
    ifmap_w: int
    filter_h: int
    filter_w: int
    channels: int
    num_filters: int
    stride: int = 1


@dataclass(frozen=True, slots=True)
class GemmLayer:
    """One row of a SCALE-Sim GEMM topology: C[M x N] = A[M x K] . B[K x N]."""

    name: str
    m: int
    n: int
    k: int


Layer = ConvLayer | GemmLayer | Sequence[Any]


def check_environment() -> None:
    """Raise ScaleSimError unless scalesim==3.0.0 and a numpy it can run with (< 2.3) are present.

    numpy >= 2.3 makes every SCALE-Sim run crash at the end of its first layer.
    """
    try:
        version = metadata.version("scalesim")
        np_version = metadata.version("numpy")
    except metadata.PackageNotFoundError as exc:
        raise ScaleSimError(f"{exc.name} is not installed; `pip install -e .[test]`") from exc
    if version != SCALESIM_VERSION:
        raise ScaleSimError(f"scalesim {version} installed, hwsim validates against "
                            f"{SCALESIM_VERSION}")
    major, minor = (int(x) for x in np_version.split(".")[:2])
    if (major, minor) >= (2, 3):
        raise ScaleSimError(f"numpy {np_version} breaks scalesim {SCALESIM_VERSION}; need < 2.3")


# --------------------------------------------------------------------------- input files

def write_cfg(path: str | Path, *, rows: int, cols: int, dataflow: str, ifmap_kib: int,
              filter_kib: int, ofmap_kib: int, bandwidth_mode: str = "CALC",
              bandwidth_words: int = 10, run_name: str = "run") -> Path:
    """Write a SCALE-Sim v3 .cfg with the sections of configs/scale_default_v3.0.0.cfg.

    Custom layouts and sparsity are off. ``bandwidth_words`` is the DRAM bandwidth in words per
    cycle of each operand's port; SCALE-Sim reads it only in USER mode (CALC mode derives
    bandwidth and never stalls reads), where the ifmap and filter ports take it from the
    ``*SRAMBankBandwidth`` keys (which must divide by the bank count, hence one bank) and the
    ofmap port from ``Bandwidth``. Returns the path written.
    """
    if dataflow not in DATAFLOWS:
        raise ValueError(f"dataflow must be one of {DATAFLOWS}, got {dataflow!r}")
    if bandwidth_mode not in ("CALC", "USER"):
        raise ValueError(f"bandwidth_mode must be 'CALC' or 'USER', got {bandwidth_mode!r}")
    path = Path(path)
    path.write_text(
        "[general]\n"
        f"run_name = {run_name}\n\n"
        "[architecture_presets]\n"
        f"ArrayHeight:    {rows}\n"
        f"ArrayWidth:     {cols}\n"
        f"IfmapSramSzkB:   {ifmap_kib}\n"
        f"FilterSramSzkB:  {filter_kib}\n"
        f"OfmapSramSzkB:   {ofmap_kib}\n"
        "IfmapOffset:    0\n"
        "FilterOffset:   10000000\n"
        "OfmapOffset:    20000000\n"
        f"Bandwidth : {bandwidth_words}\n"
        f"Dataflow : {dataflow}\n"
        "MemoryBanks:   1\n"
        "ReadRequestBuffer: 32\n"
        "WriteRequestBuffer: 32\n\n"
        "[layout]\n"
        "IfmapCustomLayout: False\n"
        f"IfmapSRAMBankBandwidth: {bandwidth_words}\n"
        "IfmapSRAMBankNum: 1\n"
        "IfmapSRAMBankPort: 2\n"
        "FilterCustomLayout: False\n"
        f"FilterSRAMBankBandwidth: {bandwidth_words}\n"
        "FilterSRAMBankNum: 1\n"
        "FilterSRAMBankPort: 2\n\n"
        "[sparsity]\n"
        "SparsitySupport : false\n"
        "SparseRep : ellpack_block\n"
        "OptimizedMapping : false\n"
        "BlockSize : 8\n"
        "RandomNumberGeneratorSeed : 40\n\n"
        "[run_presets]\n"
        f"InterfaceBandwidth: {bandwidth_mode}\n"
        "UseRamulatorTrace: False\n"
    )
    return path


def _row(layer: Layer, gemm: bool) -> tuple[Any, ...]:
    """Return a layer as its topology CSV fields, checking the field count."""
    row = astuple(layer) if isinstance(layer, (ConvLayer, GemmLayer)) else tuple(layer)
    want = 4 if gemm else 8
    if len(row) != want or isinstance(layer, GemmLayer if not gemm else ConvLayer):
        kind = "GEMM (name, M, N, K)" if gemm else "conv (name, H, W, R, S, C, K, stride)"
        raise ValueError(f"expected a {kind} layer, got {layer!r}")
    return row


def _write_topology(path: str | Path, header: str, layers: Sequence[Layer], gemm: bool) -> Path:
    path = Path(path)
    lines = [header] + [", ".join(str(x) for x in _row(layer, gemm)) + "," for layer in layers]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_conv_topology(path: str | Path, layers: Sequence[Layer]) -> Path:
    """Write a conv topology CSV (one ConvLayer or 8-tuple per row, trailing commas).

    Names containing ``DP`` are expanded by SCALE-Sim into one depthwise layer per channel.
    """
    header = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
              "Num Filter, Strides,")
    return _write_topology(path, header, layers, gemm=False)


def write_gemm_topology(path: str | Path, layers: Sequence[Layer]) -> Path:
    """Write a GEMM topology CSV (one GemmLayer or (name, M, N, K) per row, trailing commas)."""
    return _write_topology(path, "Layer, M, N, K,", layers, gemm=True)


def write_layout(path: str | Path) -> Path:
    """Write a header-only layout CSV.

    SCALE-Sim opens a layout file on every run, but with custom layouts off it never reads a row,
    so an empty table serves any topology.
    """
    path = Path(path)
    path.write_text("Layer name, IFMAP Height Intraline Factor, IFMAP Width Intraline Factor,\n")
    return path


# --------------------------------------------------------------------------- running

@contextlib.contextmanager
def _quiet(what: str) -> Iterator[None]:
    """Swallow SCALE-Sim's stdout; on failure raise ScaleSimError with what it printed."""
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            yield
    except (Exception, SystemExit) as exc:  # SCALE-Sim exit()s (status 0) on missing inputs
        tail = buf.getvalue()[-2000:]
        raise ScaleSimError(f"{what} failed: {exc!r}\n--- SCALE-Sim output ---\n{tail}") from exc


def run_full(cfg_path: str | Path, topo_path: str | Path, *, gemm: bool, out_dir: str | Path,
             layout_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Run the full SCALE-Sim simulation and return one report dict per layer.

    Reports land in ``out_dir/<run_name>/``; per-cycle traces are not written. ``layout_path``
    defaults to a header-only layout written into ``out_dir``. Each dict holds the keys of
    ``parse_reports`` plus ``layer_name`` (depthwise ``DP`` layers appear once per channel).
    """
    check_environment()
    from scalesim.scale_sim import scalesim  # deferred: scalesim is a test-only dependency
    from scalesim.topology_utils import topologies

    cfg_path, topo_path = Path(cfg_path).resolve(), Path(topo_path).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in (cfg_path, topo_path):
        if not p.is_file():
            raise FileNotFoundError(p)
    if layout_path is None:
        layout_path = write_layout(out_dir / "layout_unused.csv")
    layout_path = Path(layout_path).resolve()

    parser = configparser.ConfigParser()
    parser.read(cfg_path)
    run_dir = out_dir / parser.get("general", "run_name")
    with _quiet(f"SCALE-Sim on {cfg_path.name} x {topo_path.name}"):
        sim = scalesim(save_disk_space=True, verbose=False, config=str(cfg_path),
                       topology=str(topo_path), layout=str(layout_path), input_type_gemm=gemm)
        sim.run_scale(top_path=str(out_dir))
        topo = topologies()
        topo.load_arrays(topofile=str(topo_path), mnk_inputs=gemm)
    rows = parse_reports(run_dir)
    names = [entry[0] for entry in topo.topo_arrays]
    if len(names) != len(rows):
        raise ScaleSimError(f"{run_dir}: {len(rows)} report rows for {len(names)} layers")
    for name, row in zip(names, rows, strict=True):
        row["layer_name"] = name
    return rows


def run_compute_only(rows: int, cols: int, dataflow: str, layer: Layer, *,
                     gemm: bool) -> dict[str, Any]:
    """Run SCALE-Sim's compute model alone for one layer on a rows x cols array.

    This mirrors steps 1.1-1.4 of ``single_layer_sim.run`` (operand matrices, then the dataflow's
    demand matrices) and skips the memory simulation. The layer goes through SCALE-Sim's own
    cfg and topology parsers, so GEMM-to-conv mapping and output sizes are SCALE-Sim's.

    Returns ``demand_rows`` (rows of the ifmap demand matrix, i.e. cycles the array is fed;
    full-run ``Total Cycles`` is ``demand_rows - 1`` when stall-free), the SRAM access counts
    ``ifmap_reads``, ``filter_reads``, ``ofmap_writes`` and the fractions
    ``mapping_efficiency`` and ``compute_utilization`` (averages over folds, as SCALE-Sim
    reports them before multiplying by 100), plus ``num_macs`` (SCALE-Sim's ``num_compute``,
    used in its overall utilization).
    """
    check_environment()
    from scalesim.compute.operand_matrix import operand_matrix
    from scalesim.compute.systolic_compute_is import systolic_compute_is
    from scalesim.compute.systolic_compute_os import systolic_compute_os
    from scalesim.compute.systolic_compute_ws import systolic_compute_ws
    from scalesim.layout_utils import layouts
    from scalesim.scale_config import scale_config
    from scalesim.topology_utils import topologies

    compute_classes: dict[str, Callable[[], Any]] = {
        "os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}
    fields = _row(layer, gemm)
    if "DP" in str(fields[0]):
        raise ValueError(f"layer name {fields[0]!r} contains 'DP' (depthwise): SCALE-Sim would "
                         "expand it into one layer per channel; use run_full")
    with tempfile.TemporaryDirectory(prefix="scalesim_compute_") as tmp:
        cfg_path = write_cfg(Path(tmp) / "c.cfg", rows=rows, cols=cols, dataflow=dataflow,
                             ifmap_kib=64, filter_kib=64, ofmap_kib=64)
        topo_path = Path(tmp) / "t.csv"
        (write_gemm_topology if gemm else write_conv_topology)(topo_path, [fields])
        with _quiet(f"SCALE-Sim compute model on {fields}"):
            config = scale_config()
            config.read_conf_file(str(cfg_path))
            topo = topologies()
            topo.load_arrays(topofile=str(topo_path), mnk_inputs=gemm)
            op_mat = operand_matrix()
            op_mat.set_params(config_obj=config, topoutil_obj=topo, layoututil_obj=layouts(),
                              layer_id=0)
            _, ifmap_op = op_mat.get_ifmap_matrix()
            _, filter_op = op_mat.get_filter_matrix()
            _, ofmap_op = op_mat.get_ofmap_matrix()
            compute = compute_classes[dataflow]()
            compute.set_params(config_obj=config, ifmap_op_mat=ifmap_op,
                               filter_op_mat=filter_op, ofmap_op_mat=ofmap_op)
            ifmap_demand, _, _ = compute.get_demand_matrices()
            result = {
                "demand_rows": int(ifmap_demand.shape[0]),
                "ifmap_reads": int(compute.get_ifmap_requests()),
                "filter_reads": int(compute.get_filter_requests()),
                "ofmap_writes": int(compute.get_ofmap_requests()),
                "mapping_efficiency": float(compute.get_avg_mapping_efficiency()),
                "compute_utilization": float(compute.get_avg_compute_utilization()),
                "num_macs": int(topo.get_layer_num_ofmap_px(0) * topo.get_layer_window_size(0)),
            }
    return result


def expected_total_cycles(demand_rows: int) -> int:
    """Stall-free full-run ``Total Cycles`` for a layer whose ifmap demand has this many rows.

    SCALE-Sim's memory model issues demand row i in cycle i (+ stalls so far) and reports the
    largest ofmap service cycle, hence one less than the row count. CALC mode never stalled in
    any case checked (tests/peers/README.md); in USER mode ``Total Cycles`` is this plus
    ``Stall Cycles``.
    """
    return demand_rows - 1


def compute_only_report(result: Mapping[str, Any], rows: int, cols: int) -> dict[str, Any]:
    """Turn a ``run_compute_only`` result into the COMPUTE_REPORT/SRAM fields of a CALC run.

    Valid for CALC mode, which is stall-free, so SCALE-Sim's ``Total Cycles`` is
    ``demand_rows - 1``; percentages use SCALE-Sim's own expressions so the
    floats are bit-identical to its report.
    """
    total = expected_total_cycles(result["demand_rows"])
    return {
        "total_cycles": total,
        "stall_cycles": 0,
        "overall_util_pct": (result["num_macs"] * 100) / (total * rows * cols),
        "mapping_efficiency_pct": result["mapping_efficiency"] * 100,
        "compute_util_pct": result["compute_utilization"] * 100,
        "sram_ifmap_reads": result["ifmap_reads"],
        "sram_filter_reads": result["filter_reads"],
        "sram_ofmap_writes": result["ofmap_writes"],
    }


# --------------------------------------------------------------------------- reports

def _int(text: str) -> int:
    """Parse a count or cycle SCALE-Sim may print as ``12`` or ``12.0``; reject fractions."""
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"expected an integral value, got {text!r}")
    return int(value)


def _num(text: str) -> float:
    return float(text)


# header in SCALE-Sim's report -> (key here, parser). Units: cycles, words (= bytes), percent,
# words per cycle.
COMPUTE_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "Total Cycles (incl. prefetch)": ("total_cycles_incl_prefetch", _int),
    "Total Cycles": ("total_cycles", _int),
    "Stall Cycles": ("stall_cycles", _int),
    "Overall Util %": ("overall_util_pct", _num),
    "Mapping Efficiency %": ("mapping_efficiency_pct", _num),
    "Compute Util %": ("compute_util_pct", _num),
}
DETAIL_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    f"{level} {op} {what}": (f"{level}_{op}_{what}".lower().replace(" ", "_"), _int)
    for level in ("SRAM", "DRAM")
    for op in ("IFMAP", "Filter", "OFMAP")
    for what in ("Start Cycle", "Stop Cycle", "Writes" if op == "OFMAP" else "Reads")
}
BANDWIDTH_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    f"Avg {op} {level} BW": (f"avg_{op.lower()}_{level.lower()}_bw", _num)
    for level in ("SRAM", "DRAM")
    for op in ("IFMAP", "FILTER", "OFMAP")
}


def _read_report(path: Path, fields: Mapping[str, tuple[str, Callable[[str], Any]]]
                 ) -> list[dict[str, Any]]:
    """Read one SCALE-Sim report CSV by header name into a dict per LayerID, in file order."""
    with path.open(newline="") as fh:
        table = [[cell.strip() for cell in line] for line in csv.reader(fh) if line]
    header, body = table[0], table[1:]
    missing = [h for h in ("LayerID", *fields) if h not in header]
    if missing:
        raise ScaleSimError(f"{path}: missing columns {missing}; header is {header}")
    index = {h: header.index(h) for h in ("LayerID", *fields)}
    out = []
    for line in body:
        row: dict[str, Any] = {"layer_id": int(line[index["LayerID"]])}
        for head, (key, parse) in fields.items():
            row[key] = parse(line[index[head]])
        out.append(row)
    return out


def parse_reports(run_dir: str | Path) -> list[dict[str, Any]]:
    """Merge COMPUTE, DETAILED_ACCESS and BANDWIDTH reports of one run into a dict per layer.

    Keys: ``layer_id``; ``total_cycles_incl_prefetch``, ``total_cycles``, ``stall_cycles``
    (cycles); ``overall_util_pct``, ``mapping_efficiency_pct``, ``compute_util_pct`` (percent);
    ``{sram,dram}_{ifmap,filter}_{start_cycle,stop_cycle,reads}`` and
    ``{sram,dram}_ofmap_{start_cycle,stop_cycle,writes}`` (cycles, words);
    ``avg_{ifmap,filter,ofmap}_{sram,dram}_bw`` (words per cycle).
    """
    run_dir = Path(run_dir)
    parts = [_read_report(run_dir / name, fields) for name, fields in (
        ("COMPUTE_REPORT.csv", COMPUTE_FIELDS),
        ("DETAILED_ACCESS_REPORT.csv", DETAIL_FIELDS),
        ("BANDWIDTH_REPORT.csv", BANDWIDTH_FIELDS),
    )]
    if len({len(p) for p in parts}) != 1:
        raise ScaleSimError(f"{run_dir}: reports disagree on the number of layers")
    merged = []
    for rows in zip(*parts, strict=True):
        if len({r["layer_id"] for r in rows}) != 1:
            raise ScaleSimError(f"{run_dir}: LayerIDs out of step across reports")
        merged.append({k: v for r in rows for k, v in r.items()})
    return merged

