"""Writers for results: the terminal table, JSON and CSV (files are written by
`hwsim.files.write_atomic`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hwsim.distributed_run import DistributedResult
from hwsim.footprint import Footprint, max_batch
from hwsim.result import DRAM_KEYS, Result
from hwsim.training_run import TrainingRun

CSV_COLUMNS = ("name", "pass", "kind", "M", "N", "K", "count", "macs", "compute_cycles",
               "stall_cycles", "total_cycles", "folds", "sram_ifmap_reads", "sram_filter_reads",
               "sram_ofmap_writes", *(f"dram_{k}_bytes" for k in DRAM_KEYS),
               "mapping_efficiency", "compute_utilization", "energy_pj")


def to_json(result: Result) -> str:
    return json.dumps(result.to_dict(), indent=2)


def to_csv(result: Result) -> str:
    """One row per problem, columns `CSV_COLUMNS` (units in the names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for lr in result.layers:
        writer.writerow([lr.name, lr.pass_name, lr.kind, lr.M, lr.N, lr.K, lr.count, lr.macs,
                         lr.compute_cycles, lr.stall_cycles, lr.total_cycles, lr.folds,
                         lr.sram_reads["ifmap"], lr.sram_reads["filter"],
                         lr.sram_writes["ofmap"], *(lr.dram_bytes[k] for k in DRAM_KEYS),
                         f"{lr.mapping_efficiency:.6f}", f"{lr.compute_utilization:.6f}",
                         f"{lr.total_energy_pj:.6g}"])
    return buffer.getvalue()


def _si(value: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{unit}"
    return f"{value:.0f}"


def to_table(result: Result) -> str:
    """A readable per-layer table with totals."""
    searched = result.arch.mapping.strategy == "searched"
    header = ("layer", "pass", "M", "N", "K", "MACs", "compute_cycles", "stall_cycles",
              "total_cycles", "util_%", "dram_bytes", "energy_uJ") + (
                  ("loops",) if searched else ())
    rows: list[tuple[str, ...]] = [header]
    pes = result.arch.compute.rows * result.arch.compute.cols
    for lr in result.layers:
        util = 100.0 * lr.macs / (lr.total_cycles * pes) if lr.total_cycles else 0.0
        rows.append((lr.name, lr.pass_name, str(lr.M or ""), str(lr.N or ""), str(lr.K or ""),
                     _si(lr.macs), str(lr.compute_cycles), str(lr.stall_cycles),
                     str(lr.total_cycles), f"{util:.1f}", _si(sum(lr.dram_bytes.values())),
                     f"{lr.total_energy_pj / 1e6:.3f}") + (
                         (_loops(lr.mapping),) if searched else ()))
    t = result.totals()
    rows.append(("TOTAL", "", "", "", "", _si(t["macs"]), str(t["compute_cycles"]),
                 str(t["stall_cycles"]), str(t["cycles"]), f"{100 * t['utilization']:.1f}",
                 _si(t["dram_bytes_total"]), f"{t['energy_pj'] / 1e6:.3f}") + (
                     ("",) if searched else ()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=True))) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    a = result.arch.compute
    summary = (f"workload {result.workload.name} (batch {result.batch}) on {result.arch.name}: "
               f"{a.rows}x{a.cols} {a.dataflow.upper()} at {a.clock_mhz:g} MHz\n"
               f"total_cycles {t['cycles']}  latency_s {t['latency_s']:.6g}  "
               f"macs {t['macs']}  utilization {100 * t['utilization']:.2f}%  "
               f"dram_bytes {t['dram_bytes_total']}  energy_uJ {t['energy_pj'] / 1e6:.4g}\n"
               "energy_uJ by component: " + ", ".join(
                   f"{k} {v / 1e6:.4g}" for k, v in t["energy_breakdown_pj"].items()))
    if result.area is not None:
        area = result.area_totals()
        summary += f"\narea_mm2 {area['area_mm2']:.4g} (datapaths and storage; " + ", ".join(
            f"{k} {v:.3g}" for k, v in area["area_breakdown_mm2"].items()) + ")"
    if result.footprint is not None:
        summary += "\nmemory: " + _memory(result.footprint, result.device_memory_bytes)
    return "\n".join(lines) + "\n" + summary + "\n"


def _loops(mapping: dict[str, Any] | None) -> str:
    """A layer's loop orders, compactly: DRAM's and the buffer's loops outermost first
    (``NKM/MNK``); ``scalesim`` where it kept SCALE-Sim's fold order, empty for vector work."""
    if mapping is None:
        return ""
    if mapping["strategy"] != "searched":
        return "scalesim"
    levels = mapping["levels"]
    return f"{levels['dram']['loop_order']}/{levels['sram']['loop_order']}"


def _memory(memory: Footprint, device_memory_bytes: float | None) -> str:
    """A step's peak memory, where it peaks and its parts (bytes), and, given the device's
    memory, the largest batch that fits."""
    line = (f"peak_memory_bytes {memory.peak_memory_bytes():.0f} (at {memory.peak_step()})  "
            f"model_state_bytes {memory.model_state_bytes:.0f}  "
            f"activation_bytes {memory.activation_bytes():.0f}")
    if device_memory_bytes is not None:
        line += f"  max_batch {max_batch(memory, device_memory_bytes)}"
    return line


def training_table(run: TrainingRun) -> str:
    """Whole-training totals and the precision groups they come from."""
    t = run.totals()
    lines = [f"training {run.workload} on {run.arch.name}: {run.iterations} iterations"
             + ("" if run.schedule is None else
                f", {run.schedule.kind} schedule bits {':'.join(map(str, run.schedule.bits))}"
                f" grad bits {':'.join(map(str, run.schedule.grad_bits))}"),
             f"{'bits':>5} {'grad_bits':>9} {'iterations':>10} {'cycles_per_step':>16} "
             f"{'energy_uJ_per_step':>19} {'bitops_per_step':>16}"]
    for g in run.groups:
        step = g.step.totals()
        lines.append(f"{g.bits if g.bits is not None else '-':>5} "
                     f"{g.grad_bits if g.grad_bits is not None else '-':>9} {g.iterations:>10} "
                     f"{step['cycles']:>16} {step['energy_pj'] / 1e6:>19.4f} "
                     f"{step['bitops']:>16}")
    lines.append(f"total_cycles {t['cycles']}  latency_s {t['latency_s']:.6g}  "
                 f"energy_J {t['energy_pj'] / 1e12:.6g}  bitops {t['bitops']}  macs {t['macs']}")
    return "\n".join(lines) + "\n"


def distributed_table(result: DistributedResult) -> str:
    """One device's step on a distributed run: time, communication, energy and memory."""
    t, p = result.totals(), result.parallel
    scheme = f"pp:{p.stages} x {p.replicas} replicas, {p.pipeline_micro_batches} " \
        "micro-batches" if p.scheme == "pp" else p.scheme
    lines = [f"training {result.step.workload.name} on {p.devices} x {result.step.arch.name} "
             f"({scheme}), batch {result.step.batch} per device, link {p.link.bandwidth_gbps:g} "
             f"Gbit/s" + (", overlapped" if p.overlap else ""),
             f"step_s {t['step_s']:.6g} = compute_s {t['compute_s']:.6g} + exposed_comm_s "
             f"{t['exposed_comm_s']:.6g} + bubble_s {t['bubble_s']:.6g}  (comm_s "
             f"{t['comm_s']:.6g}, codec_s {t['codec_s']:.6g})",
             f"comm_bytes {t['comm_bytes']:.0f}  energy_J {t['energy_pj'] / 1e12:.6g} (compute "
             f"{t['compute_energy_pj'] / 1e12:.6g}, codec {t['codec_energy_pj'] / 1e12:.6g}, "
             f"comm {t['comm_energy_pj'] / 1e12:.6g})",
             "memory per device: " + _memory(result.memory, result.device_memory_bytes)]
    return "\n".join(lines) + "\n"
