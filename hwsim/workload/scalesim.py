"""Read SCALE-Sim v3 topology CSVs and ``.cfg`` files as hwsim workloads and archs.

Semantics mirror SCALE-Sim v3.0.0 (``topology_utils.py``, ``scale_config.py``):

- conv CSV: ``name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides,`` with an optional N:M sparsity column (only ``1:1`` is accepted). No
  padding; output size ``ceil((H - R + S) / S)``, i.e. `Conv2d.ceil_mode`. No batch dimension.
  A layer whose name contains ``DP`` is depthwise and, as SCALE-Sim does, becomes one
  single-channel layer per channel named ``<name>Channel_<i>``, each keeping ``Num Filter``.
- GEMM CSV: ``name, M, N, K,`` for C[M x N] = A[M x K] B[K x N]; SCALE-Sim treats it as a conv
  with an M x K input, a 1 x K filter and N filters, which is a `Linear` with M rows here.
- every word is one byte: all tensors, partial sums included, are int8.
- cfg: ``ArrayHeight``/``ArrayWidth``/``Dataflow``, the three SRAM sizes in KiB, and
  ``Bandwidth`` (words per cycle, one port per operand in USER mode).
"""

from __future__ import annotations

import configparser
import csv
import io
from pathlib import Path

from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.arch import (DATAFLOWS, KIB, Arch, ComputeArray, MappingSpec, Memory, SramBuffer,
                             VectorUnit)
from hwsim.spec.errors import SpecError, SpecIssue, suggest
from hwsim.spec.workload import Conv2d, Layer, Linear, Workload
from hwsim.spec.yaml_io import read_text

CONV_COLUMNS = ("IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
                "Num Filter", "Strides")
GEMM_COLUMNS = ("M", "N", "K")
# Every word is one byte, partial sums included (SCALE-Sim writes each fold's partial outputs as
# one-byte words).
SCALESIM_PRECISION = TensorPrecision(*(parse_format("int8"),) * 4)


def _rows(text: str) -> list[list[str]]:
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    rows = [row[:-1] if row and row[-1] == "" else row for row in rows]  # trailing comma
    return [row for row in rows if any(row)]


def _positive(cell: str, file: str, path: str, issues: list[SpecIssue]) -> int:
    try:
        value = int(cell)
    except ValueError:
        value = 0
    if value < 1:
        issues.append(SpecIssue(file, path, f"expected a positive integer, got {cell!r}"))
        return 1
    return value


def load_topology(path: str | Path) -> Workload:
    """Read a SCALE-Sim conv or GEMM topology CSV (detected from its header)."""
    path = Path(path)
    file = str(path)
    text, digest = read_text(path)
    rows = _rows(text)
    if not rows:
        raise SpecError.single(file, "", "expected a SCALE-Sim topology CSV with a header row")
    header = rows[0]
    gemm = header[1:4] == list(GEMM_COLUMNS)
    expected = GEMM_COLUMNS if gemm else CONV_COLUMNS
    issues: list[SpecIssue] = []
    for column in expected:
        if column not in header:
            issues.append(SpecIssue(file, "header", f"missing column {column!r}"
                                    + suggest(column, header)))
    if issues:
        raise SpecError(issues)
    index = {name: header.index(name) for name in expected}
    layers: list[Layer] = []
    for line, row in enumerate(rows[1:], start=2):
        where = f"line {line}"
        if len(row) < len(header):
            issues.append(SpecIssue(file, where, f"expected {len(header)} columns, got {len(row)}"))
            continue
        name = row[0] or f"layer{line - 1}"
        if len(row) > len(header) and row[len(header)] not in ("1:1", ""):
            issues.append(SpecIssue(file, f"{where}.sparsity", f"expected 1:1 (N:M sparsity "
                                    f"is not modelled), got {row[len(header)]!r}"))
        v = {col: _positive(row[i], file, f"{where}.{col}", issues) for col, i in index.items()}
        if gemm:
            layers.append(Linear(name, v["K"], v["N"], rows=v["M"]))
            continue
        h, w, r, s = v["IFMAP Height"], v["IFMAP Width"], v["Filter Height"], v["Filter Width"]
        if r > h or s > w:
            issues.append(SpecIssue(file, f"{where}.Filter Height", f"expected a filter no "
                                    f"larger than the input ({h}x{w}), got {r}x{s}"))
        stride, depthwise = v["Strides"], "DP" in name
        names = [f"{name}Channel_{c}" for c in range(v["Channels"])] if depthwise else [name]
        for layer_name in names:
            layers.append(Conv2d(layer_name, 1 if depthwise else v["Channels"], v["Num Filter"],
                                 h, w, r, s, stride, stride, ceil_mode=True))
    if issues:
        raise SpecError(issues)
    return Workload(path.stem, f"SCALE-Sim topology {path.name}", 1, SCALESIM_PRECISION,
                    tuple(layers), None, file, digest)


def load_scalesim_cfg(path: str | Path) -> Arch:
    """Read a SCALE-Sim v3 ``.cfg`` as an arch (1-byte words, per-operand DRAM ports,
    SCALE-Sim's fixed loop order: ``mapping: scalesim``)."""
    path = Path(path)
    file = str(path)
    text, digest = read_text(path)
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise SpecError.single(file, "", f"malformed cfg: {str(exc).splitlines()[0]}") from None
    issues: list[SpecIssue] = []

    def get(section: str, key: str) -> str:
        if not parser.has_option(section, key):
            issues.append(SpecIssue(file, f"{section}.{key}", "required field is missing"))
            return "1"
        return parser.get(section, key).strip()

    def positive(section: str, key: str) -> int:
        return _positive(get(section, key), file, f"{section}.{key}", issues)

    arch_s = "architecture_presets"
    rows, cols = positive(arch_s, "ArrayHeight"), positive(arch_s, "ArrayWidth")
    sizes = [positive(arch_s, k) for k in ("IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB")]
    dataflow = get(arch_s, "Dataflow").lower()
    if dataflow not in DATAFLOWS:
        issues.append(SpecIssue(file, f"{arch_s}.Dataflow",
                                f"expected one of {', '.join(DATAFLOWS)}, got {dataflow!r}"))
    bandwidth = positive(arch_s, "Bandwidth")
    run_name = parser.get("general", "run_name", fallback=path.stem).strip()
    if issues:
        raise SpecError(issues)
    buffers = tuple(SramBuffer(name, kib * KIB)
                    for name, kib in zip(("ifmap", "filter", "ofmap"), sizes, strict=True))
    return Arch(run_name, f"SCALE-Sim cfg {path.name}",
                ComputeArray("systolic", rows, cols, dataflow, 1000.0, 8,
                             (parse_format("int8"),)), VectorUnit(cols),
                Memory(buffers, float(bandwidth), "per_operand"), file, digest,
                mapping=MappingSpec("scalesim"))
