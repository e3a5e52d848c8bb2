"""hwsim against SCALE-Sim v3.0.0's own golden reports (copied from its v3.0.0 tag into
tests/golden/scalesim/upstream/, byte-identical to a re-run): the CALC run of AlexNet conv1 on a
32x32 WS array and the USER-bandwidth runs of a 256x128x256 GEMM for os, ws and is.

In both modes `Total Cycles - Stall Cycles` is the compute time, which hwsim's compute model
must reproduce exactly; the SRAM counts come from SCALE-Sim's compute model alone and must
match in both modes too.
"""

from __future__ import annotations

import csv
import math

import pytest

from hwsim.api import estimate
from tests_paths import SCALESIM_UPSTREAM as UPSTREAM

pytestmark = pytest.mark.golden


def report(folder: str, name: str) -> dict[str, str]:
    with (UPSTREAM / folder / name).open() as fh:
        rows = [[c.strip() for c in r] for r in csv.reader(fh)]
    return dict(zip(rows[0], rows[1], strict=False))


@pytest.mark.parametrize(("folder", "cfg", "topology"), [
    ("calc", "calc_ws.cfg", "alexnet_part.csv"),
    ("user_os", "user_os.cfg", "test_mnk_input.csv"),
    ("user_ws", "user_ws.cfg", "test_mnk_input.csv"),
    ("user_is", "user_is.cfg", "test_mnk_input.csv")])
def test_equal_to_upstream_golden(folder, cfg, topology):
    compute, access = report(folder, "COMPUTE_REPORT.csv"), \
        report(folder, "DETAILED_ACCESS_REPORT.csv")
    layer = estimate(UPSTREAM / topology, UPSTREAM / cfg).layers[0]
    assert layer.compute_cycles == int(compute["Total Cycles"]) - int(compute["Stall Cycles"])
    assert layer.sram_reads["ifmap"] == int(access["SRAM IFMAP Reads"])
    assert layer.sram_reads["filter"] == int(access["SRAM Filter Reads"])
    assert layer.sram_writes["ofmap"] == int(access["SRAM OFMAP Writes"])
    assert math.isclose(100 * layer.mapping_efficiency, float(compute["Mapping Efficiency %"]))
    assert math.isclose(100 * layer.compute_utilization, float(compute["Compute Util %"]))
