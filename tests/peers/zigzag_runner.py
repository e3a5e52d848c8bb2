"""Run ZigZag 3.9.1 live; return its per-layer energies and its hardware's access costs as data.

hwsim's energy model is compared with ZigZag (KU Leuven's DNN accelerator cost model) on the
hardware descriptions ZigZag ships. This module is the one place that knows how to drive it:

* ``run_zigzag`` runs ``zigzag.api.get_hardware_performance_zigzag`` on a workload (ONNX path,
  workload YAML path, or a list of layer dicts as ``conv_layer`` makes) with a hardware and a
  mapping YAML. ZigZag's logging and prints are captured, its output files go to a temporary
  (or given) folder, and the cwd is never written. It returns a ``ZigZagRun``: ZigZag's own
  totals plus one ``layer_record`` dict per evaluated layer.
* ``read_hardware`` reads a ZigZag hardware YAML into plain data: per memory its size, operands,
  read/write cost per access and port widths, plus the MAC unit energy and the array shape.

Units, from ZigZag's source (``MemoryInstance``, ``MemoryPort``, ``CostModelEvaluation``):

* memory ``size`` is in **bits**; port ``bandwidth_min``/``bandwidth_max`` in **bits per cycle**.
* ``r_cost``/``w_cost`` are **pJ per access**, where one access moves ``bandwidth_max`` bits of
  the port serving that operand and direction. Access counts are
  ``ceil(elements * precision / bw_min) * bw_min / bw_max * periods * instances``: data moves in
  ``bw_min``-bit granules and each granule costs ``r_cost * bw_min / bw_max``. Counts are summed
  over every replicated instance of the memory (``instances``), so a per-PE register file counts
  the accesses of all its copies. ZigZag truncates each count to an integer.
* memory energy (pJ) = sum over operands and directions of count x cost: reads
  (``rd_out_to_low``, ``rd_out_to_high``) at ``r_cost``, writes (``wr_in_by_high``,
  ``wr_in_by_low``) at ``w_cost``.
* MAC energy (pJ) = ``operational_array.unit_energy`` x the layer's MAC count, whatever the
  operand precisions: ZigZag's MAC cost ignores precision. There is no idle, leakage or
  interconnect energy (an open TODO in ZigZag's cost model).
* layer energy = MAC energy + memory energy; latency is in cycles (``latency_total2``,
  computation plus data on-loading and off-loading, stalls included).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

ZIGZAG_VERSION = "3.9.1"
"""The pinned release whose numbers hwsim is compared with."""

LOOP_DIMS = ("B", "K", "G", "OX", "OY", "C", "FX", "FY")
"""Conv loop dimensions in ZigZag's names; a Gemm layer's row dimension ``D`` is reported as B."""

DIRECTIONS = ("rd_out_to_low", "wr_in_by_high", "rd_out_to_high", "wr_in_by_low")
"""ZigZag's four data directions at a memory level: reads towards the MACs, writes of data coming
down from the level above, reads of outputs sent up, writes of outputs arriving from below."""

READ_DIRECTIONS = ("rd_out_to_low", "rd_out_to_high")

BUNDLED_ARCHS = {"tpu_like": ("tpu_like.yaml", "tpu_like.yaml"),
                 "eyeriss_like": ("eyeriss_like.yaml", "default.yaml")}
"""Bundled hardware and the mapping YAML used with it. ZigZag ships no eyeriss_like mapping, so
its ``default.yaml`` (K on D1, C on D2, 32 each, clipped by ZigZag to the 14x12 array) is used."""


class ZigZagError(RuntimeError):
    """ZigZag failed, is missing, or is not the pinned version; the message holds its log tail."""


def check_environment() -> None:
    """Raise ZigZagError unless zigzag-dse==3.9.1 is installed."""
    try:
        version = metadata.version("zigzag-dse")
    except metadata.PackageNotFoundError as exc:
        raise ZigZagError("zigzag-dse is not installed; "
                          f"`pip install zigzag-dse=={ZIGZAG_VERSION} six`") from exc
    if version != ZIGZAG_VERSION:
        raise ZigZagError(f"zigzag-dse {version} is installed; the comparison pins "
                          f"{ZIGZAG_VERSION}")


def bundled_inputs() -> Path:
    """The ``inputs/`` folder of the installed zigzag package (hardware/, mapping/, workload/)."""
    check_environment()
    import zigzag

    return Path(zigzag.__file__).resolve().parent / "inputs"


def bundled_arch(arch: str) -> tuple[Path, Path]:
    """(hardware YAML, mapping YAML) for a bundled arch named in ``BUNDLED_ARCHS``."""
    if arch not in BUNDLED_ARCHS:
        raise ZigZagError(f"unknown bundled arch {arch!r}; known: {sorted(BUNDLED_ARCHS)}")
    hardware, mapping = BUNDLED_ARCHS[arch]
    root = bundled_inputs()
    return root / "hardware" / hardware, root / "mapping" / mapping


@dataclass(frozen=True, slots=True)
class ZigZagRun:
    """One ZigZag evaluation: its own totals (pJ, cycles) and one ``layer_record`` per layer.

    ``warnings`` are ZigZag's WARNING-and-above log messages (e.g. a spatial unrolling it clipped
    to the array size), each message once per run as ZigZag's own filters allow; ``wall_s`` is
    the wall-clock time of the call in seconds.
    """

    energy_total_pj: float
    latency_total_cycles: float
    layers: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...]
    wall_s: float
    zigzag_version: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _reset_unique_filters() -> None:
    """Forget the messages ZigZag's ``UniqueMessageFilter``s have seen, so that each run reports
    its own warnings: the filters drop any message already logged once in the process."""
    for name, logger in logging.Logger.manager.loggerDict.items():
        if name.startswith("zigzag") and isinstance(logger, logging.Logger):
            for log_filter in logger.filters:
                seen = getattr(log_filter, "recorded_messages", None)
                if isinstance(seen, set):
                    seen.clear()


@contextlib.contextmanager
def _quiet(handler: _ListHandler) -> Iterator[io.StringIO]:
    """Capture ZigZag's log records and prints, and keep its ``logging.basicConfig`` inert.

    ZigZag's API calls ``logging.basicConfig(level=INFO)``, which would install a stderr handler
    on the root logger for the rest of the process; a handler on root for the duration of the
    call makes that a no-op.
    """
    _reset_unique_filters()
    root, zz = logging.getLogger(), logging.getLogger("zigzag")
    saved = (zz.level, zz.propagate)
    guard = logging.NullHandler()
    root.addHandler(guard)
    zz.addHandler(handler)
    zz.setLevel(logging.INFO)
    zz.propagate = False
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield out
    finally:
        zz.removeHandler(handler)
        zz.setLevel(saved[0])
        zz.propagate = saved[1]
        root.removeHandler(guard)


def run_zigzag(workload: str | Path | Sequence[Mapping[str, Any]], hardware: str | Path,
               mapping: str | Path, *, opt: str = "latency", out_dir: str | Path | None = None,
               lpf_limit: int = 6, nb_spatial_mappings: int = 3) -> ZigZagRun:
    """Run ZigZag's default flow (LOMA temporal mapping search) and return its results.

    ``workload`` is an ``.onnx`` or ``.yaml`` path or a list of layer dicts (ZigZag's workload
    YAML schema, see ``conv_layer``). ``opt`` is ZigZag's mapping criterion (``latency``, its
    API default and what its own regression numbers use; ``energy``; ``EDP``). ZigZag's JSON,
    pickle and plot outputs go to ``out_dir`` (appended to if it exists) or to a temporary
    folder that is removed. ``lpf_limit`` and ``nb_spatial_mappings`` are ZigZag's search knobs.
    """
    check_environment()
    from zigzag.api import get_hardware_performance_zigzag

    if isinstance(workload, (str, Path)):
        workload_arg: Any = str(Path(workload).resolve())
        if not Path(workload_arg).is_file():
            raise ZigZagError(f"workload file not found: {workload_arg}")
    else:
        workload_arg = [dict(layer) for layer in workload]
    paths = {"hardware": Path(hardware).resolve(), "mapping": Path(mapping).resolve()}
    for what, path in paths.items():
        if not path.is_file():
            raise ZigZagError(f"{what} file not found: {path}")

    handler = _ListHandler()
    with contextlib.ExitStack() as stack:
        dump = (Path(out_dir).resolve() if out_dir is not None else
                Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zigzag_"))))
        dump.mkdir(parents=True, exist_ok=True)
        captured = stack.enter_context(_quiet(handler))
        start = time.perf_counter()
        try:
            energy, latency, cmes = get_hardware_performance_zigzag(
                workload_arg, str(paths["hardware"]), str(paths["mapping"]), opt=opt,
                dump_folder=str(dump), lpf_limit=lpf_limit,
                nb_spatial_mappings_generated=nb_spatial_mappings,
                loma_show_progress_bar=False)
        except Exception as exc:  # ZigZag raises bare ValueError/AssertionError/KeyError
            tail = [handler.format(r) for r in handler.records[-15:]]
            raise ZigZagError(f"ZigZag failed: {exc!r}\nlog tail:\n" + "\n".join(tail) +
                              f"\noutput tail:\n{captured.getvalue()[-2000:]}") from exc
        wall = time.perf_counter() - start
    per_layer = tuple(layer_record(cme) for cme, _ in cmes[0][1])
    warnings = tuple(r.getMessage() for r in handler.records if r.levelno >= logging.WARNING)
    return ZigZagRun(energy_total_pj=float(energy), latency_total_cycles=float(latency),
                     layers=per_layer, warnings=warnings, wall_s=wall,
                     zigzag_version=ZIGZAG_VERSION)


def layer_record(cme: Any) -> dict[str, Any]:
    """One ZigZag ``CostModelEvaluation`` as plain data (energies in pJ, latencies in cycles).

    Keys: ``layer_id``, ``layer_name``, ``operator_type``; ``loop_sizes`` (ZigZag's own dims)
    and ``dims`` (the eight conv dims of ``LOOP_DIMS``, absent ones 1); ``padding`` and
    ``input_size`` (IX/IY); ``operand_precision_bits`` (W, I, O = partial sums, O_final);
    ``macs``; ``energy_total_pj`` = ``mac_energy_pj`` + ``memory_energy_pj``;
    ``memory_energy_by_level_pj`` {memory: pJ over all operands};
    ``memory_energy_pj`` {operand: {memory: {direction: pJ, "total": pJ}}};
    ``accesses`` {operand: {memory: {direction: count of bw_max-bit accesses}}};
    ``memory_operand_links`` (layer operand W/I/O -> memory operand I2/I1/O); ``latency_cycles``
    with ``latency_breakdown_cycles``; ``ideal_cycles`` (MACs / spatially used PEs);
    ``mac_spatial_utilization``; the chosen ``spatial_mapping`` and ``temporal_mapping`` as text.
    Memory lists per operand run from the MACs outwards.
    """
    layer = cme.layer
    loop_sizes = {str(dim): int(size) for dim, size in layer.layer_dim_sizes.items()}
    dims = {d: 1 for d in LOOP_DIMS}
    for name, size in loop_sizes.items():
        dims["B" if name == "D" else name] = size
    links = cme.memory_operand_links
    hierarchy = cme.accelerator.memory_hierarchy
    energy: dict[str, dict[str, dict[str, float]]] = {}
    accesses: dict[str, dict[str, dict[str, int]]] = {}
    by_level: dict[str, float] = {}
    for layer_op, access_list in cme.memory_word_access.items():
        levels = hierarchy.get_memory_levels(mem_op=links.layer_to_mem_op(layer_op))
        energy_list = cme.mem_energy_breakdown_further[layer_op]
        op_energy: dict[str, dict[str, float]] = {}
        op_access: dict[str, dict[str, int]] = {}
        for level, count, joules in zip(levels, access_list, energy_list, strict=False):
            per_dir = {str(d): float(v) for d, v in joules.data.items()}
            per_dir["total"] = sum(per_dir.values())
            op_energy[level.name] = per_dir
            op_access[level.name] = {str(d): int(v) for d, v in count.data.items()}
            by_level[level.name] = by_level.get(level.name, 0.0) + per_dir["total"]
        energy[str(layer_op)] = op_energy
        accesses[str(layer_op)] = op_access
    l0, l1, l2 = (float(cme.latency_total0), float(cme.latency_total1), float(cme.latency_total2))
    return {
        "layer_id": int(layer.id),
        "layer_name": str(layer.name),
        "operator_type": str(layer.type),
        "loop_sizes": loop_sizes,
        "dims": dims,
        "padding": {str(k): list(v) for k, v in layer.padding.data.items()},
        "input_size": {str(k): int(v) for k, v in layer.pr_layer_dim_sizes.data.items()},
        "operand_precision_bits": {str(k): int(v) for k, v in layer.operand_precision.data.items()},
        "macs": int(layer.total_mac_count),
        "energy_total_pj": float(cme.energy_total),
        "mac_energy_pj": float(cme.mac_energy),
        "memory_energy_pj_total": float(cme.mem_energy),
        "memory_energy_by_level_pj": by_level,
        "memory_energy_pj": energy,
        "accesses": accesses,
        "memory_operand_links": {str(k): str(v) for k, v in links.data.items()},
        "latency_cycles": l2,
        "latency_breakdown_cycles": {"computation": l0, "data_onloading": l1 - l0,
                                     "data_offloading": l2 - l1},
        "ideal_cycles": float(cme.ideal_cycle),
        "mac_spatial_utilization": float(cme.mac_spatial_utilization),
        "spatial_mapping": str(cme.spatial_mapping_int),
        "temporal_mapping": str(cme.temporal_mapping),
    }


def read_hardware(path: str | Path) -> dict[str, Any]:
    """A ZigZag hardware YAML's memories, MAC unit and array as plain data (needs no zigzag).

    Returns ``name``; ``mac_energy_pj`` (``operational_array.unit_energy``: pJ per MAC at any
    precision) and ``mac_area``; ``array`` {``dimensions``, ``sizes`` {D1: n, ...}, ``pes``,
    ``systolic_dimensions``}; ``memories``, listed from the MACs outwards as in the file, each
    with ``name``, ``size_bits``, ``operands`` (I1, I2, O), ``read_pj`` / ``write_pj`` per access,
    ``read_bits`` / ``write_bits`` (the widest ``bandwidth_max`` of a read / write capable port,
    the width one access moves) and ``read_min_bits`` / ``write_min_bits`` (``bandwidth_min``,
    the granule), ``read_pj_per_bit`` = ``read_pj / read_bits`` (likewise write),
    ``served_dimensions``, ``instances`` (copies over the array: the product of the sizes of the
    dimensions it does not serve), ``latency_cycles``, ``area`` and the raw ``ports``; and
    ``levels`` {memory operand: [memory names from the MACs outwards]}.
    Memories that take their costs from CACTI (``auto_cost_extraction``) are refused.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        array = data["operational_array"]
        sizes = {str(d): int(s) for d, s in zip(array["dimensions"], array["sizes"], strict=True)}
        memories = data["memories"]
        name = str(data["name"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ZigZagError(f"{path}: not a ZigZag hardware YAML ({exc!r})") from exc
    out: list[dict[str, Any]] = []
    levels: dict[str, list[str]] = {}
    for mem_name, mem in memories.items():
        if mem.get("auto_cost_extraction"):
            raise ZigZagError(f"{path}: memories.{mem_name} takes its costs from CACTI")
        for key in ("size", "r_cost", "w_cost", "operands", "ports", "served_dimensions"):
            if mem.get(key) is None:
                raise ZigZagError(f"{path}: memories.{mem_name}.{key} is missing")
        ports = [dict(p) for p in mem["ports"]]
        read = [p for p in ports if p["type"] in ("read", "read_write")]
        write = [p for p in ports if p["type"] in ("write", "read_write")]
        if not read or not write:
            raise ZigZagError(f"{path}: memories.{mem_name}.ports needs a read and a write port")
        served = [str(d) for d in mem["served_dimensions"]]
        record = {
            "name": str(mem_name),
            "size_bits": int(mem["size"]),
            "operands": [str(o) for o in mem["operands"]],
            "read_pj": float(mem["r_cost"]),
            "write_pj": float(mem["w_cost"]),
            "read_bits": max(int(p["bandwidth_max"]) for p in read),
            "write_bits": max(int(p["bandwidth_max"]) for p in write),
            "read_min_bits": min(int(p["bandwidth_min"]) for p in read),
            "write_min_bits": min(int(p["bandwidth_min"]) for p in write),
            "served_dimensions": served,
            "instances": math.prod(s for d, s in sizes.items() if d not in served),
            "latency_cycles": int(mem.get("latency", 1)),
            "area": mem.get("area"),
            "ports": ports,
        }
        record["read_pj_per_bit"] = record["read_pj"] / record["read_bits"]
        record["write_pj_per_bit"] = record["write_pj"] / record["write_bits"]
        out.append(record)
        for operand in record["operands"]:
            levels.setdefault(operand, []).append(record["name"])
    return {
        "name": name,
        "mac_energy_pj": float(array["unit_energy"]),
        "mac_area": array.get("unit_area"),
        "array": {"dimensions": list(sizes), "sizes": sizes, "pes": math.prod(sizes.values()),
                  "systolic_dimensions": [str(d) for d in array.get("systolic_dimensions", [])]},
        "memories": out,
        "levels": levels,
    }


def conv_layer(layer_id: int, name: str, *, k: int, c: int, ox: int, oy: int, fx: int, fy: int,
               stride: int = 1, padding: int = 0, b: int = 1, input_size: int | None = None,
               precision: Mapping[str, int] | None = None,
               source: int | None = None) -> dict[str, Any]:
    """A ZigZag workload-YAML layer for a conv, in the form ZigZag's ONNX parser builds.

    The same dims, stride, symmetric ``padding`` and precisions give the same layer as the
    ONNX path (equation, dimension relations, IX/IY input sizes and padding included).
    ``input_size`` (IX = IY, unpadded) defaults to the smallest input giving ``ox``/``oy``;
    pass the real one when a strided layer drops input columns (ResNet-18 conv1: 224, not 223).
    ``precision`` defaults to what ZigZag's ONNX parser assumes for every layer:
    W = I = O_final = 8 bits, O (partial sums) = 16 bits. A fully connected layer is
    ``ox = oy = fx = fy = 1``. ``source`` is the id of the layer producing the input.
    """
    bits = {"W": 8, "I": 8, "O": 16, "O_final": 8} if precision is None else dict(precision)
    ix = stride * (ox - 1) + fx - 2 * padding if input_size is None else input_size
    iy = stride * (oy - 1) + fy - 2 * padding if input_size is None else input_size
    return {
        "id": layer_id,
        "name": name,
        "operator_type": "Conv",
        "equation": "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
        "dimension_relations": [f"ix={stride}*ox+1*fx", f"iy={stride}*oy+1*fy"],
        "loop_dims": list(LOOP_DIMS),
        "loop_sizes": [b, k, 1, ox, oy, c, fx, fy],
        "operand_precision": bits,
        "operand_source": {"W": layer_id, "I": layer_id if source is None else source},
        "pr_loop_dims": ["IX", "IY"],
        "pr_loop_sizes": [ix, iy],
        "padding": [[padding, padding], [padding, padding]],
    }


def write_workload_yaml(path: str | Path, layers: Sequence[Mapping[str, Any]]) -> Path:
    """Write layer dicts (e.g. from ``conv_layer``) as a ZigZag workload YAML; returns the path."""
    target = Path(path)
    target.write_text(yaml.safe_dump([dict(layer) for layer in layers], sort_keys=False),
                      encoding="utf-8")
    return target
