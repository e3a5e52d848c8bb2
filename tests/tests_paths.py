"""Shared test helpers: the repository's data folders, the `hwsim` command run as a user runs it,
optional test dependencies, a workload in a precision an arch executes, and the comparison of a
layer with a SCALE-Sim CALC report."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = REPO / "workloads"
SCALESIM_FIXTURES = REPO / "tests" / "golden" / "scalesim"
SCALESIM_UPSTREAM = SCALESIM_FIXTURES / "upstream"


def run_hwsim(*args: str, cwd: Path = REPO,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hwsim ARGS` in a subprocess, stdout and stderr captured as text; a non-zero
    exit is returned, not raised, so tests can check exit codes."""
    return subprocess.run([sys.executable, "-m", "hwsim", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, check=False)


def assert_one_line_error(run: subprocess.CompletedProcess[str], message: str) -> None:
    """The project's bad-input contract: exit status 2, `message` on stderr, one line, no
    traceback."""
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def need(module: str) -> ModuleType:
    """Import an optional test dependency (torch, onnx). CI installs the `test` extra, so there a
    missing module fails the run; on a developer machine without it the test skips."""
    return importlib.import_module(module) if os.environ.get("CI") else \
        pytest.importorskip(module)


def assert_matches_scalesim(layer, report, pes: int, label: str) -> None:
    """hwsim's `layer` (a LayerResult) equals a SCALE-Sim CALC-mode report row on a `pes`-PE
    array: `Total Cycles` and the SRAM counts exactly, the three percentages to 1e-9. `report`
    has tests/peers/scalesim_runner.parse_reports' keys; values may be numbers or the strings of
    a frozen fixture CSV. Overall Util % is SCALE-Sim's MACs / (Total Cycles x PEs)."""
    assert layer.compute_cycles == int(report["total_cycles"]), label
    assert (layer.sram_reads["ifmap"], layer.sram_reads["filter"],
            layer.sram_writes["ofmap"]) == (int(report["sram_ifmap_reads"]),
                                            int(report["sram_filter_reads"]),
                                            int(report["sram_ofmap_writes"])), label
    assert math.isclose(100 * layer.mapping_efficiency, float(report["mapping_efficiency_pct"]),
                        rel_tol=1e-9), label
    assert math.isclose(100 * layer.compute_utilization, float(report["compute_util_pct"]),
                        rel_tol=1e-9), label
    assert math.isclose(100 * layer.macs / (layer.compute_cycles * pes),
                        float(report["overall_util_pct"]), rel_tol=1e-9), label


def for_arch(workload, arch_name):
    """`workload` in a precision the arch executes: an LNS-only array runs its own LNS format
    (every other shipped arch runs the zoo's int8)."""
    from hwsim.api import load_arch
    from hwsim.spec.policy import Policy

    arch = load_arch(arch_name)
    if arch.compute.kind != "lns":
        return workload
    native = arch.compute.native_formats[0]
    return Policy({"weights": native, "activations": native, "gradients": native}).apply(
        workload)
