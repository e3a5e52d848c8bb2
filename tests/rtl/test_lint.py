"""Every RTL unit is `verilator --lint-only -Wall` clean and plain Verilog-2005 for Icarus.

Checked for the default parameters, the sets the simulation tests use and the extremes of the
documented parameter ranges (rtl/README.md). The only waiver in the sources is one
``lint_off UNUSEDSIGNAL`` in rtl/quantizer.v, for a function variable whose upper bits are zero
by construction (the reason is next to it).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

RTL = Path(__file__).resolve().parents[2] / "rtl"

LINT_SETS = [
    ("lns_add", {"W": 8, "F": 3}),
    ("lns_add", {"W": 6, "F": 0}),
    ("lns_add", {"W": 12, "F": 5}),
    ("lns_add", {"W": 3, "F": 6}),
    ("lns_add", {"W": 31, "F": 6}),
    ("quantizer", {"IN_W": 16, "OUT_W": 8, "F": 3}),
    ("quantizer", {"IN_W": 24, "OUT_W": 4, "F": 1}),
    ("quantizer", {"IN_W": 12, "OUT_W": 12, "F": 5}),
    ("quantizer", {"IN_W": 2, "OUT_W": 2, "F": 0}),
    ("quantizer", {"IN_W": 32, "OUT_W": 32, "F": 6}),
    ("mx_quantizer", {"K": 32, "EB": 2, "MB": 1}),
    ("mx_quantizer", {"K": 32, "EB": 4, "MB": 3}),
    ("mx_quantizer", {"K": 8, "EB": 5, "MB": 2}),
    ("mx_quantizer", {"K": 4, "EB": 2, "MB": 3}),
    ("mx_quantizer", {"K": 16, "EB": 3, "MB": 2}),
    ("mx_quantizer", {"K": 1, "EB": 2, "MB": 1}),
    ("mx_quantizer", {"K": 64, "EB": 2, "MB": 5}),
    ("mx_quantizer", {"K": 2, "EB": 5, "MB": 2}),
]
IDS = [f"{top}-" + "_".join(f"{k}{v}" for k, v in p.items()) for top, p in LINT_SETS]


def verilator_lint(exe: str, top: str, params: dict[str, int]) -> subprocess.CompletedProcess[str]:
    cmd = [exe, "--lint-only", "-Wall", f"-I{RTL}", "--top-module", top,
           *(f"-G{k}={v}" for k, v in params.items()), str(RTL / f"{top}.v")]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@pytest.mark.rtl
@pytest.mark.parametrize(("top", "params"), LINT_SETS, ids=IDS)
def test_verilator_lint_wall_clean(top: str, params: dict[str, int],
                                   rtl_tool: Callable[[str, str], str]) -> None:
    res = verilator_lint(rtl_tool("verilator", "lint"), top, params)
    assert res.returncode == 0 and "%Warning" not in res.stderr, res.stderr


@pytest.mark.rtl
@pytest.mark.parametrize(("top", "params"), LINT_SETS, ids=IDS)
def test_icarus_accepts_verilog_2005(top: str, params: dict[str, int], tmp_path: Path,
                                     rtl_tool: Callable[[str, str], str]) -> None:
    cmd = [rtl_tool("iverilog", "Verilog-2005 check"), "-g2005", "-Wall", f"-I{RTL}", "-s", top,
           *(f"-P{top}.{k}={v}" for k, v in params.items()), "-o", str(tmp_path / "a.vvp"),
           str(RTL / f"{top}.v")]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr


@pytest.mark.rtl
@pytest.mark.parametrize(("top", "params"), [
    ("lns_add", {"W": 8, "F": 7}),  # no table for F = 7
    ("lns_add", {"W": 2, "F": 0}),  # no room for an exponent beside the zero code
    ("quantizer", {"IN_W": 8, "OUT_W": 9, "F": 3}),  # OUT_W > IN_W
    ("mx_quantizer", {"K": 32, "EB": 5, "MB": 3}),  # a 9-bit element
    ("mx_quantizer", {"K": 65, "EB": 2, "MB": 1}),  # K > 64
])
def test_unsupported_parameters_stop_elaboration(top: str, params: dict[str, int],
                                                 rtl_tool: Callable[[str, str], str]) -> None:
    res = verilator_lint(rtl_tool("verilator", "lint"), top, params)
    assert res.returncode != 0 and f"{top}_parameters_out_of_range" in res.stderr, res.stderr
