"""hwsim against frozen SCALE-Sim v3.0.0 results (tests/golden/scalesim/*.csv, produced by
``python tests/golden/scalesim/make_fixtures.py``, see its README): 540 random conv and GEMM
layers in full CALC runs on six array shapes and three dataflows, and SCALE-Sim's ResNet-18 on
32x32 and 128x128. Cycles and SRAM counts must be equal; percentages equal to 1e-9."""

from __future__ import annotations

import csv

import pytest

from hwsim.api import estimate
from hwsim.precision import parse_format
from hwsim.spec.arch import Arch, ComputeArray, MappingSpec, Memory, SramBuffer, VectorUnit
from hwsim.workload.scalesim import SCALESIM_PRECISION
from hwsim.spec.workload import Conv2d, Linear, Workload
from tests_paths import SCALESIM_FIXTURES as FIXTURES
from tests_paths import assert_matches_scalesim

pytestmark = pytest.mark.golden


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open() as fh:
        return list(csv.DictReader(fh))


def layer_of(row: dict[str, str]) -> Conv2d | Linear:
    """The layer as SCALE-Sim saw it (conv: no padding, ceil output rule; GEMM: M rows)."""
    if row["kind"] == "gemm":
        return Linear(row["layer_name"], int(row["gemm_k"]), int(row["gemm_n"]),
                      rows=int(row["gemm_m"]))
    s = int(row["stride"])
    return Conv2d(row["layer_name"], int(row["channels"]), int(row["num_filters"]),
                  int(row["ifmap_h"]), int(row["ifmap_w"]), int(row["filter_h"]),
                  int(row["filter_w"]), s, s, ceil_mode=True)


def arch_of(row: dict[str, str]) -> Arch:
    buffers = tuple(SramBuffer(n, 64 * 1024) for n in ("ifmap", "filter", "ofmap"))
    array = ComputeArray("systolic", int(row["array_rows"]), int(row["array_cols"]),
                         row["dataflow"], 1000.0, 8, (parse_format("int8"),))
    return Arch("fixture", "", array, VectorUnit(8), Memory(buffers, 10.0, "per_operand"),
                mapping=MappingSpec("scalesim"))


def check(row: dict[str, str]) -> None:
    workload = Workload("w", "fixture", 1, SCALESIM_PRECISION, (layer_of(row),))
    layer = estimate(workload, arch_of(row)).layers[0]
    pes = int(row["array_rows"]) * int(row["array_cols"])
    assert_matches_scalesim(layer, row, pes, f"{row['case']} {row['layer_name']}")


def test_random_layers_full_calc_runs():
    table = rows("random_calc.csv")
    assert len(table) == 540
    for row in table:
        check(row)


def test_resnet18_compute_reports():
    table = rows("resnet18_compute.csv")
    assert len(table) == 126
    for row in table:
        check(row)
