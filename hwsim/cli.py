"""The ``hwsim`` command: argument parsing, output files and exit codes, nothing else.

Exit codes: 0 success, 2 invalid input (one line per problem on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from hwsim import __version__
from hwsim.api import estimate, load_arch, load_workload
from hwsim.report import to_csv, to_json, to_table, write_atomic
from hwsim.spec.arch_io import arch_to_yaml
from hwsim.spec.errors import SpecError
from hwsim.spec.workload_io import workload_to_yaml

EXIT_BAD_INPUT = 2


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

    conv = sub.add_parser("convert", help="convert another tool's inputs to hwsim YAML")
    conv.add_argument("tool", choices=["scalesim"])
    conv.add_argument("cfg", type=Path, help="SCALE-Sim .cfg")
    conv.add_argument("topology", type=Path, help="SCALE-Sim topology CSV (conv or GEMM)")
    conv.add_argument("-o", "--output", type=Path, required=True, help="output directory")
    return parser


def _estimate(args: argparse.Namespace) -> int:
    if args.batch is not None and args.batch < 1:
        raise SpecError.single("--batch", "", f"expected a positive integer, got {args.batch}")
    result = estimate(args.workload, args.arch, batch=args.batch)
    if args.csv is not None:
        write_atomic(args.csv, to_csv(result))
    sys.stdout.write(to_json(result) + "\n" if args.json else to_table(result))
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


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="hwsim: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "estimate":
            return _estimate(args)
        return _convert(args)
    except SpecError as exc:
        for issue in exc.issues:
            print(f"hwsim: error: {issue}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"hwsim: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
