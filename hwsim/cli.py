"""The ``hwsim`` command: argument parsing, output files and exit codes, nothing else.

Exit codes: 0 success, 2 invalid input (one line per problem on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from hwsim.api import estimate, load_arch, load_inputs, load_workload
from hwsim.distributed import BOARD_LINK_PJ_PER_BIT, Link
from hwsim.distributed.pipeline import SCHEDULES
from hwsim.distributed_run import (GRAD_CODECS, PARALLELISM, Parallelism, distributed_estimate,
                                   parse_parallel)
from hwsim.lowering import lower
from hwsim.technology import supported_nodes
from hwsim.energy.table import energy_table
from hwsim.files import write_atomic
from hwsim.precision import parse_format
from hwsim.precision.formats import BLOCK_FORMATS
from hwsim.spec.policy import Policy, load_policy, parse_precision_flag
from hwsim.precision.schedule import SCHEDULE_KINDS, Schedule, ScheduleError, parse_bits
from hwsim.report import distributed_table, to_csv, to_json, to_table, training_table
from hwsim.optimizers import OPTIMIZERS
from hwsim.training_config import (LIMITS, TRAINING, FrequencySplit, TrainingConfig,
                                   parse_frequency_split)
from hwsim.training_run import training_run
from hwsim.spec.arch import MAPPING_OBJECTIVES, MAPPING_STRATEGIES, Arch
from hwsim.archfile.io import arch_to_yaml
from hwsim.spec.errors import SpecError, SpecIssue
from hwsim.spec.workload import Workload
from hwsim.spec.workload_io import workload_to_yaml
from hwsim.version import __version__

EXIT_BAD_INPUT = 2
REPORTED_FORMATS = ("int4", "int8", "int16", "int32", "fp8_e4m3", "fp8_e5m2", "bf16", "fp16",
                    "fp32")
# energy-table lists a MAC of each shipped block format (`BLOCK_FORMATS`) with this accumulator,
# the one the shipped block-format recipes use.
BLOCK_MAC_ACCUMULATOR = "fp32"

# The library's errors name its own parameters (``parallelism: stages: ...``); the command line
# names the flags that set them. (issue place, field) in the library -> (flag, field) printed.
FLAGS: dict[tuple[str, str], tuple[str, str]] = {
    (PARALLELISM, "devices"): ("--devices", ""),
    (PARALLELISM, "scheme"): ("--parallel", ""),
    (PARALLELISM, "stages"): ("--parallel", "stages"),
    (PARALLELISM, "cut_after"): ("--stage-cut", ""),
    (PARALLELISM, "grad_bits"): ("--comm-grad-bits", ""),
    (PARALLELISM, "grad_codec"): ("--comm-grad-codec", ""),
    (PARALLELISM, "act_bits"): ("--comm-act-bits", ""),
    (PARALLELISM, "act_grad_bits"): ("--comm-act-grad-bits", ""),
    (TRAINING, "optimizer"): ("--optimizer", ""),
    (TRAINING, "iterations"): ("--iterations", ""),
    (TRAINING, "device_memory_bytes"): ("--device-memory-gib", ""),
    **{(TRAINING, f"split.{name}"): ("--division", name) for name in LIMITS},
    ("trace", "batch"): ("--batch", ""),
    ("sweep", "backend"): ("--backend", ""),
    ("sweep", "scheduler"): ("--scheduler", ""),
}

# Flags that override a field of the arch: argparse destination -> (arch section, field).
ARCH_FLAGS: dict[str, tuple[str, str]] = {
    "mapping": ("mapping", "strategy"),
    "objective": ("mapping", "objective"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hwsim", description="What does this network, at these precisions, "
                     "cost on that accelerator?")
    parser.add_argument("--version", action="version", version=f"hwsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    est = sub.add_parser("estimate", help="cost of a workload on an arch (inference)")
    est.add_argument("workload", help="workload YAML, or a SCALE-Sim topology CSV")
    est.add_argument("--arch", help="arch YAML, SCALE-Sim .cfg, or a shipped arch name "
                     "(default: the workload's `arch:`, else tpu_like)")
    est.add_argument("--batch", type=int, help="override the workload's batch size")
    est.add_argument("--json", action="store_true", help="print the result JSON")
    est.add_argument("--csv", type=Path, metavar="FILE", help="also write per-layer CSV")
    mapping = est.add_argument_group("memory mapping (default: the arch's `mapping:`)")
    mapping.add_argument("--mapping", choices=MAPPING_STRATEGIES,
                         help="searched: tile and order each GEMM's loops per layer; "
                         "scalesim: SCALE-Sim's fold order")
    mapping.add_argument("--objective", choices=MAPPING_OBJECTIVES,
                         help="what a searched mapping minimises")
    prec = est.add_argument_group("precision")
    prec.add_argument("--policy", type=Path, help="precision policy YAML (default and rules)")
    prec.add_argument("--precision", metavar="KIND=FMT,...",
                      help="default formats, e.g. w=int4,a=int4,g=int8,acc=int32 "
                           "(also s, sw, and bw, ba: the backward GEMMs' weights and "
                           "activations)")
    train = est.add_argument_group("training")
    train.add_argument("--train", action="store_true",
                       help="cost training steps: forward, backward-data, backward-weight, update")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    train.add_argument("--iterations", type=int, default=1,
                       help="training iterations to total (default 1: one step)")
    train.add_argument("--schedule", choices=SCHEDULE_KINDS,
                       help="precision schedule over training (default: static from the policy)")
    train.add_argument("--bits", help="weight/activation bits: b, min:max, or b1,b2,... per epoch")
    train.add_argument("--grad-bits", help="gradient bits, same forms as --bits (default 8)")
    train.add_argument("--cycles", type=int, default=32, help="cyclic schedule: cycles (CPT's N)")
    mem = est.add_argument_group("training memory (with --train; store saved activations "
                                 "compressed with --precision s=FMT or a policy's saved:)")
    mem.add_argument("--device-memory-gib", type=float, metavar="GIB",
                     help="device memory: report the largest batch that fits")
    mem.add_argument("--division", metavar="block=B,hfc_bits=H,lfc_bits=L",
                     help="store saved activations as DIVISION's low/high-frequency split")
    dist = est.add_argument_group("distributed training (with --train; --batch is per device, "
                                  "or per micro-batch in a pipeline)")
    dist.add_argument("--devices", type=int, help="devices training together (default 1)")
    dist.add_argument("--parallel", default="dp", metavar="dp|zero1|zero2|zero3|pp:STAGES",
                      help="data parallel, ZeRO stage, or a pipeline of STAGES stages "
                      "(devices/STAGES data-parallel replicas)")
    dist.add_argument("--micro-batches", type=int, default=0,
                      help="pipeline micro-batches per step (default 4 x stages)")
    dist.add_argument("--pipeline-schedule", choices=SCHEDULES, default="1f1b")
    dist.add_argument("--stage-cut", metavar="GLOB",
                      help="pipeline stages may end only after layers matching GLOB (default: "
                      "after residual adds, if any)")
    dist.add_argument("--link-gbps", type=float, default=25.0,
                      help="link bandwidth per device and direction, Gbit/s (default 25)")
    dist.add_argument("--link-latency-us", type=float, default=0.0,
                      help="latency per message, microseconds (default 0)")
    dist.add_argument("--link-pj-per-bit", type=float, default=BOARD_LINK_PJ_PER_BIT,
                      help=f"link energy per bit sent (default {BOARD_LINK_PJ_PER_BIT}: a "
                      "board-level PHY, docs/distributed.md)")
    dist.add_argument("--comm-grad-bits", type=int,
                      help="send gradients quantised to this many bits (CGX max-min)")
    dist.add_argument("--comm-grad-codec", choices=GRAD_CODECS, default="maxmin",
                      help="gradient compression: maxmin (CGX) or natural (sign + exponent)")
    dist.add_argument("--comm-act-bits", type=int,
                      help="pipeline activations sent at this many bits (AC-SGD, changes)")
    dist.add_argument("--comm-act-grad-bits", type=int,
                      help="pipeline activation gradients sent at this many bits (AC-SGD)")
    dist.add_argument("--overlap", action="store_true",
                      help="overlap communication with compute (bucketed gradient reduction)")

    table = sub.add_parser("energy-table", help="per-operation and per-access energies in use")
    table.add_argument("--arch", default="tpu_like", help="arch YAML or shipped arch name")
    table.add_argument("--node", type=int, help="rescale to this technology node (nm)")
    table.add_argument("--json", action="store_true", help="print JSON")

    trace = sub.add_parser("trace", help="read an ONNX model into a workload YAML")
    trace.add_argument("model", type=Path, help="ONNX model file")
    trace.add_argument("-o", "--output", type=Path, required=True, help="workload YAML to write")
    trace.add_argument("--batch", type=int, help="the workload's batch (default: the model's "
                       "fixed batch dimension, else 1)")
    trace.add_argument("--name", help="workload name (default: the model file's stem)")
    trace.add_argument("--strict", action="store_true",
                       help="unsupported operators are an error instead of a warning")

    sw = sub.add_parser("sweep", help="evaluate a design space (see hwsim.sweep.spec)")
    sw.add_argument("spec", type=Path, help="sweep YAML: workload, base arch, space, ...")
    sw.add_argument("-o", "--output", type=Path, required=True,
                    help="results .csv or .parquet; finished chunks go to OUTPUT.parts/")
    sw.add_argument("--backend", choices=("local", "dask"), default="local")
    sw.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    sw.add_argument("--chunk-size", type=int, help="designs per chunk (default: the file's)")
    sw.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    rep = sub.add_parser("report", help="plots and a summary of a sweep's results")
    rep.add_argument("results", type=Path, help="results .csv or .parquet of `hwsim sweep`")
    rep.add_argument("-o", "--output", type=Path, required=True, help="report folder")
    rep.add_argument("--objectives", help="comma-separated, e.g. energy_pj,latency_s "
                     "(default: energy_pj,latency_s)")

    conv = sub.add_parser("convert", help="convert another tool's inputs to hwsim YAML")
    conv.add_argument("tool", choices=["scalesim"])
    conv.add_argument("cfg", type=Path, help="SCALE-Sim .cfg")
    conv.add_argument("topology", type=Path, help="SCALE-Sim topology CSV (conv or GEMM)")
    conv.add_argument("-o", "--output", type=Path, required=True, help="output directory")
    return parser


def _policy(args: argparse.Namespace) -> Policy:
    policy = load_policy(args.policy) if args.policy else Policy({})
    if args.precision:
        try:
            policy = policy.with_default(parse_precision_flag(args.precision))
        except ValueError as exc:
            raise SpecError.single("--precision", "", str(exc)) from None
    return policy


def _schedule(args: argparse.Namespace) -> Schedule | None:
    if args.schedule is None:
        if args.bits or args.grad_bits:
            raise SpecError.single("--bits", "", "expected --schedule with --bits/--grad-bits")
        return None
    try:
        bits = parse_bits(args.bits or "8", args.schedule)
        grad = parse_bits(args.grad_bits or "8", args.schedule)
        return Schedule(args.schedule, bits, grad, args.cycles)
    except ScheduleError as exc:
        raise SpecError.single("--schedule", "", str(exc)) from None


def _split(args: argparse.Namespace) -> FrequencySplit | None:
    if args.division is None:
        return None
    if not args.train:
        raise SpecError.single("--division", "", "expected --train with --division")
    try:
        return parse_frequency_split(args.division)
    except ValueError as exc:
        raise SpecError.single("--division", "", str(exc)) from None


def _device_memory(args: argparse.Namespace) -> float | None:
    gib = args.device_memory_gib
    if gib is None:
        return None
    if not args.train:
        raise SpecError.single("--device-memory-gib", "", "expected --train with a device memory")
    if not gib > 0:
        raise SpecError.single("--device-memory-gib", "", f"expected a positive size, got {gib}")
    return gib * 2**30


def _training_step(args: argparse.Namespace, base: TrainingConfig) -> TrainingConfig:
    """`base` with the saved-activation storage and device memory of the flags (which need
    --train)."""
    return replace(base, split=_split(args), device_memory_bytes=_device_memory(args))


def _estimate(args: argparse.Namespace) -> int:
    if args.batch is not None and args.batch < 1:
        raise SpecError.single("--batch", "", f"expected a positive integer, got {args.batch}")
    base = TrainingConfig(args.optimizer, iterations=args.iterations)
    workload, arch = load_inputs(args.workload, args.arch, batch=args.batch)
    arch = _arch_flags(args, arch)
    policy = _policy(args)
    for pattern in policy.unmatched_rules(workload):
        logging.warning("%s: policy rule layers=%r matches no layer of %s",
                        args.policy, pattern, workload.name)
    schedule = _schedule(args)
    if schedule is not None or args.iterations > 1:
        if not args.train:
            raise SpecError.single("--schedule", "", "expected --train with --schedule or "
                                   "--iterations")
        if args.devices is not None or args.parallel != "dp":
            raise SpecError.single("--devices", "", "expected one training step (no --schedule "
                                   "or --iterations) with --devices/--parallel")
        run = training_run(workload, arch, replace(base, split=_split(args), schedule=schedule),
                           policy=policy, batch=args.batch)
        sys.stdout.write(json.dumps(run.to_dict(), indent=2) + "\n" if args.json
                         else training_table(run))
        return 0
    if args.devices is not None or args.parallel != "dp":
        return _distributed(args, policy.apply(workload), arch, base)
    step = _training_step(args, base)  # its flags are errors without --train
    result = estimate(policy.apply(workload), arch, batch=args.batch,
                      training=step if args.train else None)
    if args.csv is not None:
        write_atomic(args.csv, to_csv(result))
    sys.stdout.write(to_json(result) + "\n" if args.json else to_table(result))
    return 0


def _arch_flags(args: argparse.Namespace, arch: Arch) -> Arch:
    """`arch` with the fields the command line overrides (`ARCH_FLAGS`)."""
    sections: dict[str, dict[str, str]] = {}
    for dest, (section, field) in ARCH_FLAGS.items():
        value = getattr(args, dest, None)
        if value is not None:
            sections.setdefault(section, {})[field] = value
    return replace(arch, **{section: replace(getattr(arch, section), **fields)
                            for section, fields in sections.items()})


def _distributed(args: argparse.Namespace, workload: Workload, arch: Arch,
                 base: TrainingConfig) -> int:
    if not args.train:
        raise SpecError.single("--devices", "", "expected --train with --devices/--parallel")
    devices = 1 if args.devices is None else args.devices
    if devices < 1:
        raise SpecError.single("--devices", "", f"expected a positive integer, got {devices}")
    if args.micro_batches < 0:
        raise SpecError.single("--micro-batches", "", f"expected a positive integer, got "
                               f"{args.micro_batches}")
    scheme, stages = parse_parallel(args.parallel, devices)
    for flag, value in (("--link-gbps", args.link_gbps),
                        ("--link-latency-us", args.link_latency_us),
                        ("--link-pj-per-bit", args.link_pj_per_bit)):
        if not (math.isfinite(value) and value >= 0) or (flag == "--link-gbps" and value == 0):
            least = "> 0" if flag == "--link-gbps" else ">= 0"
            raise SpecError.single(flag, "", f"expected a finite number {least}, got {value}")
    link = Link(args.link_gbps, args.link_latency_us * 1e-6, args.link_pj_per_bit)
    parallel = Parallelism(devices, scheme, stages, args.micro_batches, args.pipeline_schedule,
                           link, args.comm_grad_bits, args.comm_grad_codec, args.comm_act_bits,
                           args.comm_act_grad_bits, args.overlap, args.stage_cut)
    result = distributed_estimate(workload, arch, parallel, batch=args.batch,
                                  training=_training_step(args, base))
    sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n" if args.json
                     else distributed_table(result))
    return 0


def _energy_table(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    if args.node is not None and args.node not in supported_nodes():
        raise SpecError.single("--node", "", f"expected a node of the scaling table "
                               f"({', '.join(map(str, supported_nodes()))}), got {args.node}")
    table = energy_table(arch, node_nm=args.node)
    word = parse_format(f"int{arch.compute.word_bits}")
    entries = table.entries([parse_format(f) for f in REPORTED_FORMATS], word,
                            tuple(parse_format(f) for f in BLOCK_FORMATS),
                            parse_format(BLOCK_MAC_ACCUMULATOR))
    if args.json:
        print(json.dumps({"arch": arch.name, "node_nm": table.node_nm,
                          "word_bits": arch.compute.word_bits,
                          "entries": [asdict(e) for e in entries]}, indent=2))
        return 0
    bits = arch.compute.word_bits
    print(f"energy table of {arch.name} at {table.node_nm} nm "
          f"(per-bit entries also per {bits}-bit word)")
    width = max(len(e.action) for e in entries)
    for e in entries:
        per_word = f"{e.energy_pj * bits:10.4f} pJ/word" if e.unit == "pJ/bit" else " " * 18
        print(f"{e.action.ljust(width)}  {e.energy_pj:10.5f} {e.unit:<6} {per_word}  {e.source}")
    return 0


def _trace(args: argparse.Namespace) -> int:
    if args.batch is not None and args.batch < 1:
        raise SpecError.single("--batch", "", f"expected a positive integer, got {args.batch}")
    from hwsim.trace import from_onnx
    logging.getLogger("hwsim.trace").setLevel(logging.INFO)  # progress of long traces
    workload = from_onnx(args.model, name=args.name, batch=args.batch, strict=args.strict)
    write_atomic(args.output, workload_to_yaml(workload))
    macs = sum(int(x) for x in lower(workload, batch=1).macs)
    print(f"wrote {args.output}: {len(workload.layers)} layers, {macs / 1e9:.3f} GMACs per sample")
    return 0


def _convert(args: argparse.Namespace) -> int:
    arch = load_arch(args.cfg)
    workload = load_workload(args.topology)
    arch_path = args.output / f"{arch.name}.yaml"
    workload_path = args.output / f"{workload.name}.yaml"
    write_atomic(arch_path, arch_to_yaml(arch, source=f"converted from SCALE-Sim {args.cfg}"))
    write_atomic(workload_path, workload_to_yaml(workload))
    print(f"wrote {arch_path} and {workload_path}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from hwsim.sweep import sweep
    from hwsim.sweep.progress import ProgressBar
    from hwsim.sweep.spec import load_sweep
    logging.getLogger("hwsim.sweep").setLevel(logging.INFO)  # says when a sweep resumes
    if args.scheduler and args.backend != "dask":
        raise SpecError.single("--scheduler", "", "expected --backend dask with --scheduler")
    options = load_sweep(args.spec).arguments()
    if args.chunk_size is not None:
        options["chunk_size"] = args.chunk_size
    bar = None if args.no_progress else ProgressBar(sys.stderr)
    table = sweep(**options, backend=args.backend, scheduler=args.scheduler,
                  output=args.output, progress=bar)
    print(f"wrote {args.output}: {len(table)} designs, {int(table['feasible'].sum())} "
          f"feasible, {int(table['pareto'].sum())} on the Pareto front")
    return 0


def _report(args: argparse.Namespace) -> int:
    from hwsim.sweep.report import write_report
    command = " ".join(["hwsim", "report", str(args.results), "-o", str(args.output)] +
                       (["--objectives", args.objectives] if args.objectives else []))
    written = write_report(args.results, args.output, objectives=(
        args.objectives.split(",") if args.objectives else None), command=command)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _in_flags(issue: SpecIssue) -> SpecIssue:
    """`issue` in the command line's terms: a library parameter it is about, or names in its
    message as ``place.field``, becomes the flag that sets it (`FLAGS`)."""
    place, field = FLAGS.get((issue.file, issue.field_path), (issue.file, issue.field_path))
    message = issue.message
    for (group, name), (flag, _) in FLAGS.items():
        message = message.replace(f"{group}.{name}", flag)
    return replace(issue, file=place, field_path=field, message=message)


COMMANDS = {"estimate": _estimate, "energy-table": _energy_table, "trace": _trace,
            "sweep": _sweep, "report": _report, "convert": _convert}


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="hwsim: %(message)s")
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SpecError as exc:
        for issue in exc.issues:
            print(f"hwsim: error: {_in_flags(issue)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"hwsim: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
